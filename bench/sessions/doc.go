// Package sessions compares djin's sessions middleware (ginmw/session) with
// gin-contrib/sessions, store by store:
//
//   - store=cookie: djin's CookieStore (XChaCha20-Poly1305) against gin-contrib's cookie
//     store with a hash key and an encryption key (gorilla/securecookie, HMAC-SHA256 and
//     AES-256-CTR), so both sign and encrypt.
//   - store=memory: djin's MemoryStore against gin-contrib's memstore.
//   - store=redis: djin's RedisStore (go-redis) against gin-contrib's redis store
//     (boj/redistore on redigo), on the Redis server of REDIS_URL (default
//     redis://127.0.0.1:6379/0) under a key prefix of their own. Without a server the
//     Redis cases are skipped with a message.
//
// Each store serves three requests carrying a logged-in session (Django's three
// _auth_user_* keys): case=untouched, a page that never looks at the session; case=read,
// a page that reads the user id; case=write, a page that changes a value, so the session
// is saved and its cookie sent again. The views are the same code for both libraries:
// djin's Session implements gin-contrib's sessions.Session interface and
// sessions.Default(c) returns it. gin-contrib needs the explicit Save; djin saves by
// itself, and the view's Save is a no-op there.
package sessions
