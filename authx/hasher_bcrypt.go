package authx

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// bcrypt defaults.
const (
	// DefaultBCryptCost is Django's BCryptSHA256PasswordHasher.rounds.
	DefaultBCryptCost = 12
	// DefaultBCryptMaxCost is BCryptConfig.MaxCost's zero-value meaning:
	// 16 times the work of cost 12, seconds per check.
	DefaultBCryptMaxCost = 16
	// bcryptMaxPassword is where bcrypt stops reading its input.
	bcryptMaxPassword = 72
	bcryptHashLen     = 60 // "$2b$12$" + 22 salt + 31 hash characters
	bcryptAlphabet    = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// BCryptConfig configures the bcrypt_sha256 and bcrypt hashers. The zero
// value is Django's: cost 12; stored hashes up to cost 16.
type BCryptConfig struct {
	// Cost is the log2 work factor of new hashes, 4 to 31. 0 means 12.
	// Django: BCryptSHA256PasswordHasher.rounds.
	Cost int
	// MaxCost is the largest cost a stored hash may ask for. 0 means
	// max(DefaultBCryptMaxCost, Cost).
	MaxCost int
}

// BCryptHasher is Django's BCryptSHA256PasswordHasher ("bcrypt_sha256$" +
// a bcrypt hash of the hex SHA-256 of the password, so long passwords are not
// truncated) or BCryptPasswordHasher ("bcrypt$" + a bcrypt hash of the
// password itself, refusing passwords over 72 bytes on hash and on verify,
// where golang.org/x/crypto/bcrypt would silently ignore the rest). It writes
// "$2b$" as Python's bcrypt does and reads "$2a$", "$2b$" and "$2y$".
type BCryptHasher struct {
	algorithm string
	preHash   bool
	cost      int
	maxCost   int
}

// NewBCryptSHA256Hasher returns the bcrypt_sha256 hasher, or an error
// naming the bad setting.
func NewBCryptSHA256Hasher(cfg BCryptConfig) (*BCryptHasher, error) {
	return newBCryptHasher(true, cfg, "BCryptConfig")
}

// NewBCryptHasher returns the raw bcrypt hasher, or an error naming the bad
// setting. Prefer NewBCryptSHA256Hasher, as Django's documentation does.
func NewBCryptHasher(cfg BCryptConfig) (*BCryptHasher, error) {
	return newBCryptHasher(false, cfg, "BCryptConfig")
}

func newBCryptHasher(preHash bool, cfg BCryptConfig, path string) (*BCryptHasher, error) {
	h := &BCryptHasher{algorithm: AlgorithmBCrypt, preHash: preHash}
	if preHash {
		h.algorithm = AlgorithmBCryptSHA256
	}
	h.cost = orDefault(cfg.Cost, DefaultBCryptCost)
	if h.cost < bcrypt.MinCost || h.cost > bcrypt.MaxCost {
		return nil, invalidHasherSetting(path+".Cost", "must be between %d and %d (got %d)", bcrypt.MinCost, bcrypt.MaxCost, cfg.Cost)
	}
	h.maxCost = orDefault(cfg.MaxCost, max(DefaultBCryptMaxCost, h.cost))
	if h.maxCost < h.cost || h.maxCost > bcrypt.MaxCost {
		return nil, invalidHasherSetting(path+".MaxCost", "must be between Cost %d and %d (got %d)", h.cost, bcrypt.MaxCost, cfg.MaxCost)
	}
	return h, nil
}

// Algorithm returns "bcrypt_sha256" or "bcrypt".
func (h *BCryptHasher) Algorithm() string { return h.algorithm }

// Cost returns the work factor new hashes use.
func (h *BCryptHasher) Cost() int { return h.cost }

// input is what bcrypt hashes: the 64 lowercase hex digits of SHA-256 for
// bcrypt_sha256 (Django #20138), the password itself for raw bcrypt.
func (h *BCryptHasher) input(password string) ([]byte, error) {
	if h.preHash {
		sum := sha256.Sum256([]byte(password))
		return hex.AppendEncode(make([]byte, 0, 2*sha256.Size), sum[:]), nil
	}
	if len(password) > bcryptMaxPassword {
		return nil, hashError(ErrPasswordTooLong, h.algorithm, "bcrypt reads at most 72 bytes")
	}
	return []byte(password), nil
}

// Encode hashes password with a fresh salt drawn by bcrypt.
func (h *BCryptHasher) Encode(password string) (string, error) {
	in, err := h.input(password)
	if err != nil {
		return "", err
	}
	out, err := bcrypt.GenerateFromPassword(in, h.cost)
	if err != nil {
		return "", err
	}
	// x/crypto writes "$2a$"; for inputs under 256 bytes 2a and 2b hash
	// alike, and Django writes 2b.
	out[2] = 'b'
	return h.algorithm + "$" + string(out), nil
}

// decode checks the bcrypt string after "<algorithm>$" and returns it with
// its cost.
func (h *BCryptHasher) decode(encoded string) (string, int, error) {
	data, ok := strings.CutPrefix(encoded, h.algorithm+"$")
	if !ok || len(data) != bcryptHashLen || data[0] != '$' || data[1] != '2' || data[3] != '$' || data[6] != '$' {
		return "", 0, hashError(ErrMalformedHash, h.algorithm, "want <algorithm>$$2b$<cost>$<53 characters>")
	}
	switch data[2] {
	case 'a', 'b', 'y':
	case 'x': // crypt_blowfish's sign-extension bug; computing it as 2a would be wrong
		return "", 0, hashError(ErrUnsupportedHash, h.algorithm, "$2x$ hash")
	default:
		return "", 0, hashError(ErrMalformedHash, h.algorithm, "unknown bcrypt version")
	}
	for i := 7; i < bcryptHashLen; i++ {
		if strings.IndexByte(bcryptAlphabet, data[i]) < 0 {
			return "", 0, hashError(ErrMalformedHash, h.algorithm, "salt or hash is not bcrypt base64")
		}
	}
	if !isDigit(data[4]) || !isDigit(data[5]) {
		return "", 0, hashError(ErrMalformedHash, h.algorithm, "cost is not two decimal digits")
	}
	cost := int(data[4]-'0')*10 + int(data[5]-'0')
	if cost < bcrypt.MinCost || cost > h.maxCost {
		return "", 0, unsafeHashParameter(h.algorithm, "cost", uint64(cost), uint64(bcrypt.MinCost), uint64(h.maxCost))
	}
	return data, cost, nil
}

// Verify reports whether password matches encoded, in constant time.
func (h *BCryptHasher) Verify(password, encoded string) (bool, error) {
	data, _, err := h.decode(encoded)
	if err != nil {
		return false, err
	}
	in, err := h.input(password)
	if err != nil {
		return false, err
	}
	return h.compare(data, in)
}

func (h *BCryptHasher) compare(data string, in []byte) (bool, error) {
	switch err := bcrypt.CompareHashAndPassword([]byte(data), in); {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, hashError(ErrMalformedHash, h.algorithm, "bcrypt rejected the hash")
	}
}

// MustUpdate reports a cost other than the hasher's. bcrypt's salt is always
// 128 bits.
func (h *BCryptHasher) MustUpdate(encoded string) bool {
	_, cost, err := h.decode(encoded)
	return err != nil || cost != h.cost
}

// HardenRuntime repeats the stored hash's computation 2^(Cost-stored)-1
// times. Django: BCryptSHA256PasswordHasher.harden_runtime.
func (h *BCryptHasher) HardenRuntime(password, encoded string) {
	data, extra := h.hardenRounds(encoded)
	if extra == 0 {
		return
	}
	in, err := h.input(password)
	if err != nil {
		return
	}
	for range extra {
		_, _ = h.compare(data, in)
	}
}

// hardenRounds returns the stored bcrypt string and how many extra
// computations at its cost match one at the hasher's cost.
func (h *BCryptHasher) hardenRounds(encoded string) (string, int) {
	data, cost, err := h.decode(encoded)
	if err != nil || cost >= h.cost {
		return data, 0
	}
	return data, 1<<(h.cost-cost) - 1
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Summary describes encoded with its salt and checksum masked, as Django's
// safe_summary.
func (h *BCryptHasher) Summary(encoded string) ([]SummaryField, error) {
	data, cost, err := h.decode(encoded)
	if err != nil {
		return nil, err
	}
	return []SummaryField{
		{"algorithm", h.algorithm},
		{"work factor", strconv.Itoa(cost)},
		{"salt", maskHash(data[7:29], 6)},
		{"checksum", maskHash(data[29:], 6)},
	}, nil
}
