// Package session is Django's session framework on Gin, built on gin-contrib/sessions:
// SessionMiddleware, request.session, and the session engines, with the primitives login
// and logout need (Regenerate and Flush) and the traps of the Go peers removed.
//
// # Using it
//
// Put the middleware in the stack (or use it alone with ginmw.Adapt), then use the
// request's session from any handler:
//
//	store, _ := session.NewSQLStore(session.SQLStoreConfig{DB: db})
//	_ = store.Migrate(ctx)
//	sessions, _ := session.New(session.Config{Store: store})
//	router.Use(ginmw.Chain(security, sessions, csrf, auth))
//
//	router.GET("/cart", func(c *gin.Context) {
//		s := session.Get(c)                 // Django: request.session
//		s.Set("cart", "3 apples")           // request.session["cart"] = ...
//		c.String(200, s.GetString("cart"))
//	})
//
// The session is loaded on first use and saved by the middleware's response hook, before
// the response leaves the buffer: there is no Save to forget (gin-contrib's issue #6), and
// code written for gin-contrib keeps working, since *Session implements its
// sessions.Session interface and sessions.Default(c) returns it.
//
// # Stores
//
// SQLStore keeps sessions in Django's django_session table on SQLite or PostgreSQL (the
// embedded default for a single server), RedisStore in Redis (several instances),
// CookieStore in the cookie itself (encrypted with XChaCha20-Poly1305, with key rotation),
// MemoryStore in this process (tests). Any Store works; sessiontest.Run checks one.
//
// Server-side keys are 40 characters of [a-z0-9] from crypto/rand (206 bits). A key the
// store does not hold is never adopted: the session starts empty and gets a new key when it
// is saved, which closes session fixation by planted cookies.
//
// # Login and logout
//
// Regenerate (Django's cycle_key) moves the session to a new key and deletes the old one at
// once; authx.Login calls it, so a cookie captured before login is worth nothing after it.
// Flush (Django's flush) deletes the session from the store and makes the response expire
// the cookie, with the attributes it was set with; authx.Logout calls it. With the
// CookieStore nothing is kept on the server, so a copied cookie stays valid until it
// expires (Django's caveat for signed-cookie sessions); authx's per-user session hash is
// the defence there.
//
// # Failures
//
// Nothing a client sends can turn into a 500: a tampered, expired, unknown, malformed or
// oversized cookie is an empty session. A store outage is logged and the request continues
// with an empty session, leaving the cookie alone so the user's session is back when the
// store is; if the request changed its session, the change is lost and the response becomes
// 503. A request that saves a session deleted meanwhile by another request (a logout in
// another tab) gets 400 instead of bringing it back, as with Django's SessionInterrupted.
//
// # Django settings
//
//	SESSION_ENGINE                  Config.Store (settings file: engine)
//	SESSION_COOKIE_NAME             Config.CookieName ("sessionid")
//	SESSION_COOKIE_AGE              Config.CookieAge (two weeks)
//	SESSION_COOKIE_DOMAIN           Config.CookieDomain
//	SESSION_COOKIE_PATH             Config.CookiePath ("/")
//	SESSION_COOKIE_SECURE           Config.CookieSecure (Secure in release mode)
//	SESSION_COOKIE_HTTPONLY         always on
//	SESSION_COOKIE_SAMESITE         Config.CookieSameSite ("Lax")
//	SESSION_EXPIRE_AT_BROWSER_CLOSE Config.ExpireAtBrowserClose
//	SESSION_SAVE_EVERY_REQUEST      Config.SaveEveryRequest
//	SESSION_SERIALIZER              Config.Serializer (JSON)
//
// The middleware is registered as "sessions" for the settings file; see Options and
// Factory for the services it takes from the application.
package session
