package authx

import (
	"crypto/subtle"
	"math"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2 defaults: Django's Argon2PasswordHasher (argon2id, t=2,
// m=102400 KiB, p=8, 32-byte tag).
const (
	DefaultArgon2Time        = 2
	DefaultArgon2MemoryKiB   = 102400
	DefaultArgon2Parallelism = 8
	DefaultArgon2KeyLen      = 32
	// DefaultArgon2MaxTime is Argon2Config.MaxTime's zero-value meaning.
	DefaultArgon2MaxTime = 16
	// DefaultArgon2MaxMemoryKiB (1 GiB) is Argon2Config.MaxMemoryKiB's
	// zero-value meaning.
	DefaultArgon2MaxMemoryKiB = 1 << 20
)

// Argon2 variants Go can compute (golang.org/x/crypto/argon2 has no argon2d).
const (
	Argon2id = "argon2id"
	Argon2i  = "argon2i"
)

const (
	argon2Version    = 0x13 // the only version x/crypto implements ("v=19")
	argon2MinSalt    = 8    // ARGON2_MIN_SALT_LENGTH of the reference code
	argon2MinKeyLen  = 4    // ARGON2_MIN_OUTLEN
	argon2MaxField   = 1024 // bound on stored salt and tag, in bytes
	argon2MaxThreads = 255  // x/crypto takes the lane count as a uint8
)

// Argon2Config configures the argon2 hasher. The zero value is Django's:
// argon2id, t=2, m=102400 KiB, p=8, 32-byte tag; stored hashes may ask for
// up to t=16 and 1 GiB.
type Argon2Config struct {
	// Variant is Argon2id (the zero value's, Django's) or Argon2i; stored
	// hashes of either verify, and one of the other is flagged for update.
	Variant string
	// Time is the number of passes. 0 means 2. Django: time_cost.
	Time int
	// MemoryKiB is the memory per hash in KiB, at least 8 × Parallelism.
	// 0 means 102400 (100 MiB). Django: memory_cost.
	MemoryKiB int
	// Parallelism is the number of lanes, 1 to 255. 0 means 8.
	// Django: parallelism.
	Parallelism int
	// KeyLen is the tag length in bytes. 0 means 32. Above 32 the encoded
	// password outgrows Django's 128-character password column.
	KeyLen int
	// MaxTime is the largest pass count a stored hash may ask for.
	// 0 means max(DefaultArgon2MaxTime, Time).
	MaxTime int
	// MaxMemoryKiB is the largest memory a stored hash may ask for; it is
	// allocated once per concurrent check, see HashersConfig.MaxConcurrent.
	// 0 means max(DefaultArgon2MaxMemoryKiB, MemoryKiB).
	MaxMemoryKiB int
}

// Argon2Hasher is Django's Argon2PasswordHasher: "argon2" followed by the PHC
// string argon2-cffi writes, "argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<tag>"
// with unpadded base64 salt and tag. It verifies argon2id and argon2i at
// version 19; Argon2 1.0 hashes (no "v=") and argon2d give ErrUnsupportedHash.
type Argon2Hasher struct {
	variant     string
	time        uint32
	memory      uint32
	threads     uint8
	keyLen      uint32
	maxTime     uint32
	maxMemory   uint32
	paramsField string // "v=19$m=…,t=…,p=…" of new hashes
}

// NewArgon2Hasher returns the argon2 hasher, or an error naming the bad
// setting.
func NewArgon2Hasher(cfg Argon2Config) (*Argon2Hasher, error) {
	return newArgon2Hasher(cfg, "Argon2Config")
}

func newArgon2Hasher(cfg Argon2Config, path string) (*Argon2Hasher, error) {
	switch cfg.Variant {
	case "":
		cfg.Variant = Argon2id
	case Argon2id, Argon2i:
	default:
		return nil, invalidHasherSetting(path+".Variant", "want %q or %q (got %q)", Argon2id, Argon2i, cfg.Variant)
	}
	cfg.Time = orDefault(cfg.Time, DefaultArgon2Time)
	cfg.MemoryKiB = orDefault(cfg.MemoryKiB, DefaultArgon2MemoryKiB)
	cfg.Parallelism = orDefault(cfg.Parallelism, DefaultArgon2Parallelism)
	cfg.KeyLen = orDefault(cfg.KeyLen, DefaultArgon2KeyLen)
	cfg.MaxTime = orDefault(cfg.MaxTime, max(DefaultArgon2MaxTime, cfg.Time))
	cfg.MaxMemoryKiB = orDefault(cfg.MaxMemoryKiB, max(DefaultArgon2MaxMemoryKiB, cfg.MemoryKiB))
	checks := []struct {
		field  string
		got    int
		lo, hi int
	}{
		{"MaxTime", cfg.MaxTime, 1, math.MaxInt32},
		{"MaxMemoryKiB", cfg.MaxMemoryKiB, 8, math.MaxInt32},
		{"Parallelism", cfg.Parallelism, 1, argon2MaxThreads},
		{"Time", cfg.Time, 1, cfg.MaxTime},
		{"MemoryKiB", cfg.MemoryKiB, 8 * cfg.Parallelism, cfg.MaxMemoryKiB},
		{"KeyLen", cfg.KeyLen, argon2MinKeyLen, argon2MaxField},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			return nil, invalidHasherSetting(path+"."+c.field, "must be between %d and %d (got %d)", c.lo, c.hi, c.got)
		}
	}
	h := &Argon2Hasher{
		variant:   cfg.Variant,
		time:      uint32(cfg.Time),
		memory:    uint32(cfg.MemoryKiB),
		threads:   uint8(cfg.Parallelism),
		keyLen:    uint32(cfg.KeyLen),
		maxTime:   uint32(cfg.MaxTime),
		maxMemory: uint32(cfg.MaxMemoryKiB),
	}
	h.paramsField = "v=" + strconv.Itoa(argon2Version) + "$m=" + strconv.Itoa(cfg.MemoryKiB) +
		",t=" + strconv.Itoa(cfg.Time) + ",p=" + strconv.Itoa(cfg.Parallelism)
	return h, nil
}

// orDefault resolves a Config field's zero value; negative values are kept
// so validation can name them.
// orDefault returns v, or def when v is the zero value: a Config field left unset.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Algorithm returns "argon2".
func (h *Argon2Hasher) Algorithm() string { return AlgorithmArgon2 }

// Salt returns a fresh 22-character salt.
func (h *Argon2Hasher) Salt() string { return newHasherSalt() }

// Encode hashes password with a fresh salt.
func (h *Argon2Hasher) Encode(password string) (string, error) {
	return h.encode(password, []byte(h.Salt())), nil
}

// EncodeSalt hashes password with salt (8 to 1024 bytes, as argon2 requires),
// byte for byte as Django does.
func (h *Argon2Hasher) EncodeSalt(password, salt string) (string, error) {
	if len(salt) < argon2MinSalt || len(salt) > argon2MaxField {
		return "", ErrInvalidSalt
	}
	return h.encode(password, []byte(salt)), nil
}

func (h *Argon2Hasher) encode(password string, salt []byte) string {
	tag := argon2Key(h.variant, []byte(password), salt, h.time, h.memory, h.threads, h.keyLen)
	b := make([]byte, 0, 48+unpaddedBase64.EncodedLen(len(salt))+unpaddedBase64.EncodedLen(len(tag)))
	b = append(b, AlgorithmArgon2+"$"...)
	b = append(append(b, h.variant...), '$')
	b = append(b, h.paramsField...)
	b = unpaddedBase64.AppendEncode(append(b, '$'), salt)
	b = unpaddedBase64.AppendEncode(append(b, '$'), tag)
	return string(b)
}

func argon2Key(variant string, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if variant == Argon2i {
		return argon2.Key(password, salt, time, memory, threads, keyLen)
	}
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}

type argon2Decoded struct {
	variant      string
	time, memory uint32
	threads      uint8
	salt, tag    []byte
	saltField    string
	tagField     string
}

// decode parses and bounds-checks a stored argon2 hash; nothing reaches
// x/crypto that would make it panic (t or p zero) or allocate without bound.
func (h *Argon2Hasher) decode(encoded string) (argon2Decoded, error) {
	var d argon2Decoded
	var f [6]string
	if !splitFields(encoded, '$', f[:]) {
		var legacy [5]string
		if splitFields(encoded, '$', legacy[:]) && legacy[0] == AlgorithmArgon2 &&
			strings.HasPrefix(legacy[1], "argon2") && strings.HasPrefix(legacy[2], "m=") {
			return d, hashError(ErrUnsupportedHash, AlgorithmArgon2, "version 1.0 hash (no v= field)")
		}
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "want argon2$<variant>$v=19$m=<m>,t=<t>,p=<p>$<salt>$<hash>")
	}
	if f[0] != AlgorithmArgon2 {
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "wrong algorithm")
	}
	switch f[1] {
	case Argon2id, Argon2i:
		d.variant = f[1]
	case "argon2d":
		return d, hashError(ErrUnsupportedHash, AlgorithmArgon2, "argon2d")
	default:
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "unknown variant")
	}
	version, ok := strings.CutPrefix(f[2], "v=")
	if !ok {
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "missing v= field")
	}
	if v, ok := parseHashUint(version, 1<<32-1); !ok {
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "version is not a decimal number")
	} else if v != argon2Version {
		return d, hashError(ErrUnsupportedHash, AlgorithmArgon2, "version "+strconv.FormatUint(v, 10))
	}
	var err error
	if d.memory, d.time, d.threads, err = h.decodeParams(f[3]); err != nil {
		return d, err
	}
	if d.salt, ok = decodeHashField(unpaddedBase64, f[4], argon2MaxField); !ok {
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "salt is not unpadded base64 of at most 1024 bytes")
	}
	if len(d.salt) < argon2MinSalt {
		return d, unsafeHashParameter(AlgorithmArgon2, "salt length", uint64(len(d.salt)), argon2MinSalt, argon2MaxField)
	}
	if d.tag, ok = decodeHashField(unpaddedBase64, f[5], argon2MaxField); !ok {
		return d, hashError(ErrMalformedHash, AlgorithmArgon2, "hash is not unpadded base64 of at most 1024 bytes")
	}
	if len(d.tag) < argon2MinKeyLen {
		return d, unsafeHashParameter(AlgorithmArgon2, "hash length", uint64(len(d.tag)), argon2MinKeyLen, argon2MaxField)
	}
	d.saltField, d.tagField = f[4], f[5]
	return d, nil
}

// decodeParams parses "m=<m>,t=<t>,p=<p>" in that order, as argon2 writes it.
func (h *Argon2Hasher) decodeParams(field string) (m, t uint32, p uint8, err error) {
	var kv [3]string
	var n [3]uint64
	if !splitFields(field, ',', kv[:]) {
		return 0, 0, 0, hashError(ErrMalformedHash, AlgorithmArgon2, "want m=<m>,t=<t>,p=<p>")
	}
	for i, key := range [3]string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(kv[i], key)
		if !ok {
			return 0, 0, 0, hashError(ErrMalformedHash, AlgorithmArgon2, "want m=<m>,t=<t>,p=<p>")
		}
		if n[i], ok = parseHashUint(v, 1<<32-1); !ok {
			return 0, 0, 0, hashError(ErrMalformedHash, AlgorithmArgon2, "parameter is not a 32-bit decimal number")
		}
	}
	mem, tm, par := n[0], n[1], n[2]
	if par < 1 || par > argon2MaxThreads {
		return 0, 0, 0, unsafeHashParameter(AlgorithmArgon2, "p", par, 1, argon2MaxThreads)
	}
	if tm < 1 || tm > uint64(h.maxTime) {
		return 0, 0, 0, unsafeHashParameter(AlgorithmArgon2, "t", tm, 1, uint64(h.maxTime))
	}
	if mem < 8*par || mem > uint64(h.maxMemory) {
		return 0, 0, 0, unsafeHashParameter(AlgorithmArgon2, "m", mem, 8*par, uint64(h.maxMemory))
	}
	return uint32(mem), uint32(tm), uint8(par), nil
}

// Verify reports whether password matches encoded, in constant time.
func (h *Argon2Hasher) Verify(password, encoded string) (bool, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	tag := argon2Key(d.variant, []byte(password), d.salt, d.time, d.memory, d.threads, uint32(len(d.tag)))
	return subtle.ConstantTimeCompare(tag, d.tag) == 1, nil
}

// MustUpdate reports any difference in variant, m, t, p or tag length, or a
// salt under 128 bits. Django: Argon2PasswordHasher.must_update.
func (h *Argon2Hasher) MustUpdate(encoded string) bool {
	d, err := h.decode(encoded)
	return err != nil || d.variant != h.variant || d.time != h.time || d.memory != h.memory ||
		d.threads != h.threads || uint32(len(d.tag)) != h.keyLen || weakSaltLength(len(d.salt))
}

// HardenRuntime does nothing: a cheaper stored argon2 hash is flagged by
// MustUpdate, and Django does not harden argon2 either.
func (h *Argon2Hasher) HardenRuntime(password, encoded string) {}

// Summary describes encoded with its salt and hash masked, as Django's
// safe_summary.
func (h *Argon2Hasher) Summary(encoded string) ([]SummaryField, error) {
	d, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryField{
		{"algorithm", AlgorithmArgon2},
		{"variety", d.variant},
		{"version", strconv.Itoa(argon2Version)},
		{"memory cost", strconv.FormatUint(uint64(d.memory), 10)},
		{"time cost", strconv.FormatUint(uint64(d.time), 10)},
		{"parallelism", strconv.FormatUint(uint64(d.threads), 10)},
		{"salt", maskHash(d.saltField, 6)},
		{"hash", maskHash(d.tagField, 6)},
	}, nil
}
