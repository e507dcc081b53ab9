package authx

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Hasher is one password hashing algorithm, the counterpart of a Django
// PASSWORD_HASHERS entry. The built-in ones are safe for concurrent use; a
// custom Hasher given to HashersConfig.Custom must be too.
type Hasher interface {
	// Algorithm is the name that starts every encoded password this hasher
	// writes (the text before the first "$"), for example "pbkdf2_sha256".
	Algorithm() string

	// Encode hashes password with a fresh random salt and returns the
	// encoded form to store.
	Encode(password string) (string, error)

	// Verify reports whether password matches encoded, in constant time.
	// It returns an error, without doing any hashing work, when encoded is
	// not a value this hasher can read or will compute (ErrMalformedHash,
	// ErrUnsafeHashParameters, ErrUnsupportedHash) or when the password is
	// one the algorithm cannot take (ErrPasswordTooLong).
	Verify(password, encoded string) (bool, error)

	// MustUpdate reports whether encoded (which this hasher verifies) was
	// made with other parameters than the hasher's own, or with a weak salt,
	// so that it should be re-hashed after a successful login. It returns
	// true for a value it cannot read.
	MustUpdate(encoded string) bool

	// HardenRuntime spends the time a verification at the hasher's own
	// cost would have taken beyond the cheaper encoded value's, so a wrong
	// password costs the same whether or not the stored hash is outdated.
	// Django: BasePasswordHasher.harden_runtime (CVE-2016-2513).
	HardenRuntime(password, encoded string)
}

// SaltedHasher is a Hasher that can also hash with a salt the caller chooses,
// as Django's hasher.encode(password, salt) and make_password(password, salt)
// do. The pbkdf2, argon2, scrypt and md5 hashers implement it; the bcrypt ones
// do not, because bcrypt draws its own salt.
type SaltedHasher interface {
	Hasher
	// Salt returns a fresh salt: 22 characters from [a-zA-Z0-9], 128 bits.
	Salt() string
	// EncodeSalt hashes password with salt. It returns ErrInvalidSalt for a
	// salt the format cannot hold.
	EncodeSalt(password, salt string) (string, error)
}

// Summarizer is a Hasher that can describe an encoded password without
// revealing it, as Django's safe_summary does for the admin's password
// widget: salts and hashes are masked with "*" past their first characters.
type Summarizer interface {
	Summary(encoded string) ([]SummaryField, error)
}

// SummaryField is one line of a Summary, in Django's order and wording.
type SummaryField struct {
	Name  string
	Value string
}

// Errors returned by the password hashers. Each is wrapped with detail; test
// with errors.Is. No error message ever contains a password, salt or hash.
var (
	// ErrUnknownHasher: the encoded password names an algorithm that is not
	// configured (Django: "Unknown password hashing algorithm").
	ErrUnknownHasher = errors.New("authx: unknown password hashing algorithm")
	// ErrMalformedHash: the encoded password does not follow its
	// algorithm's format.
	ErrMalformedHash = errors.New("authx: malformed password hash")
	// ErrUnsafeHashParameters: the encoded password asks for a cost outside
	// the bounds the hasher accepts (zero, below the algorithm's minimum,
	// or large enough to exhaust memory or CPU), so it is not computed.
	ErrUnsafeHashParameters = errors.New("authx: password hash parameters out of bounds")
	// ErrUnsupportedHash: a well-formed variant Go cannot compute, such as
	// Argon2 version 1.0 (no "v=" field), argon2d or bcrypt "$2x$".
	ErrUnsupportedHash = errors.New("authx: unsupported password hash variant")
	// ErrUnusablePassword: the value was made by UnusablePassword and never
	// verifies (Django: set_unusable_password).
	ErrUnusablePassword = errors.New("authx: unusable password")
	// ErrPasswordTooLong: the password exceeds HashersConfig.MaxPasswordBytes,
	// or 72 bytes for raw bcrypt, which would silently ignore the rest.
	ErrPasswordTooLong = errors.New("authx: password too long")
	// ErrInvalidSalt: an explicit salt that is empty or contains "$"
	// (Django: "salt must be provided and cannot contain $.").
	ErrInvalidSalt = errors.New("authx: salt must be provided and cannot contain $")
	// ErrInvalidHasherConfig: a HashersConfig or hasher Config setting is
	// invalid; the message names the field.
	ErrInvalidHasherConfig = errors.New("authx: invalid password hasher configuration")
)

// Algorithm names of the built-in hashers, as they start Django's encoded
// passwords.
const (
	AlgorithmArgon2       = "argon2"
	AlgorithmPBKDF2SHA256 = "pbkdf2_sha256"
	AlgorithmPBKDF2SHA1   = "pbkdf2_sha1"
	AlgorithmBCryptSHA256 = "bcrypt_sha256"
	AlgorithmBCrypt       = "bcrypt"
	AlgorithmScrypt       = "scrypt"
	AlgorithmMD5          = "md5"
)

// DefaultHasherAlgorithms returns the hasher order used when
// HashersConfig.Algorithms is empty: argon2 (memory-hard) hashes new
// passwords, and Django's other default hashers verify existing ones. Raw
// bcrypt and md5 are not in it, as they are not in Django's default
// PASSWORD_HASHERS; list them explicitly to accept such hashes.
func DefaultHasherAlgorithms() []string {
	return []string{
		AlgorithmArgon2,
		AlgorithmPBKDF2SHA256,
		AlgorithmPBKDF2SHA1,
		AlgorithmBCryptSHA256,
		AlgorithmScrypt,
	}
}

// Defaults of HashersConfig.
const (
	// DefaultMaxPasswordBytes is HashersConfig.MaxPasswordBytes' zero-value
	// meaning: a password longer than this is refused before any hashing.
	DefaultMaxPasswordBytes = 4096
	// maxDefaultConcurrency caps the default hashing concurrency: hashing is
	// CPU-bound, so slots beyond the cores add memory (about 100 MiB per
	// Argon2 slot at Django's cost) without adding throughput.
	maxDefaultConcurrency = 8
	// maxEncodedPasswordLen bounds what IdentifyHasher reads; Django's
	// password column holds 128 characters.
	maxEncodedPasswordLen = 4096
)

// HashersConfig configures a PasswordHashers. The zero value is safe: argon2id
// at Django's cost hashes new passwords; pbkdf2_sha256, pbkdf2_sha1,
// bcrypt_sha256 and scrypt at Django 6.1's costs verify existing ones; at
// most min(GOMAXPROCS, 8) hash operations run at once; passwords over 4096
// bytes are refused.
type HashersConfig struct {
	// Algorithms lists the hashers by algorithm name, preferred first: the
	// first hashes new passwords and every one verifies. Names are the
	// Algorithm* constants or the Algorithm() of a Custom hasher. Empty
	// means DefaultHasherAlgorithms(). md5 may be listed but not first.
	// Django: PASSWORD_HASHERS.
	Algorithms []string

	// PBKDF2 sets the cost of pbkdf2_sha256 and pbkdf2_sha1.
	PBKDF2 PBKDF2Config
	// Argon2 sets the cost of argon2.
	Argon2 Argon2Config
	// BCrypt sets the cost of bcrypt_sha256 and bcrypt.
	BCrypt BCryptConfig
	// Scrypt sets the cost of scrypt.
	Scrypt ScryptConfig

	// Custom adds hashers of your own, or built-in ones configured by hand;
	// each is used where its Algorithm() appears in Algorithms, replacing a
	// built-in hasher of the same name. Listing one that Algorithms does not
	// name is an error.
	Custom []Hasher

	// MaxConcurrent bounds how many hash operations (Make, Check, RunDummy)
	// run at once; the others wait, so a burst of logins cannot exhaust
	// memory. 0 means min(GOMAXPROCS, 8).
	MaxConcurrent int

	// MaxPasswordBytes refuses longer passwords with ErrPasswordTooLong
	// before any hashing. 0 means DefaultMaxPasswordBytes (4096).
	MaxPasswordBytes int
}

// hasherConfigError names the setting that is wrong, in the house form
// "authx: Config.Field: what is wrong (got value)".
type hasherConfigError struct {
	field string
	msg   string
}

func (e *hasherConfigError) Error() string { return "authx: " + e.field + ": " + e.msg }
func (e *hasherConfigError) Unwrap() error { return ErrInvalidHasherConfig }

func invalidHasherSetting(field, format string, args ...any) error {
	return &hasherConfigError{field: field, msg: fmt.Sprintf(format, args...)}
}

// hasherSet is a validated, immutable hasher list plus its concurrency
// limit; PasswordHashers shares one between copies of the default.
type hasherSet struct {
	hashers          []Hasher
	byName           map[string]Hasher
	slots            chan struct{}
	maxPasswordBytes int
}

func (s *hasherSet) preferred() Hasher { return s.hashers[0] }

// buildHasherSet validates cfg and assembles the ordered hasher list.
func buildHasherSet(cfg HashersConfig) (*hasherSet, error) {
	names := cfg.Algorithms
	if len(names) == 0 {
		names = DefaultHasherAlgorithms()
	}
	custom := make(map[string]Hasher, len(cfg.Custom))
	for i, h := range cfg.Custom {
		field := "HashersConfig.Custom[" + strconv.Itoa(i) + "]"
		if h == nil {
			return nil, invalidHasherSetting(field, "is nil")
		}
		name := h.Algorithm()
		if !validAlgorithmName(name) {
			return nil, invalidHasherSetting(field, "Algorithm() must be non-empty, contain no \"$\" and not start with \"!\" (got %q)", name)
		}
		if _, dup := custom[name]; dup {
			return nil, invalidHasherSetting(field, "duplicate algorithm (got %q)", name)
		}
		custom[name] = h
	}

	s := &hasherSet{byName: make(map[string]Hasher, len(names))}
	for i, name := range names {
		field := "HashersConfig.Algorithms[" + strconv.Itoa(i) + "]"
		if _, dup := s.byName[name]; dup {
			return nil, invalidHasherSetting(field, "listed twice (got %q)", name)
		}
		h, ok := custom[name]
		if !ok {
			var err error
			if h, err = builtinHasher(name, cfg); err != nil {
				return nil, err
			}
			if h == nil {
				return nil, invalidHasherSetting(field, "unknown algorithm; want one of %s or a Custom hasher (got %q)",
					strings.Join(allBuiltinAlgorithms, ", "), name)
			}
		}
		if i == 0 && name == AlgorithmMD5 {
			return nil, invalidHasherSetting(field, "md5 can verify old hashes but cannot be the preferred hasher (got %q)", name)
		}
		s.byName[name] = h
		s.hashers = append(s.hashers, h)
	}
	for name := range custom {
		if _, used := s.byName[name]; !used {
			return nil, invalidHasherSetting("HashersConfig.Custom", "hasher %q is not named in Algorithms", name)
		}
	}

	switch n := cfg.MaxConcurrent; {
	case n < 0:
		return nil, invalidHasherSetting("HashersConfig.MaxConcurrent", "must not be negative (got %d)", n)
	case n == 0:
		s.slots = make(chan struct{}, max(1, min(runtime.GOMAXPROCS(0), maxDefaultConcurrency)))
	default:
		s.slots = make(chan struct{}, n)
	}
	switch n := cfg.MaxPasswordBytes; {
	case n < 0:
		return nil, invalidHasherSetting("HashersConfig.MaxPasswordBytes", "must not be negative (got %d)", n)
	case n == 0:
		s.maxPasswordBytes = DefaultMaxPasswordBytes
	default:
		s.maxPasswordBytes = n
	}
	return s, nil
}

var allBuiltinAlgorithms = []string{
	AlgorithmArgon2, AlgorithmPBKDF2SHA256, AlgorithmPBKDF2SHA1,
	AlgorithmBCryptSHA256, AlgorithmBCrypt, AlgorithmScrypt, AlgorithmMD5,
}

// builtinHasher builds the named built-in hasher from its section of cfg;
// it returns nil, nil for a name that is not built in.
func builtinHasher(name string, cfg HashersConfig) (Hasher, error) {
	switch name {
	case AlgorithmArgon2:
		return newArgon2Hasher(cfg.Argon2, "HashersConfig.Argon2")
	case AlgorithmPBKDF2SHA256:
		return newPBKDF2Hasher(pbkdf2SHA256, cfg.PBKDF2, "HashersConfig.PBKDF2")
	case AlgorithmPBKDF2SHA1:
		return newPBKDF2Hasher(pbkdf2SHA1, cfg.PBKDF2, "HashersConfig.PBKDF2")
	case AlgorithmBCryptSHA256:
		return newBCryptHasher(true, cfg.BCrypt, "HashersConfig.BCrypt")
	case AlgorithmBCrypt:
		return newBCryptHasher(false, cfg.BCrypt, "HashersConfig.BCrypt")
	case AlgorithmScrypt:
		return newScryptHasher(cfg.Scrypt, "HashersConfig.Scrypt")
	case AlgorithmMD5:
		return NewMD5Hasher(), nil
	}
	return nil, nil
}

func validAlgorithmName(name string) bool {
	return name != "" && !strings.Contains(name, "$") && !strings.HasPrefix(name, unusablePasswordPrefix)
}

// identifyAlgorithm returns the algorithm name of encoded the way Django's
// identify_hasher does, including the names of its removed unsalted hashers
// (so they are reported as unknown unless a Custom hasher takes the name).
func identifyAlgorithm(encoded string) string {
	switch {
	case len(encoded) == 32 && !strings.Contains(encoded, "$"),
		len(encoded) == 37 && strings.HasPrefix(encoded, "md5$$"):
		return "unsalted_md5"
	case len(encoded) == 46 && strings.HasPrefix(encoded, "sha1$$"):
		return "unsalted_sha1"
	}
	name, _, _ := strings.Cut(encoded, "$")
	return name
}

// Salts: Django's BasePasswordHasher.salt() draws ceil(128 / log2(62)) = 22
// characters from RANDOM_STRING_CHARS.
const (
	randomStringChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	saltEntropyBits   = 128
)

var saltLength = int(math.Ceil(saltEntropyBits / math.Log2(float64(len(randomStringChars)))))

// randomPasswordChars returns n characters of randomStringChars from
// crypto/rand, without modulo bias (bytes >= 248 are drawn again).
func randomPasswordChars(n int) string {
	const limit = 256 - 256%len(randomStringChars)
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		rand.Read(buf[:]) // never fails since Go 1.24; it crashes the program instead
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, randomStringChars[int(b)%len(randomStringChars)])
			}
		}
	}
	return string(out)
}

// newHasherSalt is Django's BasePasswordHasher.salt().
func newHasherSalt() string { return randomPasswordChars(saltLength) }

// weakSaltLength is Django's must_update_salt: a salt of n characters from a
// 62-letter alphabet carries fewer than 128 bits.
func weakSaltLength(n int) bool {
	return float64(n)*math.Log2(float64(len(randomStringChars))) < saltEntropyBits
}

// weakSalt counts characters as Python's len does, in code points.
func weakSalt(salt string) bool { return weakSaltLength(utf8.RuneCountInString(salt)) }

// checkExplicitSalt is Django's _check_encode_args for the salt.
func checkExplicitSalt(salt string) error {
	if salt == "" || strings.Contains(salt, "$") {
		return ErrInvalidSalt
	}
	return nil
}

// splitFields splits s at every sep into exactly len(out) fields; it
// reports false for any other count, so no field can hide a separator.
func splitFields(s string, sep byte, out []string) bool {
	if strings.Count(s, string(sep)) != len(out)-1 {
		return false
	}
	for i := range len(out) - 1 {
		j := strings.IndexByte(s, sep)
		out[i], s = s[:j], s[j+1:]
	}
	out[len(out)-1] = s
	return true
}

// parseHashUint parses a decimal written the way Django and argon2 write
// one (digits only, no sign, no leading zero); anything else would never
// compare equal in Django, so it is malformed here. It reports false for a
// value above limit rather than overflowing.
func parseHashUint(s string, limit uint64) (uint64, bool) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > limit {
		return 0, false
	}
	return n, true
}

// Base64 as Python writes it: padded standard for pbkdf2/scrypt, unpadded
// standard (PHC) for argon2. Strict rejects non-zero trailing bits, so each
// hash has one spelling, as in Django's string comparison.
var (
	paddedBase64   = base64.StdEncoding.Strict()
	unpaddedBase64 = base64.RawStdEncoding.Strict()
)

// decodeHashField decodes a base64 field of at most maxBytes bytes, checking
// the length before allocating.
func decodeHashField(enc *base64.Encoding, field string, maxBytes int) ([]byte, bool) {
	if field == "" || enc.DecodedLen(len(field)) > maxBytes+2 {
		return nil, false
	}
	b, err := enc.DecodeString(field)
	if err != nil || len(b) > maxBytes {
		return nil, false
	}
	return b, true
}

// hashErr is "<sentinel>: <algorithm>: <detail>". The detail is fixed text,
// never taken from the stored value, which may be a secret.
type hashErr struct {
	sentinel error
	detail   string
}

func (e *hashErr) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *hashErr) Unwrap() error { return e.sentinel }

func hashError(sentinel error, algorithm, detail string) error {
	return &hashErr{sentinel: sentinel, detail: algorithm + ": " + detail}
}

func unsafeHashParameter(algorithm, name string, got, lo, hi uint64) error {
	return hashError(ErrUnsafeHashParameters, algorithm, fmt.Sprintf("%s=%d outside [%d, %d]", name, got, lo, hi))
}

// maskHash is Django's mask_hash: the first show characters, then one "*"
// per remaining character.
func maskHash(s string, show int) string {
	n := utf8.RuneCountInString(s)
	if n <= show {
		return s
	}
	i := 0
	for range show {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + strings.Repeat("*", n-show)
}

// appendUintField appends "$" and n, to write encoded passwords without fmt.
func appendUintField(b []byte, n uint64) []byte {
	return strconv.AppendUint(append(b, '$'), n, 10)
}
