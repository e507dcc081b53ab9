// Package csrfx protects Gin applications against cross-site request forgery, the way
// Django's CsrfViewMiddleware does, with the browser-side checks of Go's
// net/http.CrossOriginProtection in front.
//
// # Two layers, both on by default
//
// Every unsafe request (anything but GET, HEAD and OPTIONS) must pass both:
//
//  1. The origin gate. The browser says where the request comes from: Sec-Fetch-Site
//     ("same-origin" and "none" pass; "same-site", "cross-site" and unknown values fail
//     unless the Origin is trusted); else the Origin header, which must be the request's
//     own origin (scheme, host and port) or a trusted one; else, on HTTPS only, Django's
//     strict Referer rule (an https Referer from the site itself or a trusted origin).
//  2. Django's token. A 32-character secret lives in the csrftoken cookie (or in the
//     session); pages embed a freshly masked 64-character token (Token, Input, the
//     template helpers, the JavaScript helper); the request sends it back in the
//     X-CSRFToken header (or X-CSRF-Token, X-XSRF-TOKEN) or the csrfmiddlewaretoken form
//     field. It is checked for format first, then compared in constant time.
//
// Neither layer can make the request skip the other. The token format is Django's, byte
// for byte, so Django's test vectors, pages and JavaScript work unchanged.
//
// # Use
//
// Inside a djin pipeline (ginmw.Chain, or the settings file entry "csrf"):
//
//	m, err := csrfx.New(csrfx.Config{TrustedOrigins: []string{"https://*.example.com"}})
//	router.Use(ginmw.Chain(security, sessions, m, auth))
//
// Alone, as a plain Gin middleware:
//
//	router.Use(csrfx.Default().Handler())
//
// In templates, install FuncMap and print {{ csrf_input .c }} in every POST form; a
// ginmw.Render response also gets a lazy {{ .csrf_token }}. Scripts use the helper served by
// Middleware.JSHandler, which adds the header to same-origin fetch and XMLHttpRequest calls.
//
// # Routes
//
// Django's decorators are handlers for a route or group, found on the matched route (method
// and route template, never the raw path): Exempt (csrf_exempt), Protect (csrf_protect),
// EnsureCookie (ensure_csrf_cookie) and RequiresToken (requires_csrf_token). The checks run
// in ProcessView, after routing, so exemptions are exact. Rotate replaces the secret at
// login and logout (authx calls it).
//
// # Presets and storage
//
// Config.Mode selects Both (default), OriginOnly (the origin gate alone, net/http parity,
// for APIs and single-page applications) or TokenOnly. Config.Storage selects the cookie
// (default, stateless) or the session (the token is then bound to the user's session, which
// also closes cookie tossing from sibling subdomains).
//
// # Failures
//
// A rejected request gets 403 (HTML or JSON, by the Accept header, never echoing the
// Origin), one slog warning with Django's exact reason, and c.Abort(). Errors wrap sentinel
// reasons (ErrNoCookie, ErrTokenMissing, ErrBadOrigin, …) for errors.Is. ReportOnly logs
// failures without blocking, for rolling out on a live site.
//
// docs/csrf.md explains the threat model, the presets, proxies and localhost, and SPAs.
package csrfx
