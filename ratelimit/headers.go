package ratelimit

import (
	"net/http"
	"strconv"
	"sync/atomic"
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

// rateValue is one policy's RateLimit field value, such as `"api";r=99;t=1`, built once
// and then shared by every response that carries the same numbers, as gin shares its
// Content-Type values: the value slice is never written after it is built, and a handler's
// Header.Add or Set replaces it in its own response's map.
type rateValue struct {
	remaining, reset int64
	vals             [1]string
	buf              [48]byte // the value's bytes when they fit; vals[0] points into it
}

// rateValues caches a policy's recent RateLimit values, direct-mapped by the numbers in
// them. A client far from its limit sees the same few values over and over (r one below
// the limit, t a second or two), so the allow path usually builds and allocates nothing;
// a miss builds a value in one allocation and replaces the slot's.
type rateValues [256]atomic.Pointer[rateValue]

// get returns the RateLimit value for a policy named name with remaining units, quota
// back after reset seconds.
func (c *rateValues) get(name string, remaining, reset int64) []string {
	slot := &c[(uint64(remaining)*0x9E3779B97F4A7C15+uint64(reset))>>56]
	if v := slot.Load(); v != nil && v.remaining == remaining && v.reset == reset {
		return v.vals[:]
	}
	var tmp [64]byte
	v := &rateValue{remaining: remaining, reset: reset}
	v.set(appendRateItem(tmp[:0], name, remaining, reset))
	slot.Store(v)
	return v.vals[:]
}

// set makes v hold the value b: in v.buf when it fits, with vals[0] sharing those bytes
// (nothing writes them again), else in a string of its own.
func (v *rateValue) set(b []byte) {
	if len(b) > len(v.buf) {
		v.vals[0] = string(b)
		return
	}
	n := copy(v.buf[:], b)
	v.vals[0] = unsafe.String(&v.buf[0], n)
}

// appendRateItem appends one policy's item of the RateLimit field: `"name";r=5;t=10`.
func appendRateItem(b []byte, name string, remaining, reset int64) []byte {
	b = append(append(append(b, '"'), name...), `";r=`...)
	b = strconv.AppendInt(b, remaining, 10)
	b = append(b, ";t="...)
	return strconv.AppendInt(b, reset, 10)
}

// retryAfterValues are the Retry-After values for waits under two minutes, shared by every
// response like rateValue.
var retryAfterValues = func() (a [120][]string) {
	for i := range a {
		a[i] = []string{strconv.Itoa(i)}
	}
	return a
}()

// writeHeaders sets the quota headers for a request's outcomes, and Retry-After when
// retry is positive. With one policy in the RateLimit field and a wait under two minutes
// it allocates nothing, usually; several policies cost one allocation.
func (m *middleware) writeHeaders(h http.Header, outs []outcome, now int64, retry time.Duration) {
	if secs := ceilSeconds(retry); secs > 0 {
		if secs < int64(len(retryAfterValues)) {
			h[hdrRetryAfter] = retryAfterValues[secs]
		} else {
			h[hdrRetryAfter] = []string{strconv.FormatInt(secs, 10)}
		}
	}
	if m.draft && m.policyHeader != nil {
		h[hdrPolicy] = m.policyHeader
		only, n := 0, 0
		for i := range outs {
			if m.inRateLimitField(i, &outs[i]) {
				only = i
				n++
			}
		}
		switch {
		case n == 1:
			o, p := &outs[only], &m.policies[only]
			h[hdrRateLimit] = p.values.get(p.name, max(0, o.res.Remaining), ceilSeconds(o.res.ResetAfter))
		case n > 1:
			var tmp [256]byte
			b := tmp[:0]
			for i := range outs {
				o, p := &outs[i], &m.policies[i]
				if !m.inRateLimitField(i, o) {
					continue
				}
				if len(b) > 0 {
					b = append(b, ", "...)
				}
				b = appendRateItem(b, p.name, max(0, o.res.Remaining), ceilSeconds(o.res.ResetAfter))
			}
			v := new(rateValue) // one allocation; several policies' values are not cached
			v.set(b)
			h[hdrRateLimit] = v.vals[:]
		}
	}
	if m.legacy {
		// The most constrained policy: the fewest units left, then the longest wait.
		best := -1
		for i := range outs {
			o := &outs[i]
			if !m.inRateLimitField(i, o) {
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

// inRateLimitField reports whether policy i's outcome o has numbers to report: a limited
// policy that decided (or refused a request that can never fit).
func (m *middleware) inRateLimitField(i int, o *outcome) bool {
	return !m.policies[i].unlimited && !o.missing && (o.err == nil || o.violated)
}
