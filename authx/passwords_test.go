package authx

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// countingHasher wraps a Hasher and counts what PasswordHashers asks of it.
type countingHasher struct {
	Hasher
	mustUpdate                  bool // force MustUpdate to true
	encodes, verifies, hardened atomic.Int32
}

func (c *countingHasher) Encode(password string) (string, error) {
	c.encodes.Add(1)
	return c.Hasher.Encode(password)
}

func (c *countingHasher) Verify(password, encoded string) (bool, error) {
	c.verifies.Add(1)
	return c.Hasher.Verify(password, encoded)
}

func (c *countingHasher) MustUpdate(encoded string) bool {
	return c.mustUpdate || c.Hasher.MustUpdate(encoded)
}

func (c *countingHasher) HardenRuntime(password, encoded string) {
	c.hardened.Add(1)
	c.Hasher.HardenRuntime(password, encoded)
}

// countingPreferred returns hashers whose preferred pbkdf2_sha256 (1000
// iterations) is wrapped in a countingHasher; all cheap built-ins verify.
func countingPreferred(t *testing.T) (*PasswordHashers, *countingHasher) {
	t.Helper()
	inner, err := NewPBKDF2SHA256Hasher(PBKDF2Config{Iterations: 1000})
	if err != nil {
		t.Fatal(err)
	}
	counter := &countingHasher{Hasher: inner}
	cfg := cheapHashersConfig()
	cfg.Custom = []Hasher{counter}
	h, err := NewPasswordHashers(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, counter
}

func checkExpect(t *testing.T, h *PasswordHashers, password, encoded string, wantOK, wantUpdate bool, wantErr error) {
	t.Helper()
	ok, update, err := h.Check(password, encoded)
	if ok != wantOK || update != wantUpdate || !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		t.Errorf("Check(%q, %q) = %v, %v, %v; want %v, %v, %v", password, encoded, ok, update, err, wantOK, wantUpdate, wantErr)
	}
}

func TestDefaultPasswordHashers(t *testing.T) {
	if _, err := NewPasswordHashers(HashersConfig{}); err != nil {
		t.Fatalf("the zero HashersConfig must be valid: %v", err)
	}
	d := DefaultPasswordHashers()
	if d != DefaultPasswordHashers() {
		t.Error("DefaultPasswordHashers must be one shared value, so its concurrency limit is shared")
	}
	var names []string
	for _, h := range d.Hashers() {
		names = append(names, h.Algorithm())
	}
	if strings.Join(names, ",") != "argon2,pbkdf2_sha256,pbkdf2_sha1,bcrypt_sha256,scrypt" {
		t.Errorf("default hashers = %v", names)
	}
	a, ok := d.Preferred().(*Argon2Hasher)
	if !ok || a.variant != Argon2id || a.memory != 102400 || a.time != 2 || a.threads != 8 {
		t.Errorf("preferred = %#v, want Django's argon2id", d.Preferred())
	}
	if p, _ := d.Hasher(AlgorithmPBKDF2SHA256); p.(*PBKDF2Hasher).Iterations() != 1_500_000 {
		t.Error("pbkdf2_sha256 must use Django 6.1's count")
	}
	if _, err := d.Hasher(AlgorithmMD5); !errors.Is(err, ErrUnknownHasher) {
		t.Errorf("md5 is not a default hasher: %v", err)
	}
	s := d.hashers()
	if want := max(1, min(8, cap(s.slots))); cap(s.slots) != want || s.maxPasswordBytes != 4096 {
		t.Errorf("slots %d, max password %d", cap(s.slots), s.maxPasswordBytes)
	}

	var zero PasswordHashers
	if zero.hashers() != s {
		t.Error("the zero PasswordHashers must share the default's hashers and slots")
	}
	var none *PasswordHashers
	if none.hashers() != s || none.Preferred() != d.Preferred() {
		t.Error("a nil *PasswordHashers must behave as the default")
	}
	if _, err := none.IdentifyHasher("scrypt$1"); err != nil {
		t.Errorf("nil receiver: %v", err)
	}
}

func TestHashersConfigErrors(t *testing.T) {
	named := func(name string) Hasher { return &countingHasher{Hasher: namedHasher{NewMD5Hasher(), name}} }
	for _, c := range []struct {
		name  string
		cfg   HashersConfig
		field string
	}{
		{"unknown algorithm", HashersConfig{Algorithms: []string{"argon2", "sha1"}}, "HashersConfig.Algorithms[1]"},
		{"listed twice", HashersConfig{Algorithms: []string{"argon2", "scrypt", "argon2"}}, "HashersConfig.Algorithms[2]"},
		{"md5 preferred", HashersConfig{Algorithms: []string{"md5", "argon2"}}, "HashersConfig.Algorithms[0]"},
		{"nil custom", HashersConfig{Custom: []Hasher{nil}}, "HashersConfig.Custom[0]"},
		{"custom with $", HashersConfig{Custom: []Hasher{named("a$b")}}, "HashersConfig.Custom[0]"},
		{"custom unnamed", HashersConfig{Custom: []Hasher{named("")}}, "HashersConfig.Custom[0]"},
		{"custom with !", HashersConfig{Custom: []Hasher{named("!x")}}, "HashersConfig.Custom[0]"},
		{"custom twice", HashersConfig{Algorithms: []string{"x"}, Custom: []Hasher{named("x"), named("x")}}, "HashersConfig.Custom[1]"},
		{"custom unlisted", HashersConfig{Custom: []Hasher{named("mine")}}, "HashersConfig.Custom"},
		{"negative concurrency", HashersConfig{MaxConcurrent: -1}, "HashersConfig.MaxConcurrent"},
		{"negative length", HashersConfig{MaxPasswordBytes: -1}, "HashersConfig.MaxPasswordBytes"},
		{"pbkdf2", HashersConfig{PBKDF2: PBKDF2Config{Iterations: -5}}, "HashersConfig.PBKDF2.Iterations"},
		{"argon2", HashersConfig{Argon2: Argon2Config{MemoryKiB: 4}}, "HashersConfig.Argon2.MemoryKiB"},
		{"bcrypt", HashersConfig{BCrypt: BCryptConfig{Cost: 2}}, "HashersConfig.BCrypt.Cost"},
		{"scrypt", HashersConfig{Scrypt: ScryptConfig{N: 3}}, "HashersConfig.Scrypt.N"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, err := NewPasswordHashers(c.cfg)
			if h != nil {
				t.Error("a PasswordHashers was returned with the error")
			}
			expectConfigError(t, err, c.field)
		})
	}
	// A hasher that is not listed is not validated: its Config may stay
	// wrong, as Django never instantiates unlisted hashers.
	if _, err := NewPasswordHashers(HashersConfig{Algorithms: []string{"argon2"}, BCrypt: BCryptConfig{Cost: 2}}); err != nil {
		t.Errorf("unlisted hasher's settings were validated: %v", err)
	}
}

// namedHasher renames a hasher, for configuration tests.
type namedHasher struct {
	Hasher
	name string
}

func (n namedHasher) Algorithm() string { return n.name }

func TestMakeAndCheck(t *testing.T) {
	h := cheapPasswordHashers(t)
	encoded, err := h.Make(letmein)
	if err != nil || !strings.HasPrefix(encoded, "pbkdf2_sha256$1000$") {
		t.Fatalf("Make = %q, %v", encoded, err)
	}
	checkExpect(t, h, letmein, encoded, true, false, nil)
	checkExpect(t, h, letmein+"z", encoded, false, false, nil)
	// Django's test_pbkdf2 blank passwords.
	blank, _ := h.Make("")
	checkExpect(t, h, "", blank, true, false, nil)
	checkExpect(t, h, " ", blank, false, false, nil)
}

// TestCheckUpgrades is Django's test_upgrade, test_no_upgrade and
// test_no_upgrade_on_incorrect_pass: a hash by another hasher, with other
// parameters or with a weak salt is flagged for update only when the
// password is right.
func TestCheckUpgrades(t *testing.T) {
	h := cheapPasswordHashers(t)
	var encoded []string
	for _, name := range []string{AlgorithmPBKDF2SHA1, AlgorithmMD5, AlgorithmArgon2, AlgorithmBCryptSHA256, AlgorithmScrypt} {
		hs, _ := h.Hasher(name)
		e, err := hs.Encode(letmein)
		if err != nil {
			t.Fatal(err)
		}
		encoded = append(encoded, e)
	}
	lower, _ := newPBKDF2ForTest(t, false, 500).Encode(letmein)
	weak, _ := newPBKDF2ForTest(t, false, 1000).EncodeSalt(letmein, "iodizedsalt")
	encoded = append(encoded, lower, weak)
	for _, e := range encoded {
		checkExpect(t, h, letmein, e, true, true, nil)
		checkExpect(t, h, "WRONG", e, false, false, nil)
	}
	current, _ := h.Make(letmein)
	checkExpect(t, h, letmein, current, true, false, nil)
}

// TestCheckHardensRuntime is Django's test_check_password_calls_harden_runtime:
// only a wrong password against an outdated hash of the preferred algorithm
// pays the difference.
func TestCheckHardensRuntime(t *testing.T) {
	h, counter := countingPreferred(t)
	encoded, _ := h.Make("letmein")
	counter.mustUpdate = true
	checkExpect(t, h, "letmein", encoded, true, true, nil)
	if n := counter.hardened.Load(); n != 0 {
		t.Errorf("correct password: HardenRuntime ran %d times, want 0", n)
	}
	checkExpect(t, h, "wrong_password", encoded, false, false, nil)
	if n := counter.hardened.Load(); n != 1 {
		t.Errorf("wrong password: HardenRuntime ran %d times, want 1", n)
	}
	// Another algorithm: Django does not harden (the timing differs anyway).
	other, _ := NewMD5Hasher().Encode("letmein")
	checkExpect(t, h, "wrong_password", other, false, false, nil)
	if n := counter.hardened.Load(); n != 1 {
		t.Errorf("other algorithm: HardenRuntime ran %d times, want still 1", n)
	}
}

// TestCheckFakesRuntime is Django's
// test_check_password_calls_make_password_to_fake_runtime: a value that
// cannot be checked still costs one hash with the preferred hasher, and an
// error names what is wrong, except for an unusable password.
func TestCheckFakesRuntime(t *testing.T) {
	h, counter := countingPreferred(t)
	for _, c := range []struct {
		encoded string
		want    error
		parsed  bool // the preferred hasher is identified and its Verify refuses the value
	}{
		{UnusablePassword(), nil, false},
		{"!", nil, false},
		{"", ErrMalformedHash, false},
		{"lètmein_badencoded", ErrMalformedHash, false},
		{"lolcat$salt$hash", ErrUnknownHasher, false},
		{"5f4dcc3b5aa765d61d8327deb882cf99", ErrUnknownHasher, false}, // Django's unsalted_md5, removed in 5.1
		{"sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8", ErrUnknownHasher, false},
		{strings.Repeat("x$", 3000), ErrMalformedHash, false},
		{"pbkdf2_sha256$x$salt$hash", ErrMalformedHash, true},
		{"pbkdf2_sha256$999999999$salt$P4UiMPVduVWIL/oS1GzH+IofsccjJNM5hUTikBvi5to=", ErrUnsafeHashParameters, true},
		{"argon2$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", ErrUnsafeHashParameters, false},
		{"argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg", ErrUnsupportedHash, false},
		{"bcrypt$$2b$05$" + strings.Repeat("a", 52), ErrMalformedHash, false},
		{"scrypt$1048576$salt$8$1$" + strings.Repeat("A", 86) + "==", ErrUnsafeHashParameters, false}, // 1 GiB: over the bound
	} {
		before := counter.encodes.Load()
		verifies := counter.verifies.Load()
		checkExpect(t, h, "foo", c.encoded, false, false, c.want)
		if n := counter.encodes.Load() - before; n != 1 {
			t.Errorf("Check(%.30q): preferred hasher ran %d times, want once", c.encoded, n)
		}
		if n, want := counter.verifies.Load()-verifies, map[bool]int32{false: 0, true: 1}[c.parsed]; n != want {
			t.Errorf("Check(%.30q): preferred Verify ran %d times, want %d", c.encoded, n, want)
		}
	}
}

// TestCheckRawBCryptTooLong: over 72 bytes, raw bcrypt is refused (and
// still costs one preferred hash); bcrypt_sha256 takes any length.
func TestCheckRawBCryptTooLong(t *testing.T) {
	h, counter := countingPreferred(t)
	bc, _ := h.Hasher(AlgorithmBCrypt)
	a72 := strings.Repeat("a", 72)
	encoded, _ := bc.Encode(a72)
	checkExpect(t, h, a72, encoded, true, true, nil)
	before := counter.encodes.Load()
	checkExpect(t, h, a72+"b", encoded, false, false, ErrPasswordTooLong)
	if counter.encodes.Load() != before+1 {
		t.Error("a refused verification must still cost one preferred hash")
	}
	sha, _ := h.Hasher(AlgorithmBCryptSHA256)
	long, _ := sha.Encode(strings.Repeat("a", 200))
	checkExpect(t, h, strings.Repeat("a", 200), long, true, true, nil)
}

// TestUnusablePassword is Django's test_unusable and test_is_password_usable.
func TestUnusablePassword(t *testing.T) {
	h := cheapPasswordHashers(t)
	encoded := UnusablePassword()
	if len(encoded) != 41 || encoded[0] != '!' || IsPasswordUsable(encoded) {
		t.Fatalf("UnusablePassword() = %q", encoded)
	}
	for _, c := range encoded[1:] {
		if !strings.ContainsRune(randomStringChars, c) {
			t.Fatalf("UnusablePassword() = %q has a character outside [a-zA-Z0-9]", encoded)
		}
	}
	for _, password := range []string{encoded, "!", "", letmein, letmein + "z"} {
		checkExpect(t, h, password, encoded, false, false, nil)
	}
	if _, err := h.IdentifyHasher(encoded); !errors.Is(err, ErrUnusablePassword) {
		t.Errorf("IdentifyHasher(unusable) err = %v", err)
	}
	if encoded == UnusablePassword() {
		t.Error("two unusable passwords must differ")
	}
	for _, usable := range []string{"lètmein_badencoded", "", "pbkdf2_sha256$1$a$b"} {
		if !IsPasswordUsable(usable) {
			t.Errorf("IsPasswordUsable(%q) = false; Django says true", usable)
		}
	}
}

func TestIdentifyHasher(t *testing.T) {
	h := cheapPasswordHashers(t)
	for encoded, want := range map[string]string{
		"pbkdf2_sha256$1$a$b": AlgorithmPBKDF2SHA256,
		"pbkdf2_sha1$":        AlgorithmPBKDF2SHA1,
		"argon2$argon2id$":    AlgorithmArgon2,
		"bcrypt_sha256$$2b$":  AlgorithmBCryptSHA256,
		"bcrypt$$2b$":         AlgorithmBCrypt,
		"scrypt$16384$":       AlgorithmScrypt,
		"md5$seasalt$x":       AlgorithmMD5,
	} {
		got, err := h.IdentifyHasher(encoded)
		if err != nil || got.Algorithm() != want {
			t.Errorf("IdentifyHasher(%q) = %v, %v; want %s", encoded, got, err, want)
		}
	}
	for encoded, want := range map[string]error{
		"lolcat$salt$hash":                      ErrUnknownHasher,
		"md5$$5f4dcc3b5aa765d61d8327deb882cf99": ErrUnknownHasher, // Django: unsalted_md5, not md5
		"$salt$hash":                            ErrUnknownHasher,
		"nodollar":                              ErrMalformedHash,
		"":                                      ErrMalformedHash,
		"md5$" + strings.Repeat("a", 5000):      ErrMalformedHash,
	} {
		if got, err := h.IdentifyHasher(encoded); got != nil || !errors.Is(err, want) {
			t.Errorf("IdentifyHasher(%.40q) = %v, %v; want %v", encoded, got, err, want)
		}
	}
	if got, err := IdentifyHasher("scrypt$x"); err != nil || got.Algorithm() != AlgorithmScrypt {
		t.Errorf("package IdentifyHasher = %v, %v", got, err)
	}
	valid := "pbkdf2_sha256$1000$seasalt$P4UiMPVduVWIL/oS1GzH+IofsccjJNM5hUTikBvi5to="
	if n := testing.AllocsPerRun(100, func() { _, _ = h.IdentifyHasher(valid) }); n != 0 {
		t.Errorf("IdentifyHasher allocates %v times, want 0", n)
	}
}

// TestCustomHasherTakesARemovedName: Django 5.1 removed the unsalted MD5
// hasher; a project that still has such hashes can plug one in by name.
func TestCustomHasherTakesARemovedName(t *testing.T) {
	legacy := namedHasher{NewMD5Hasher(), "unsalted_md5"}
	h, err := NewPasswordHashers(HashersConfig{
		Algorithms: []string{AlgorithmPBKDF2SHA256, "unsalted_md5"},
		PBKDF2:     PBKDF2Config{Iterations: 1000},
		Custom:     []Hasher{legacy},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, encoded := range []string{"5f4dcc3b5aa765d61d8327deb882cf99", "md5$$5f4dcc3b5aa765d61d8327deb882cf99"} {
		if got, err := h.IdentifyHasher(encoded); err != nil || got.Algorithm() != "unsalted_md5" {
			t.Errorf("IdentifyHasher(%q) = %v, %v", encoded, got, err)
		}
	}
}

func TestMaxPasswordBytes(t *testing.T) {
	h, counter := countingPreferred(t)
	long := strings.Repeat("p", 4097)
	if _, err := h.Make(long); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Make(4097 bytes) err = %v", err)
	}
	encoded, _ := h.Make(long[:4096])
	checkExpect(t, h, long[:4096], encoded, true, false, nil)
	before := counter.encodes.Load() + counter.verifies.Load()
	checkExpect(t, h, long, encoded, false, false, ErrPasswordTooLong)
	h.RunDummy(long)
	if n := counter.encodes.Load() + counter.verifies.Load(); n != before {
		t.Errorf("an over-long password was hashed (%d operations); Check and RunDummy must both refuse it at once", n-before)
	}

	small, err := NewPasswordHashers(HashersConfig{Algorithms: []string{"pbkdf2_sha256"}, PBKDF2: PBKDF2Config{Iterations: 1}, MaxPasswordBytes: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.Make("123456789"); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("MaxPasswordBytes 8: err = %v", err)
	}
}

func TestRunDummyHashesWithThePreferredHasher(t *testing.T) {
	h, counter := countingPreferred(t)
	h.RunDummy("any password")
	if err := h.RunDummyContext(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if n := counter.encodes.Load(); n != 2 {
		t.Errorf("RunDummy ran the preferred hasher %d times, want 2", n)
	}
}

func TestSummary(t *testing.T) {
	h := cheapPasswordHashers(t)
	sum, err := h.Summary("md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3")
	expectSummary(t, sum, err, SummaryField{"algorithm", "md5"}, SummaryField{"salt", "se*****"}, SummaryField{"hash", "3f86d0**************************"})
	if _, err := h.Summary(UnusablePassword()); !errors.Is(err, ErrUnusablePassword) {
		t.Errorf("Summary(unusable) err = %v", err)
	}
	counting, _ := countingPreferred(t)
	if _, err := counting.Summary("pbkdf2_sha256$1$a$b"); !errors.Is(err, ErrUnknownHasher) {
		t.Errorf("Summary of a hasher without Summary: err = %v", err)
	}
}

// TestErrorsDoNotLeakStoredValues: a stored "hash" may be a leaked plain
// password; no error repeats any part of it.
func TestErrorsDoNotLeakStoredValues(t *testing.T) {
	h := cheapPasswordHashers(t)
	const secret = "Hunter2Hunter2"
	for _, encoded := range []string{
		"pbkdf2_sha256$1000$" + secret + "$x",
		"pbkdf2_sha256$" + secret + "$salt$x",
		"argon2$argon2id$v=19$m=8,t=1,p=1$" + secret + "$x",
		"argon2$" + secret + "$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
		"bcrypt_sha256$$2b$04$" + secret,
		"scrypt$16$" + secret + "$8$1$x",
		"md5$" + secret + "$x",
		secret + "$x",
		secret,
	} {
		_, _, err := h.Check("pw", encoded)
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "Hunter") {
			t.Errorf("Check(%q) err = %v", encoded, err)
		}
	}
}

func TestContextCancelledBeforeHashing(t *testing.T) {
	h, counter := countingPreferred(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.MakeContext(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("MakeContext err = %v", err)
	}
	if _, _, err := h.CheckContext(ctx, "x", "pbkdf2_sha256$1$a$b"); !errors.Is(err, context.Canceled) {
		t.Errorf("CheckContext err = %v", err)
	}
	if err := h.RunDummyContext(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("RunDummyContext err = %v", err)
	}
	if n := counter.encodes.Load() + counter.verifies.Load(); n != 0 {
		t.Errorf("%d hash operations ran for a cancelled context", n)
	}
}

// gateHasher holds every Encode and Verify until release is closed, and
// records how many ran at once.
type gateHasher struct {
	Hasher
	events  chan string
	release chan struct{}

	mu                     sync.Mutex
	inFlight, peak, called int
}

func (g *gateHasher) hold() {
	g.mu.Lock()
	g.inFlight++
	g.called++
	g.peak = max(g.peak, g.inFlight)
	g.mu.Unlock()
	g.events <- "enter"
	<-g.release
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
}

func (g *gateHasher) Encode(password string) (string, error) {
	g.hold()
	return g.Hasher.Encode(password)
}

func (g *gateHasher) Verify(password, encoded string) (bool, error) {
	g.hold()
	return g.Hasher.Verify(password, encoded)
}

// waitSignal reports on events when an operation is about to wait for a
// slot: acquire reads Done only once no slot is free.
type waitSignal struct {
	context.Context
	events chan string
}

func (w waitSignal) Done() <-chan struct{} {
	w.events <- "wait"
	return w.Context.Done()
}

// TestConcurrencyIsBounded: with MaxConcurrent 2, eight concurrent Make,
// Check and RunDummy calls never run more than two hashes at once; the
// rest wait, and a waiter whose context ends gives up without hashing. No
// timing is involved: every operation reports either entering the hasher
// or starting to wait.
func TestConcurrencyIsBounded(t *testing.T) {
	const limit, callers = 2, 8
	inner, _ := NewPBKDF2SHA256Hasher(PBKDF2Config{Iterations: 1})
	stored, _ := inner.Encode("pw")
	gate := &gateHasher{Hasher: inner, events: make(chan string, 4*callers), release: make(chan struct{})}
	h, err := NewPasswordHashers(HashersConfig{Algorithms: []string{AlgorithmPBKDF2SHA256}, Custom: []Hasher{gate}, MaxConcurrent: limit})
	if err != nil {
		t.Fatal(err)
	}
	ctx := waitSignal{context.Background(), gate.events}

	var wg sync.WaitGroup
	results := make(chan error, callers)
	for i := range callers {
		wg.Go(func() {
			var err error
			switch i % 3 {
			case 0:
				_, err = h.MakeContext(ctx, "pw")
			case 1:
				var ok bool
				if ok, _, err = h.CheckContext(ctx, "pw", stored); err == nil && !ok {
					err = errors.New("check failed")
				}
			case 2:
				err = h.RunDummyContext(ctx, "pw")
			}
			results <- err
		})
	}
	entered, waiting := 0, 0
	for entered+waiting < callers {
		switch <-gate.events {
		case "enter":
			entered++
		case "wait":
			waiting++
		}
	}
	if entered != limit || waiting != callers-limit {
		t.Fatalf("%d entered and %d waited; want %d and %d", entered, waiting, limit, callers-limit)
	}

	// One more caller whose context ends while it waits gives up.
	cctx, cancel := context.WithCancel(context.Background())
	quit := make(chan error)
	go func() {
		_, err := h.MakeContext(waitSignal{cctx, gate.events}, "pw")
		quit <- err
	}()
	if ev := <-gate.events; ev != "wait" {
		t.Fatalf("the extra caller %sed instead of waiting", ev)
	}
	cancel()
	if err := <-quit; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled waiter: err = %v, want context.Canceled", err)
	}

	close(gate.release)
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Error(err)
		}
	}
	if gate.peak != limit || gate.called != callers {
		t.Errorf("peak %d concurrent of %d calls; want %d of %d", gate.peak, gate.called, limit, callers)
	}
	if n := len(h.hashers().slots); n != 0 {
		t.Errorf("%d slots still held after every call returned", n)
	}
}

// TestMakePasswordDefaults is Django's test_simple and test_argon2 through
// the package functions: argon2id by default, Django's pbkdf2 hashes
// verify (and would be upgraded).
func TestMakePasswordDefaults(t *testing.T) {
	skipSlowHash(t)
	encoded, err := MakePassword(letmein)
	if err != nil || !strings.HasPrefix(encoded, "argon2$argon2id$v=19$m=102400,t=2,p=8$") {
		t.Fatalf("MakePassword = %q, %v", encoded, err)
	}
	for password, want := range map[string]bool{letmein: true, letmein + "z": false, "": false} {
		if ok, err := CheckPassword(password, encoded); ok != want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", password, ok, err, want)
		}
	}
	ok, update, err := DefaultPasswordHashers().Check(letmein, "pbkdf2_sha256$1500000$seasalt2$xWKIh704updzhxL+vMfPbhVsHljK62FyE988AtcoHU4=")
	if !ok || !update || err != nil {
		t.Errorf("Django 6.1 pbkdf2 hash: %v, %v, %v; want verified and flagged for argon2", ok, update, err)
	}
	if ok, err := CheckPassword("foo", UnusablePassword()); ok || err != nil {
		t.Errorf("CheckPassword(unusable) = %v, %v", ok, err)
	}
}
