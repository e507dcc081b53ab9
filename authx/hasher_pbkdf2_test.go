package authx

import (
	"errors"
	"strings"
	"testing"
)

func newPBKDF2ForTest(t *testing.T, sha1 bool, iterations int) *PBKDF2Hasher {
	t.Helper()
	newHasher := NewPBKDF2SHA256Hasher
	if sha1 {
		newHasher = NewPBKDF2SHA1Hasher
	}
	h, err := newHasher(PBKDF2Config{Iterations: iterations})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// upassTable is passlib's UPASS_TABLE, "táБℓə".
const upassTable = "t\u00e1\u0411\u2113\u0259"

// TestPBKDF2SHA256DjangoVectors holds Django's test_pbkdf2 and
// test_low_level_pbkdf2 at 6.1's count, the same vectors at the counts of
// earlier releases, and passlib's Django 1.6 vectors.
func TestPBKDF2SHA256DjangoVectors(t *testing.T) {
	vectors := []hashVector{
		{"test_pbkdf2", letmein, "seasalt", "pbkdf2_sha256$1500000$seasalt$P4UiMPVduVWIL/oS1GzH+IofsccjJNM5hUTikBvi5to=", true},
		{"test_low_level_pbkdf2", letmein, "seasalt2", "pbkdf2_sha256$1500000$seasalt2$xWKIh704updzhxL+vMfPbhVsHljK62FyE988AtcoHU4=", true},
		{"6.0/seasalt", letmein, "", "pbkdf2_sha256$1200000$seasalt$6sTlFi4QohxXLuZigqDIUNX8xG9NxrTmV8+flFQdBqE=", true},
		{"6.0/seasalt2", letmein, "", "pbkdf2_sha256$1200000$seasalt2$hPlIUc6GqWsws6cZV1K8OuOARm1UrbZ3vLGFoHkH0ZI=", true},
		{"5.2/seasalt", letmein, "", "pbkdf2_sha256$1000000$seasalt$r1uLUxoxpP2Ued/qxvmje7UH9PUJBkRrvf9gGPL7Cps=", true},
		{"5.2/seasalt2", letmein, "", "pbkdf2_sha256$1000000$seasalt2$egbhFghgsJVDo5Tpg/k9ZnfbySKQ1UQnBYXhR97a7sk=", true},
		{"1.10/seasalt", letmein, "", "pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=", false},
		{"1.10/seasalt2", letmein, "", "pbkdf2_sha256$30000$seasalt2$a75qzbogeVhNFeMqhdgyyoqGKpIzYUo651sq57RERew=", false},
		{"passlib/ascii", "not a password", "", "pbkdf2_sha256$10000$kjVJaVz6qsnJ$5yPHw3rwJGECpUf70daLGhOrQ5+AMxIJdz1c3bqK1Rs=", false},
		{"passlib/upass_table", upassTable, "", "pbkdf2_sha256$10000$bEwAfNrH1TlQ$OgYUblFNUX1B8GfMqaCYUK/iHyO0pa7STTDdaEJBuY0=", false},
	}
	runHashVectors(t, newPBKDF2ForTest(t, false, 0), vectors)

	// Writing byte for byte at an older count, without the slow ones.
	runHashVectors(t, newPBKDF2ForTest(t, false, 30000), []hashVector{
		{"encode/30000/seasalt", letmein, "seasalt", vectors[6].encoded, false},
		{"encode/30000/seasalt2", letmein, "seasalt2", vectors[7].encoded, false},
	})
	runHashVectors(t, newPBKDF2ForTest(t, false, 10000), []hashVector{
		{"encode/passlib", "not a password", "kjVJaVz6qsnJ", vectors[8].encoded, false},
		{"encode/passlib/upass_table", upassTable, "bEwAfNrH1TlQ", vectors[9].encoded, false},
	})
}

func TestPBKDF2SHA1DjangoVectors(t *testing.T) {
	runHashVectors(t, newPBKDF2ForTest(t, true, 0), []hashVector{
		{"test_low_level_pbkdf2_sha1", letmein, "seasalt2", "pbkdf2_sha1$1500000$seasalt2$ep4Ou2hnt2mlvMRsIjUln0Z5MYY=", true},
		{"6.0", letmein, "", "pbkdf2_sha1$1200000$seasalt2$RGU4BAy93u+JDPtuMamdllndh+c=", true},
		{"5.2", letmein, "", "pbkdf2_sha1$1000000$seasalt2$3R9hvSAiAy5ARspAFy5GJ/2rjXo=", true},
		{"1.10", letmein, "", "pbkdf2_sha1$30000$seasalt2$pMzU1zNPcydf6wjnJFbiVKwgULc=", false},
		{"passlib/ascii", "not a password", "", "pbkdf2_sha1$10000$wz5B6WkasRoF$atJmJ1o+XfJxKq1+Nu1f1i57Z5I=", false},
		{"passlib/upass_table", upassTable, "", "pbkdf2_sha1$10000$KZKWwvqb8BfL$rw5pWsxJEU4JrZAQhHTCO+u0f5Y=", false},
	})
	runHashVectors(t, newPBKDF2ForTest(t, true, 30000), []hashVector{
		{"encode/30000", letmein, "seasalt2", "pbkdf2_sha1$30000$seasalt2$pMzU1zNPcydf6wjnJFbiVKwgULc=", false},
	})
}

func TestPBKDF2DefaultsAreDjango61(t *testing.T) {
	h := newPBKDF2ForTest(t, false, 0)
	if h.Iterations() != 1_500_000 || h.maxIterations != 20_000_000 {
		t.Errorf("iterations = %d, max %d", h.Iterations(), h.maxIterations)
	}
}

// TestPBKDF2SaltEntropy is the salt entropy check of Django's test_pbkdf2.
func TestPBKDF2SaltEntropy(t *testing.T) {
	h := newPBKDF2ForTest(t, false, 1000)
	weak, _ := h.EncodeSalt(letmein, "iodizedsalt")
	strong, _ := h.EncodeSalt(letmein, h.Salt())
	if !h.MustUpdate(weak) {
		t.Error("an 11-character salt must trigger an update")
	}
	if h.MustUpdate(strong) {
		t.Error("a 22-character salt must not trigger an update")
	}
}

// TestPBKDF2Upgrade is Django's test_pbkdf2_upgrade: a hash made at another
// count verifies and asks for an update.
func TestPBKDF2Upgrade(t *testing.T) {
	old := newPBKDF2ForTest(t, false, 1)
	encoded, _ := old.Encode("letmein")
	if old.MustUpdate(encoded) {
		t.Fatal("no update at the same count")
	}
	current := newPBKDF2ForTest(t, false, 1000)
	verifyExpect(t, current, "letmein", encoded, true)
	if !current.MustUpdate(encoded) {
		t.Error("a hash at 1 iteration must be updated when the hasher uses 1000")
	}
	higher, _ := newPBKDF2ForTest(t, false, 2000).Encode("letmein")
	if !current.MustUpdate(higher) {
		t.Error("a different count, even a higher one, triggers an update, as in Django")
	}
}

// TestPBKDF2HardenRuntime is Django's test_pbkdf2_harden_runtime: stored at
// 1 iteration, hasher at 6, one extra derivation of 5 iterations.
func TestPBKDF2HardenRuntime(t *testing.T) {
	encoded, _ := newPBKDF2ForTest(t, false, 1).Encode("letmein")
	h := newPBKDF2ForTest(t, false, 6)
	d, extra := h.hardenIterations(encoded)
	if extra != 5 || d.salt != strings.Split(encoded, "$")[2] {
		t.Errorf("hardenIterations = %d with salt %q, want 5 with the stored salt", extra, d.salt)
	}
	if _, extra := newPBKDF2ForTest(t, false, 1).hardenIterations(encoded); extra != 0 {
		t.Errorf("same count: %d extra iterations, want 0", extra)
	}
	higher, _ := newPBKDF2ForTest(t, false, 10).Encode("x")
	if _, extra := h.hardenIterations(higher); extra > 0 {
		t.Errorf("a stored count above the hasher's needs no hardening, got %d", extra)
	}
	if _, extra := h.hardenIterations("garbage"); extra != 0 {
		t.Errorf("garbage: %d extra iterations", extra)
	}
	h.HardenRuntime("wrong", encoded) // must not panic on any input
	h.HardenRuntime("wrong", "pbkdf2_sha256$x$y$z")
}

func TestPBKDF2RefusesMaliciousHashes(t *testing.T) {
	h, err := NewPBKDF2SHA256Hasher(PBKDF2Config{Iterations: 1000, MaxIterations: 5000})
	if err != nil {
		t.Fatal(err)
	}
	const key = "$P4UiMPVduVWIL/oS1GzH+IofsccjJNM5hUTikBvi5to="
	expectHashErrors(t, h, ErrUnsafeHashParameters,
		"pbkdf2_sha256$0$seasalt"+key,
		"pbkdf2_sha256$5001$seasalt"+key,
		"pbkdf2_sha256$4611686018427387904$seasalt"+key,
	)
	expectHashErrors(t, h, ErrMalformedHash,
		"pbkdf2_sha256$-1$seasalt"+key,
		"pbkdf2_sha256$+1000$seasalt"+key,
		"pbkdf2_sha256$01000$seasalt"+key,
		"pbkdf2_sha256$1e3$seasalt"+key,
		"pbkdf2_sha256$99999999999999999999999$seasalt"+key,
		"pbkdf2_sha256$$seasalt"+key,
		"pbkdf2_sha256$1000$"+key,                                                 // empty salt
		"pbkdf2_sha256$1000$sea$salt"+key,                                         // "$" in the salt
		"pbkdf2_sha256$1000$seasalt$",                                             // empty hash
		"pbkdf2_sha256$1000$seasalt$P4UiMPVduVWIL/oS1GzH+Ifs",                     // short key
		"pbkdf2_sha256$1000$seasalt$ep4Ou2hnt2mlvMRsIjUln0Z5MYY=",                 // SHA-1 length
		"pbkdf2_sha256$1000$seasalt$P4UiMPVduVWIL/oS1GzH+IofsccjJNM5hUTikBvi5to",  // unpadded
		"pbkdf2_sha256$1000$seasalt$P4UiMPVduVWIL/oS1GzH+IofsccjJNM5hUTikBvi5tp=", // non-zero trailing bits
		"pbkdf2_sha256$1000$seasalt$P4UiMPVduVWIL_oS1GzH-IofsccjJNM5hUTikBvi5to=", // URL alphabet
		"pbkdf2_sha256$1000$seasalt$"+strings.Repeat("A", 1<<16),
		"pbkdf2_sha1$1000$seasalt"+key, // another algorithm's name
	)
}

func TestPBKDF2ConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg   PBKDF2Config
		field string
	}{
		{PBKDF2Config{Iterations: -1}, "PBKDF2Config.Iterations"},
		{PBKDF2Config{MaxIterations: -1}, "PBKDF2Config.MaxIterations"},
		{PBKDF2Config{Iterations: 10, MaxIterations: 5}, "PBKDF2Config.MaxIterations"},
	} {
		_, err := NewPBKDF2SHA256Hasher(c.cfg)
		expectConfigError(t, err, c.field)
	}
	h, err := NewPBKDF2SHA256Hasher(PBKDF2Config{Iterations: 30_000_000})
	if err != nil || h.maxIterations != 30_000_000 {
		t.Errorf("a count above the default bound raises the bound: %v, %v", h, err)
	}
}

func TestPBKDF2EncodeSaltRules(t *testing.T) {
	h := newPBKDF2ForTest(t, false, 1)
	for _, salt := range []string{"", "sea$salt"} {
		if _, err := h.EncodeSalt("password", salt); !errors.Is(err, ErrInvalidSalt) {
			t.Errorf("EncodeSalt(salt %q) err = %v, want ErrInvalidSalt", salt, err)
		}
	}
}

func TestPBKDF2Summary(t *testing.T) {
	h := newPBKDF2ForTest(t, false, 1)
	sum, err := h.Summary("pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=")
	want := []SummaryField{
		{"algorithm", "pbkdf2_sha256"},
		{"iterations", "30000"},
		{"salt", "se*****"},
		{"hash", "VrX+V8" + strings.Repeat("*", 38)},
	}
	expectSummary(t, sum, err, want...)
}
