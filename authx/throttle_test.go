package authx

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/djin-go/djin/ginmw/session/sessiontest"
	"github.com/gin-gonic/gin"
)

func newThrottle(t *testing.T, cfg MemoryLoginThrottleConfig) (*MemoryLoginThrottle, *sessiontest.Clock) {
	t.Helper()
	clock := sessiontest.NewClock()
	cfg.Now = clock.Now
	th, err := NewMemoryLoginThrottle(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return th, clock
}

// attempt runs one attempt from addr and reports it; it returns the lockout, if any.
func attempt(t *testing.T, th LoginThrottle, addr, username string, succeeded bool) *LockedOutError {
	t.Helper()
	done, err := th.Begin(testContext(addr), username)
	var locked *LockedOutError
	if errors.As(err, &locked) {
		return locked
	}
	if err != nil {
		t.Fatal(err)
	}
	done(succeeded)
	return nil
}

func TestThrottleLocksUsernameWithBackoff(t *testing.T) {
	th, clock := newThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 3})
	// Failures from different addresses add up on the username.
	for i, addr := range []string{"10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"} {
		if l := attempt(t, th, addr, "alice", false); l != nil {
			t.Fatalf("attempt %d locked early", i+1)
		}
	}
	l := attempt(t, th, "10.0.0.4:1", "alice", true)
	if l == nil || l.RetryAfter != time.Minute || !errors.Is(l, ErrLockedOut) || l.RetryAfterSeconds() != 60 {
		t.Fatalf("after 3 failures: %+v", l)
	}
	if attempt(t, th, "10.0.0.4:1", "bob", false) != nil {
		t.Fatal("another username is locked")
	}
	clock.Advance(time.Minute)
	for range 3 {
		if l := attempt(t, th, "10.0.0.5:1", "alice", false); l != nil {
			t.Fatal("locked before the next 3 failures")
		}
	}
	if l := attempt(t, th, "10.0.0.5:1", "alice", false); l == nil || l.RetryAfter != 2*time.Minute {
		t.Fatalf("second lockout: %+v, want 2m", l)
	}
	clock.Advance(2 * time.Minute)
	// A success clears the username's record and back-off.
	if attempt(t, th, "10.0.0.6:1", "alice", true) != nil {
		t.Fatal("locked after the lockout ended")
	}
	for range 3 {
		attempt(t, th, "10.0.0.7:1", "alice", false)
	}
	if l := attempt(t, th, "10.0.0.7:1", "alice", false); l == nil || l.RetryAfter != time.Minute {
		t.Fatalf("after a success the back-off restarts: %+v", l)
	}
}

func TestThrottleBackoffIsCapped(t *testing.T) {
	th, clock := newThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 1, Lockout: time.Minute, MaxLockout: 5 * time.Minute})
	var got []time.Duration
	for range 6 {
		attempt(t, th, "10.0.0.1:1", "alice", false)
		l := attempt(t, th, "10.0.0.1:1", "alice", false)
		if l == nil {
			t.Fatal("not locked")
		}
		got = append(got, l.RetryAfter)
		clock.Advance(l.RetryAfter)
	}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lockouts %v, want %v", got, want)
		}
	}
	// A day of quiet forgets the back-off.
	clock.Advance(25 * time.Hour)
	attempt(t, th, "10.0.0.1:1", "alice", false)
	if l := attempt(t, th, "10.0.0.1:1", "alice", false); l == nil || l.RetryAfter != time.Minute {
		t.Fatalf("after a quiet day: %+v", l)
	}
}

// One address guessing across many usernames is stopped by the address count, and a
// success on one account does not clear it. IPv6 addresses count by /64.
func TestThrottleLocksAddress(t *testing.T) {
	th, _ := newThrottle(t, MemoryLoginThrottleConfig{IPFailures: 4, UsernameFailures: 100})
	for i := range 4 {
		addr := "[2001:db8::1]:1"
		if i%2 == 1 {
			addr = "[2001:db8::ffff:2]:1" // same /64
		}
		if attempt(t, th, addr, "user"+string(rune('a'+i)), false) != nil {
			t.Fatalf("locked at failure %d", i+1)
		}
	}
	if attempt(t, th, "[2001:db8::99]:1", "attacker-own-account", true) == nil {
		t.Fatal("the /64 is not locked")
	}
	if attempt(t, th, "[2001:db8:0:1::1]:1", "usera", false) != nil {
		t.Fatal("another /64 is locked")
	}
	th2, _ := newThrottle(t, MemoryLoginThrottleConfig{IPFailures: 2, UsernameFailures: 100})
	attempt(t, th2, "192.0.2.1:1", "x", false)
	attempt(t, th2, "192.0.2.1:1", "own", true) // a success in between
	attempt(t, th2, "192.0.2.1:1", "y", false)
	if attempt(t, th2, "192.0.2.1:1", "z", false) == nil {
		t.Fatal("a success cleared the address count")
	}
}

// Attempts in flight count: a burst of concurrent guesses stops at the limit, whatever
// the scheduling.
func TestThrottleConcurrentBurst(t *testing.T) {
	th, _ := newThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 5, IPFailures: 1000})
	var (
		started sync.WaitGroup
		release = make(chan struct{})
		passed  atomic.Int64
		wg      sync.WaitGroup
	)
	for i := range 64 {
		wg.Add(1)
		started.Add(1)
		go func() {
			defer wg.Done()
			done, err := th.Begin(testContext("10.1.0."+string(rune('0'+i%10))+":1"), "victim")
			started.Done()
			if err != nil {
				return
			}
			passed.Add(1)
			<-release
			done(false)
		}()
	}
	started.Wait()
	close(release)
	wg.Wait()
	if n := passed.Load(); n != 5 {
		t.Fatalf("%d concurrent attempts passed, want 5", n)
	}
	if attempt(t, th, "10.9.9.9:1", "victim", false) == nil {
		t.Fatal("not locked after the burst")
	}
}

// Existing and missing accounts are the same to the throttle (it never looks them up), so
// the lockout answer cannot enumerate accounts; this checks the answers match exactly.
func TestThrottleAnswerDoesNotDependOnTheAccount(t *testing.T) {
	clock := sessiontest.NewClock()
	a := newAuthForTest(t, AuthConfig{Throttle: mustThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 2, Now: clock.Now})})
	if _, err := a.Users().CreateUser(t.Context(), UserParams{Username: "real", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	errs := map[string]error{}
	for _, name := range []string{"real", "ghost"} {
		for range 2 {
			if _, err := a.Authenticate(testContext("10.0.0.1:1"), name, "wrong"); !errors.Is(err, ErrInvalidCredentials) {
				t.Fatal(err)
			}
		}
		_, errs[name] = a.Authenticate(testContext("10.0.0.2:1"), name, "pw")
	}
	var l1, l2 *LockedOutError
	if !errors.As(errs["real"], &l1) || !errors.As(errs["ghost"], &l2) || *l1 != *l2 || l1.Error() != l2.Error() {
		t.Fatalf("real: %v, ghost: %v", errs["real"], errs["ghost"])
	}
}

func mustThrottle(t *testing.T, cfg MemoryLoginThrottleConfig) *MemoryLoginThrottle {
	t.Helper()
	th, err := NewMemoryLoginThrottle(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// A full table never drops a locked entry (that would lift the lock); new usernames are
// refused instead until room frees up.
func TestThrottleTableBound(t *testing.T) {
	th, clock := newThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 1, IPFailures: 1, MaxEntries: 4})
	// Two addresses and two usernames, all locked, fill the table.
	attempt(t, th, "10.0.0.1:1", "a", false)
	attempt(t, th, "10.0.0.2:1", "b", false)
	if l := attempt(t, th, "10.0.0.3:1", "c", false); l == nil {
		t.Fatal("a full table of locks let a new attempt through")
	}
	for _, tc := range [][2]string{{"10.0.0.1:1", "z"}, {"10.0.0.9:1", "a"}, {"10.0.0.9:1", "b"}} {
		if attempt(t, th, tc[0], tc[1], true) == nil {
			t.Fatalf("%v was unlocked by the pressure", tc)
		}
	}
	clock.Advance(2 * time.Minute)
	// The locks expired (their back-off is still remembered): those entries may be dropped.
	if attempt(t, th, "10.0.0.3:1", "c", true) != nil {
		t.Fatal("no room was made after the locks expired")
	}
	if n := len(th.entries); n > 4 {
		t.Fatalf("%d entries, bound 4", n)
	}
	// The attempt's own address entry is never the one dropped for its username.
	if _, ok := th.entries[usernameKey("c")]; !ok {
		t.Fatal("the username entry is missing")
	}
	if _, ok := th.entries["ip:10.0.0.3"]; !ok {
		t.Fatal("the address entry of the same attempt was dropped")
	}
}

func TestThrottleLongUsernamesAreHashed(t *testing.T) {
	th, _ := newThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 1})
	long := string(make([]byte, 10000))
	attempt(t, th, "10.0.0.1:1", long, false)
	for k := range th.entries {
		if len(k) > maxThrottleKey+4 {
			t.Fatalf("a %d-byte key is kept", len(k))
		}
	}
	if attempt(t, th, "10.0.0.2:1", long, false) == nil {
		t.Fatal("the hashed username is not counted")
	}
}

func TestThrottleResetAndDoneOnce(t *testing.T) {
	th, _ := newThrottle(t, MemoryLoginThrottleConfig{UsernameFailures: 2})
	done, err := th.Begin(testContext("10.0.0.1:1"), "alice")
	if err != nil {
		t.Fatal(err)
	}
	done(false)
	done(false) // reported twice: counted once
	if attempt(t, th, "10.0.0.1:1", "alice", false) != nil {
		t.Fatal("a second call of done counted")
	}
	if attempt(t, th, "10.0.0.1:1", "alice", false) == nil {
		t.Fatal("not locked")
	}
	th.Reset("alice")
	if attempt(t, th, "10.0.0.1:1", "alice", false) != nil {
		t.Fatal("Reset did not unlock")
	}
	if th.String() == "" {
		t.Fatal("String")
	}
}

func TestThrottleConfigValidation(t *testing.T) {
	for _, cfg := range []MemoryLoginThrottleConfig{
		{UsernameFailures: -1}, {IPFailures: -1}, {MaxEntries: -1}, {Window: -time.Second},
		{Lockout: -time.Second}, {Lockout: time.Hour, MaxLockout: time.Minute},
	} {
		if _, err := NewMemoryLoginThrottle(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}

// A throttle that cannot decide (its store is down) refuses the attempt.
func TestAuthenticateRefusesWhenTheThrottleFails(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{Throttle: brokenThrottle{}})
	if _, err := a.Users().CreateUser(t.Context(), UserParams{Username: "real", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	if u, err := a.Authenticate(testContext(""), "real", "pw"); u != nil || err == nil || errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("Authenticate = %v, %v", u, err)
	}
}

type brokenThrottle struct{}

func (brokenThrottle) Begin(*gin.Context, string) (func(bool), error) {
	return nil, errors.New("redis: connection refused")
}

func TestDefaultAuthThrottles(t *testing.T) {
	users := newTestUserManager(t, UserManagerConfig{Hashers: cheapPasswordHashers(t), PasswordValidators: []PasswordValidator{}})
	a, err := NewAuth(AuthConfig{Users: users, SecretKey: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Throttle().(*MemoryLoginThrottle); !ok {
		t.Fatalf("the zero AuthConfig does not throttle: %T", a.Throttle())
	}
	for range 5 {
		a.Authenticate(testContext("10.0.0.1:1"), "victim", "guess")
	}
	if _, err := a.Authenticate(testContext("10.0.0.1:1"), "victim", "guess"); !errors.Is(err, ErrLockedOut) {
		t.Fatalf("sixth guess: %v", err)
	}
}
