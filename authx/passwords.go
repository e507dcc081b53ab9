package authx

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

const (
	// unusablePasswordPrefix and unusablePasswordSuffixLength are Django's
	// UNUSABLE_PASSWORD_PREFIX and UNUSABLE_PASSWORD_SUFFIX_LENGTH.
	unusablePasswordPrefix       = "!"
	unusablePasswordSuffixLength = 40
)

// PasswordHashers hashes and checks passwords with an ordered list of
// hashers, as Django's make_password and check_password do with
// PASSWORD_HASHERS: the first hasher (the preferred one) hashes new
// passwords, every hasher verifies. At most HashersConfig.MaxConcurrent hash
// operations run at once; the others wait for a slot.
//
// It is safe for concurrent use. The zero value, and a nil
// *PasswordHashers, are ready to use and behave as DefaultPasswordHashers(),
// sharing its hashers and its concurrency limit; so a Config field of this
// type can leave it nil. Do not copy a PasswordHashers after first use.
type PasswordHashers struct {
	set atomic.Pointer[hasherSet]
}

// NewPasswordHashers validates cfg and returns the hashers, or an error
// naming the bad setting (wrapping ErrInvalidHasherConfig).
func NewPasswordHashers(cfg HashersConfig) (*PasswordHashers, error) {
	s, err := buildHasherSet(cfg)
	if err != nil {
		return nil, err
	}
	h := &PasswordHashers{}
	h.set.Store(s)
	return h, nil
}

var defaultPasswordHashers = sync.OnceValue(func() *PasswordHashers {
	h, err := NewPasswordHashers(HashersConfig{})
	if err != nil {
		// The zero HashersConfig is valid; a test holds it to that.
		panic(err)
	}
	return h
})

// DefaultPasswordHashers returns the process-wide PasswordHashers of the
// zero HashersConfig: argon2id (t=2, m=100 MiB, p=8) hashes new passwords;
// pbkdf2_sha256, pbkdf2_sha1, bcrypt_sha256 and scrypt at Django 6.1's costs
// verify existing ones. Its concurrency limit is shared by every caller, which
// is what bounds memory under a burst of logins.
func DefaultPasswordHashers() *PasswordHashers { return defaultPasswordHashers() }

func (h *PasswordHashers) hashers() *hasherSet {
	if h == nil {
		return defaultPasswordHashers().set.Load()
	}
	if s := h.set.Load(); s != nil {
		return s
	}
	s := defaultPasswordHashers().set.Load()
	h.set.CompareAndSwap(nil, s)
	return h.set.Load()
}

// Preferred returns the hasher that hashes new passwords.
func (h *PasswordHashers) Preferred() Hasher { return h.hashers().preferred() }

// Hashers returns the configured hashers, preferred first.
func (h *PasswordHashers) Hashers() []Hasher {
	return append([]Hasher(nil), h.hashers().hashers...)
}

// Hasher returns the configured hasher of the given algorithm name, or
// ErrUnknownHasher. Django: get_hasher.
func (h *PasswordHashers) Hasher(algorithm string) (Hasher, error) {
	if hs, ok := h.hashers().byName[algorithm]; ok {
		return hs, nil
	}
	return nil, ErrUnknownHasher
}

// IdentifyHasher returns the configured hasher that reads encoded, the way
// Django's identify_hasher picks it: by the text before the first "$", with
// Django's special cases for its long-removed unsalted MD5 and SHA-1 hashes
// (reported as ErrUnknownHasher unless a Custom hasher takes the name
// "unsalted_md5" or "unsalted_sha1"). It returns ErrUnusablePassword for a
// value of UnusablePassword and ErrMalformedHash for one with no "$" or
// longer than 4096 bytes. It only looks at the name: Verify checks the rest.
func (h *PasswordHashers) IdentifyHasher(encoded string) (Hasher, error) {
	return h.hashers().identify(encoded)
}

func (s *hasherSet) identify(encoded string) (Hasher, error) {
	switch {
	case !IsPasswordUsable(encoded):
		return nil, ErrUnusablePassword
	case encoded == "", len(encoded) > maxEncodedPasswordLen:
		return nil, hashError(ErrMalformedHash, "identify", "empty or over 4096 bytes")
	}
	name := identifyAlgorithm(encoded)
	if name == encoded {
		return nil, hashError(ErrMalformedHash, "identify", "no \"$\" in the encoded password")
	}
	if hs, ok := s.byName[name]; ok {
		return hs, nil
	}
	return nil, ErrUnknownHasher
}

// acquire takes one hashing slot, or gives up when ctx is done.
func (s *hasherSet) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("authx: waiting to hash a password: %w", err)
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("authx: waiting to hash a password: %w", ctx.Err())
	}
}

func (s *hasherSet) release() { <-s.slots }

func (s *hasherSet) checkLength(password string) error {
	if len(password) > s.maxPasswordBytes {
		return fmt.Errorf("%w: over %d bytes", ErrPasswordTooLong, s.maxPasswordBytes)
	}
	return nil
}

// Make hashes password with the preferred hasher and a fresh salt, and
// returns the encoded form to store. An empty password is hashed like any
// other, as in Django; refusing it is a validator's job. For a user who must
// not log in with a password, store UnusablePassword() instead.
// Django: make_password.
func (h *PasswordHashers) Make(password string) (string, error) {
	return h.MakeContext(context.Background(), password)
}

// MakeContext is Make, giving up with ctx's error when ctx is done before a
// hashing slot frees up.
func (h *PasswordHashers) MakeContext(ctx context.Context, password string) (string, error) {
	s := h.hashers()
	if err := s.checkLength(password); err != nil {
		return "", err
	}
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return s.preferred().Encode(password)
}

// Check reports whether password matches encoded, and, when it does,
// whether encoded should be replaced by Make(password) and saved (Django's
// setter): the hasher is not the preferred one, its parameters differ from
// the preferred ones, or its salt is weak. Such a re-hash is not a password
// change. mustUpdate is never true when ok is false.
//
// A wrong password and an unusable, unknown, malformed or out-of-bounds
// stored value all cost one hash at the preferred cost (Django's fake runtime,
// CVE-2024-39329), and a wrong password against an outdated hash costs what
// the preferred parameters would (harden_runtime, CVE-2016-2513), so timing
// tells an attacker little. err is nil for a wrong password and for an
// unusable one; it reports a stored value that cannot be checked
// (ErrUnknownHasher, ErrMalformedHash, ErrUnsafeHashParameters,
// ErrUnsupportedHash), a password over the length limit (ErrPasswordTooLong),
// or a failure to hash. Log it without the values. Django: check_password.
func (h *PasswordHashers) Check(password, encoded string) (ok bool, mustUpdate bool, err error) {
	return h.CheckContext(context.Background(), password, encoded)
}

// CheckContext is Check, giving up with ctx's error when ctx is done before a
// hashing slot frees up.
func (h *PasswordHashers) CheckContext(ctx context.Context, password, encoded string) (ok bool, mustUpdate bool, err error) {
	s := h.hashers()
	if err := s.checkLength(password); err != nil {
		return false, false, err
	}
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer s.release()

	hasher, err := s.identify(encoded)
	if err == nil {
		ok, err = hasher.Verify(password, encoded)
	}
	if err != nil {
		// No hashing happened: spend what a real check would have.
		s.runDummy(password)
		if errors.Is(err, ErrUnusablePassword) {
			err = nil
		}
		return false, false, err
	}
	preferred := s.preferred()
	changed := hasher.Algorithm() != preferred.Algorithm()
	mustUpdate = changed || preferred.MustUpdate(encoded)
	if !ok {
		if !changed && mustUpdate {
			hasher.HardenRuntime(password, encoded)
		}
		return false, false, nil
	}
	return true, mustUpdate, nil
}

// RunDummy hashes password once with the preferred hasher and discards the
// result, so that authenticating an unknown user costs what checking a real
// one does (Django's ModelBackend, #20760). It takes a hashing slot like any
// other operation and does nothing for a password over the length limit,
// which Check refuses just as fast.
func (h *PasswordHashers) RunDummy(password string) {
	_ = h.RunDummyContext(context.Background(), password)
}

// RunDummyContext is RunDummy, giving up with ctx's error when ctx is done
// before a hashing slot frees up.
func (h *PasswordHashers) RunDummyContext(ctx context.Context, password string) error {
	s := h.hashers()
	if s.checkLength(password) != nil {
		return nil
	}
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	s.runDummy(password)
	return nil
}

func (s *hasherSet) runDummy(password string) {
	_, _ = s.preferred().Encode(password)
}

// Summary describes encoded for display with its salt and hash masked, as
// Django's admin does with safe_summary. It returns ErrUnknownHasher for a
// hasher that is not a Summarizer.
func (h *PasswordHashers) Summary(encoded string) ([]SummaryField, error) {
	hasher, err := h.IdentifyHasher(encoded)
	if err != nil {
		return nil, err
	}
	sum, ok := hasher.(Summarizer)
	if !ok {
		return nil, ErrUnknownHasher
	}
	return sum.Summary(encoded)
}

// MakePassword is DefaultPasswordHashers().Make: it hashes password with
// argon2id and a fresh salt. Django: make_password.
func MakePassword(password string) (string, error) {
	return DefaultPasswordHashers().Make(password)
}

// CheckPassword is DefaultPasswordHashers().Check without the update flag:
// it reports whether password matches encoded. Use PasswordHashers.Check
// to also learn when to re-hash. Django: check_password.
func CheckPassword(password, encoded string) (bool, error) {
	ok, _, err := DefaultPasswordHashers().Check(password, encoded)
	return ok, err
}

// IdentifyHasher is DefaultPasswordHashers().IdentifyHasher.
// Django: identify_hasher.
func IdentifyHasher(encoded string) (Hasher, error) {
	return DefaultPasswordHashers().IdentifyHasher(encoded)
}

// UnusablePassword returns a value to store for a user who must not log in
// with a password: "!" and 40 random characters, which no password
// verifies. Each call differs, so unusable passwords reveal nothing when
// compared. Django: make_password(None), set_unusable_password.
func UnusablePassword() string {
	return unusablePasswordPrefix + randomPasswordChars(unusablePasswordSuffixLength)
}

// IsPasswordUsable reports whether encoded was not made by UnusablePassword.
// Like Django's is_password_usable it says nothing about whether encoded is a
// valid hash: "" and "garbage" are "usable" and simply never verify.
func IsPasswordUsable(encoded string) bool {
	return !strings.HasPrefix(encoded, unusablePasswordPrefix)
}
