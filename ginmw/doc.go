// Package ginmw runs Django's middleware model on Gin.
//
// A Django middleware has up to five hooks; so does a ginmw middleware. Any type with any
// subset of these methods is a middleware:
//
//	ProcessRequest(c *gin.Context)                                  // process_request
//	ProcessView(c *gin.Context, v ginmw.View)                       // process_view
//	ProcessException(c *gin.Context, err error)                     // process_exception
//	ProcessTemplateResponse(c *gin.Context, t *ginmw.TemplateResponse) // process_template_response
//	ProcessResponse(c *gin.Context, r *ginmw.Response)              // process_response
//
// Chain runs a list of them with the semantics of Django's MIDDLEWARE setting and returns
// one gin.HandlerFunc for router.Use, a route group or a single route:
//
//	router.Use(ginmw.Chain(security, sessions, csrf, auth))
//
// The order is Django's: request hooks top to bottom; then, with the route known, view
// hooks top to bottom; then the view (the gin handlers after the chain); if the view panics
// or leaves an error in c.Errors without answering, exception hooks bottom to top until one
// answers; if the view answered with Render, template hooks bottom to top and then the
// rendering; last, response hooks bottom to top. A hook answers ("returns a response") the
// Gin way: it writes a response and calls c.Abort(). A request hook that answers at layer k
// skips everything below it, and only layers k..1 see the response. Errors nobody handled
// become responses by type (ErrNotFound 404, ErrPermissionDenied 403, ErrBadRequest and
// ErrSuspiciousOperation 400, anything else 500) and still pass every response hook. A
// hook that panics is turned into an error response in place, as Django's per-layer
// exception-to-response conversion does. docs/ginmw.md lists all twelve rules.
//
// Plain gin middlewares mix freely in the same list: code before c.Next() is their
// process_request, code after it their process_response, and c.Next() runs the rest of the
// chain.
//
// # The response is buffered
//
// Gin writes a response as soon as the view writes it, which leaves nothing for Django's
// process_response to change. A chain holds the response (status, header, body) in a pooled
// buffer until every response hook has run, then sends it in one write, so a hook can
// rewrite what the view wrote. When the view streams (Flush, server-sent events, Hijack) or
// the body outgrows Config.MaxBufferBytes, the response switches to pass-through: the
// response hooks run at that moment on the headers, and Response.Streaming tells them so.
//
// # Settings
//
// Middlewares register under a name (Register), and a settings file lists them in order,
// like Django's MIDDLEWARE; commenting a line out switches that feature off:
//
//	middleware:
//	  - security
//	  - sessions
//	  # - csrf
//	  - ratelimit: {rate: 300/m}
//
// ReadSettings parses the file and Settings.Stack builds the chain. An unknown name, a bad
// option or a wrong order is a start-up error that names the line.
//
// # Request facts and Django's default middlewares
//
// NewFacts decides the client IP, the scheme and the host once per request. Forwarded
// headers count only from configured trusted proxies (gin trusts every peer by default),
// and the host is checked against Django's ALLOWED_HOSTS. ClientIP, IsSecure, Scheme and
// Host read the result. csrfx and ratelimit use it; nothing else reads those headers.
//
// Django's default middlewares are here too, each a hook type with a constructor named after
// it and registered under its settings name: NewSecurity ("security"), NewCommon
// ("common"), NewXFrame ("xframe"), NewConditionalGet ("conditional_get"), NewGZip
// ("gzip"), NewRequestID ("request_id") and NewAccessLog ("access_log"). Sessions,
// messages and the per-site cache are the sub-packages session, messages and cache.
// docs/middleware.md lists every setting beside Django's name and gives the recommended
// order.
//
// # 404 and 405
//
// Installed with router.Use, a chain also runs for requests gin finds no route for (and,
// with engine.HandleMethodNotAllowed, no method for): as in Django, no view or exception
// hook runs, and the 404 or 405 passes every response hook.
package ginmw
