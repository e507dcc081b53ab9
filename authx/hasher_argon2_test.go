package authx

import (
	"errors"
	"strings"
	"testing"
)

func newArgon2ForTest(t *testing.T, cfg Argon2Config) *Argon2Hasher {
	t.Helper()
	h, err := NewArgon2Hasher(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestArgon2DjangoVectors: the fixed hashes of Django's test_argon2 and
// test_argon2_version_upgrade and of passlib, each also written byte for byte
// by a hasher configured with its parameters.
func TestArgon2DjangoVectors(t *testing.T) {
	argon2i := func(time, memory, threads int) *Argon2Hasher {
		return newArgon2ForTest(t, Argon2Config{Variant: Argon2i, Time: time, MemoryKiB: memory, Parallelism: threads, KeyLen: 16})
	}
	runHashVectors(t, argon2i(1, 8, 1), []hashVector{
		{"test_argon2/v19", "secret", "saltsalt", "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q", false},
	})
	runHashVectors(t, argon2i(1, 256, 1), []hashVector{
		{"passlib/m256", "password", "somesalt", "argon2$argon2i$v=19$m=256,t=1,p=1$c29tZXNhbHQ$AJFIsNZTMKTAewB4+ETN1A", false},
	})
	runHashVectors(t, argon2i(2, 380, 2), []hashVector{
		{"passlib/m380", "password", "somesalt", "argon2$argon2i$v=19$m=380,t=2,p=2$c29tZXNhbHQ$SrssP8n7m/12VWPM8dvNrw", false},
	})
	runHashVectors(t, argon2i(2, 512, 2), []hashVector{
		{"passlib/m512", letmein, "Wnc7YxQBYZDu", "argon2$argon2i$v=19$m=512,t=2,p=2$V25jN1l4UUJZWkR1$MxpA1BD2Gh7+D79gaAw6sQ", false},
	})
	runHashVectors(t, newArgon2ForTest(t, Argon2Config{KeyLen: 16}), []hashVector{
		{"test_argon2_version_upgrade", "secret", "cN5tLa6IcEE2", "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw", true},
	})
}

// TestArgon2LegacyVersionIsUnsupported: Django's "old hashes without version
// attribute" are Argon2 1.0, which golang.org/x/crypto cannot compute; they
// are reported, not mis-verified.
func TestArgon2LegacyVersionIsUnsupported(t *testing.T) {
	h := newArgon2ForTest(t, Argon2Config{})
	expectHashErrors(t, h, ErrUnsupportedHash,
		"argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg",
		"argon2$argon2i$v=16$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
		"argon2$argon2d$v=19$m=8,t=1,p=1$c29tZXNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
	)
}

func TestArgon2DefaultsAreDjangos(t *testing.T) {
	h := newArgon2ForTest(t, Argon2Config{})
	if h.variant != Argon2id || h.time != 2 || h.memory != 102400 || h.threads != 8 || h.keyLen != 32 {
		t.Errorf("defaults = %+v", h)
	}
	if h.paramsField != "v=19$m=102400,t=2,p=8" {
		t.Errorf("params = %q", h.paramsField)
	}
}

// TestArgon2DefaultCost is Django's test_argon2 at the default parameters.
func TestArgon2DefaultCost(t *testing.T) {
	skipSlowHash(t)
	h := newArgon2ForTest(t, Argon2Config{})
	encoded, err := h.Encode(letmein)
	if err != nil || !strings.HasPrefix(encoded, "argon2$argon2id$v=19$m=102400,t=2,p=8$") {
		t.Fatalf("Encode = %q, %v", encoded, err)
	}
	verifyExpect(t, h, letmein, encoded, true)
	verifyExpect(t, h, letmein+"z", encoded, false)
	if h.MustUpdate(encoded) {
		t.Error("fresh default hash flagged for update")
	}
}

// TestArgon2SaltEntropy is the salt entropy check of Django's test_argon2.
func TestArgon2SaltEntropy(t *testing.T) {
	h := newArgon2ForTest(t, Argon2Config{Time: 1, MemoryKiB: 8, Parallelism: 1})
	weak, _ := h.EncodeSalt(letmein, "iodizedsalt")
	strong, _ := h.EncodeSalt(letmein, h.Salt())
	if !h.MustUpdate(weak) || h.MustUpdate(strong) {
		t.Errorf("MustUpdate weak = %v, strong = %v; want true, false", h.MustUpdate(weak), h.MustUpdate(strong))
	}
	for _, salt := range []string{"", "short", strings.Repeat("s", 1025)} {
		if _, err := h.EncodeSalt(letmein, salt); !errors.Is(err, ErrInvalidSalt) {
			t.Errorf("EncodeSalt(%d-byte salt) err = %v, want ErrInvalidSalt", len(salt), err)
		}
	}
}

// TestArgon2Upgrade is Django's test_argon2_upgrade and
// test_argon2_version_upgrade: any parameter that differs from the hasher's
// asks for an update, and the summary shows the stored value.
func TestArgon2Upgrade(t *testing.T) {
	base := Argon2Config{Time: 2, MemoryKiB: 64, Parallelism: 2, KeyLen: 32}
	current := newArgon2ForTest(t, base)
	for _, c := range []struct {
		summaryKey string
		change     func(*Argon2Config)
		want       string
	}{
		{"time cost", func(c *Argon2Config) { c.Time = 1 }, "1"},
		{"memory cost", func(c *Argon2Config) { c.MemoryKiB = 32 }, "32"},
		{"parallelism", func(c *Argon2Config) { c.Parallelism = 1 }, "1"},
		{"variety", func(c *Argon2Config) { c.Variant = Argon2i }, Argon2i},
		{"hash", func(c *Argon2Config) { c.KeyLen = 16 }, ""},
	} {
		t.Run(c.summaryKey, func(t *testing.T) {
			cfg := base
			c.change(&cfg)
			old := newArgon2ForTest(t, cfg)
			encoded, err := old.Encode("letmein")
			if err != nil {
				t.Fatal(err)
			}
			if c.want != "" {
				sum, _ := old.Summary(encoded)
				if got := summaryValue(sum, c.summaryKey); got != c.want {
					t.Errorf("summary %s = %q, want %q", c.summaryKey, got, c.want)
				}
			}
			if old.MustUpdate(encoded) {
				t.Error("no update is triggered under the parameters the hash was made with")
			}
			verifyExpect(t, current, "letmein", encoded, true)
			if !current.MustUpdate(encoded) {
				t.Error("the current hasher must ask for an update")
			}
		})
	}
}

func summaryValue(sum []SummaryField, name string) string {
	for _, f := range sum {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestArgon2RefusesMaliciousHashes: every parameter is bounds-checked before
// x/crypto/argon2 sees it, which panics on t=0 or p=0 and allocates m KiB.
func TestArgon2RefusesMaliciousHashes(t *testing.T) {
	h := newArgon2ForTest(t, Argon2Config{Time: 1, MemoryKiB: 64, Parallelism: 1, MaxTime: 2, MaxMemoryKiB: 1024})
	const tail = "$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q"
	withParams := func(params ...string) []string {
		out := make([]string, len(params))
		for i, p := range params {
			out[i] = "argon2$argon2i$v=19$" + p + tail
		}
		return out
	}
	expectHashErrors(t, h, ErrUnsafeHashParameters, withParams(
		"m=8,t=0,p=1", "m=8,t=3,p=1", "m=8,t=4294967295,p=1",
		"m=8,t=1,p=0", "m=4096,t=1,p=256",
		"m=0,t=1,p=1", "m=7,t=1,p=1", "m=15,t=1,p=2", "m=1025,t=1,p=1", "m=4294967295,t=1,p=1",
	)...)
	expectHashErrors(t, h, ErrUnsafeHashParameters,
		"argon2$argon2i$v=19$m=8,t=1,p=1$c29tZQ"+tail[12:], // 4-byte salt
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+", // 3-byte tag
	)
	expectHashErrors(t, h, ErrMalformedHash, withParams(
		"m=-1,t=1,p=1", "m=08,t=1,p=1", "m=8,t=1", "t=1,m=8,p=1", "m=8,t=1,p=1,x=1",
		"m=8,,t=1,p=1", "m=4294967296,t=1,p=1", "m=8;t=1;p=1", "m= 8,t=1,p=1", "",
	)...)
	expectHashErrors(t, h, ErrMalformedHash,
		"argon2$argon2x$v=19$m=8,t=1,p=1"+tail,
		"argon2$argon2i$v=abc$m=8,t=1,p=1"+tail,
		"argon2$argon2i$19$m=8,t=1,p=1"+tail,
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ=$YC9+jJCrQhs5R6db7LlN8Q", // padded salt
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8R",  // non-zero trailing bits
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2F$dHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
		"argon2$argon2i$v=19$m=8,t=1,p=1$"+strings.Repeat("A", 2000)+"$YC9+jJCrQhs5R6db7LlN8Q",
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$"+strings.Repeat("A", 2000),
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$",
		"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ",
		"argon2$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
		"argon2id$argon2i$v=19$m=8,t=1,p=1"+tail,
	)
}

func TestArgon2ConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg   Argon2Config
		field string
	}{
		{Argon2Config{Variant: "argon2d"}, "Variant"},
		{Argon2Config{Time: -1}, "Time"},
		{Argon2Config{Time: 5, MaxTime: 4}, "Time"},
		{Argon2Config{Parallelism: 256}, "Parallelism"},
		{Argon2Config{Parallelism: -2}, "Parallelism"},
		{Argon2Config{MemoryKiB: 7, Parallelism: 1}, "MemoryKiB"},
		{Argon2Config{MemoryKiB: 63, Parallelism: 8}, "MemoryKiB"},
		{Argon2Config{MemoryKiB: 4096, MaxMemoryKiB: 2048}, "MemoryKiB"},
		{Argon2Config{KeyLen: 3}, "KeyLen"},
		{Argon2Config{KeyLen: 1025}, "KeyLen"},
		{Argon2Config{MaxTime: -1}, "MaxTime"},
		{Argon2Config{MaxMemoryKiB: -1}, "MaxMemoryKiB"},
	} {
		_, err := NewArgon2Hasher(c.cfg)
		expectConfigError(t, err, "Argon2Config."+c.field)
	}
}

func TestArgon2BoundsFollowAHigherCost(t *testing.T) {
	h := newArgon2ForTest(t, Argon2Config{Time: 20, MemoryKiB: 2 << 20})
	if h.maxTime != 20 || h.maxMemory != 2<<20 {
		t.Errorf("bounds = t %d, m %d; want the configured cost", h.maxTime, h.maxMemory)
	}
}

func TestArgon2Summary(t *testing.T) {
	h := newArgon2ForTest(t, Argon2Config{})
	sum, err := h.Summary("argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw")
	want := []SummaryField{
		{"algorithm", "argon2"}, {"variety", "argon2id"}, {"version", "19"},
		{"memory cost", "102400"}, {"time cost", "2"}, {"parallelism", "8"},
		{"salt", "Y041dE**********"}, {"hash", "TMa6A8****************"},
	}
	expectSummary(t, sum, err, want...)
}
