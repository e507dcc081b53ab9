package authx

import (
	"crypto/subtle"
	"strconv"

	"golang.org/x/crypto/scrypt"
)

// scrypt defaults: Django's ScryptPasswordHasher (N=2^14, r=8, p=5 since
// Django 5.1, 64-byte key).
const (
	DefaultScryptN = 1 << 14
	DefaultScryptR = 8
	DefaultScryptP = 5
	// DefaultScryptMaxMemoryBytes (256 MiB, 16 times Django's) is
	// ScryptConfig.MaxMemoryBytes' zero-value meaning.
	DefaultScryptMaxMemoryBytes = 256 << 20
	// DefaultScryptMaxP is ScryptConfig.MaxP's zero-value meaning.
	DefaultScryptMaxP = 16
	scryptKeyLen      = 64
)

// ScryptConfig configures the scrypt hasher. The zero value is Django's:
// N=16384, r=8, p=5; stored hashes may use up to 256 MiB and p=16.
type ScryptConfig struct {
	// N is the CPU/memory cost, a power of two above 1. 0 means 16384.
	// Django: ScryptPasswordHasher.work_factor.
	N int
	// R is the block size. 0 means 8. Django: block_size.
	R int
	// P is the parallelism (computed sequentially: it multiplies CPU time,
	// not memory). 0 means 5. Django: parallelism.
	P int
	// MaxMemoryBytes bounds the memory a stored hash may ask for,
	// 128·r·(N+p) bytes. 0 means max(DefaultScryptMaxMemoryBytes, the
	// configured cost's need).
	MaxMemoryBytes int
	// MaxP is the largest p a stored hash may ask for. 0 means
	// max(DefaultScryptMaxP, P).
	MaxP int
}

// ScryptHasher is Django's ScryptPasswordHasher:
// "scrypt$<N>$<salt>$<r>$<p>$<base64 of the 64-byte key>". Unlike Django it
// also flags a salt under 128 bits for update, as its other salted hashers do.
type ScryptHasher struct {
	n, r, p   int
	maxMemory uint64
	maxP      int
}

// NewScryptHasher returns the scrypt hasher, or an error naming the bad
// setting.
func NewScryptHasher(cfg ScryptConfig) (*ScryptHasher, error) {
	return newScryptHasher(cfg, "ScryptConfig")
}

func newScryptHasher(cfg ScryptConfig, path string) (*ScryptHasher, error) {
	h := &ScryptHasher{
		n: orDefault(cfg.N, DefaultScryptN),
		r: orDefault(cfg.R, DefaultScryptR),
		p: orDefault(cfg.P, DefaultScryptP),
	}
	if h.n <= 1 || h.n&(h.n-1) != 0 || uint64(h.n) > 1<<40 {
		return nil, invalidHasherSetting(path+".N", "must be a power of two above 1 (got %d)", cfg.N)
	}
	if h.r < 1 || h.r > 1<<20 {
		return nil, invalidHasherSetting(path+".R", "must be between 1 and 2^20 (got %d)", cfg.R)
	}
	h.maxP = orDefault(cfg.MaxP, max(DefaultScryptMaxP, h.p))
	if h.p < 1 || h.p > h.maxP {
		return nil, invalidHasherSetting(path+".P", "must be between 1 and MaxP %d (got %d)", h.maxP, cfg.P)
	}
	need := 128 * uint64(h.r) * uint64(h.n+h.p)
	switch {
	case cfg.MaxMemoryBytes < 0:
		return nil, invalidHasherSetting(path+".MaxMemoryBytes", "must not be negative (got %d)", cfg.MaxMemoryBytes)
	case cfg.MaxMemoryBytes == 0:
		h.maxMemory = max(DefaultScryptMaxMemoryBytes, need)
	case uint64(cfg.MaxMemoryBytes) < need:
		return nil, invalidHasherSetting(path+".MaxMemoryBytes", "is below the %d bytes N, R and P need (got %d)", need, cfg.MaxMemoryBytes)
	default:
		h.maxMemory = uint64(cfg.MaxMemoryBytes)
	}
	return h, nil
}

// Algorithm returns "scrypt".
func (h *ScryptHasher) Algorithm() string { return AlgorithmScrypt }

// Salt returns a fresh 22-character salt.
func (h *ScryptHasher) Salt() string { return newHasherSalt() }

// Encode hashes password with a fresh salt.
func (h *ScryptHasher) Encode(password string) (string, error) {
	return h.encode(password, h.Salt(), h.n, h.r, h.p)
}

// EncodeSalt hashes password with salt, byte for byte as Django does.
func (h *ScryptHasher) EncodeSalt(password, salt string) (string, error) {
	if err := checkExplicitSalt(salt); err != nil {
		return "", err
	}
	return h.encode(password, salt, h.n, h.r, h.p)
}

func (h *ScryptHasher) encode(password, salt string, n, r, p int) (string, error) {
	key, err := scrypt.Key([]byte(password), []byte(salt), n, r, p, scryptKeyLen)
	if err != nil {
		return "", hashError(ErrUnsafeHashParameters, AlgorithmScrypt, "scrypt refused the parameters")
	}
	b := make([]byte, 0, 40+len(salt)+paddedBase64.EncodedLen(scryptKeyLen))
	b = append(b, AlgorithmScrypt...)
	b = appendUintField(b, uint64(n))
	b = append(append(b, '$'), salt...)
	b = appendUintField(b, uint64(r))
	b = appendUintField(b, uint64(p))
	b = paddedBase64.AppendEncode(append(b, '$'), key)
	return string(b), nil
}

type scryptDecoded struct {
	n, r, p   int
	salt      string
	hashField string
	key       []byte
}

// decode parses and bounds-checks a stored scrypt hash, so that x/crypto
// never allocates more than MaxMemoryBytes for it.
func (h *ScryptHasher) decode(encoded string) (scryptDecoded, error) {
	var d scryptDecoded
	var f [6]string
	if !splitFields(encoded, '$', f[:]) || f[0] != AlgorithmScrypt {
		return d, hashError(ErrMalformedHash, AlgorithmScrypt, "want scrypt$<N>$<salt>$<r>$<p>$<hash>")
	}
	if f[2] == "" {
		return d, hashError(ErrMalformedHash, AlgorithmScrypt, "empty salt")
	}
	var nrp [3]uint64
	for i, s := range [3]string{f[1], f[3], f[4]} {
		var ok bool
		if nrp[i], ok = parseHashUint(s, 1<<62); !ok {
			return d, hashError(ErrMalformedHash, AlgorithmScrypt, "N, r or p is not a decimal number")
		}
	}
	n, r, p := nrp[0], nrp[1], nrp[2]
	if n <= 1 || n&(n-1) != 0 {
		return d, hashError(ErrUnsafeHashParameters, AlgorithmScrypt, "N is not a power of two above 1")
	}
	if r < 1 || r > h.maxMemory/128 {
		return d, unsafeHashParameter(AlgorithmScrypt, "r", r, 1, h.maxMemory/128)
	}
	if p < 1 || p > uint64(h.maxP) {
		return d, unsafeHashParameter(AlgorithmScrypt, "p", p, 1, uint64(h.maxP))
	}
	// 128·r·(N+p) bytes: the V array plus the p blocks; divide, not
	// multiply, so a hostile N cannot overflow the check.
	if limit := h.maxMemory / (128 * r); n > limit || n+p > limit {
		return d, unsafeHashParameter(AlgorithmScrypt, "N+p", n+p, 2, limit)
	}
	key, ok := decodeHashField(paddedBase64, f[5], scryptKeyLen)
	if !ok || len(key) != scryptKeyLen {
		return d, hashError(ErrMalformedHash, AlgorithmScrypt, "hash is not base64 of a 64-byte key")
	}
	return scryptDecoded{n: int(n), r: int(r), p: int(p), salt: f[2], hashField: f[5], key: key}, nil
}

// Verify reports whether password matches encoded, in constant time.
func (h *ScryptHasher) Verify(password, encoded string) (bool, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	key, err := scrypt.Key([]byte(password), []byte(d.salt), d.n, d.r, d.p, scryptKeyLen)
	if err != nil {
		return false, hashError(ErrUnsafeHashParameters, AlgorithmScrypt, "scrypt refused the parameters")
	}
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}

// MustUpdate reports a different N, r or p, or a salt under 128 bits.
func (h *ScryptHasher) MustUpdate(encoded string) bool {
	d, err := h.decode(encoded)
	return err != nil || d.n != h.n || d.r != h.r || d.p != h.p || weakSalt(d.salt)
}

// HardenRuntime does nothing, as in Django: a cheaper stored scrypt hash is
// flagged by MustUpdate.
func (h *ScryptHasher) HardenRuntime(password, encoded string) {}

// Summary describes encoded with its salt and hash masked, as Django's
// safe_summary.
func (h *ScryptHasher) Summary(encoded string) ([]SummaryField, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryField{
		{"algorithm", AlgorithmScrypt},
		{"work factor", strconv.Itoa(d.n)},
		{"block size", strconv.Itoa(d.r)},
		{"parallelism", strconv.Itoa(d.p)},
		{"salt", maskHash(d.salt, 6)},
		{"hash", maskHash(d.hashField, 6)},
	}, nil
}
