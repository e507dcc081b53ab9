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
// BenchmarkCSRFOrigin compares csrfx's origin-only preset (Config.Mode = csrfx.OriginOnly,
// the origin gate without tokens, for APIs and single-page applications) with net/http's
// CrossOriginProtection, which does the same job:
//
//   - case=sec-fetch-site: a POST from a browser that sends Fetch Metadata
//     (Sec-Fetch-Site: same-origin) and an Origin.
//   - case=origin-only: a POST from an older browser: an Origin, no Sec-Fetch-Site.
//   - case=trusted-origin: a cross-site POST from an origin both are configured to trust.
package csrf
