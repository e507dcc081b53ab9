package authx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// ErrLockedOut is matched by the error of a login attempt refused because of earlier
// failures (a *LockedOutError, which also says when to try again).
var ErrLockedOut = errors.New("authx: too many failed login attempts; try again later")

// LockedOutError refuses a login attempt before any password is checked. Its text and
// RetryAfter depend only on the failures counted for the submitted username and the
// client's address, never on whether the account exists.
type LockedOutError struct {
	RetryAfter time.Duration // how long until an attempt may be made again
}

// Error implements error.
func (e *LockedOutError) Error() string { return ErrLockedOut.Error() }

// Is matches ErrLockedOut.
func (e *LockedOutError) Is(target error) bool { return target == ErrLockedOut }

// HTTPStatus is 429 Too Many Requests, for ginmw's error responses.
func (e *LockedOutError) HTTPStatus() int { return http.StatusTooManyRequests }

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1: the value of a
// Retry-After header.
func (e *LockedOutError) RetryAfterSeconds() int {
	s := math.Ceil(e.RetryAfter.Seconds())
	if s < 1 {
		return 1
	}
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}

// LoginThrottle counts failed logins and refuses attempts after too many, the job
// django-axes does for Django. Authenticate calls Begin before checking a password and the
// returned done with the outcome; the login view and any other password endpoint (the JWT
// obtain handler) go through Authenticate, so they share one count.
//
// The contract reserves a failure up front and gives it back on success: concurrent
// guesses cannot slip past the count between a check and a report. A ratelimit.Lockout
// fits it in a few lines (Begin → Lockout.BeginRequest; Locked → *LockedOutError;
// done(true) → Attempt.Succeeded).
type LoginThrottle interface {
	// Begin starts an attempt to log in as username (as submitted; it may not exist).
	// It returns a *LockedOutError when the attempt must be refused, or another error
	// when the throttle cannot decide (its store is down): the attempt is refused then
	// too. Otherwise done must be called exactly once, with whether the password was
	// right. Implementations must treat existing and unknown usernames alike.
	Begin(c *gin.Context, username string) (done func(succeeded bool), err error)
}

// NoLoginThrottle lets every attempt through. For tests and for applications that
// throttle logins in front of djin; the zero AuthConfig throttles.
var NoLoginThrottle LoginThrottle = noLoginThrottle{}

type noLoginThrottle struct{}

func (noLoginThrottle) Begin(*gin.Context, string) (func(bool), error) { return func(bool) {}, nil }

// MemoryLoginThrottleConfig configures a MemoryLoginThrottle. The zero value locks a
// username after 5 failures and an address after 20 within 15 minutes, for 1 minute, then
// 2, 4, 8... up to an hour while the failures go on.
type MemoryLoginThrottleConfig struct {
	// UsernameFailures is how many failures lock a username; 0 means 5. A lock on a
	// username holds against every address, so it stops distributed guessing on one
	// account (and lets anyone delay that account's logins: keep lockouts short).
	UsernameFailures int
	// IPFailures is how many failures lock a client address (IPv6 by /64); 0 means 20,
	// higher than UsernameFailures because many users may share one address behind NAT.
	// A success does not clear an address: an attacker with one valid account must not
	// be able to wipe the count of the address it guesses from.
	IPFailures int
	// Window forgets failures older than this; 0 means 15 minutes.
	Window time.Duration
	// Lockout is the first lockout's length; each further lockout doubles it; 0 means 1
	// minute.
	Lockout time.Duration
	// MaxLockout caps the doubling; 0 means 1 hour.
	MaxLockout time.Duration
	// BackoffReset forgets the doubling after this long without a lockout; 0 means 24
	// hours.
	BackoffReset time.Duration
	// MaxEntries bounds the usernames and addresses tracked; 0 means 100000. When full,
	// entries that hold no lock are dropped to make room; locked ones never are, and if
	// every entry is locked, new attempts are refused rather than let through.
	MaxEntries int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// MemoryLoginThrottle is the in-process LoginThrottle: failures counted per username and
// per client address with lockout and exponential back-off. One process only: with
// several instances, use a shared store (the ratelimit package's Lockout on Redis).
type MemoryLoginThrottle struct {
	userLimit, ipLimit int
	window, lockout    time.Duration
	maxLockout, reset  time.Duration
	maxEntries         int
	now                func() time.Time

	mu        sync.Mutex
	entries   map[string]*throttleEntry
	lastSweep time.Time
}

type throttleEntry struct {
	failures    int       // failures in the current window
	pending     int       // attempts started and not yet reported
	lastFailure time.Time // failures are forgotten a Window after the last one
	lockedUntil time.Time
	level       int // lockouts in a row: the next one lasts Lockout << level
}

// NewMemoryLoginThrottle validates cfg and returns the throttle.
func NewMemoryLoginThrottle(cfg MemoryLoginThrottleConfig) (*MemoryLoginThrottle, error) {
	for _, f := range [...]struct {
		name string
		v    int
	}{{"UsernameFailures", cfg.UsernameFailures}, {"IPFailures", cfg.IPFailures}, {"MaxEntries", cfg.MaxEntries}} {
		if f.v < 0 {
			return nil, fmt.Errorf("authx: MemoryLoginThrottleConfig.%s: cannot be negative (got %d)", f.name, f.v)
		}
	}
	for _, f := range [...]struct {
		name string
		v    time.Duration
	}{{"Window", cfg.Window}, {"Lockout", cfg.Lockout}, {"MaxLockout", cfg.MaxLockout}, {"BackoffReset", cfg.BackoffReset}} {
		if f.v < 0 {
			return nil, fmt.Errorf("authx: MemoryLoginThrottleConfig.%s: cannot be negative (got %v)", f.name, f.v)
		}
	}
	t := &MemoryLoginThrottle{
		userLimit:  orDefault(cfg.UsernameFailures, 5),
		ipLimit:    orDefault(cfg.IPFailures, 20),
		window:     orDefault(cfg.Window, 15*time.Minute),
		lockout:    orDefault(cfg.Lockout, time.Minute),
		maxLockout: orDefault(cfg.MaxLockout, time.Hour),
		reset:      orDefault(cfg.BackoffReset, 24*time.Hour),
		maxEntries: orDefault(cfg.MaxEntries, 100000),
		now:        cfg.Now,
		entries:    map[string]*throttleEntry{},
	}
	if t.maxLockout < t.lockout {
		return nil, fmt.Errorf("authx: MemoryLoginThrottleConfig.MaxLockout: shorter than Lockout (%v < %v)", t.maxLockout, t.lockout)
	}
	if t.now == nil {
		t.now = time.Now
	}
	return t, nil
}

// maxThrottleKey is the longest username kept as is in a key; longer ones are hashed, so a
// flood of huge usernames cannot pin much memory.
const maxThrottleKey = 256

func usernameKey(username string) string {
	if len(username) > maxThrottleKey {
		sum := sha256.Sum256([]byte(username))
		return "u#" + hex.EncodeToString(sum[:])
	}
	return "u:" + username
}

func ipKey(c *gin.Context) string {
	a := ginmw.ClientIP(c)
	if !a.IsValid() {
		return "ip:?"
	}
	a = a.Unmap()
	if a.Is6() {
		// One host usually owns a whole /64: counting single addresses would give it
		// 2^64 fresh counters.
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// Begin implements LoginThrottle.
func (t *MemoryLoginThrottle) Begin(c *gin.Context, username string) (func(bool), error) {
	keys := [2]string{ipKey(c), ""}
	limits := [2]int{t.ipLimit, t.userLimit}
	n := 1
	if username != "" {
		keys[1] = usernameKey(username)
		n = 2
	}
	now := t.now()

	t.mu.Lock()
	defer t.mu.Unlock()
	var entries [2]*throttleEntry
	var retry time.Duration
	for i := range n {
		e, err := t.entry(keys[i], now, keys[:n])
		if err != nil {
			return nil, err
		}
		entries[i] = e
		if wait := e.refusal(now, limits[i]); wait > retry {
			retry = wait
		}
	}
	if retry > 0 {
		return nil, &LockedOutError{RetryAfter: retry}
	}
	for i := range n {
		entries[i].pending++
	}
	var once sync.Once
	return func(succeeded bool) {
		once.Do(func() { t.finish(entries[:n], limits, succeeded) })
	}, nil
}

func (t *MemoryLoginThrottle) finish(entries []*throttleEntry, limits [2]int, succeeded bool) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, e := range entries {
		e.pending--
		switch {
		case succeeded && i == 1:
			// The account's owner got in: its earlier failures were probably theirs.
			e.failures, e.level = 0, 0
		case succeeded:
		default:
			t.fail(e, now, limits[i])
		}
	}
}

// entry returns the state of key, making room for it when the table is full without
// dropping the entries of keep (the attempt's other key). t.mu is held.
func (t *MemoryLoginThrottle) entry(key string, now time.Time, keep []string) (*throttleEntry, error) {
	if e, ok := t.entries[key]; ok {
		e.decay(now, t.window, t.reset)
		return e, nil
	}
	if len(t.entries) >= t.maxEntries && !t.makeRoom(now, keep) {
		// Every entry holds a lock or an attempt in flight: dropping one would lift a
		// lock, so refuse instead.
		return nil, &LockedOutError{RetryAfter: t.lockout}
	}
	e := &throttleEntry{}
	t.entries[key] = e
	return e, nil
}

// makeRoom drops forgotten entries (at most one full sweep a second), else one entry that
// holds no lock, chosen by Go's randomised map order. t.mu is held.
func (t *MemoryLoginThrottle) makeRoom(now time.Time, keep []string) bool {
	if now.Sub(t.lastSweep) >= time.Second {
		t.lastSweep = now
		for k, e := range t.entries {
			if e.decay(now, t.window, t.reset); e.idle(now) && !slices.Contains(keep, k) {
				delete(t.entries, k)
			}
		}
		if len(t.entries) < t.maxEntries {
			return true
		}
	}
	for k, e := range t.entries {
		if e.pending == 0 && !now.Before(e.lockedUntil) && !slices.Contains(keep, k) {
			delete(t.entries, k)
			return true
		}
	}
	return false
}

// decay forgets failures a window old and the back-off after a long quiet time.
func (e *throttleEntry) decay(now time.Time, window, reset time.Duration) {
	if e.failures > 0 && now.Sub(e.lastFailure) > window {
		e.failures = 0
	}
	if e.level > 0 && now.Sub(e.lockedUntil) > reset {
		e.level = 0
	}
}

func (e *throttleEntry) idle(now time.Time) bool {
	return e.failures == 0 && e.pending == 0 && e.level == 0 && !now.Before(e.lockedUntil)
}

// refusal returns how long an attempt must wait, or 0 to let it through. Attempts in flight
// count as failures until reported, so a burst of parallel guesses stops at the limit.
func (e *throttleEntry) refusal(now time.Time, limit int) time.Duration {
	if now.Before(e.lockedUntil) {
		return e.lockedUntil.Sub(now)
	}
	if e.failures+e.pending >= limit {
		return time.Second
	}
	return 0
}

func (t *MemoryLoginThrottle) fail(e *throttleEntry, now time.Time, limit int) {
	e.failures++
	e.lastFailure = now
	if e.failures < limit {
		return
	}
	d := t.maxLockout
	if e.level < 62 && t.lockout<<e.level > 0 && t.lockout<<e.level < t.maxLockout {
		d = t.lockout << e.level
	}
	e.lockedUntil = now.Add(d)
	e.level++
	e.failures = 0
}

// Reset forgets everything counted for username (and nothing about addresses), for an
// administrator unlocking an account. Django-axes: axes_reset.
func (t *MemoryLoginThrottle) Reset(username string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, usernameKey(username))
}

// String describes the limits, for start-up logs.
func (t *MemoryLoginThrottle) String() string {
	return "authx.MemoryLoginThrottle{username: " + strconv.Itoa(t.userLimit) + ", ip: " + strconv.Itoa(t.ipLimit) +
		" failures per " + t.window.String() + ", lockout " + t.lockout.String() + ".." + t.maxLockout.String() + "}"
}
