package ratelimit

import (
	"net/http"
	"strconv"
	"time"
	"unsafe"
)

// Header names as Go canonicalises them, assigned straight into the header map: going
// through Header.Set would canonicalise "RateLimit" on every response, which is where the
// popular Gin limiters spend a third of their time.
const (
	hdrPolicy     = "Ratelimit-Policy"
	hdrRateLimit  = "Ratelimit"
	hdrLimit      = "X-Ratelimit-Limit"
	hdrRemaining  = "X-Ratelimit-Remaining"
	hdrReset      = "X-Ratelimit-Reset"
	hdrRetryAfter = "Retry-After"
)

// appendPolicyItem appends q's member of the RateLimit-Policy list: `"name";q=3;w=10`.
// The draft's w is whole seconds; a period that is not is rounded up, never to 0.
func appendPolicyItem(b []byte, q *Quota) []byte {
	b = append(append(append(b, '"'), q.Name...), `";q=`...)
	b = strconv.AppendInt(b, q.limit, 10)
	b = append(b, ";w="...)
	return strconv.AppendInt(b, max(1, ceilSeconds(q.Rate.Period)), 10)
}

// headerValues is the one allocation behind the RateLimit field and Retry-After: the
// slices of the header values and the bytes of the RateLimit value. RateLimit-Policy is
// the same on every response and shares one slice (as gin shares its Content-Type values).
type headerValues struct {
	vals [2]string
	buf  [32]byte // one policy's value, such as `"sustained";r=999999;t=86400`; more spill
}

// writeHeaders sets the quota headers for a request's outcomes, and Retry-After when
// retry is positive. The draft fields and Retry-After cost one allocation.
func (m *middleware) writeHeaders(h http.Header, outs []outcome, now int64, retry time.Duration) {
	var dv *headerValues
	if secs := ceilSeconds(retry); secs > 0 {
		dv = new(headerValues)
		dv.vals[1] = strconv.FormatInt(secs, 10) // allocation-free below 100
		h[hdrRetryAfter] = dv.vals[1:2:2]
	}
	if m.draft && m.policyHeader != nil {
		var tmp [256]byte
		b := tmp[:0]
		for i := range outs {
			o, p := &outs[i], &m.policies[i]
			if p.unlimited || o.missing || o.err != nil && !o.violated {
				continue
			}
			if len(b) > 0 {
				b = append(b, ", "...)
			}
			b = append(append(append(b, '"'), p.name...), `";r=`...)
			b = strconv.AppendInt(b, max(0, o.res.Remaining), 10)
			b = append(b, ";t="...)
			b = strconv.AppendInt(b, ceilSeconds(o.res.ResetAfter), 10)
		}
		h[hdrPolicy] = m.policyHeader
		if len(b) > 0 {
			if dv == nil {
				dv = new(headerValues)
			}
			if len(b) <= len(dv.buf) {
				// The bytes are copied into dv and never written again, so the string
				// can share them: the allocation of dv keeps them alive.
				n := copy(dv.buf[:], b)
				dv.vals[0] = unsafe.String(&dv.buf[0], n)
			} else {
				dv.vals[0] = string(b) // several policies outgrow the inline buffer
			}
			h[hdrRateLimit] = dv.vals[0:1:1]
		}
	}
	if m.legacy {
		// The most constrained policy: the fewest units left, then the longest wait.
		best := -1
		for i := range outs {
			o, p := &outs[i], &m.policies[i]
			if p.unlimited || o.missing || o.err != nil && !o.violated {
				continue
			}
			if best < 0 || o.res.Remaining < outs[best].res.Remaining ||
				o.res.Remaining == outs[best].res.Remaining && o.res.ResetAfter > outs[best].res.ResetAfter {
				best = i
			}
		}
		if best < 0 {
			return
		}
		o := &outs[best]
		reset := ceilSeconds(o.res.ResetAfter)
		if m.epochReset {
			reset += now / int64(time.Second)
		}
		vals := new([3]string)
		vals[0] = strconv.FormatInt(o.res.Limit, 10)
		vals[1] = strconv.FormatInt(max(0, o.res.Remaining), 10)
		vals[2] = strconv.FormatInt(reset, 10)
		h[hdrLimit], h[hdrRemaining], h[hdrReset] = vals[0:1:1], vals[1:2:2], vals[2:3:3]
	}
}
