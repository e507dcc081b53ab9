package authx

import (
	"errors"
	"strings"
	"testing"
)

// letmein is the password of Django's hasher tests: "lètmein", U+00E8,
// 8 bytes of UTF-8.
const letmein = "l\u00e8tmein"

// skipSlowHash skips a test that hashes at Django's full cost (about a
// second or more per vector under -race) when -short is given.
func skipSlowHash(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("hashes at Django's default cost; skipped with -short")
	}
}

// cheapHashersConfig lists every built-in hasher at a cost small enough for
// unit tests, with tight bounds so fuzzed values stay cheap as well.
func cheapHashersConfig() HashersConfig {
	return HashersConfig{
		Algorithms: []string{
			AlgorithmPBKDF2SHA256, AlgorithmPBKDF2SHA1, AlgorithmArgon2,
			AlgorithmBCryptSHA256, AlgorithmBCrypt, AlgorithmScrypt, AlgorithmMD5,
		},
		PBKDF2: PBKDF2Config{Iterations: 1000, MaxIterations: 40_000},
		Argon2: Argon2Config{Time: 1, MemoryKiB: 64, Parallelism: 2, MaxTime: 2, MaxMemoryKiB: 1024},
		BCrypt: BCryptConfig{Cost: 4, MaxCost: 6},
		Scrypt: ScryptConfig{N: 16, R: 8, P: 1, MaxMemoryBytes: 1 << 20, MaxP: 5},
	}
}

func cheapPasswordHashers(t testing.TB) *PasswordHashers {
	t.Helper()
	h, err := NewPasswordHashers(cheapHashersConfig())
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHasherContract runs every built-in hasher through the behaviour Django's
// tests expect of each: round trip, wrong and blank passwords, identification,
// no update for a fresh hash, masked summaries and errors for garbage.
func TestHasherContract(t *testing.T) {
	hs := cheapPasswordHashers(t)
	for _, h := range hs.Hashers() {
		t.Run(h.Algorithm(), func(t *testing.T) {
			encoded, err := h.Encode(letmein)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(encoded, h.Algorithm()+"$") {
				t.Fatalf("encoded %q does not start with %q", encoded, h.Algorithm()+"$")
			}
			if !IsPasswordUsable(encoded) {
				t.Error("a real hash is reported unusable")
			}
			if len(encoded) > 128 {
				t.Errorf("encoded is %d characters, more than Django's password column holds", len(encoded))
			}
			verifyExpect(t, h, letmein, encoded, true)
			verifyExpect(t, h, letmein+"z", encoded, false)
			verifyExpect(t, h, "", encoded, false)
			if h.MustUpdate(encoded) {
				t.Error("a fresh hash must not need an update")
			}
			if got, err := hs.IdentifyHasher(encoded); err != nil || got != h {
				t.Errorf("IdentifyHasher = %v, %v; want the %s hasher", got, err, h.Algorithm())
			}
			again, err := h.Encode(letmein)
			if err != nil || again == encoded {
				t.Errorf("two encodings must differ by their salt: %q, %v", again, err)
			}

			blank, err := h.Encode("")
			if err != nil {
				t.Fatal(err)
			}
			verifyExpect(t, h, "", blank, true)
			verifyExpect(t, h, " ", blank, false)

			sum, err := h.(Summarizer).Summary(encoded)
			if err != nil || len(sum) < 3 || sum[0] != (SummaryField{"algorithm", h.Algorithm()}) {
				t.Fatalf("Summary = %v, %v", sum, err)
			}
			for _, f := range sum[1:] {
				if len(f.Value) > 8 && !strings.Contains(f.Value, "*") {
					t.Errorf("summary field %s=%q is not masked", f.Name, f.Value)
				}
			}

			for _, bad := range []string{"", h.Algorithm(), h.Algorithm() + "$", encoded + "$", "x" + encoded, encoded[:len(encoded)-2]} {
				ok, err := h.Verify(letmein, bad)
				if ok || err == nil {
					t.Errorf("Verify(%q) = %v, %v; want an error", bad, ok, err)
				}
				if !h.MustUpdate(bad) {
					t.Errorf("MustUpdate(%q) = false for an unreadable value", bad)
				}
				if _, err := h.(Summarizer).Summary(bad); err == nil {
					t.Errorf("Summary(%q) succeeded", bad)
				}
			}
		})
	}
}

func verifyExpect(t *testing.T, h Hasher, password, encoded string, want bool) {
	t.Helper()
	ok, err := h.Verify(password, encoded)
	if err != nil || ok != want {
		t.Errorf("%s.Verify(%q, %q) = %v, %v; want %v", h.Algorithm(), password, encoded, ok, err, want)
	}
}

// hashVector is one fixed Django encoding: EncodeSalt(password, salt) with
// the hasher must give encoded exactly (when salt is set), and encoded must
// verify password.
type hashVector struct {
	name     string
	password string
	salt     string
	encoded  string
	slow     bool
}

func runHashVectors(t *testing.T, h Hasher, vectors []hashVector) {
	t.Helper()
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			if v.slow {
				skipSlowHash(t)
			}
			if v.salt != "" {
				got, err := h.(SaltedHasher).EncodeSalt(v.password, v.salt)
				if err != nil || got != v.encoded {
					t.Fatalf("EncodeSalt(%q, %q) =\n%q, %v; want\n%q", v.password, v.salt, got, err, v.encoded)
				}
			}
			verifyExpect(t, h, v.password, v.encoded, true)
			if !v.slow { // the fast vectors cover rejection; spare a full-cost derivation
				verifyExpect(t, h, v.password+"z", v.encoded, false)
			}
		})
	}
}

// expectHashError asserts that h refuses every encoded value with the
// sentinel err, without panicking or computing anything.
func expectHashErrors(t *testing.T, h Hasher, want error, encoded ...string) {
	t.Helper()
	for _, e := range encoded {
		ok, err := h.Verify("secret", e)
		if ok || !errors.Is(err, want) {
			t.Errorf("%s.Verify(%q) = %v, %v; want %v", h.Algorithm(), e, ok, err, want)
		}
	}
}

// expectConfigError asserts err wraps ErrInvalidHasherConfig and names field
// first, in the house form "authx: Config.Field: ...".
func expectConfigError(t *testing.T, err error, field string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidHasherConfig) || !strings.HasPrefix(err.Error(), "authx: "+field+": ") {
		t.Errorf("err = %v, want one naming %s", err, field)
	}
}

// expectSummary asserts a Summary result field by field.
func expectSummary(t *testing.T, got []SummaryField, err error, want ...SummaryField) {
	t.Helper()
	if err != nil || len(got) != len(want) {
		t.Fatalf("Summary = %v, %v; want %v", got, err, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("summary field %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSaltIsDjangos(t *testing.T) {
	if saltLength != 22 {
		t.Fatalf("salt length = %d, want Django's 22", saltLength)
	}
	seen := map[string]bool{}
	counts := map[rune]int{}
	for range 200 {
		s := newHasherSalt()
		if len(s) != 22 || seen[s] {
			t.Fatalf("salt %q repeats or has the wrong length", s)
		}
		seen[s] = true
		for _, r := range s {
			if !strings.ContainsRune(randomStringChars, r) {
				t.Fatalf("salt %q has a character outside [a-zA-Z0-9]", s)
			}
			counts[r]++
		}
	}
	// 4400 draws over 62 letters: every letter shows up unless the
	// rejection sampling is broken (chance of a miss is about 1e-29).
	if len(counts) != len(randomStringChars) {
		t.Errorf("only %d of 62 characters ever drawn", len(counts))
	}
}

func TestWeakSaltIsDjangosRule(t *testing.T) {
	for salt, weak := range map[string]bool{
		"iodizedsalt":            true,
		"seasalt":                true,
		"123456789012345678901":  true, // 21 chars: 125 bits
		"1234567890123456789012": false,
		"èèèèèèèèèèèèèèèèèèèèèè": false, // Python counts code points, not bytes
		"èèèèèèèèèèè":            true,
	} {
		if got := weakSalt(salt); got != weak {
			t.Errorf("weakSalt(%q) = %v, want %v", salt, got, weak)
		}
	}
}

func TestParseHashUintIsCanonical(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "1": true, "1500000": true, "18446744073709551615": false,
		"": false, "01": false, "+1": false, "-1": false, " 1": false, "1 ": false,
		"1_000": false, "0x10": false, "99999999999999999999999": false,
	} {
		_, ok := parseHashUint(s, 1<<62)
		if ok != want {
			t.Errorf("parseHashUint(%q) ok = %v, want %v", s, ok, want)
		}
	}
	if _, ok := parseHashUint("11", 10); ok {
		t.Error("parseHashUint accepted a value above its limit")
	}
}

func TestSplitFieldsWantsTheExactCount(t *testing.T) {
	var f [3]string
	if !splitFields("a$b$c", '$', f[:]) || f != [3]string{"a", "b", "c"} {
		t.Errorf("splitFields = %q", f)
	}
	for _, s := range []string{"a$b", "a$b$c$d", "abc", ""} {
		if splitFields(s, '$', f[:]) {
			t.Errorf("splitFields(%q) accepted a wrong field count", s)
		}
	}
	if !splitFields("$$", '$', f[:]) || f != [3]string{} {
		t.Errorf("splitFields(\"$$\") = %q", f)
	}
}

func TestMaskHashIsDjangos(t *testing.T) {
	for _, c := range []struct {
		in   string
		show int
		want string
	}{
		{"seasalt", 2, "se*****"},
		{"abcdef", 6, "abcdef"},
		{"abcdefgh", 6, "abcdef**"},
		{"èèè", 1, "è**"},
	} {
		if got := maskHash(c.in, c.show); got != c.want {
			t.Errorf("maskHash(%q, %d) = %q, want %q", c.in, c.show, got, c.want)
		}
	}
}
