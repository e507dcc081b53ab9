package authx

import (
	"errors"
	"strings"
	"testing"
)

func newScryptForTest(t *testing.T, cfg ScryptConfig) *ScryptHasher {
	t.Helper()
	h, err := NewScryptHasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestScryptDjangoVectors: Django's test_scrypt (p=5 since 5.1) and the
// same vector at the earlier p=1, written byte for byte.
func TestScryptDjangoVectors(t *testing.T) {
	runHashVectors(t, newScryptForTest(t, ScryptConfig{}), []hashVector{
		{"test_scrypt", letmein, "seasalt", "scrypt$16384$seasalt$8$5$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==", true},
	})
	runHashVectors(t, newScryptForTest(t, ScryptConfig{P: 1}), []hashVector{
		{"5.0", letmein, "seasalt", "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==", false},
	})
}

// TestScryptDefaultCost is the blank-password part of Django's test_scrypt.
func TestScryptDefaultCost(t *testing.T) {
	skipSlowHash(t)
	h := newScryptForTest(t, ScryptConfig{})
	blank, err := h.EncodeSalt("", "seasalt")
	if err != nil || !strings.HasPrefix(blank, "scrypt$16384$seasalt$8$5$") {
		t.Fatalf("EncodeSalt = %q, %v", blank, err)
	}
	verifyExpect(t, h, "", blank, true)
	verifyExpect(t, h, " ", blank, false)
	fresh, _ := h.Encode(letmein)
	if len(fresh) != 128 {
		t.Errorf("default scrypt hash is %d characters; Django's column holds exactly 128", len(fresh))
	}
}

// TestScryptUpgrade is Django's test_scrypt_upgrade: N, r and p each trigger
// an update; so does a weak salt, which Django does not check for scrypt.
func TestScryptUpgrade(t *testing.T) {
	base := ScryptConfig{N: 16, R: 2, P: 1}
	current := newScryptForTest(t, base)
	for name, change := range map[string]func(*ScryptConfig){
		"work factor": func(c *ScryptConfig) { c.N = 32 },
		"block size":  func(c *ScryptConfig) { c.R = 1 },
		"parallelism": func(c *ScryptConfig) { c.P = 2 },
	} {
		cfg := base
		change(&cfg)
		old := newScryptForTest(t, cfg)
		encoded, err := old.Encode("letmein")
		if err != nil {
			t.Fatal(err)
		}
		if old.MustUpdate(encoded) {
			t.Errorf("%s: no update under the parameters the hash was made with", name)
		}
		verifyExpect(t, current, "letmein", encoded, true)
		if !current.MustUpdate(encoded) {
			t.Errorf("%s: the current hasher must ask for an update", name)
		}
	}
	weak, _ := current.EncodeSalt("letmein", "seasalt")
	if !current.MustUpdate(weak) {
		t.Error("a 7-character salt must trigger an update")
	}
	current.HardenRuntime("wrong", weak) // a no-op, as in Django
}

func TestScryptRefusesMaliciousHashes(t *testing.T) {
	h := newScryptForTest(t, ScryptConfig{N: 16, R: 8, P: 1, MaxMemoryBytes: 1 << 20, MaxP: 4})
	const key = "$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw=="
	expectHashErrors(t, h, ErrUnsafeHashParameters,
		"scrypt$0$seasalt$8$1"+key,
		"scrypt$1$seasalt$8$1"+key,
		"scrypt$1000$seasalt$8$1"+key, // not a power of two
		"scrypt$1024$seasalt$8$1"+key, // 1 MiB + p blocks: over the bound
		"scrypt$4611686018427387904$seasalt$8$1"+key,
		"scrypt$16$seasalt$0$1"+key,
		"scrypt$16$seasalt$8193$1"+key,
		"scrypt$16$seasalt$4611686018427387904$1"+key,
		"scrypt$16$seasalt$8$0"+key,
		"scrypt$16$seasalt$8$5"+key,
		"scrypt$16$seasalt$8$1073741824"+key,
	)
	expectHashErrors(t, h, ErrMalformedHash,
		"scrypt$-16$seasalt$8$1"+key,
		"scrypt$016$seasalt$8$1"+key,
		"scrypt$16$seasalt$8$+1"+key,
		"scrypt$99999999999999999999999$seasalt$8$1"+key,
		"scrypt$16$$8$1"+key,
		"scrypt$16$sea$salt$8$1"+key,
		"scrypt$16$seasalt$8$1$",
		"scrypt$16$seasalt$8$1$ECMIUp+LMxMSK8xB",
		"scrypt$16$seasalt$8$1$"+strings.Repeat("A", 1<<16),
		"scrypt$16$seasalt$8"+key,
		"scrypt$16$seasalt$1"+key,
	)
	// 512 KiB of V plus the p blocks is inside the 1 MiB bound.
	if _, err := h.Verify("x", "scrypt$512$seasalt$8$1"+key); err != nil {
		t.Errorf("a hash inside the bounds is refused: %v", err)
	}
}

func TestScryptConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg   ScryptConfig
		field string
	}{
		{ScryptConfig{N: 1000}, "N"},
		{ScryptConfig{N: 1}, "N"},
		{ScryptConfig{N: -2}, "N"},
		{ScryptConfig{R: -1}, "R"},
		{ScryptConfig{P: -1}, "P"},
		{ScryptConfig{P: 20, MaxP: 10}, "P"},
		{ScryptConfig{MaxMemoryBytes: -1}, "MaxMemoryBytes"},
		{ScryptConfig{MaxMemoryBytes: 1 << 20}, "MaxMemoryBytes"},
	} {
		_, err := NewScryptHasher(c.cfg)
		expectConfigError(t, err, "ScryptConfig."+c.field)
	}
	h := newScryptForTest(t, ScryptConfig{})
	if h.n != 16384 || h.r != 8 || h.p != 5 || h.maxMemory != 256<<20 || h.maxP != 16 {
		t.Errorf("defaults = %+v", h)
	}
	big := newScryptForTest(t, ScryptConfig{N: 1 << 20})
	if big.maxMemory != 128*8*(1<<20+5) {
		t.Errorf("a cost above the default bound raises the bound: %d", big.maxMemory)
	}
	for _, salt := range []string{"", "sea$salt"} {
		if _, err := h.EncodeSalt("password", salt); !errors.Is(err, ErrInvalidSalt) {
			t.Errorf("EncodeSalt(salt %q) err = %v, want ErrInvalidSalt", salt, err)
		}
	}
}

// TestScryptSummary mirrors Django's test_scrypt_decode.
func TestScryptSummary(t *testing.T) {
	h := newScryptForTest(t, ScryptConfig{})
	sum, err := h.Summary("scrypt$16384$seasalt$8$5$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==")
	want := []SummaryField{
		{"algorithm", "scrypt"}, {"work factor", "16384"}, {"block size", "8"}, {"parallelism", "5"},
		{"salt", "seasal*"}, {"hash", "ECMIUp" + strings.Repeat("*", 82)},
	}
	expectSummary(t, sum, err, want...)
}
