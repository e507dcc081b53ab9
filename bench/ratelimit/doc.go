// Package ratelimit compares djin's ratelimit package with the Go rate limiters people
// put in front of Gin:
//
//   - BenchmarkRateLimitDecision: one decision in an in-memory store, for a warm key among
//     10 000 (clients keyed by IP), serial and on every core, with a limit that is never
//     reached so that the whole accounting path runs: djin's Limiter on a MemoryStore
//     (GCRA), ulule/limiter's memory store, golang.org/x/time/rate limiters in a sync.Map
//     (the usual per-key pattern), sethvargo/go-limiter's memorystore and
//     didip/tollbooth's limiter. Every implementation reads the clock itself.
//   - BenchmarkRateLimitNewKey: the first decision for a key never seen, and the memory
//     each key then holds (the B/key metric: live heap growth per key, beyond the key
//     string the caller already had).
//   - BenchmarkRateLimitGin: the middleware in a gin engine, clients rotating over 10 000
//     socket addresses: djin's Middleware (GCRA by client IP, draft RateLimit headers),
//     ulule's gin middleware (X-RateLimit-* headers), tollbooth in the adapter of
//     didip/tollbooth_gin (inlined: that module targets an older tollbooth) and
//     go-limiter's net/http middleware around the engine; case=allowed under the limit
//     and case=denied, where every request gets 429.
//   - BenchmarkRateLimitRedis: one decision against the Redis server of REDIS_URL (default
//     redis://127.0.0.1:6379/0), serial (latency) and with 8 concurrent callers per core
//     (throughput): djin's RedisStore, go-redis/redis_rate and ulule's Redis store, all on
//     the same go-redis client. Skipped with a message when Redis does not answer.
//
// The setup tests check that every implementation really limits: with a quota of 3 the
// fourth request is refused.
package ratelimit
