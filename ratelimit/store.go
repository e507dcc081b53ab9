package ratelimit

import (
	"context"
	"time"
)

// Store keeps per-key limiter state and applies each decision atomically: however many
// goroutines or processes call Take for one key at once, no more is admitted than the
// Quota's algorithm allows. MemoryStore holds state in this process; RedisStore shares it
// between processes.
//
// Implementations receive keys as the caller gave them and should hash them before storing
// (both stores here do), so raw IP addresses, user names or API keys are never kept.
type Store interface {
	// Take charges cost units to key under q, as of now, and returns the decision. A cost
	// of 0 peeks: nothing is charged and Allowed reports whether one unit is left. A
	// negative cost refunds units charged by an earlier decision; now must then be that
	// decision's Result.Time. Denials are not errors: err is for requests that can never
	// fit (ErrCostExceedsLimit) and for store failures.
	Take(ctx context.Context, q *Quota, key string, cost int64, now time.Time) (Result, error)

	// Reset forgets key's state under q, as if it had never been seen.
	Reset(ctx context.Context, q *Quota, key string) error
}
