package authx

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
)

// MD5Hasher is Django's MD5PasswordHasher, "md5$<salt>$<hex md5(salt+password)>".
// It exists to read hashes from Django projects that listed it (often for
// fast tests); it cannot be the preferred hasher of a PasswordHashers, so it
// only verifies there and every md5 hash is re-hashed on the next login.
type MD5Hasher struct{}

// NewMD5Hasher returns the md5 hasher. It has no settings.
func NewMD5Hasher() *MD5Hasher { return &MD5Hasher{} }

// Algorithm returns "md5".
func (h *MD5Hasher) Algorithm() string { return AlgorithmMD5 }

// Salt returns a fresh 22-character salt.
func (h *MD5Hasher) Salt() string { return newHasherSalt() }

// Encode hashes password with a fresh salt. MD5 is fast to brute-force: use
// it only to produce Django-compatible fixtures.
func (h *MD5Hasher) Encode(password string) (string, error) {
	return h.encode(password, h.Salt()), nil
}

// EncodeSalt hashes password with salt, byte for byte as Django does.
func (h *MD5Hasher) EncodeSalt(password, salt string) (string, error) {
	if err := checkExplicitSalt(salt); err != nil {
		return "", err
	}
	return h.encode(password, salt), nil
}

func (h *MD5Hasher) encode(password, salt string) string {
	sum := h.sum(password, salt)
	return AlgorithmMD5 + "$" + salt + "$" + hex.EncodeToString(sum[:])
}

func (h *MD5Hasher) sum(password, salt string) [md5.Size]byte {
	d := md5.New()
	d.Write([]byte(salt))
	d.Write([]byte(password))
	var sum [md5.Size]byte
	d.Sum(sum[:0])
	return sum
}

// decode returns the salt and the digest; Python's hexdigest is lowercase,
// so an uppercase one is malformed (it would never compare equal in Django).
func (h *MD5Hasher) decode(encoded string) (salt string, digest [md5.Size]byte, err error) {
	var f [3]string
	if !splitFields(encoded, '$', f[:]) || f[0] != AlgorithmMD5 || f[1] == "" {
		return "", digest, hashError(ErrMalformedHash, AlgorithmMD5, "want md5$<salt>$<hex digest>")
	}
	if len(f[2]) != 2*md5.Size || !isLowerHex(f[2]) {
		return "", digest, hashError(ErrMalformedHash, AlgorithmMD5, "digest is not 32 lowercase hex digits")
	}
	_, _ = hex.Decode(digest[:], []byte(f[2]))
	return f[1], digest, nil
}

func isLowerHex(s string) bool {
	for i := range len(s) {
		if c := s[i]; !isDigit(c) && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Verify reports whether password matches encoded, in constant time.
func (h *MD5Hasher) Verify(password, encoded string) (bool, error) {
	salt, want, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	got := h.sum(password, salt)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1, nil
}

// MustUpdate reports a salt under 128 bits, as Django does.
func (h *MD5Hasher) MustUpdate(encoded string) bool {
	salt, _, err := h.decode(encoded)
	return err != nil || weakSalt(salt)
}

// HardenRuntime does nothing: md5 has no cost to make up.
func (h *MD5Hasher) HardenRuntime(password, encoded string) {}

// Summary describes encoded with its salt and hash masked, as Django's
// safe_summary.
func (h *MD5Hasher) Summary(encoded string) ([]SummaryField, error) {
	salt, digest, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryField{
		{"algorithm", AlgorithmMD5},
		{"salt", maskHash(salt, 2)},
		{"hash", maskHash(hex.EncodeToString(digest[:]), 6)},
	}, nil
}
