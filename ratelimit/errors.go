package ratelimit

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of these, so callers can
// branch with errors.Is while the message names the setting or input at fault.
var (
	// ErrInvalidRate reports a rate string or Rate value that cannot be enforced as written.
	ErrInvalidRate = errors.New("ratelimit: invalid rate")

	// ErrInvalidConfig reports a configuration field that is missing or out of range.
	ErrInvalidConfig = errors.New("ratelimit: invalid configuration")

	// ErrEmptyKey is returned when a decision is asked for an empty key. An empty key is
	// never a reason to skip a limit: the middleware falls back to the client IP or denies.
	ErrEmptyKey = errors.New("ratelimit: empty key")

	// ErrCostExceedsLimit is returned when one request costs more units than the quota can
	// ever hold, so waiting would not help. The decision is a denial.
	ErrCostExceedsLimit = errors.New("ratelimit: cost exceeds the quota")

	// ErrStoreFull is returned by a MemoryStore at its key cap when no entry can be evicted
	// safely and the store is configured to refuse new keys.
	ErrStoreFull = errors.New("ratelimit: store full")

	// ErrStoreUnavailable is returned when the shared store cannot be reached and the
	// outage policy is to fail closed.
	ErrStoreUnavailable = errors.New("ratelimit: store unavailable")

	// ErrMalformedState is returned when a stored value is not one this package wrote.
	ErrMalformedState = errors.New("ratelimit: malformed stored state")
)

// fieldError names the configuration field an error is about, keeping the package prefix
// first: "ratelimit: Config.Policies[1]: invalid rate: ...".
type fieldError struct {
	field string
	err   error
}

func inField(field string, err error) error { return &fieldError{field, err} }

// Error implements error.
func (e *fieldError) Error() string {
	return "ratelimit: " + e.field + ": " + strings.TrimPrefix(e.err.Error(), "ratelimit: ")
}

// Unwrap lets errors.Is find the sentinel.
func (e *fieldError) Unwrap() error { return e.err }
