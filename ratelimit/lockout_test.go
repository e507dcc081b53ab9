package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

func newLockout(t *testing.T, cfg LockoutConfig) (*Lockout, *clock) {
	t.Helper()
	clk := newClock()
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	l, err := NewLockout(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l, clk
}

var (
	ipA = netip.MustParseAddr("198.51.100.1")
	ipB = netip.MustParseAddr("198.51.100.2")
)

// fail records one failed attempt and reports whether it was let through to the password.
func fail(t *testing.T, l *Lockout, ip netip.Addr, user string) bool {
	t.Helper()
	a, err := l.Begin(context.Background(), ip, user)
	if err != nil {
		t.Fatal(err)
	}
	return !a.Locked
}

func TestLockoutLocksAfterFiveFailuresForFifteenMinutes(t *testing.T) {
	l, clk := newLockout(t, LockoutConfig{})
	for i := range 5 {
		if !fail(t, l, ipA, "alice") {
			t.Fatalf("attempt %d locked", i+1)
		}
		clk.Advance(10 * time.Second)
	}
	a, _ := l.Begin(context.Background(), ipA, "alice")
	if !a.Locked || a.RetryAfter < 14*time.Minute || a.RetryAfter > 15*time.Minute {
		t.Fatalf("sixth attempt: %+v", a)
	}
	clk.Advance(a.RetryAfter)
	if !fail(t, l, ipA, "alice") {
		t.Fatal("still locked after RetryAfter")
	}
}

func TestLockoutByIPOrUsername(t *testing.T) {
	l, _ := newLockout(t, LockoutConfig{})
	// One address guessing across many accounts trips the address.
	for i := range 5 {
		fail(t, l, ipA, fmt.Sprintf("user%d", i))
	}
	if fail(t, l, ipA, "someone-else") {
		t.Fatal("an address that failed 5 times on 5 accounts may go on")
	}
	// Many addresses guessing one account trip the account.
	for i := range 5 {
		fail(t, l, netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), "victim")
	}
	if fail(t, l, ipB, "victim") {
		t.Fatal("an account failed from 5 addresses may be tried from a sixth")
	}
	// Others are untouched.
	if !fail(t, l, ipB, "bob") {
		t.Fatal("an unrelated address and account are locked")
	}
}

func TestLockoutFoldsCaseAndSpace(t *testing.T) {
	l, _ := newLockout(t, LockoutConfig{By: LockoutByUsername})
	for _, u := range []string{"Admin", "admin ", " ADMIN", "aDmIn", "admin"} {
		fail(t, l, ipA, u)
	}
	if fail(t, l, ipB, "AdMiN") {
		t.Fatal("changing the case of the user name escapes the lockout")
	}
}

func TestLockoutEmptyUsernameIsNotAGlobalLock(t *testing.T) {
	// django-axes #261: an empty user name became one key and locked everyone out.
	l, _ := newLockout(t, LockoutConfig{})
	for range 10 {
		fail(t, l, ipA, "")
	}
	if !fail(t, l, ipB, "") || !fail(t, l, ipB, "carol") {
		t.Fatal("empty user names from one address locked another address")
	}
	if fail(t, l, ipA, "") {
		t.Fatal("the address that sent them is not locked")
	}
}

// TestLockoutByUsernameCountsAnEmptyNameByAddress: counting by user name only, attempts
// with an empty name are still counted, by the address that sends them (an empty key
// never skips), and lock that address only.
func TestLockoutByUsernameCountsAnEmptyNameByAddress(t *testing.T) {
	l, _ := newLockout(t, LockoutConfig{By: LockoutByUsername})
	for i := range 5 {
		if !fail(t, l, ipA, " ") {
			t.Fatalf("attempt %d locked", i+1)
		}
	}
	if fail(t, l, ipA, "") {
		t.Fatal("a sixth empty user name from one address was let through")
	}
	if !fail(t, l, ipB, "") || !fail(t, l, ipA, "dave") {
		t.Fatal("empty names from one address locked another address, or a named user")
	}
}

func TestLockoutSuccessIsNotAFailure(t *testing.T) {
	l, _ := newLockout(t, LockoutConfig{})
	ctx := context.Background()
	for range 4 {
		fail(t, l, ipA, "dave")
	}
	for range 10 {
		a, err := l.Begin(ctx, ipA, "dave")
		if err != nil || a.Locked {
			t.Fatalf("%+v %v", a, err)
		}
		if err := a.Succeeded(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !fail(t, l, ipA, "dave") {
		t.Fatal("successes were counted as failures")
	}
	if fail(t, l, ipA, "dave") {
		t.Fatal("the fifth failure did not lock")
	}
}

func TestLockoutResetOnSuccessKeepsTheAddressRecord(t *testing.T) {
	l, _ := newLockout(t, LockoutConfig{ResetOnSuccess: true})
	ctx := context.Background()
	for i := range 4 {
		fail(t, l, ipA, fmt.Sprintf("victim%d", i))
	}
	for range 4 {
		fail(t, l, ipB, "erin")
	}
	// The attacker on ipA logs in to its own account...
	a, _ := l.Begin(ctx, ipA, "mallory")
	a.Succeeded(ctx)
	// ...which does not wipe the address's four failures.
	if !fail(t, l, ipA, "victim9") || fail(t, l, ipA, "victim10") {
		t.Fatal("a success reset the address's failures")
	}
	// erin logging in from a fresh address forgets erin's failures.
	a, _ = l.Begin(ctx, netip.MustParseAddr("192.0.2.200"), "erin")
	a.Succeeded(ctx)
	for i := range 4 {
		if !fail(t, l, netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), "erin") {
			t.Fatalf("erin's failures survived her successful login (attempt %d)", i)
		}
	}
}

func TestLockoutTiersBackOff(t *testing.T) {
	l, clk := newLockout(t, LockoutConfig{By: LockoutByIP, Tiers: []Tier{{3, time.Minute}, {6, time.Hour}}})
	for range 3 {
		fail(t, l, ipA, "")
	}
	a, _ := l.Begin(context.Background(), ipA, "")
	if !a.Locked || a.RetryAfter > time.Minute {
		t.Fatalf("first tier: %+v", a)
	}
	clk.Advance(2 * time.Minute)
	for range 3 {
		if !fail(t, l, ipA, "") {
			t.Fatal("locked before the second tier")
		}
	}
	a, _ = l.Begin(context.Background(), ipA, "")
	if !a.Locked || a.RetryAfter < 50*time.Minute {
		t.Fatalf("second tier: %+v", a)
	}
}

func TestLockoutIsExactUnderConcurrency(t *testing.T) {
	// 64 concurrent guesses: the failure is reserved before the password is checked, so
	// no more than the first tier's 5 reach the password.
	l, _ := newLockout(t, LockoutConfig{})
	var checked atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := l.Begin(context.Background(), ipA, "frank")
			if err == nil && !a.Locked {
				checked.Add(1) // the password check, which fails
			}
		}()
	}
	wg.Wait()
	if checked.Load() != 5 {
		t.Fatalf("%d guesses reached the password, want exactly 5", checked.Load())
	}
}

func TestLockoutRevealsNoAccounts(t *testing.T) {
	// A login view built on Lockout answers a locked existing account and a locked
	// unknown name with the same bytes.
	l, _ := newLockout(t, LockoutConfig{By: LockoutByUsername})
	accounts := map[string]string{"alice": "right"}
	r := gin.New()
	r.POST("/login", func(c *gin.Context) {
		a, err := l.BeginRequest(c, c.PostForm("username"))
		if err != nil {
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		if a.Locked {
			a.Deny(c)
			return
		}
		if pw, ok := accounts[c.PostForm("username")]; ok && pw == c.PostForm("password") {
			a.Succeeded(c.Request.Context())
			c.String(http.StatusOK, "welcome")
			return
		}
		c.String(http.StatusUnauthorized, "invalid credentials")
	})
	last := map[string]string{}
	for _, user := range []string{"alice", "nobody"} {
		for range 6 {
			w := serve(r, req{method: http.MethodPost, path: "/login", body: "username=" + user + "&password=wrong"})
			last[user] = fmt.Sprint(w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"), w.Body.String())
		}
	}
	if last["alice"] != last["nobody"] || last["alice"][:3] != "429" {
		t.Fatalf("locked responses differ:\nalice:  %q\nnobody: %q", last["alice"], last["nobody"])
	}
}

func TestLockoutReset(t *testing.T) {
	l, _ := newLockout(t, LockoutConfig{})
	for range 5 {
		fail(t, l, ipA, "gina")
	}
	if err := l.Reset(context.Background(), ipA, "gina"); err != nil {
		t.Fatal(err)
	}
	if !fail(t, l, ipA, "gina") {
		t.Fatal("still locked after Reset")
	}
}

func TestLockoutSharedThroughRedis(t *testing.T) {
	s1, _, prefix := redisStore(t, RedisStoreConfig{Timeout: 10 * time.Second, Outage: OutageClosed})
	s2, err := NewRedisStore(RedisStoreConfig{Client: s1.client, Prefix: prefix, Timeout: 10 * time.Second, Outage: OutageClosed})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := newLockout(t, LockoutConfig{Store: s1, Now: time.Now})
	b, _ := newLockout(t, LockoutConfig{Store: s2, Now: time.Now})
	for i := range 5 {
		inst := a
		if i%2 == 1 {
			inst = b
		}
		fail(t, inst, ipA, "henry")
	}
	if fail(t, b, ipB, "henry") || fail(t, a, ipB, "henry") {
		t.Fatal("failures on two instances did not add up")
	}
}

func TestLockoutConfigErrors(t *testing.T) {
	for _, cfg := range []LockoutConfig{
		{Tiers: []Tier{}},
		{Tiers: []Tier{{0, time.Minute}}},
		{Tiers: []Tier{{5000, time.Minute}}},
		{Tiers: []Tier{{5, 0}}},
		{By: "cookie"},
	} {
		if _, err := NewLockout(cfg); !errors.Is(err, ErrInvalidConfig) && !errors.Is(err, ErrInvalidRate) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestLockoutConfigDecodesFromYAML(t *testing.T) {
	var cfg LockoutConfig
	err := yaml.Unmarshal([]byte("tiers:\n  - {failures: 3, within: 15m}\n  - {failures: 6, within: 2h}\nby: ip\nreset_on_success: true\n"), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Tiers) != 2 || cfg.Tiers[1] != (Tier{6, 2 * time.Hour}) || cfg.By != LockoutByIP || !cfg.ResetOnSuccess {
		t.Fatalf("%+v", cfg)
	}
	if _, err := NewLockout(cfg); err != nil {
		t.Fatal(err)
	}
}
