// Package testclock is the settable clock of djin's tests and of the public test kits
// (sessiontest.Clock is this type).
package testclock

import (
	"sync"
	"time"
)

// Clock is a clock a test sets and moves; safe for concurrent use. Its Now method is the
// Now field of djin's configurations.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock stopped at start.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
