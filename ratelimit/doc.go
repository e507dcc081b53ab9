// Package ratelimit throttles requests for Gin applications: the Django tutorials'
// throttle middleware ("at most 3 requests per 10 seconds per IP", kept as a list of
// timestamps), grown into limits that hold across instances and cannot be talked around.
//
// # Quick start
//
// The tutorials' throttle, as one line:
//
//	router.Use(ratelimit.PerIP("3/10s"))
//
// The same with every choice spelled out, as a settings file would:
//
//	mw, err := ratelimit.Middleware(ratelimit.Config{
//		Policies: []ratelimit.Policy{{
//			Name:      "tutorial",
//			Rate:      ratelimit.MustParseRate("3/10s"),
//			Algorithm: ratelimit.SlidingLog, // exact: never 4 inside 10 s
//			Key:       ratelimit.ByIP(),
//		}},
//	})
//
// A Middleware works with router.Use, on a route group, or in one route's handler list.
// Config{} (and Default) limits each client IP to DefaultRate(), 60 requests a minute.
//
// # Rates
//
// ParseRate reads "3/10s", "20/m", "100/h", "1000/d", django-ratelimit's "100/300"
// (seconds), ulule/limiter's "5-M", and ";burst=20". It rejects what could be misread: a
// capital "M" after "/" (minute or month?), months and years, fractions, and anything
// after the unit. DRF reads only the first letter of the period, so its "10/5m" silently
// means 10 per minute; here it means 10 per 5 minutes. "0/s" blocks everything and
// "unlimited" switches a policy off.
//
// # Algorithms
//
// GCRA (the default) is a token bucket in one timestamp: smooth, O(1), with bursts.
// SlidingLog is the tutorials' algorithm and exact. SlidingWindow and FixedWindow are
// cheap counters. Their worst cases differ; see Algorithm and the generated chart in
// docs/ratelimit.md.
//
// # Keys and client identity
//
// A Policy counts by a Key: ByIP (the default), ByUser, ByRoute, ByHeader, ByParam,
// ByFunc, or Compose of several. The client IP is the socket peer unless that peer is a
// configured trusted proxy; X-Forwarded-For from anyone else is ignored, unlike gin's
// c.ClientIP(), which trusts every proxy by default. IPv6 clients are grouped by /64. A
// route key is the route template (c.FullPath()), never the raw path. A missing key (no
// header, an anonymous user) counts by IP or denies; it never skips the limit.
//
// # Stores
//
// A MemoryStore keeps state in the process: sharded, allocation-free per decision, with a
// hard cap on keys that evicts only entries that have fully refilled, so a flood of new
// keys cannot reset a client that is over its limit. A RedisStore shares state between
// instances: one Lua script run per decision on the Redis server's clock, keys
// hash-tagged for Redis Cluster, and an explicit outage policy (fall back to a local
// store, fail open, or fail closed) behind a circuit breaker.
//
// # HTTP
//
// Responses carry the IETF draft's RateLimit-Policy and RateLimit fields (the legacy
// X-RateLimit-* trio on request), and refusals a 429 with Retry-After and a body in the
// format the client accepts: application/problem+json, JSON, HTML or text. A store that
// cannot decide yields 503, never a 500. Shadow mode measures without refusing;
// OnDecision feeds metrics; Denied replaces the refusal page.
//
// # Logins
//
// Lockout counts failed logins per client address or per user name with back-off tiers,
// reserving each attempt before the password is checked, and never looks accounts up.
//
// # Django equivalents
//
//	Django                                    ratelimit
//	DRF AnonRateThrottle, rate "100/day"      Policy{Rate: "100/d"} (by IP)
//	DRF UserRateThrottle                      Policy{Key: ByUser(id)}: anonymous requests count by IP
//	DRF ScopedRateThrottle                    one named Policy per route group
//	@ratelimit(key="ip", rate="5/m")          Middleware on the route, Policy{Rate: "5/m"}
//	@ratelimit(key="post:username")           Policy{Key: ByFunc(...), Count: CountFailures}
//	@ratelimit(block=False), request.limited  Config{Shadow: true}, FromContext(c).Limited
//	django-axes AXES_FAILURE_LIMIT + tiers    Lockout with Tiers
//
//go:generate go run ./internal/admitchart/gen -o internal/admitchart/admits.svg
package ratelimit
