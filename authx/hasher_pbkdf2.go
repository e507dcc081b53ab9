package authx

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
	"strconv"
)

// PBKDF2 defaults.
const (
	// DefaultPBKDF2Iterations is Django 6.1's PBKDF2PasswordHasher.iterations
	// (Django 6.0 used 1,200,000).
	DefaultPBKDF2Iterations = 1_500_000
	// DefaultPBKDF2MaxIterations is PBKDF2Config.MaxIterations' zero-value
	// meaning: more than 13 times Django's count, seconds of CPU per check.
	DefaultPBKDF2MaxIterations = 20_000_000
)

// PBKDF2Config configures the pbkdf2_sha256 and pbkdf2_sha1 hashers. The zero
// value is Django 6.1's: 1,500,000 iterations, stored hashes up to 20,000,000.
type PBKDF2Config struct {
	// Iterations is the count for new hashes; a stored hash with another
	// count still verifies and is flagged for update. 0 means
	// DefaultPBKDF2Iterations. Django: PBKDF2PasswordHasher.iterations.
	Iterations int
	// MaxIterations is the largest count a stored hash may ask for; a
	// larger one is refused with ErrUnsafeHashParameters instead of being
	// computed. 0 means max(DefaultPBKDF2MaxIterations, Iterations).
	MaxIterations int
}

type pbkdf2Digest struct {
	algorithm string
	newHash   func() hash.Hash
	size      int
}

var (
	pbkdf2SHA256 = pbkdf2Digest{AlgorithmPBKDF2SHA256, sha256.New, sha256.Size}
	pbkdf2SHA1   = pbkdf2Digest{AlgorithmPBKDF2SHA1, sha1.New, sha1.Size}
)

// PBKDF2Hasher is Django's PBKDF2PasswordHasher (pbkdf2_sha256) or
// PBKDF2SHA1PasswordHasher (pbkdf2_sha1):
// "<algorithm>$<iterations>$<salt>$<base64 of the derived key>".
type PBKDF2Hasher struct {
	digest        pbkdf2Digest
	iterations    int
	maxIterations int
}

// NewPBKDF2SHA256Hasher returns the pbkdf2_sha256 hasher, or an error naming
// the bad setting.
func NewPBKDF2SHA256Hasher(cfg PBKDF2Config) (*PBKDF2Hasher, error) {
	return newPBKDF2Hasher(pbkdf2SHA256, cfg, "PBKDF2Config")
}

// NewPBKDF2SHA1Hasher returns the pbkdf2_sha1 hasher, or an error naming the
// bad setting.
func NewPBKDF2SHA1Hasher(cfg PBKDF2Config) (*PBKDF2Hasher, error) {
	return newPBKDF2Hasher(pbkdf2SHA1, cfg, "PBKDF2Config")
}

func newPBKDF2Hasher(d pbkdf2Digest, cfg PBKDF2Config, path string) (*PBKDF2Hasher, error) {
	h := &PBKDF2Hasher{digest: d, iterations: cfg.Iterations, maxIterations: cfg.MaxIterations}
	if h.iterations < 0 {
		return nil, invalidHasherSetting(path+".Iterations", "must not be negative (got %d)", cfg.Iterations)
	}
	if h.iterations == 0 {
		h.iterations = DefaultPBKDF2Iterations
	}
	switch {
	case h.maxIterations < 0:
		return nil, invalidHasherSetting(path+".MaxIterations", "must not be negative (got %d)", cfg.MaxIterations)
	case h.maxIterations == 0:
		h.maxIterations = max(DefaultPBKDF2MaxIterations, h.iterations)
	case h.maxIterations < h.iterations:
		return nil, invalidHasherSetting(path+".MaxIterations", "is below Iterations %d (got %d)", h.iterations, cfg.MaxIterations)
	}
	return h, nil
}

// Algorithm returns "pbkdf2_sha256" or "pbkdf2_sha1".
func (h *PBKDF2Hasher) Algorithm() string { return h.digest.algorithm }

// Iterations returns the iteration count new hashes use.
func (h *PBKDF2Hasher) Iterations() int { return h.iterations }

// Salt returns a fresh 22-character salt.
func (h *PBKDF2Hasher) Salt() string { return newHasherSalt() }

// Encode hashes password with a fresh salt.
func (h *PBKDF2Hasher) Encode(password string) (string, error) {
	return h.encode(password, h.Salt(), h.iterations)
}

// EncodeSalt hashes password with salt, byte for byte as Django does.
func (h *PBKDF2Hasher) EncodeSalt(password, salt string) (string, error) {
	if err := checkExplicitSalt(salt); err != nil {
		return "", err
	}
	return h.encode(password, salt, h.iterations)
}

func (h *PBKDF2Hasher) encode(password, salt string, iterations int) (string, error) {
	key, err := h.derive(password, salt, iterations)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, len(h.digest.algorithm)+len(salt)+paddedBase64.EncodedLen(len(key))+12)
	b = append(b, h.digest.algorithm...)
	b = appendUintField(b, uint64(iterations))
	b = append(append(b, '$'), salt...)
	b = paddedBase64.AppendEncode(append(b, '$'), key)
	return string(b), nil
}

func (h *PBKDF2Hasher) derive(password, salt string, iterations int) ([]byte, error) {
	// crypto/pbkdf2 fails only in FIPS 140-only mode (short salt or key).
	return pbkdf2.Key(h.digest.newHash, password, []byte(salt), iterations, h.digest.size)
}

type pbkdf2Decoded struct {
	iterations int
	salt       string
	hashField  string
	key        []byte
}

func (h *PBKDF2Hasher) decode(encoded string) (pbkdf2Decoded, error) {
	var f [4]string
	var d pbkdf2Decoded
	alg := h.digest.algorithm
	if !splitFields(encoded, '$', f[:]) || f[0] != alg {
		return d, hashError(ErrMalformedHash, alg, "want <algorithm>$<iterations>$<salt>$<hash>")
	}
	if f[2] == "" {
		return d, hashError(ErrMalformedHash, alg, "empty salt")
	}
	n, ok := parseHashUint(f[1], 1<<62)
	if !ok {
		return d, hashError(ErrMalformedHash, alg, "iterations is not a decimal number")
	}
	if n < 1 || n > uint64(h.maxIterations) {
		return d, unsafeHashParameter(alg, "iterations", n, 1, uint64(h.maxIterations))
	}
	key, ok := decodeHashField(paddedBase64, f[3], h.digest.size)
	if !ok || len(key) != h.digest.size {
		return d, hashError(ErrMalformedHash, alg, "hash is not base64 of a "+strconv.Itoa(h.digest.size)+"-byte key")
	}
	return pbkdf2Decoded{iterations: int(n), salt: f[2], hashField: f[3], key: key}, nil
}

// Verify reports whether password matches encoded, in constant time.
func (h *PBKDF2Hasher) Verify(password, encoded string) (bool, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	key, err := h.derive(password, d.salt, d.iterations)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}

// MustUpdate reports a different iteration count or a salt under 128 bits.
func (h *PBKDF2Hasher) MustUpdate(encoded string) bool {
	d, err := h.decode(encoded)
	return err != nil || d.iterations != h.iterations || weakSalt(d.salt)
}

// HardenRuntime runs the iterations the stored hash lacks against the
// hasher's count. Django: PBKDF2PasswordHasher.harden_runtime.
func (h *PBKDF2Hasher) HardenRuntime(password, encoded string) {
	if d, extra := h.hardenIterations(encoded); extra > 0 {
		_, _ = h.derive(password, d.salt, extra)
	}
}

func (h *PBKDF2Hasher) hardenIterations(encoded string) (pbkdf2Decoded, int) {
	d, err := h.decode(encoded)
	if err != nil {
		return d, 0
	}
	return d, h.iterations - d.iterations
}

// Summary describes encoded with its salt and hash masked, as Django's
// safe_summary.
func (h *PBKDF2Hasher) Summary(encoded string) ([]SummaryField, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryField{
		{"algorithm", h.digest.algorithm},
		{"iterations", strconv.Itoa(d.iterations)},
		{"salt", maskHash(d.salt, 2)},
		{"hash", maskHash(d.hashField, 6)},
	}, nil
}
