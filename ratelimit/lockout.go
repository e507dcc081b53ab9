package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Tier is one step of a login lockout's back-off: further attempts are refused while
// Failures failed attempts lie within the last Within. After Failures quick failures that
// is about Within; tiers with more failures and longer windows make persistent guessing
// ever slower (django-axes' AXES_LOCKOUT_TIERS).
type Tier struct {
	// Failures is how many failed attempts trip the tier, 1 to 1000.
	Failures int64 `yaml:"failures"`
	// Within is the window the failures are counted in, such as "15m" in YAML.
	Within time.Duration `yaml:"within"`
}

// DefaultTiers returns the tiers of LockoutConfig{}: a user name or address is locked for
// about 15 minutes after 5 failures, an hour after 10, a day after 20. It returns a new
// slice each time, so no package can change another's default.
func DefaultTiers() []Tier {
	return []Tier{{5, 15 * time.Minute}, {10, time.Hour}, {20, 24 * time.Hour}}
}

// LockoutBy chooses what a Lockout counts failures by.
type LockoutBy string

const (
	// LockoutByIPOrUsername (the default) counts failures per client address and per
	// user name separately; either one reaching a tier locks. One address cannot try
	// many passwords on many accounts, and many addresses cannot try many passwords on
	// one account (django-axes #608).
	LockoutByIPOrUsername LockoutBy = "ip_or_username"
	// LockoutByIP counts per client address only (django-axes' default).
	LockoutByIP LockoutBy = "ip"
	// LockoutByUsername counts per user name only (an empty one by address). Anyone
	// can then lock a known user out; prefer the default.
	LockoutByUsername LockoutBy = "username"
)

// LockoutConfig configures a Lockout. The zero value is safe: DefaultTiers(), counted per
// address or user name, in a MemoryStore private to the Lockout, failures kept after a
// success (as django-axes does by default).
type LockoutConfig struct {
	// Tiers are the back-off steps. nil means DefaultTiers().
	Tiers []Tier `yaml:"tiers"`
	// By is what failures are counted by: "ip_or_username" (default), "ip" or
	// "username".
	By LockoutBy `yaml:"by"`
	// Name namespaces the lockout's keys in its store. "" means "lockout".
	Name string `yaml:"name"`
	// ResetOnSuccess forgets a user name's failures after a successful login. The
	// address's failures are kept either way: an attacker with one valid account must
	// not be able to wipe its address's record by logging in.
	ResetOnSuccess bool `yaml:"reset_on_success"`
	// Store keeps the failures. nil means a new MemoryStore; use a RedisStore to lock
	// out across instances.
	Store Store `yaml:"-"`
	// Now is the clock. nil means the system clock (read through the monotonic clock).
	Now func() time.Time `yaml:"-"`
}

// Lockout throttles failed logins, the role django-axes plays for Django. It is built on
// the sliding log, one per tier and subject, and reserves a failure before the password
// is checked: concurrent guesses cannot slip past the count, and a success gives the
// reservation back.
//
// It never looks accounts up, so it treats a user name that exists exactly like one that
// does not, and its answers reveal nothing about accounts. Callers must do the same:
// refuse locked attempts before checking the password, with one response for every user
// name, and count failures for unknown user names too.
type Lockout struct {
	ip, user       []*Limiter // one per tier
	byIP, byUser   bool
	resetOnSuccess bool
	now            func() time.Time
}

// NewLockout validates cfg and returns a Lockout.
func NewLockout(cfg LockoutConfig) (*Lockout, error) {
	tiers := cfg.Tiers
	if tiers == nil {
		tiers = DefaultTiers()
	}
	if len(tiers) == 0 {
		return nil, fmt.Errorf("%w: LockoutConfig.Tiers: empty; leave it nil for DefaultTiers()", ErrInvalidConfig)
	}
	name := cfg.Name
	if name == "" {
		name = "lockout"
	}
	l := &Lockout{resetOnSuccess: cfg.ResetOnSuccess, now: cfg.Now}
	if l.now == nil {
		l.now = systemNow
	}
	switch cfg.By {
	case "", LockoutByIPOrUsername:
		l.byIP, l.byUser = true, true
	case LockoutByIP:
		l.byIP = true
	case LockoutByUsername:
		l.byUser = true
	default:
		return nil, fmt.Errorf("%w: LockoutConfig.By: must be ip_or_username, ip or username (got %q)", ErrInvalidConfig, cfg.By)
	}
	store := cfg.Store
	if store == nil {
		store = mustMemoryStore()
	}
	for i, t := range tiers {
		field := "LockoutConfig.Tiers[" + strconv.Itoa(i) + "]"
		if t.Failures < 1 || t.Failures > maxLogLimit {
			return nil, fmt.Errorf("%w: %s.Failures: must be 1 to %d (got %d)", ErrInvalidConfig, field, maxLogLimit, t.Failures)
		}
		for _, subject := range []string{"ip", "user"} {
			q, err := NewQuota(name+"."+subject+"."+strconv.Itoa(i), SlidingLog, Rate{Limit: t.Failures, Period: t.Within})
			if err != nil {
				return nil, inField(field, err)
			}
			lim := newLimiter(q, store, l.now)
			if subject == "ip" {
				l.ip = append(l.ip, lim)
			} else {
				l.user = append(l.user, lim)
			}
		}
	}
	return l, nil
}

// Attempt is one login attempt that passed the lockout and holds a reserved failure.
// Report a success with Succeeded; a failure needs no call, so an attempt that is
// abandoned counts as failed.
type Attempt struct {
	// Locked reports that the attempt is refused: do not check the password.
	Locked bool
	// RetryAfter is, when Locked, how long until an attempt may be made.
	RetryAfter time.Duration

	l       *Lockout
	charged []charge
}

type charge struct {
	lim *Limiter
	key string
	res Result
}

// Begin starts a login attempt for username from ip. Call it before checking the
// password and refuse when Locked. An empty username is counted by address only. An
// error (a store failure) means the lockout cannot vouch for the attempt: refuse it.
func (l *Lockout) Begin(ctx context.Context, ip netip.Addr, username string) (Attempt, error) {
	now := l.now()
	a := Attempt{l: l}
	var subjects [2]struct {
		lims []*Limiter
		key  string
	}
	n := 0
	user := normalizeUsername(username)
	// An empty user name has nothing to count by but the address, also when counting by
	// user name only: an empty key never skips the count.
	if l.byIP || l.byUser && user == "" {
		kr := keyer{v4: 32, v6: 64}
		subjects[n].lims, subjects[n].key = l.ip, string(kr.appendIP(nil, ip))
		n++
	}
	if l.byUser && user != "" {
		subjects[n].lims, subjects[n].key = l.user, user
		n++
	}
	for _, s := range subjects[:n] {
		for _, lim := range s.lims {
			r, err := lim.AllowAt(ctx, s.key, now)
			if err != nil {
				a.release(ctx)
				return Attempt{}, err
			}
			if !r.Allowed {
				a.Locked = true
				a.RetryAfter = max(a.RetryAfter, r.RetryAfter)
				continue
			}
			a.charged = append(a.charged, charge{lim, s.key, r})
		}
	}
	if a.Locked {
		a.release(ctx) // a refused attempt is not a failure: it never reaches the password
	}
	return a, nil
}

// BeginRequest is Begin for a gin request: the client address comes from the socket peer
// (or a trusted proxy), as for every other limit in this package.
func (l *Lockout) BeginRequest(c *gin.Context, username string) (Attempt, error) {
	return l.Begin(c.Request.Context(), clientIP(c), username)
}

// Succeeded gives back the reserved failure; with ResetOnSuccess it also forgets the user
// name's earlier failures.
func (a *Attempt) Succeeded(ctx context.Context) error {
	if a.l == nil || a.Locked {
		return nil
	}
	charged := a.charged
	if err := a.release(ctx); err != nil {
		return err
	}
	if a.l.resetOnSuccess {
		for _, c := range charged {
			if isUserLimiter(a.l, c.lim) {
				if err := c.lim.Reset(ctx, c.key); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Deny writes the refusal of a locked attempt: 429 with Retry-After and the negotiated
// body, the same whatever the user name.
func (a *Attempt) Deny(c *gin.Context) {
	d := &Decision{Limited: true, Status: http.StatusTooManyRequests, RetryAfter: a.RetryAfter,
		Policies: []PolicyDecision{{Name: "lockout", Violated: true}}}
	if secs := ceilSeconds(a.RetryAfter); secs > 0 {
		c.Writer.Header()[hdrRetryAfter] = []string{strconv.FormatInt(secs, 10)}
	}
	WriteDenied(c, d)
	c.Abort()
}

func (a *Attempt) release(ctx context.Context) error {
	var first error
	for _, c := range a.charged {
		if err := c.lim.Refund(ctx, c.key, 1, c.res); err != nil && first == nil {
			first = err
		}
	}
	a.charged = nil
	return first
}

// Reset forgets the failures of ip (when valid) and of username (when not empty): an
// administrator's unlock, django-axes' axes_reset.
func (l *Lockout) Reset(ctx context.Context, ip netip.Addr, username string) error {
	if ip.IsValid() {
		kr := keyer{v4: 32, v6: 64}
		key := string(kr.appendIP(nil, ip))
		for _, lim := range l.ip {
			if err := lim.Reset(ctx, key); err != nil {
				return err
			}
		}
	}
	if user := normalizeUsername(username); user != "" {
		for _, lim := range l.user {
			if err := lim.Reset(ctx, user); err != nil {
				return err
			}
		}
	}
	return nil
}

func isUserLimiter(l *Lockout, lim *Limiter) bool {
	for _, u := range l.user {
		if u == lim {
			return true
		}
	}
	return false
}

// normalizeUsername folds case and surrounding space, so "Admin " and "admin" share a
// count: a lockout that a change of case escapes is no lockout.
func normalizeUsername(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}
