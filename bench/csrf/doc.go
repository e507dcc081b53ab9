// Package csrf compares csrfx in its default mode (origin gate and Django's token) with
// gorilla/csrf, justinas/nosurf and, for safe requests, net/http's CrossOriginProtection:
//
//   - case=GET-no-cookie: a first visit to a page that uses no token. csrfx and the
//     standard library do nothing; gorilla and nosurf make and sign a secret and set their
//     cookie on every such response.
//   - case=GET-cookie: a returning visitor (the CSRF cookie is sent) on a page that uses no
//     token.
//   - case=GET-token: a page that renders a form, so each library masks a token for it.
//   - case=POST-header: an XMLHttpRequest-style POST with the token in each library's
//     default header, a same-origin Origin and Sec-Fetch-Site.
//   - case=POST-form: a urlencoded form POST with the token in each library's form field.
//
// Every library gets requests carrying the cookie and token it issued itself (fetched once
// from its own /token page), over HTTPS, with the same extra cookies and headers. gorilla
// and nosurf are net/http middlewares and wrap the gin engine, the cheapest way to put
// them in front of gin; csrfx and CrossOriginProtection run inside it as gin middlewares.
//
// The origin-only preset is compared with CrossOriginProtection in package csrforigin,
// because csrfx's allocation-free paths belong to the first Middleware a process builds
// (see csrfx's primary Middleware) and each package is its own process.
package csrf
