package csrfx

import (
	"strings"
	"testing"
)

// Django's test vectors (tests/csrf_tests/tests.py).
const (
	testSecret    = "lcccccccX2kcccccccY2jcccccccssIC"
	maskedSecret1 = "1bcdefghij2bcdefghij3bcdefghij4bcdefghij5bcdefghij6bcdefghijABCD"
	maskedSecret2 = "2JgchWvM1tpxT2lfz9aydoXW9yT1DN3NdLiejYxOOlzzV4nhBbYqmqZYbAV3V5Bf"
)

func assertMaskedSecretCorrect(t *testing.T, masked, secret string) {
	t.Helper()
	if len(masked) != TokenLength || len(secret) != SecretLength {
		t.Fatalf("lengths: masked %d, secret %d", len(masked), len(secret))
	}
	if checkFormat(masked) != formatOK {
		t.Fatalf("invalid characters in %q", masked)
	}
	if got := unmask(masked); got != secret {
		t.Fatalf("unmask(%q) = %q, want %q", masked, got, secret)
	}
}

// Django §5 A1: known vectors unmask to the secret.
func TestUnmaskDjangoVectors(t *testing.T) {
	cases := []struct{ secret, masked string }{
		{testSecret, maskedSecret1},
		{testSecret, maskedSecret2},
		{strings.Repeat("a", 32), "vFioG3XOLyGyGsPRFyB9iYUs341ufzIEvFioG3XOLyGyGsPRFyB9iYUs341ufzIE"},
		{strings.Repeat("a", 32), strings.Repeat("a", 64)},
		{strings.Repeat("a", 32), strings.Repeat("b", 64)},
		{strings.Repeat("b", 32), strings.Repeat("a", 32) + strings.Repeat("b", 32)},
		{strings.Repeat("b", 32), strings.Repeat("b", 32) + strings.Repeat("c", 32)},
		{strings.Repeat("c", 32), strings.Repeat("a", 32) + strings.Repeat("c", 32)},
	}
	for _, tc := range cases {
		if got := unmask(tc.masked); got != tc.secret {
			t.Errorf("unmask(%q) = %q, want %q", tc.masked, got, tc.secret)
		}
	}
}

// Django §5 A2: mask → unmask round-trips; masked values are 64 alphanumerics, and two
// masks of one secret differ (BREACH).
func TestMaskRoundTrip(t *testing.T) {
	for _, secret := range []string{strings.Repeat("a", 32), testSecret, "da4SrUiHJYoJ0HYQ0vcgisoIuFOxx4ER", newSecret()} {
		m1, m2 := maskSecret(secret), maskSecret(secret)
		assertMaskedSecretCorrect(t, m1, secret)
		assertMaskedSecretCorrect(t, m2, secret)
		if m1 == m2 {
			t.Errorf("two masks of %q are equal: %q", secret, m1)
		}
	}
}

func TestNewSecretFormatAndUniqueness(t *testing.T) {
	seen := map[string]bool{}
	counts := map[byte]int{}
	for range 200 {
		s := newSecret()
		if len(s) != SecretLength || checkFormat(s) != formatOK {
			t.Fatalf("newSecret() = %q: bad format", s)
		}
		if seen[s] {
			t.Fatalf("newSecret repeated %q", s)
		}
		seen[s] = true
		for i := 0; i < len(s); i++ {
			counts[s[i]]++
		}
	}
	// 6400 draws over 62 characters: every character shows up (a biased or truncated
	// alphabet would leave some out).
	if len(counts) != numChars {
		t.Errorf("secrets use %d distinct characters, want %d", len(counts), numChars)
	}
}

// Django §5 A6, A7: the format check.
func TestCheckFormat(t *testing.T) {
	cases := []struct {
		token string
		want  formatError
	}{
		{testSecret, formatOK},
		{maskedSecret1, formatOK},
		{strings.Repeat("a", 64), formatOK},
		{strings.Repeat("*", 64), formatBadChars},
		{strings.Repeat("a", 16), formatBadLength},
		{"", formatBadLength},
		{strings.Repeat("a", 31) + "\x00", formatBadChars},
		{strings.Repeat("a", 31) + "é"[:1], formatBadChars},
		{strings.Repeat("a", 100000), formatBadLength},
	}
	for _, tc := range cases {
		if got := checkFormat(tc.token); got != tc.want {
			t.Errorf("checkFormat(%.20q…) = %v, want %v", tc.token, got, tc.want)
		}
	}
}

// Django §5 A8, A9: matching.
func TestTokenMatches(t *testing.T) {
	cases := []struct {
		token, secret string
		want          bool
	}{
		{maskedSecret1, testSecret, true},
		{maskedSecret2, testSecret, true},
		{strings.Repeat("a", 64), unmask(strings.Repeat("a", 64)), true},
		{testSecret, testSecret, true},
		{strings.Repeat("a", 32), strings.Repeat("a", 32), true},
		{strings.Repeat("a", 32), testSecret, false},
		{strings.Repeat("a", 64), testSecret, false},
		// Django asserts on a wrong length (a programming error); here it is a non-match.
		{strings.Repeat("a", 16), testSecret, false},
		{testSecret, strings.Repeat("a", 16), false},
	}
	for _, tc := range cases {
		if got := tokenMatches(tc.token, tc.secret); got != tc.want {
			t.Errorf("tokenMatches(%q, %q) = %v, want %v", tc.token, tc.secret, got, tc.want)
		}
	}
}

func TestSecretOf(t *testing.T) {
	if got := secretOf(maskedSecret1); got != testSecret {
		t.Errorf("secretOf(masked) = %q", got)
	}
	if got := secretOf(testSecret); got != testSecret {
		t.Errorf("secretOf(bare) = %q", got)
	}
}

// FuzzToken: any string either fails the format check or round-trips through the
// primitives without panicking, and matches exactly the secret it stands for.
func FuzzToken(f *testing.F) {
	for _, s := range []string{testSecret, maskedSecret1, maskedSecret2, "", strings.Repeat("*", 64), strings.Repeat("a", 16), strings.Repeat("z", 63) + "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if checkFormat(tok) != formatOK {
			return // the middleware rejects it before unmasking; see TestMiddlewareMalformed…
		}
		secret := secretOf(tok)
		if checkFormat(secret) != formatOK || len(secret) != SecretLength {
			t.Fatalf("secretOf(%q) = %q is malformed", tok, secret)
		}
		if !tokenMatches(tok, secret) {
			t.Fatalf("%q does not match its own secret %q", tok, secret)
		}
		if !tokenMatches(maskSecret(secret), secret) {
			t.Fatalf("a fresh mask of %q does not match it", secret)
		}
		other := []byte(secret)
		other[0] = allowedChars[(int(charIndex[other[0]])+1)%numChars]
		if tokenMatches(tok, string(other)) {
			t.Fatalf("%q matches a different secret %q", tok, other)
		}
	})
}
