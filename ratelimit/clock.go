package ratelimit

import "time"

// clockBase anchors the default clock.
var (
	clockBase     = time.Now()
	clockBaseUnix = clockBase.UnixNano()
)

// systemNanos is the default clock, in nanoseconds since the Unix epoch: the wall time at
// start-up advanced by the monotonic clock. time.Now reads two clocks (wall and
// monotonic) and builds a Time; this reads one and builds nothing, which is a
// measurable part of a decision's cost, and it never jumps when the system clock is
// stepped. It runs behind the wall clock by any time the machine spent suspended, which
// servers do not do.
func systemNanos() int64 { return clockBaseUnix + int64(time.Since(clockBase)) }

// systemNow is systemNanos as a time.Time.
func systemNow() time.Time { return time.Unix(0, systemNanos()) }
