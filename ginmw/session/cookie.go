package session

import (
	"context"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// MinKeyLength is the shortest secret the CookieStore accepts, in bytes.
const MinKeyLength = 32

// DefaultMaxCookieSize is the largest cookie value the CookieStore writes or reads. Browsers
// keep at most 4096 bytes of name and value per cookie and silently drop larger ones, so the
// store refuses to write what the browser would lose and leaves room for the name.
const DefaultMaxCookieSize = 4000

const (
	sealVersion = 1
	// sealInfo separates the keys derived here from every other use of the same secret
	// (CSRF tokens, password-change hashes): one SECRET_KEY can feed them all.
	sealInfo = "djin/ginmw/session cookie v1"
)

// CookieStoreConfig configures a CookieStore.
type CookieStoreConfig struct {
	// Keys are the secrets, at least MinKeyLength bytes each (random bytes, or a long random
	// SECRET_KEY). The first key seals new cookies; every key opens them, so a new key is
	// rotated in by putting it first and the old one is retired by removing it once the
	// longest session age has passed. Required. Django: SECRET_KEY, SECRET_KEY_FALLBACKS.
	Keys [][]byte

	// MaxCookieSize bounds the cookie value in bytes, both ways: a larger session fails to
	// save with ErrTooLarge, a larger incoming cookie is ignored without being decrypted.
	// Zero means DefaultMaxCookieSize.
	MaxCookieSize int

	// Now is the clock used to check expiry; nil means time.Now.
	Now func() time.Time
}

// CookieStore keeps the whole session in the cookie, encrypted and authenticated with
// XChaCha20-Poly1305 (Django: SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies",
// which only signs; djin also encrypts, so the contents stay private). The sealed value
// carries the session key and the expiry time, so an old cookie stops working at the moment
// the cookie's Max-Age says, whatever the browser does.
//
// Django's caveat holds: nothing is kept on the server, so Delete cannot end a session whose
// cookie was copied; the copy works until it expires. Applications that need logout to
// revoke sessions use a server-side store, or check a per-user value stored in the session
// (authx's session hash does this).
type CookieStore struct {
	aeads   []cipher.AEAD
	maxSize int
	now     func() time.Time
}

var _ Store = (*CookieStore)(nil)

// NewCookieStore validates cfg and returns the store.
func NewCookieStore(cfg CookieStoreConfig) (*CookieStore, error) {
	if len(cfg.Keys) == 0 {
		return nil, errors.New("session: CookieStoreConfig.Keys: at least one key is required")
	}
	s := &CookieStore{maxSize: cfg.MaxCookieSize, now: nowFunc(cfg.Now)}
	if s.maxSize == 0 {
		s.maxSize = DefaultMaxCookieSize
	}
	if s.maxSize < 64 {
		return nil, fmt.Errorf("session: CookieStoreConfig.MaxCookieSize: must be at least 64 bytes (got %d)", cfg.MaxCookieSize)
	}
	for i, k := range cfg.Keys {
		if len(k) < MinKeyLength {
			return nil, fmt.Errorf("session: CookieStoreConfig.Keys[%d]: must be at least %d bytes (got %d)", i, MinKeyLength, len(k))
		}
		derived, err := hkdf.Key(sha256.New, k, nil, sealInfo, chacha20poly1305.KeySize)
		if err != nil {
			return nil, fmt.Errorf("session: CookieStoreConfig.Keys[%d]: %v", i, err)
		}
		aead, err := chacha20poly1305.NewX(derived)
		if err != nil {
			return nil, fmt.Errorf("session: CookieStoreConfig.Keys[%d]: %v", i, err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// The sealed value is base64url(version | nonce | AEAD(expiry | key length | key | data)),
// with the version byte as additional data.

// Load opens the cookie value; anything that does not open with one of the keys, or that
// has expired, is ErrNoSession.
func (s *CookieStore) Load(_ context.Context, value string) (string, []byte, error) {
	if value == "" || len(value) > s.maxSize {
		return "", nil, ErrNoSession
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < 1+chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead || raw[0] != sealVersion {
		return "", nil, ErrNoSession
	}
	nonce := raw[1 : 1+chacha20poly1305.NonceSizeX]
	sealed := raw[1+chacha20poly1305.NonceSizeX:]
	for _, aead := range s.aeads {
		plain, err := aead.Open(nil, nonce, sealed, raw[:1])
		if err != nil {
			continue
		}
		return s.unpack(plain)
	}
	return "", nil, ErrNoSession
}

func (s *CookieStore) unpack(plain []byte) (string, []byte, error) {
	if len(plain) < 9 {
		return "", nil, ErrNoSession
	}
	expires := int64(binary.BigEndian.Uint64(plain))
	if s.now().Unix() >= expires {
		return "", nil, ErrNoSession
	}
	n := int(plain[8])
	if len(plain) < 9+n || !ValidKey(string(plain[9:9+n])) {
		return "", nil, ErrNoSession
	}
	return string(plain[9 : 9+n]), plain[9+n:], nil
}

// Create seals a new session; the cookie carries everything, so keys never collide.
func (s *CookieStore) Create(_ context.Context, key string, data []byte, expires time.Time) (string, error) {
	return s.seal(key, data, expires)
}

// Update seals the session again. The store cannot know whether another request deleted the
// session, so a concurrent logout is not detected (see the CookieStore caveat).
func (s *CookieStore) Update(_ context.Context, key string, data []byte, expires time.Time) (string, error) {
	return s.seal(key, data, expires)
}

// Delete does nothing: the middleware expires the cookie in the browser.
func (s *CookieStore) Delete(context.Context, string) error { return nil }

func (s *CookieStore) seal(key string, data []byte, expires time.Time) (string, error) {
	if len(key) > 255 {
		return "", fmt.Errorf("session: key too long for the cookie store (%d bytes)", len(key))
	}
	const head = 1 + chacha20poly1305.NonceSizeX
	plainLen := 9 + len(key) + len(data)
	if base64.RawURLEncoding.EncodedLen(head+plainLen+chacha20poly1305.Overhead) > s.maxSize {
		return "", fmt.Errorf("%w: the sealed cookie would exceed %d bytes; keep ids, not objects, in the session", ErrTooLarge, s.maxSize)
	}
	out := make([]byte, head, head+plainLen+chacha20poly1305.Overhead)
	out[0] = sealVersion
	_, _ = rand.Read(out[1:head])
	plain := make([]byte, 9, plainLen)
	binary.BigEndian.PutUint64(plain, uint64(expires.Unix()))
	plain[8] = byte(len(key))
	plain = append(plain, key...)
	plain = append(plain, data...)
	out = s.aeads[0].Seal(out, out[1:head], plain, out[:1])
	return base64.RawURLEncoding.EncodeToString(out), nil
}
