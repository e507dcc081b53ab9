package ratelimit

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a quota: Limit units per Period, plus an optional Burst for GCRA.
//
// The zero Rate is not a usable limit; ParseRate, the Per… helpers and Unlimited build
// valid ones. A Limit of 0 blocks every request (as "0/s" does in django-ratelimit).
type Rate struct {
	// Limit is the number of units (requests, unless a cost function says otherwise)
	// admitted per Period. 0 blocks everything.
	Limit int64
	// Period is the length of the window. It must be a whole number of milliseconds,
	// between 1ms and 366 days.
	Period time.Duration
	// Burst is how many units GCRA admits at once from a rested state. 0 means Limit.
	// Only GCRA has a burst; the window algorithms admit at most Limit per window.
	Burst int64
	// Unlimited disables the limit (the "unlimited" string). Limit, Period and Burst are
	// ignored.
	Unlimited bool
}

// Unlimited is the rate that admits everything, written "unlimited". It lets a settings
// file switch one policy off without removing it.
var Unlimited = Rate{Unlimited: true}

// Rate bounds. The smallest emission interval is one microsecond because the Redis store
// keeps time in microseconds.
const (
	minPeriod   = time.Millisecond
	maxPeriod   = 366 * 24 * time.Hour
	maxLimit    = int64(1) << 40
	minInterval = time.Microsecond
)

// Per returns a Rate of n units per d.
func Per(n int64, d time.Duration) Rate { return Rate{Limit: n, Period: d} }

// PerSecond returns a Rate of n units per second.
func PerSecond(n int64) Rate { return Per(n, time.Second) }

// PerMinute returns a Rate of n units per minute.
func PerMinute(n int64) Rate { return Per(n, time.Minute) }

// PerHour returns a Rate of n units per hour.
func PerHour(n int64) Rate { return Per(n, time.Hour) }

// PerDay returns a Rate of n units per 24 hours.
func PerDay(n int64) Rate { return Per(n, 24*time.Hour) }

// WithBurst returns r with Burst set to b (GCRA only).
func (r Rate) WithBurst(b int64) Rate { r.Burst = b; return r }

// IsZero reports whether r is the zero Rate, that is, not configured.
func (r Rate) IsZero() bool { return r == Rate{} }

// burst returns the effective GCRA burst.
func (r Rate) burst() int64 {
	if r.Burst == 0 {
		return r.Limit
	}
	return r.Burst
}

// Validate reports why r cannot be enforced, or nil. The error wraps ErrInvalidRate.
func (r Rate) Validate() error {
	if r.Unlimited {
		if r.Limit != 0 || r.Period != 0 || r.Burst != 0 {
			return fmt.Errorf("%w: an unlimited rate takes no limit, period or burst", ErrInvalidRate)
		}
		return nil
	}
	switch {
	case r.IsZero():
		return fmt.Errorf("%w: no rate set", ErrInvalidRate)
	case r.Limit < 0:
		return fmt.Errorf("%w: negative limit %d", ErrInvalidRate, r.Limit)
	case r.Limit > maxLimit:
		return fmt.Errorf("%w: limit %d is above %d", ErrInvalidRate, r.Limit, maxLimit)
	case r.Period < minPeriod:
		return fmt.Errorf("%w: period %v is shorter than %v", ErrInvalidRate, r.Period, minPeriod)
	case r.Period > maxPeriod:
		return fmt.Errorf("%w: period %v is longer than %v", ErrInvalidRate, r.Period, maxPeriod)
	case r.Period%time.Millisecond != 0:
		return fmt.Errorf("%w: period %v is not a whole number of milliseconds", ErrInvalidRate, r.Period)
	case r.Burst < 0:
		return fmt.Errorf("%w: negative burst %d", ErrInvalidRate, r.Burst)
	case r.Burst > maxLimit:
		return fmt.Errorf("%w: burst %d is above %d", ErrInvalidRate, r.Burst, maxLimit)
	case r.Limit == 0 && r.Burst != 0:
		return fmt.Errorf("%w: a rate of 0 blocks everything and takes no burst", ErrInvalidRate)
	case r.Limit > 0 && r.Period/time.Duration(r.Limit) < minInterval:
		return fmt.Errorf("%w: %d per %v is more than one per %v", ErrInvalidRate, r.Limit, r.Period, minInterval)
	}
	return nil
}

// String returns the canonical form, which ParseRate reads back: "3/10s", "20/m",
// "100/m;burst=20", "0/s", "unlimited". An invalid Rate prints as a Go value.
func (r Rate) String() string {
	if r.Validate() != nil {
		return fmt.Sprintf("ratelimit.Rate{Limit:%d, Period:%v, Burst:%d}", r.Limit, r.Period, r.Burst)
	}
	if r.Unlimited {
		return "unlimited"
	}
	b := strconv.AppendInt(make([]byte, 0, 24), r.Limit, 10)
	b = append(b, '/')
	b = appendPeriod(b, r.Period)
	if r.Burst != 0 && r.Burst != r.Limit {
		b = append(b, ";burst="...)
		b = strconv.AppendInt(b, r.Burst, 10)
	}
	return string(b)
}

// appendPeriod writes d with the largest unit that divides it, omitting a multiplier of 1.
func appendPeriod(b []byte, d time.Duration) []byte {
	units := [...]struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}, {time.Millisecond, "ms"}}
	for _, u := range units {
		if d%u.d == 0 {
			if n := int64(d / u.d); n != 1 {
				b = strconv.AppendInt(b, n, 10)
			}
			return append(b, u.name...)
		}
	}
	return append(b, d.String()...) // unreachable for valid rates: Validate requires whole milliseconds
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (r Rate) MarshalText() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return []byte(r.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseRate, so rates decode from
// YAML, JSON and flags as strings.
func (r *Rate) UnmarshalText(text []byte) error {
	parsed, err := ParseRate(string(text))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// MustParseRate is ParseRate for literals in code; it panics on a malformed string, like
// regexp.MustCompile. Rates that come from settings files go through ParseRate.
func MustParseRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// ParseRate reads a rate string. It accepts the forms people already write:
//
//	3/10s  20/m  5/min  100/h  1000/d  2/w  10/500ms   count "/" [multiplier] unit
//	100/300                                            count "/" seconds (django-ratelimit)
//	5-M  5-S  5-H  5-D                                 count "-" unit (ulule; M is minute)
//	100/m;burst=20                                     any form plus a GCRA burst
//	0/s                                                blocks everything
//	unlimited                                          no limit
//
// Units: ms; s, sec, secs, second, seconds; m, min, mins, minute, minutes; h, hr, hrs,
// hour, hours; d, day, days; w, week, weeks; case-insensitive. A lone capital "M" after
// "/" is rejected as ambiguous (minute or month?), months and years are rejected because
// they are not fixed durations, and nothing is read approximately: DRF reads only the
// first letter of the period, so its "10/5m" silently means 10 per minute; here it means
// 10 per 5 minutes, and "10/5mn" is an error. Every error quotes the offending text and
// wraps ErrInvalidRate.
func ParseRate(s string) (Rate, error) {
	r, err := parseRate(s)
	if err != nil {
		return Rate{}, fmt.Errorf("%w: %q: %s", ErrInvalidRate, s, err.Error())
	}
	if err := r.Validate(); err != nil {
		return Rate{}, fmt.Errorf("%q: %w", s, err)
	}
	return r, nil
}

// parseError is a message about rate text; ParseRate adds the text and the sentinel.
type parseError string

// Error implements error.
func (e parseError) Error() string { return string(e) }

func parseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Rate{}, parseError("empty rate; write for example 3/10s, 20/m or unlimited")
	}
	head, params, hasParams := strings.Cut(s, ";")
	head = strings.TrimSpace(head)
	if strings.EqualFold(head, "unlimited") {
		if hasParams {
			return Rate{}, parseError("unlimited takes no parameters")
		}
		return Rate{Unlimited: true}, nil
	}
	i := strings.IndexAny(head, "/-")
	if i < 0 {
		return Rate{}, parseError(`missing "/" between count and period, as in 3/10s`)
	}
	count, err := parseCount(head[:i], "count")
	if err != nil {
		return Rate{}, err
	}
	var period time.Duration
	if head[i] == '-' {
		period, err = parseUluleUnit(head[i+1:])
	} else {
		period, err = parsePeriod(head[i+1:])
	}
	if err != nil {
		return Rate{}, err
	}
	r := Rate{Limit: count, Period: period}
	if hasParams {
		if err := parseParams(&r, params); err != nil {
			return Rate{}, err
		}
	}
	if r.Burst == r.Limit {
		r.Burst = 0 // canonical: the default burst is not spelled out
	}
	return r, nil
}

// parseCount reads a non-negative decimal integer without sign, spaces or separators.
func parseCount(s, what string) (int64, error) {
	if s == "" {
		return 0, parseError("missing " + what)
	}
	if len(s) > 15 {
		return 0, parseError(what + " " + strconv.Quote(s) + " is too large")
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, parseError(what + " " + strconv.Quote(s) + " is not a whole number")
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// parseUluleUnit reads ulule/limiter's one-letter period: S, M (minute), H or D.
func parseUluleUnit(u string) (time.Duration, error) {
	switch strings.ToUpper(u) {
	case "S":
		return time.Second, nil
	case "M":
		return time.Minute, nil
	case "H":
		return time.Hour, nil
	case "D":
		return 24 * time.Hour, nil
	}
	if u != "" && u[0] >= '0' && u[0] <= '9' {
		return 0, parseError("the count-unit form takes no multiplier (" + strconv.Quote(u) + "); write count/multiplier unit, as in 3/10s")
	}
	return 0, parseError("unknown unit " + strconv.Quote(u) + " after \"-\"; the count-unit form takes S, M (minute), H or D")
}

// parsePeriod reads the part after "/": [multiplier] unit, or a bare number of seconds.
func parsePeriod(p string) (time.Duration, error) {
	if p == "" {
		return 0, parseError("missing period after \"/\"")
	}
	j := 0
	for j < len(p) && p[j] >= '0' && p[j] <= '9' {
		j++
	}
	mult := int64(1)
	if j > 0 {
		var err error
		if mult, err = parseCount(p[:j], "period multiplier"); err != nil {
			return 0, err
		}
		if mult == 0 {
			return 0, parseError("period " + strconv.Quote(p) + " is zero")
		}
	}
	unitText := p[j:]
	unit, err := parseUnit(unitText)
	if err != nil {
		return 0, err
	}
	if mult > int64(maxPeriod/unit) {
		return 0, parseError("period " + strconv.Quote(p) + " is too long")
	}
	return time.Duration(mult) * unit, nil
}

func parseUnit(u string) (time.Duration, error) {
	switch u {
	case "":
		return time.Second, nil // a bare number of seconds, as in django-ratelimit's 100/300
	case "M":
		return 0, parseError(`ambiguous unit "M" (minute or month?); write m or min for minutes`)
	}
	switch strings.ToLower(u) {
	case "ms":
		return time.Millisecond, nil
	case "s", "sec", "secs", "second", "seconds":
		return time.Second, nil
	case "m", "min", "mins", "minute", "minutes":
		return time.Minute, nil
	case "h", "hr", "hrs", "hour", "hours":
		return time.Hour, nil
	case "d", "day", "days":
		return 24 * time.Hour, nil
	case "w", "week", "weeks":
		return 7 * 24 * time.Hour, nil
	case "mo", "mon", "month", "months", "y", "yr", "year", "years":
		return 0, parseError("unit " + strconv.Quote(u) + " is not a fixed duration; write days, as in 1000/30d")
	}
	return 0, parseError("unknown unit " + strconv.Quote(u) + "; use ms, s, m, h, d or w")
}

func parseParams(r *Rate, params string) error {
	seen := false
	for _, p := range strings.Split(params, ";") {
		name, value, ok := strings.Cut(p, "=")
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if !ok || name == "" {
			return parseError("parameter " + strconv.Quote(strings.TrimSpace(p)) + " is not name=value")
		}
		if !strings.EqualFold(name, "burst") {
			return parseError("unknown parameter " + strconv.Quote(name) + "; the only parameter is burst")
		}
		if seen {
			return parseError("burst is given twice")
		}
		seen = true
		b, err := parseCount(value, "burst")
		if err != nil {
			return err
		}
		if b == 0 {
			return parseError("burst must be at least 1")
		}
		r.Burst = b
	}
	return nil
}
