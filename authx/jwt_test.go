package authx

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testclock"
	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

// jwtTestSecret is a SecretKey long enough for release mode.
const jwtTestSecret = "jwt-test-secret-key-0123456789abcdefghijklmnop"

// jwtTestClock is a settable clock shared by the JWT and the stores of a test.
type jwtTestClock = testclock.Clock

func newJWTTestClock() *jwtTestClock {
	return testclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// jwtTestVersions is an AuthVersionStore for the tests (the real ones live elsewhere).
type jwtTestVersions struct {
	mu   sync.Mutex
	v    map[int64]int64
	fail error
}

func newJWTTestVersions() *jwtTestVersions { return &jwtTestVersions{v: map[int64]int64{}} }

func (s *jwtTestVersions) AuthVersion(_ context.Context, id int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return 0, s.fail
	}
	return s.v[id], nil
}

func (s *jwtTestVersions) BumpAuthVersion(_ context.Context, id int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.v[id]++
	return s.v[id], nil
}

// jwtFixture is a JWT over a memory store holding alice (active) and bob (active) and
// carol (inactive), all with password "correct horse".
type jwtFixture struct {
	j        *JWT
	cfg      JWTConfig
	store    *MemoryStore
	hashers  *PasswordHashers
	versions *jwtTestVersions
	clock    *jwtTestClock
	alice    *User
	bob      *User
	carol    *User
}

const jwtTestPassword = "correct horse"

func newJWTFixture(t testing.TB, mutate func(*JWTConfig)) *jwtFixture {
	t.Helper()
	fx := &jwtFixture{clock: newJWTTestClock(), versions: newJWTTestVersions()}
	var err error
	if fx.hashers, err = NewPasswordHashers(HashersConfig{
		Algorithms: []string{AlgorithmPBKDF2SHA256}, PBKDF2: PBKDF2Config{Iterations: 1000, MaxIterations: 40_000},
	}); err != nil {
		t.Fatal(err)
	}
	if fx.store, err = NewMemoryStore(MemoryStoreConfig{Now: fx.clock.Now}); err != nil {
		t.Fatal(err)
	}
	fx.alice = fx.createUser(t, "alice", true)
	fx.bob = fx.createUser(t, "bob", true)
	fx.carol = fx.createUser(t, "carol", false)
	fx.cfg = JWTConfig{
		Users:        fx.store,
		Authenticate: fx.authenticate,
		SecretKey:    jwtTestSecret,
		AuthVersions: fx.versions,
		Now:          fx.clock.Now,
		Logger:       slog.New(slog.DiscardHandler),
	}
	if mutate != nil {
		mutate(&fx.cfg)
	}
	if fx.j, err = NewJWT(fx.cfg); err != nil {
		t.Fatal(err)
	}
	return fx
}

// newJWTAlgFixture is a fixture signing with alg (with fresh keys for EdDSA and RS256).
func newJWTAlgFixture(t testing.TB, alg JWTAlgorithm) *jwtFixture {
	t.Helper()
	return newJWTFixture(t, func(c *JWTConfig) {
		c.Algorithm = alg
		switch alg {
		case JWTEdDSA:
			c.Keys = []JWTKey{{ID: "ed", PrivateKey: jwtTestEd25519(t)}}
		case JWTRS256:
			c.Keys = []JWTKey{{ID: "rsa", PrivateKey: jwtTestRSA(t)}}
		}
	})
}

func (fx *jwtFixture) createUser(t testing.TB, name string, active bool) *User {
	t.Helper()
	u := &User{Username: name, IsActive: active}
	if err := u.SetPassword(fx.hashers, jwtTestPassword); err != nil {
		t.Fatal(err)
	}
	if err := fx.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// authenticate is the simple Authenticate the tests plug in: Django's ModelBackend rules
// (a dummy hash for unknown users, inactive users refused) over the memory store.
func (fx *jwtFixture) authenticate(c *gin.Context, username, password string) (*User, error) {
	u, err := fx.store.GetUserByUsername(c.Request.Context(), username)
	if err != nil {
		fx.hashers.RunDummy(password)
		return nil, nil
	}
	ok, _, err := u.CheckPassword(fx.hashers, password)
	if err != nil || !ok || !u.IsActive {
		return nil, err
	}
	return u, nil
}

func (fx *jwtFixture) issue(t testing.TB, u *User) TokenPair {
	t.Helper()
	pair, err := fx.j.IssuePair(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return pair
}

// mustAccept checks that access authenticates as want.
func (fx *jwtFixture) mustAccept(t testing.TB, access string, want *User) {
	t.Helper()
	u, err := fx.j.AuthenticateToken(context.Background(), access)
	if err != nil {
		t.Fatalf("AuthenticateToken: %v", err)
	}
	if u.ID != want.ID {
		t.Fatalf("AuthenticateToken: user %d, want %d", u.ID, want.ID)
	}
}

// mustReject checks that access is refused as an invalid token, for the reason given.
func (fx *jwtFixture) mustReject(t testing.TB, access, reason string) {
	t.Helper()
	u, err := fx.j.AuthenticateToken(context.Background(), access)
	if !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("AuthenticateToken: err %v, user %v; want ErrTokenInvalid", err, u)
	}
	if u != nil {
		t.Fatalf("AuthenticateToken: returned user %d with an error", u.ID)
	}
	if reason != "" && !strings.Contains(err.Error(), reason) {
		t.Fatalf("AuthenticateToken: err %q, want reason %q", err, reason)
	}
}

func jwtTestEd25519(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

var jwtTestRSAKeys = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func jwtTestRSA(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := jwtTestRSAKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jwtTestHMACKey(b byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

func TestNewJWTRejectsBadConfig(t *testing.T) {
	fx := newJWTFixture(t, nil)
	base := fx.cfg
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ed := jwtTestEd25519(t)
	otherEd := jwtTestEd25519(t)
	tru := true
	cases := []struct {
		name, field string
		mutate      func(*JWTConfig)
	}{
		{"no users", "JWTConfig.Users", func(c *JWTConfig) { c.Users = nil }},
		{"no authenticate", "JWTConfig.Authenticate", func(c *JWTConfig) { c.Authenticate = nil }},
		{"short fallback", "JWTConfig.SecretKeyFallbacks[0]", func(c *JWTConfig) { c.SecretKeyFallbacks = []string{"short"} }},
		{"unknown algorithm", "JWTConfig.Algorithm", func(c *JWTConfig) { c.Algorithm = "none" }},
		{"HS512 is not offered", "JWTConfig.Algorithm", func(c *JWTConfig) { c.Algorithm = "HS512" }},
		{"short HMAC key", "JWTConfig.Keys[0].Secret", func(c *JWTConfig) {
			c.Keys = []JWTKey{{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcde")}}
		}},
		{"empty kid", "JWTConfig.Keys[0].ID", func(c *JWTConfig) { c.Keys = []JWTKey{{Secret: jwtTestHMACKey(1)}} }},
		{"kid with a slash", "JWTConfig.Keys[0].ID", func(c *JWTConfig) { c.Keys = []JWTKey{{ID: "a/b", Secret: jwtTestHMACKey(1)}} }},
		{"duplicate kid", "JWTConfig.Keys[1].ID", func(c *JWTConfig) {
			c.Keys = []JWTKey{{ID: "k", Secret: jwtTestHMACKey(1)}, {ID: "k", Secret: jwtTestHMACKey(2)}}
		}},
		{"signing key retires", "JWTConfig.Keys[0].RetireAt", func(c *JWTConfig) {
			c.Keys = []JWTKey{{ID: "k", Secret: jwtTestHMACKey(1), RetireAt: time.Now().Add(time.Hour)}}
		}},
		{"HS256 given an RSA key", "JWTConfig.Keys[0]", func(c *JWTConfig) {
			c.Keys = []JWTKey{{ID: "k", Secret: jwtTestHMACKey(1), PublicKey: &jwtTestRSA(t).PublicKey}}
		}},
		{"EdDSA without keys", "JWTConfig.Keys", func(c *JWTConfig) { c.Algorithm = JWTEdDSA }},
		{"EdDSA given an RSA key", "JWTConfig.Keys[0].PrivateKey", func(c *JWTConfig) {
			c.Algorithm, c.Keys = JWTEdDSA, []JWTKey{{ID: "k", PrivateKey: jwtTestRSA(t)}}
		}},
		{"EdDSA mismatched halves", "JWTConfig.Keys[0].PublicKey", func(c *JWTConfig) {
			c.Algorithm, c.Keys = JWTEdDSA, []JWTKey{{ID: "k", PrivateKey: ed, PublicKey: otherEd.Public()}}
		}},
		{"EdDSA signing key without private half", "JWTConfig.Keys[0].PrivateKey", func(c *JWTConfig) {
			c.Algorithm, c.Keys = JWTEdDSA, []JWTKey{{ID: "k", PublicKey: ed.Public()}}
		}},
		{"RS256 given an Ed25519 key", "JWTConfig.Keys[0].PrivateKey", func(c *JWTConfig) {
			c.Algorithm, c.Keys = JWTRS256, []JWTKey{{ID: "k", PrivateKey: ed}}
		}},
		{"RS256 1024-bit key", "JWTConfig.Keys[0]", func(c *JWTConfig) {
			c.Algorithm, c.Keys = JWTRS256, []JWTKey{{ID: "k", PrivateKey: small}}
		}},
		{"RS256 given a secret", "JWTConfig.Keys[0].Secret", func(c *JWTConfig) {
			c.Algorithm, c.Keys = JWTRS256, []JWTKey{{ID: "k", PrivateKey: jwtTestRSA(t), Secret: jwtTestHMACKey(1)}}
		}},
		{"access TTL too short", "JWTConfig.AccessTTL", func(c *JWTConfig) { c.AccessTTL = time.Millisecond }},
		{"access TTL too long", "JWTConfig.AccessTTL", func(c *JWTConfig) { c.AccessTTL = 48 * time.Hour }},
		{"refresh shorter than access", "JWTConfig.RefreshTTL", func(c *JWTConfig) { c.AccessTTL, c.RefreshTTL = time.Hour, time.Minute }},
		{"max age shorter than refresh", "JWTConfig.RefreshMaxAge", func(c *JWTConfig) { c.RefreshMaxAge = time.Hour }},
		{"negative leeway", "JWTConfig.Leeway", func(c *JWTConfig) { c.Leeway = -time.Second }},
		{"leeway over a minute", "JWTConfig.Leeway", func(c *JWTConfig) { c.Leeway = 61 * time.Second }},
		{"issuer with a newline", "JWTConfig.Issuer", func(c *JWTConfig) { c.Issuer = "a\nb" }},
		{"audience too long", "JWTConfig.Audience", func(c *JWTConfig) { c.Audience = strings.Repeat("a", 300) }},
		{"realm with a quote", "JWTConfig.Realm", func(c *JWTConfig) { c.Realm = `a"b` }},
		{"cookie without CSRF check", "JWTConfig.RefreshCookie.CSRFCheck", func(c *JWTConfig) { c.RefreshCookie = &JWTRefreshCookie{} }},
		{"cookie name with a space", "JWTConfig.RefreshCookie.Name", func(c *JWTConfig) {
			c.RefreshCookie = &JWTRefreshCookie{CSRFCheck: jwtPassCSRF, Name: "a b"}
		}},
		{"cookie path not absolute", "JWTConfig.RefreshCookie.Path", func(c *JWTConfig) {
			c.RefreshCookie = &JWTRefreshCookie{CSRFCheck: jwtPassCSRF, Path: "api"}
		}},
		{"cookie path with a semicolon", "JWTConfig.RefreshCookie.Path", func(c *JWTConfig) {
			c.RefreshCookie = &JWTRefreshCookie{CSRFCheck: jwtPassCSRF, Path: "/a;b"}
		}},
		{"SameSite=None without Secure", "JWTConfig.RefreshCookie.SameSite", func(c *JWTConfig) {
			c.RefreshCookie = &JWTRefreshCookie{CSRFCheck: jwtPassCSRF, SameSite: "None"}
		}},
		{"unknown SameSite", "JWTConfig.RefreshCookie.SameSite", func(c *JWTConfig) {
			c.RefreshCookie = &JWTRefreshCookie{CSRFCheck: jwtPassCSRF, SameSite: "sometimes", Secure: &tru}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.mutate(&cfg)
			j, err := NewJWT(cfg)
			if j != nil || !errors.Is(err, ErrJWTConfig) {
				t.Fatalf("NewJWT: %v, %v; want ErrJWTConfig", j, err)
			}
			if !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("error %q does not name %s", err, tc.field)
			}
		})
	}
}

func jwtPassCSRF(*gin.Context) error { return nil }

func TestNewJWTSecretKeyInReleaseMode(t *testing.T) {
	defer gin.SetMode(gin.Mode())
	fx := newJWTFixture(t, nil)
	gin.SetMode(gin.ReleaseMode)
	for _, secret := range []string{"", "only-twenty-bytes-ok"} {
		cfg := fx.cfg
		cfg.SecretKey = secret
		if _, err := NewJWT(cfg); !errors.Is(err, ErrJWTConfig) || !strings.Contains(err.Error(), "JWTConfig.SecretKey:") {
			t.Errorf("SecretKey %q in release mode: err %v, want a JWTConfig.SecretKey error", secret, err)
		}
	}
	gin.SetMode(gin.TestMode)
	cfg := fx.cfg
	cfg.SecretKey = ""
	j, err := NewJWT(cfg)
	if err != nil {
		t.Fatalf("empty SecretKey in test mode: %v", err)
	}
	pair, err := j.IssuePair(context.Background(), fx.alice)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.AuthenticateToken(context.Background(), pair.Access); err != nil {
		t.Fatalf("the ephemeral key does not verify its own token: %v", err)
	}
	if _, err := fx.j.AuthenticateToken(context.Background(), pair.Access); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("a token under the ephemeral key verified under the configured key: %v", err)
	}
}

func TestJWTIssuesWhatItVerifies(t *testing.T) {
	for _, alg := range []JWTAlgorithm{JWTHS256, JWTEdDSA, JWTRS256} {
		t.Run(string(alg), func(t *testing.T) {
			fx := newJWTAlgFixture(t, alg)
			pair := fx.issue(t, fx.alice)
			fx.mustAccept(t, pair.Access, fx.alice)
			tok, _, err := jwt.NewParser().ParseUnverified(pair.Access, jwt.MapClaims{})
			if err != nil {
				t.Fatal(err)
			}
			if tok.Header["alg"] != string(alg) {
				t.Fatalf("alg %v, want %s", tok.Header["alg"], alg)
			}
			claims := tok.Claims.(jwt.MapClaims)
			for _, name := range []string{"iss", "sub", "aud", "exp", "iat", "jti", "typ", "fam", "sah", "ver"} {
				if _, ok := claims[name]; !ok {
					t.Errorf("claim %q missing from %v", name, claims)
				}
			}
			if claims["typ"] != "access" || claims["sub"] != "1" || claims["iss"] != DefaultJWTIssuer {
				t.Errorf("claims %v", claims)
			}
			if got := pair.AccessExpiresAt.Sub(fx.clock.Now()); got != DefaultJWTAccessTTL {
				t.Errorf("access lifetime %v, want %v", got, DefaultJWTAccessTTL)
			}
			if got := pair.RefreshExpiresAt.Sub(fx.clock.Now()); got != DefaultJWTRefreshTTL {
				t.Errorf("refresh lifetime %v, want %v", got, DefaultJWTRefreshTTL)
			}
		})
	}
}

func TestJWTTokensDoNotRevealTheSessionAuthHash(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	sah, err := SessionAuthHash(fx.alice, jwtTestSecret)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := jwt.NewParser().ParseUnverified(pair.Refresh, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := tok.Claims.(jwt.MapClaims)["sah"].(string)
	if len(got) != 22 || strings.Contains(sah, got) {
		t.Fatalf("sah claim %q: want a 22-character digest unrelated to the session hash %q", got, sah)
	}
}

// TestJWTAuthHashIsSaltedHMAC: the pooled fast path computes exactly Django's salted HMAC
// construction, for any password hash.
func TestJWTAuthHashIsSaltedHMAC(t *testing.T) {
	h := newJWTAuthHasher(jwtTestSecret)
	for _, password := range []string{"", "pbkdf2_sha256$1000$salt$hash=", UnusablePassword(), strings.Repeat("x", 200)} {
		want, err := SaltedHMAC(jwtAuthHashSalt, password, jwtTestSecret, "sha256")
		if err != nil {
			t.Fatal(err)
		}
		var got [jwtAuthHashLen]byte
		for range 2 { // the second run uses a pooled, reset state
			h.sum(password, &got)
			if string(got[:]) != base64.RawURLEncoding.EncodeToString(want[:16]) {
				t.Fatalf("sum(%q) = %s, want the first 16 bytes of %x", password, got, want)
			}
		}
	}
}

func TestJWTIssuePairRefusesInactiveAndUnsavedUsers(t *testing.T) {
	fx := newJWTFixture(t, nil)
	for _, u := range []*User{nil, {Username: "unsaved", IsActive: true}, fx.carol} {
		if _, err := fx.j.IssuePair(context.Background(), u); err == nil {
			t.Errorf("IssuePair(%v) succeeded", u)
		}
	}
}

func TestJWTSecretKeyFallbacks(t *testing.T) {
	old := newJWTFixture(t, func(c *JWTConfig) { c.SecretKey = "the-old-secret-key-0123456789abcdefghij" })
	pair := old.issue(t, old.alice)
	// The new configuration: the old secret became a fallback.
	cfg := old.cfg
	cfg.SecretKey, cfg.SecretKeyFallbacks = jwtTestSecret, []string{"the-old-secret-key-0123456789abcdefghij"}
	j, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.AuthenticateToken(context.Background(), pair.Access); err != nil {
		t.Fatalf("a token of the fallback secret is refused: %v", err)
	}
	next, err := j.Refresh(context.Background(), pair.Refresh)
	if err != nil {
		t.Fatalf("refresh under the fallback secret: %v", err)
	}
	// The new pair is keyed by the new secret alone.
	cfg.SecretKeyFallbacks = nil
	j2, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j2.AuthenticateToken(context.Background(), next.Access); err != nil {
		t.Fatalf("the refreshed token still needs the fallback: %v", err)
	}
	if _, err := j2.AuthenticateToken(context.Background(), pair.Access); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("a token of a dropped secret is accepted: %v", err)
	}
}

func TestJWTSigningKeyRotation(t *testing.T) {
	k1 := JWTKey{ID: "2026-01", Secret: jwtTestHMACKey(1)}
	k2 := JWTKey{ID: "2026-02", Secret: jwtTestHMACKey(2)}
	fx := newJWTFixture(t, func(c *JWTConfig) { c.Keys = []JWTKey{k1} })
	before := fx.issue(t, fx.alice)

	// Rotate: k2 signs, k1 verifies for two more minutes.
	retiring := k1
	retiring.RetireAt = fx.clock.Now().Add(2 * time.Minute)
	cfg := fx.cfg
	cfg.Keys = []JWTKey{k2, retiring}
	rotated, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fx.j = rotated
	fx.mustAccept(t, before.Access, fx.alice)
	after := fx.issue(t, fx.alice)
	tok, _, _ := jwt.NewParser().ParseUnverified(after.Access, jwt.MapClaims{})
	if tok.Header["kid"] != "2026-02" {
		t.Fatalf("new tokens carry kid %v, want the new key's", tok.Header["kid"])
	}
	fx.mustAccept(t, after.Access, fx.alice)

	// Past the grace window the old key's tokens are refused though not expired yet.
	fx.clock.Advance(3 * time.Minute)
	fx.mustReject(t, before.Access, "retired")
	fx.mustAccept(t, after.Access, fx.alice)

	// Removing the old key altogether gives an unknown kid.
	cfg.Keys = []JWTKey{k2}
	if fx.j, err = NewJWT(cfg); err != nil {
		t.Fatal(err)
	}
	fx.mustReject(t, before.Access, "unknown kid")
}

func TestJWTRotationFromDerivedToExplicitKeys(t *testing.T) {
	fx := newJWTFixture(t, nil)
	before := fx.issue(t, fx.alice)
	// The derived key, kept as a retiring verification key beside a new explicit one.
	derived := jwtDerivedKey(jwtTestSecret)
	derived.RetireAt = fx.clock.Now().Add(time.Hour)
	cfg := fx.cfg
	cfg.Keys = []JWTKey{{ID: "explicit", Secret: jwtTestHMACKey(9)}, derived}
	j, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fx.j = j
	fx.mustAccept(t, before.Access, fx.alice)
}

func TestJWTEdDSAVerifyOnlyKey(t *testing.T) {
	oldKey, newKey := jwtTestEd25519(t), jwtTestEd25519(t)
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.Algorithm, c.Keys = JWTEdDSA, []JWTKey{{ID: "old", PrivateKey: oldKey}}
	})
	before := fx.issue(t, fx.alice)
	cfg := fx.cfg
	// The old private key is destroyed; its public half verifies the remaining tokens.
	cfg.Keys = []JWTKey{{ID: "new", PrivateKey: newKey}, {ID: "old", PublicKey: oldKey.Public()}}
	j, err := NewJWT(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fx.j = j
	fx.mustAccept(t, before.Access, fx.alice)
	fx.mustAccept(t, fx.issue(t, fx.alice).Access, fx.alice)
}
