package authx

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// djangoTestSecretKey is SECRET_KEY of Django's own test settings, which
// salted_hmac uses when no secret is passed.
const djangoTestSecretKey = "django_tests_secret_key"

// TestSaltedHMACDjangoVectors is Django's test_salted_hmac.
func TestSaltedHMACDjangoVectors(t *testing.T) {
	for _, c := range []struct {
		secret, algorithm, want string
	}{
		{djangoTestSecretKey, "", "b51a2e619c43b1ca4f91d15c57455521d71d61eb"},
		{djangoTestSecretKey, "sha1", "b51a2e619c43b1ca4f91d15c57455521d71d61eb"},
		{"abcdefg", "", "8bbee04ccddfa24772d1423a0ba43bd0c0e24b76"},
		{strings.Repeat("x", 64), "", "bd3749347b412b1b0a9ea65220e55767ac8e96b0"}, // sha1 block size
		{djangoTestSecretKey, "sha256", "ee0bf789e4e009371a5372c90f73fcf17695a8439c9108b0480f14e347b3f9ec"},
		{strings.Repeat("x", 128), "blake2b", "fc6b9800a584d40732a07fa33fb69c35211269441823bca431a143853c32fe836cf19ab881689528ede647dac412170cd5d3407b44c6d0f44630690c54ad3d58"},
	} {
		got, err := SaltedHMAC("salt", "value", c.secret, c.algorithm)
		if err != nil || hex.EncodeToString(got) != c.want {
			t.Errorf("SaltedHMAC(secret %.10q, %q) = %x, %v; want %s", c.secret, c.algorithm, got, err, c.want)
		}
	}
}

func TestSaltedHMACAlgorithms(t *testing.T) {
	sizes := map[string]int{
		"sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64,
		"sha3_224": 28, "sha3_256": 32, "sha3_384": 48, "sha3_512": 64, "blake2b": 64, "blake2s": 32,
	}
	seen := map[string]bool{}
	for algorithm, size := range sizes {
		got, err := SaltedHMAC("salt", "value", "secret", algorithm)
		if err != nil || len(got) != size {
			t.Errorf("%s: %d bytes, %v; want %d", algorithm, len(got), err, size)
		}
		if seen[string(got)] {
			t.Errorf("%s repeats another algorithm's output", algorithm)
		}
		seen[string(got)] = true
	}
	for _, bad := range []string{"md4", "SHA256", "sha-256", "none"} {
		if _, err := SaltedHMAC("salt", "value", "secret", bad); !errors.Is(err, ErrInvalidHMACAlgorithm) {
			t.Errorf("SaltedHMAC(%q) err = %v, want ErrInvalidHMACAlgorithm", bad, err)
		}
	}
	if _, err := SaltedHMAC("salt", "value", "", "sha256"); !errors.Is(err, ErrEmptyHMACSecret) {
		t.Errorf("empty secret: err = %v, want ErrEmptyHMACSecret", err)
	}
}

// TestSaltedHMACSeparatesItsInputs: the key salt and the value are not
// interchangeable, and the secret matters.
func TestSaltedHMACSeparatesItsInputs(t *testing.T) {
	a, _ := SaltedHMAC("salt", "value", "secret", "sha256")
	b, _ := SaltedHMAC("value", "salt", "secret", "sha256")
	c, _ := SaltedHMAC("salt", "value", "secret2", "sha256")
	if string(a) == string(b) || string(a) == string(c) {
		t.Error("different inputs gave the same HMAC")
	}
}
