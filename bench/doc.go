// Package bench is the root of djin's side-by-side benchmarks: a module of its own
// (github.com/djin-go/djin/bench), so that the peer libraries it measures djin against
// never become dependencies of djin. It holds no code; the benchmarks are in its
// sub-packages, one per family, each a process of its own under `go test`:
//
//	chain       ginmw's pipeline and default middlewares vs bare gin and gin-contrib
//	csrf        csrfx (default mode and origin-only preset) vs gorilla/csrf, nosurf, net/http
//	hashers     authx's password check vs x/crypto and the standard library
//	sessions    ginmw/session stores vs gin-contrib/sessions stores
//	ratelimit   ratelimit vs ulule/limiter, x/time/rate, go-limiter, tollbooth, redis_rate
//	jwt         authx's JWT authentication vs appleboy/gin-jwt
//
// internal/harness drives every comparison the same way, and cmd/charts draws the
// charts of docs/benchmarks.md. README.md says how to run them.
package bench
