package authx

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"hash"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"
)

// Errors of SaltedHMAC.
var (
	// ErrInvalidHMACAlgorithm: the algorithm is not one SaltedHMAC knows
	// (Django: InvalidAlgorithm).
	ErrInvalidHMACAlgorithm = errors.New("authx: unknown salted HMAC algorithm")
	// ErrEmptyHMACSecret: SaltedHMAC was given no secret; Django falls back
	// to SECRET_KEY there, which a library cannot do silently.
	ErrEmptyHMACSecret = errors.New("authx: salted HMAC needs a non-empty secret")
)

// SaltedHMAC is Django's django.utils.crypto.salted_hmac: the HMAC of value
// under the key H(keySalt + secret), where H is algorithm, a Python hashlib
// name: "sha1" (also what "" means, Django's default), "sha224", "sha256",
// "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384", "sha3_512",
// "blake2b" or "blake2s". Hex-encode the result for Django's hexdigest().
//
// Django's session-auth hash is
// SaltedHMAC("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
// encodedPassword, secretKey, "sha256"). Compare results with hmac.Equal.
func SaltedHMAC(keySalt, value, secret string, algorithm string) ([]byte, error) {
	if secret == "" {
		return nil, ErrEmptyHMACSecret
	}
	newHash := saltedHMACHash(algorithm)
	if newHash == nil {
		return nil, ErrInvalidHMACAlgorithm
	}
	// Always hash to derive the key, even when keySalt+secret is longer
	// than a block and HMAC would hash it anyway: Django does the same.
	d := newHash()
	d.Write([]byte(keySalt))
	d.Write([]byte(secret))
	mac := hmac.New(newHash, d.Sum(nil))
	mac.Write([]byte(value))
	return mac.Sum(nil), nil
}

func saltedHMACHash(algorithm string) func() hash.Hash {
	switch algorithm {
	case "", "sha1":
		return sha1.New
	case "sha224":
		return sha256.New224
	case "sha256":
		return sha256.New
	case "sha384":
		return sha512.New384
	case "sha512":
		return sha512.New
	case "sha3_224":
		return func() hash.Hash { return sha3.New224() }
	case "sha3_256":
		return func() hash.Hash { return sha3.New256() }
	case "sha3_384":
		return func() hash.Hash { return sha3.New384() }
	case "sha3_512":
		return func() hash.Hash { return sha3.New512() }
	case "blake2b":
		// Python's hashlib.blake2b() defaults to a 64-byte digest, unkeyed;
		// New512(nil) cannot fail.
		return func() hash.Hash { h, _ := blake2b.New512(nil); return h }
	case "blake2s":
		return func() hash.Hash { h, _ := blake2s.New256(nil); return h }
	}
	return nil
}
