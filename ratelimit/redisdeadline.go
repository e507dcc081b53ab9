package ratelimit

import (
	"context"
	"sync/atomic"
	"time"
)

// deadlines bounds RedisStore calls without a timer per call. context.WithTimeout costs a
// decision four allocations, a timer set and stopped, and an entry in the request
// context's child map; measured in bench/, that was the whole difference between
// djin's Redis throughput and redis_rate's (which has no timeout at all). Here every call
// gets its exact deadline for the socket (go-redis reads Deadline to set read and write
// deadlines), while the channel that Done returns, which go-redis selects on while it
// waits for a pooled connection, is shared by all calls that start within slack of each
// other: it closes at the latest of their deadlines, at most slack after a call's own.
type deadlines struct {
	timeout time.Duration
	slack   time.Duration
	current atomic.Pointer[deadlineTick]
}

// deadlineTick is a shared Done channel and the time its timer closes it.
type deadlineTick struct {
	at   time.Time
	done chan struct{}
}

func newDeadlines(timeout time.Duration) *deadlines {
	return &deadlines{timeout: timeout, slack: max(time.Millisecond, timeout/8)}
}

// context returns the context for one call starting now and the function that releases
// it: parent's values, a deadline timeout from now, and a Done channel that closes
// between that deadline and slack after it.
//
// A parent with a deadline of its own (a request with a time budget) gets
// context.WithTimeout instead, so that an earlier deadline is kept for the pool wait too.
// Otherwise the call is not cut short when parent is cancelled (a client that went away):
// it ends within the timeout anyway, and a decision already sent is taken whether or not
// anyone waits for it.
func (d *deadlines) context(parent context.Context) (context.Context, context.CancelFunc) {
	if _, ok := parent.Deadline(); ok {
		return context.WithTimeout(parent, d.timeout)
	}
	deadline := time.Now().Add(d.timeout)
	t := d.current.Load()
	if t == nil || t.at.Before(deadline) {
		// Two calls may both get here; each keeps the tick it made, which is as good.
		t = &deadlineTick{at: deadline.Add(d.slack), done: make(chan struct{})}
		time.AfterFunc(time.Until(t.at), func() { close(t.done) })
		d.current.Store(t)
	}
	return &callContext{parent: parent, deadline: deadline, tick: t}, noCancel
}

// noCancel is the release function of a callContext: it holds no timer of its own.
func noCancel() {}

// callContext is a context.Context for one RedisStore call; see deadlines.
type callContext struct {
	parent   context.Context
	deadline time.Time
	tick     *deadlineTick
}

// Deadline returns the call's deadline.
func (c *callContext) Deadline() (time.Time, bool) { return c.deadline, true }

// Done returns the shared channel, closed no earlier than the call's deadline.
func (c *callContext) Done() <-chan struct{} { return c.tick.done }

// Err reports context.DeadlineExceeded once Done is closed, and nil before.
func (c *callContext) Err() error {
	select {
	case <-c.tick.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// Value returns parent's values, so that tracing and logging hooks see the request's.
func (c *callContext) Value(key any) any { return c.parent.Value(key) }
