// Package cache is Django's per-site cache on Gin: whole GET and HEAD responses kept for a
// while and served again without running the view, plus the per-view decorators CachePage
// (Django's cache_page) and NeverCache (never_cache).
//
// # The per-site cache
//
// As in Django, two middlewares frame the stack, from one Cache:
//
//	site := cache.Default() // or cache.New(cache.Config{Backend: redisBackend, Timeout: 5 * time.Minute})
//	router.Use(ginmw.Chain(
//		site.UpdateCache(),    // first: stores the final response, after every layer added its headers
//		security, sessions, csrf, auth,
//		site.FetchFromCache(), // last: answers from the cache after every layer's request hook
//	))
//
// The order is Django's "counter-intuitive, but correct" one: the storing half sees the
// response only after the layers below have added their Vary headers (sessions adds
// "Vary: Cookie" when the view used the session), and the fetching half runs after the
// request hooks above it (security redirects, host checks, throttling), whose response hooks
// then run on cached answers too. Middleware gives both halves in one entry, for ginmw.Adapt
// or the top of a stack.
//
// # What is cached
//
// GET and HEAD requests answered 200, by absolute URL (scheme, host, path and query) and by
// the values of the request headers the response names in Vary, for the route's CachePage
// timeout, else the response's s-maxage or max-age, else Config.Timeout (Django:
// CACHE_MIDDLEWARE_SECONDS, ten minutes). Stored responses get Django's Expires and max-age
// headers; hits get an Age header.
//
// Never cached, stricter than Django where Django relies on the view: responses that set a
// cookie; responses with Cache-Control private, no-store or no-cache, or max-age=0; responses
// that vary on Cookie, Authorization or *; responses carrying a CSP nonce (it would be
// shared by everyone); requests with an Authorization header; streamed responses; bodies
// over Config.MaxBodyBytes. A view that reads cookies or the user itself without going
// through the session must say so with "Vary: Cookie" or NeverCache, as in Django.
//
// Date, Set-Cookie, X-Request-Id and the hop-by-hop headers are not stored. A backend that
// fails is logged and the request is served uncached; a corrupt entry is a miss.
//
// # Backends
//
// Memory (the default) is a bounded LRU in this process; Redis is shared by several
// instances. Any Backend works.
//
// # Settings
//
// The middlewares are registered as "update_cache", "fetch_from_cache" (which takes its
// cache from update_cache above it) and "cache" (both halves in one entry). See Options for
// the settings-file form and the "cache" and "redis" application services.
package cache
