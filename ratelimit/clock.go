package ratelimit

import "time"

// clockBase anchors the default clock.
var clockBase = time.Now()

// systemNow is the default clock: the wall time at start-up advanced by the monotonic
// clock. time.Now reads two clocks (wall and monotonic); this reads one, which is a
// measurable part of a decision's cost, and it never jumps when the system clock is
// stepped. It runs behind the wall clock by any time the machine spent suspended, which
// servers do not do.
func systemNow() time.Time { return clockBase.Add(time.Since(clockBase)) }
