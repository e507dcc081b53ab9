package authx

import (
	"crypto"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
)

// JWTAlgorithm names a JWS signing algorithm (RFC 7518) a JWT may use.
type JWTAlgorithm string

// The signing algorithms a JWT supports. Each JWT uses exactly one: the parser accepts no
// other, which is what stops "alg: none" and the RS256 → HS256 key-confusion attack.
const (
	// JWTHS256 is HMAC-SHA256 with a shared secret of at least 32 bytes: the fastest, and
	// enough when only this application signs and verifies.
	JWTHS256 JWTAlgorithm = "HS256"
	// JWTEdDSA is Ed25519: small keys and signatures, and other services can verify tokens
	// with the public key alone.
	JWTEdDSA JWTAlgorithm = "EdDSA"
	// JWTRS256 is RSASSA-PKCS1-v1_5 with SHA-256, for verifiers that only speak RSA. Keys
	// must have at least 2048 bits.
	JWTRS256 JWTAlgorithm = "RS256"
)

// JWTBackend is the backend name AuthBackend reports for a user authenticated by a bearer
// token.
const JWTBackend = "jwt"

// Defaults and bounds of JWTConfig.
const (
	DefaultJWTAccessTTL     = 5 * time.Minute     // simplejwt: ACCESS_TOKEN_LIFETIME
	DefaultJWTRefreshTTL    = 24 * time.Hour      // simplejwt: REFRESH_TOKEN_LIFETIME
	DefaultJWTRefreshMaxAge = 14 * 24 * time.Hour // Django's SESSION_COOKIE_AGE
	DefaultJWTIssuer        = "djin"
	DefaultJWTAudience      = "djin"
	DefaultJWTRealm         = "api"
	MaxJWTLeeway            = time.Minute
	// MinJWTHMACKeyBytes is the shortest HS256 secret accepted: RFC 7518 §3.2 asks for a
	// key at least as long as the hash output.
	MinJWTHMACKeyBytes = 32
	// MinJWTSecretKeyBytes is the shortest SecretKey accepted in gin's release mode.
	MinJWTSecretKeyBytes = 32
	maxJWTTTL            = 366 * 24 * time.Hour
	maxJWTKeyIDLen       = 64
	maxJWTClaimTextLen   = 256
)

// Errors of the JWT authentication. Every rejected token wraps ErrTokenInvalid, so one
// errors.Is check tells a client mistake (401) from a store outage.
var (
	// ErrTokenInvalid: the token is malformed, forged, expired, of the wrong type, or no
	// longer matches its user (password changed, logged out everywhere, deleted, inactive).
	// simplejwt: "Token is invalid or expired".
	ErrTokenInvalid = errors.New("authx: token is invalid or expired")
	// ErrRefreshTokenReused: a refresh token was presented a second time. The store revokes
	// its whole family before returning it: someone holds a copy (theft detection).
	ErrRefreshTokenReused = errors.New("authx: refresh token reused; its family is revoked")
	// ErrTokenFamilyRevoked: the token's family was revoked by a logout or a reuse.
	ErrTokenFamilyRevoked = errors.New("authx: token family revoked")
	// ErrJWTConfig: a JWTConfig setting is invalid; the message names the field.
	ErrJWTConfig = errors.New("authx: invalid JWT configuration")
	// ErrJWTThrottled: JWTConfig.Throttle refused an obtain attempt. JWTThrottledError
	// matches it.
	ErrJWTThrottled = errors.New("authx: token request throttled")
)

// JWTThrottledError is what a JWTConfig.Throttle hook returns to refuse an attempt: the
// obtain endpoint answers 429 with a Retry-After header. It matches ErrJWTThrottled.
type JWTThrottledError struct {
	// RetryAfter is how long until an attempt may be made; 0 sends no Retry-After.
	RetryAfter time.Duration
}

// Error implements error.
func (e *JWTThrottledError) Error() string {
	return fmt.Sprintf("%v (retry after %v)", ErrJWTThrottled, e.RetryAfter)
}

// Is matches ErrJWTThrottled.
func (e *JWTThrottledError) Is(target error) bool { return target == ErrJWTThrottled }

// JWTKey is one signing key, named by its key id (the token header's "kid"). The first key
// of JWTConfig.Keys signs new tokens; every key verifies tokens carrying its id until its
// RetireAt, which is how keys rotate without logging anybody out.
type JWTKey struct {
	// ID is the key id written in the "kid" header: 1 to 64 characters from
	// [A-Za-z0-9._~-], unique among the keys. Required.
	ID string
	// Secret is the HS256 key: at least 32 random bytes (MinJWTHMACKeyBytes). Only for
	// JWTHS256.
	Secret []byte
	// PrivateKey signs (EdDSA: an ed25519.PrivateKey or any crypto.Signer with an Ed25519
	// public key; RS256: an *rsa.PrivateKey of at least 2048 bits). Required for the first
	// key; an older key may give only PublicKey.
	PrivateKey crypto.Signer
	// PublicKey verifies (ed25519.PublicKey or *rsa.PublicKey). nil means the public half
	// of PrivateKey.
	PublicKey crypto.PublicKey
	// RetireAt is when the key stops verifying; tokens it signed are refused from then on.
	// Zero means never (until the key is removed from the list). It must be zero on the
	// first key, which signs. For a rotation that logs nobody out, set it at least
	// RefreshTTL after the new key was put first.
	RetireAt time.Time
}

// JWTRefreshCookie moves the refresh token into an HttpOnly cookie, out of reach of page
// scripts. The browser then sends it by itself, also on forged cross-site requests, so the
// token endpoints check CSRF (CSRFCheck) on every request whose refresh token came from the
// cookie, whatever route-level exemption is in place.
type JWTRefreshCookie struct {
	// CSRFCheck verifies the request against CSRF: pass the csrfx middleware's Check
	// method. It runs before obtain, and before refresh and revoke when the token comes
	// from the cookie; an error refuses the request with 403. Required: NewJWT refuses a
	// cookie transport without it.
	CSRFCheck func(c *gin.Context) error `yaml:"-"`
	// Name is the cookie name; "" means "refresh_token".
	Name string `yaml:"name"`
	// Path limits the cookie to the token routes; "" means "/". Set it to the routes'
	// common prefix ("/api/token/") so the token travels with no other request.
	Path string `yaml:"path"`
	// Domain is the cookie's Domain; "" (recommended) means host-only.
	Domain string `yaml:"domain"`
	// Secure sets the Secure attribute; nil means on in gin's release mode and on requests
	// that arrived over HTTPS (ginmw.IsSecure).
	Secure *bool `yaml:"secure"`
	// SameSite is "Strict" (zero), "Lax" or "None" (which needs Secure set to true).
	SameSite string `yaml:"same_site"`
}

// JWTConfig configures JWT authentication. Users and Authenticate are required; every other
// zero value is safe: HS256 with a key derived from SecretKey, 5-minute access tokens,
// rotating 1-day refresh tokens in 14-day families, issuer and audience "djin", no leeway,
// revocations kept in this process's memory, refresh tokens in the JSON body only.
type JWTConfig struct {
	// Users loads the user a token names, on every request: a deleted or inactive user's
	// tokens stop working at once. Required.
	Users UserStore `yaml:"-"`
	// Authenticate checks a username and password for the obtain endpoint and returns the
	// user. Plug authx's Authenticate in here. It returns (nil, nil) or an error when the
	// credentials do not match; both give the client the same 401, so an error that says
	// more (an unknown user, say) leaks nothing. It should spend the same time on every
	// failure. Required.
	Authenticate func(c *gin.Context, username, password string) (*User, error) `yaml:"-"`
	// SecretKey keys the session-auth hash every token carries (SessionAuthHash), and,
	// when Keys is empty, the HS256 signing key (through HKDF, never used raw). At least 32
	// bytes; empty in gin's debug or test mode means a random key for this process only
	// (with a warning). Django: SECRET_KEY.
	SecretKey string `yaml:"-"`
	// SecretKeyFallbacks are former secret keys: tokens keyed by them are still accepted,
	// and new ones use SecretKey. Django: SECRET_KEY_FALLBACKS.
	SecretKeyFallbacks []string `yaml:"-"`
	// Algorithm is the one signing algorithm tokens may use; "" means JWTHS256.
	Algorithm JWTAlgorithm `yaml:"algorithm"`
	// Keys are the signing keys, newest first. Empty means one HS256 key derived from
	// SecretKey (and one verify-only key per SecretKeyFallbacks entry); EdDSA and RS256
	// need keys.
	Keys []JWTKey `yaml:"-"`
	// Issuer is the "iss" claim written and required; "" means DefaultJWTIssuer. Use the
	// site's URL so that tokens of other applications sharing a key are refused.
	Issuer string `yaml:"issuer"`
	// Audience is the "aud" claim written and required; "" means DefaultJWTAudience.
	Audience string `yaml:"audience"`
	// AccessTTL is an access token's lifetime, 1 second to 24 hours; 0 means 5 minutes.
	// simplejwt: ACCESS_TOKEN_LIFETIME.
	AccessTTL time.Duration `yaml:"access_ttl"`
	// RefreshTTL is a refresh token's lifetime, from AccessTTL to 366 days; 0 means 1 day.
	// Each refresh issues a new one. simplejwt: REFRESH_TOKEN_LIFETIME.
	RefreshTTL time.Duration `yaml:"refresh_ttl"`
	// RefreshMaxAge bounds a family (one login and its refreshes), from RefreshTTL to 366
	// days: after it the user must log in again, however often the tokens were refreshed.
	// 0 means 14 days. Django: SESSION_COOKIE_AGE.
	RefreshMaxAge time.Duration `yaml:"refresh_max_age"`
	// Leeway tolerates clock skew between the instances that issue and verify tokens, for
	// "exp", "nbf" and "iat"; at most MaxJWTLeeway. 0 means none. simplejwt: LEEWAY.
	Leeway time.Duration `yaml:"leeway"`
	// AuthVersions keeps each user's auth version, which every token records: bumping it
	// ("log out everywhere") revokes all the user's tokens. nil means only a password
	// change (the session-auth hash) revokes them.
	AuthVersions AuthVersionStore `yaml:"-"`
	// Revocations remembers used refresh tokens and revoked families. nil means a
	// MemoryRevocationStore, which only works for one instance: several instances need a
	// shared RedisRevocationStore (a warning is logged in release mode).
	Revocations RevocationStore `yaml:"-"`
	// RefreshCookie, when set, delivers the refresh token in an HttpOnly cookie instead of
	// the JSON body, and reads it from there (the body is still accepted).
	RefreshCookie *JWTRefreshCookie `yaml:"refresh_cookie"`
	// Throttle, when set, runs before each obtain attempt with the submitted username, to
	// lock out password guessing like the login form. It returns done, called once with
	// the outcome of the attempt (may be nil), or an error to refuse the attempt: a
	// *JWTThrottledError answers 429 with Retry-After, any other error (the throttle's
	// store is down) 503.
	Throttle func(c *gin.Context, username string) (done func(success bool), err error) `yaml:"-"`
	// UpdateLastLogin writes the user's last_login at each obtain. simplejwt:
	// UPDATE_LAST_LOGIN.
	UpdateLastLogin bool `yaml:"update_last_login"`
	// Realm is the realm of the WWW-Authenticate challenge; "" means "api".
	Realm string `yaml:"realm"`
	// Logger receives rejected tokens and credentials (the reason, never the token or the
	// password) and configuration warnings; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
	// Now is the clock; nil means time.Now.
	Now func() time.Time `yaml:"-"`
}

// JWT issues and verifies the tokens of one application: short-lived access tokens sent as
// "Authorization: Bearer", and rotating refresh tokens grouped in families. Every token
// records the user's session-auth hash and auth version, so a password change or "log out
// everywhere" revokes all of a user's tokens, as it ends the user's sessions. It is safe
// for concurrent use.
type JWT struct {
	users        UserStore
	authenticate func(c *gin.Context, username, password string) (*User, error)
	authVersions AuthVersionStore
	revocations  RevocationStore
	throttle     func(c *gin.Context, username string) (func(bool), error)
	cookie       *jwtCookie
	secrets      []string         // SecretKey first, then the fallbacks
	authHashers  []*jwtAuthHasher // one per secret, in the same order
	method       jwt.SigningMethod
	signer       *jwtKey
	keys         map[string]*jwtKey
	parser       *jwt.Parser
	issuer       string
	audience     jwt.ClaimStrings
	accessTTL    time.Duration
	refreshTTL   time.Duration
	maxAge       time.Duration
	leeway       time.Duration
	revokeTTL    time.Duration
	lastLogin    bool
	challenge    string // WWW-Authenticate for a missing credential
	badToken     string // WWW-Authenticate for an invalid token
	log          *slog.Logger
	now          func() time.Time
}

// jwtKey is a validated JWTKey.
type jwtKey struct {
	id       string
	sign     any // []byte, crypto.Signer or *rsa.PrivateKey; nil for a verify-only key
	verify   any // []byte, ed25519.PublicKey or *rsa.PublicKey
	retireAt time.Time
}

// jwtCookie is a validated JWTRefreshCookie.
type jwtCookie struct {
	csrf     func(c *gin.Context) error
	name     string
	path     string
	domain   string
	secure   *bool
	sameSite http.SameSite
}

// jwtConfigError is the house form of a configuration error, naming the field.
func jwtConfigError(field, format string, args ...any) error {
	return fmt.Errorf("%w: JWTConfig.%s: %s", ErrJWTConfig, field, fmt.Sprintf(format, args...))
}

// NewJWT validates cfg and returns the JWT, or an error naming the first bad setting.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	j := &JWT{
		users:        cfg.Users,
		authenticate: cfg.Authenticate,
		authVersions: cfg.AuthVersions,
		revocations:  cfg.Revocations,
		throttle:     cfg.Throttle,
		lastLogin:    cfg.UpdateLastLogin,
		log:          cfg.Logger,
		now:          cfg.Now,
	}
	if j.log == nil {
		j.log = slog.Default()
	}
	if j.now == nil {
		j.now = time.Now
	}
	if j.users == nil {
		return nil, jwtConfigError("Users", "required: tokens name users that must be loaded on every request")
	}
	if j.authenticate == nil {
		return nil, jwtConfigError("Authenticate", "required: the obtain endpoint checks passwords through it (plug authx's Authenticate in)")
	}
	if err := j.setSecrets(cfg); err != nil {
		return nil, err
	}
	if err := j.setTimes(cfg); err != nil {
		return nil, err
	}
	if err := j.setClaims(cfg); err != nil {
		return nil, err
	}
	if err := j.setKeys(cfg); err != nil {
		return nil, err
	}
	if cfg.RefreshCookie != nil {
		ck, err := newJWTCookie(*cfg.RefreshCookie)
		if err != nil {
			return nil, err
		}
		j.cookie = ck
	}
	if j.revocations == nil {
		j.revocations = NewMemoryRevocationStore(MemoryRevocationStoreConfig{Now: j.now})
		if gin.Mode() == gin.ReleaseMode {
			j.log.Warn("authx: JWTConfig.Revocations: revocations are kept in this process's memory; " +
				"with several instances, logouts and refresh-token reuse are only seen by one: use a RedisRevocationStore")
		}
	}
	j.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{j.method.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(j.issuer),
		jwt.WithAudience(j.audience[0]),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(j.leeway),
		jwt.WithTimeFunc(j.now),
		// Strict base64: no second spelling of a signature or payload is accepted.
		jwt.WithStrictDecoding(),
	)
	return j, nil
}

func (j *JWT) setSecrets(cfg JWTConfig) error {
	release := gin.Mode() == gin.ReleaseMode
	secret := cfg.SecretKey
	switch {
	case secret == "" && release:
		return jwtConfigError("SecretKey", "required in release mode (at least %d bytes)", MinJWTSecretKeyBytes)
	case secret == "":
		var b [32]byte
		_, _ = rand.Read(b[:])
		secret = hex.EncodeToString(b[:])
		j.log.Warn("authx: JWTConfig.SecretKey is empty: using a random key for this process only; " +
			"tokens will not survive a restart nor verify on another instance")
	case len(secret) < MinJWTSecretKeyBytes && release:
		return jwtConfigError("SecretKey", "at least %d bytes in release mode (got %d)", MinJWTSecretKeyBytes, len(secret))
	case len(secret) < MinJWTSecretKeyBytes:
		j.log.Warn("authx: JWTConfig.SecretKey is shorter than 32 bytes; release mode refuses it")
	}
	j.secrets = append(j.secrets, secret)
	for i, s := range cfg.SecretKeyFallbacks {
		if len(s) < MinJWTSecretKeyBytes {
			return jwtConfigError(fmt.Sprintf("SecretKeyFallbacks[%d]", i), "at least %d bytes (got %d)", MinJWTSecretKeyBytes, len(s))
		}
		j.secrets = append(j.secrets, s)
	}
	for _, s := range j.secrets {
		j.authHashers = append(j.authHashers, newJWTAuthHasher(s))
	}
	return nil
}

func (j *JWT) setTimes(cfg JWTConfig) error {
	j.accessTTL = orDefault(cfg.AccessTTL, DefaultJWTAccessTTL)
	if j.accessTTL < time.Second || j.accessTTL > 24*time.Hour {
		return jwtConfigError("AccessTTL", "must be 1s to 24h (got %v)", cfg.AccessTTL)
	}
	j.refreshTTL = orDefault(cfg.RefreshTTL, DefaultJWTRefreshTTL)
	if j.refreshTTL < j.accessTTL || j.refreshTTL > maxJWTTTL {
		return jwtConfigError("RefreshTTL", "must be from AccessTTL (%v) to %v (got %v)", j.accessTTL, maxJWTTTL, cfg.RefreshTTL)
	}
	j.maxAge = orDefault(cfg.RefreshMaxAge, DefaultJWTRefreshMaxAge)
	if j.maxAge < j.refreshTTL || j.maxAge > maxJWTTTL {
		return jwtConfigError("RefreshMaxAge", "must be from RefreshTTL (%v) to %v (got %v)", j.refreshTTL, maxJWTTTL, cfg.RefreshMaxAge)
	}
	if cfg.Leeway < 0 || cfg.Leeway > MaxJWTLeeway {
		return jwtConfigError("Leeway", "must be 0 to %v (got %v)", MaxJWTLeeway, cfg.Leeway)
	}
	j.leeway = cfg.Leeway
	// A revocation must outlive every token of the family: each was issued before it and
	// lives at most RefreshTTL (plus the leeway verifiers grant, plus the second that
	// NumericDate rounding may add).
	j.revokeTTL = j.refreshTTL + j.leeway + time.Second
	return nil
}

func (j *JWT) setClaims(cfg JWTConfig) error {
	j.issuer = orDefault(cfg.Issuer, DefaultJWTIssuer)
	if !jwtClaimText(j.issuer) {
		return jwtConfigError("Issuer", "want printable text of at most %d bytes (got %q)", maxJWTClaimTextLen, cfg.Issuer)
	}
	aud := orDefault(cfg.Audience, DefaultJWTAudience)
	if !jwtClaimText(aud) {
		return jwtConfigError("Audience", "want printable text of at most %d bytes (got %q)", maxJWTClaimTextLen, cfg.Audience)
	}
	j.audience = jwt.ClaimStrings{aud}
	realm := orDefault(cfg.Realm, DefaultJWTRealm)
	if !jwtClaimText(realm) || strings.ContainsAny(realm, `"\`) {
		return jwtConfigError("Realm", `want printable text without " or \ (got %q)`, cfg.Realm)
	}
	j.challenge = `Bearer realm="` + realm + `"`
	j.badToken = j.challenge + `, error="invalid_token"`
	return nil
}

// jwtClaimText accepts non-empty, valid UTF-8 without control characters.
func jwtClaimText(s string) bool {
	if s == "" || len(s) > maxJWTClaimTextLen || !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func (j *JWT) setKeys(cfg JWTConfig) error {
	switch cfg.Algorithm {
	case "", JWTHS256:
		j.method = jwt.SigningMethodHS256
	case JWTEdDSA:
		j.method = jwt.SigningMethodEdDSA
	case JWTRS256:
		j.method = jwt.SigningMethodRS256
	default:
		return jwtConfigError("Algorithm", "must be HS256, EdDSA or RS256 (got %q)", cfg.Algorithm)
	}
	keys := cfg.Keys
	if len(keys) == 0 {
		if j.method != jwt.SigningMethodHS256 {
			return jwtConfigError("Keys", "required for %s (only HS256 can derive its key from SecretKey)", cfg.Algorithm)
		}
		for _, s := range j.secrets {
			keys = append(keys, jwtDerivedKey(s))
		}
	}
	j.keys = make(map[string]*jwtKey, len(keys))
	for i, k := range keys {
		field := fmt.Sprintf("Keys[%d]", i)
		key, err := j.checkKey(field, k, i == 0)
		if err != nil {
			return err
		}
		if _, dup := j.keys[key.id]; dup {
			return jwtConfigError(field+".ID", "another key has the same id (got %q)", k.ID)
		}
		j.keys[key.id] = key
		if i == 0 {
			j.signer = key
		}
	}
	return nil
}

// jwtDerivedKey derives an HS256 key from a secret key, so that the secret itself never
// signs anything and knowing a token key does not reveal it.
func jwtDerivedKey(secret string) JWTKey {
	key, _ := hkdf.Key(sha256.New, []byte(secret), nil, "djin.authx.jwt.hs256", 32)
	id := sha256.Sum256(key)
	return JWTKey{ID: "sk-" + hex.EncodeToString(id[:6]), Secret: key}
}

func (j *JWT) checkKey(field string, k JWTKey, signs bool) (*jwtKey, error) {
	if !jwtKeyID(k.ID) {
		return nil, jwtConfigError(field+".ID", "want 1 to %d characters from [A-Za-z0-9._~-] (got %q)", maxJWTKeyIDLen, k.ID)
	}
	if signs && !k.RetireAt.IsZero() {
		return nil, jwtConfigError(field+".RetireAt", "must be zero on the first key, which signs new tokens")
	}
	out := &jwtKey{id: k.ID, retireAt: k.RetireAt}
	switch j.method {
	case jwt.SigningMethodHS256:
		if k.PrivateKey != nil || k.PublicKey != nil {
			return nil, jwtConfigError(field, "HS256 uses Secret only, not PrivateKey or PublicKey")
		}
		if len(k.Secret) < MinJWTHMACKeyBytes {
			return nil, jwtConfigError(field+".Secret", "at least %d bytes for HS256 (got %d)", MinJWTHMACKeyBytes, len(k.Secret))
		}
		secret := append([]byte(nil), k.Secret...)
		out.sign, out.verify = secret, secret
		return out, nil
	case jwt.SigningMethodEdDSA:
		return out, checkEdDSAKey(field, k, signs, out)
	default:
		return out, checkRSAKey(field, k, signs, out)
	}
}

func checkEdDSAKey(field string, k JWTKey, signs bool, out *jwtKey) error {
	if k.Secret != nil {
		return jwtConfigError(field+".Secret", "EdDSA uses PrivateKey and PublicKey, not Secret")
	}
	var pub ed25519.PublicKey
	if k.PrivateKey != nil {
		p, ok := k.PrivateKey.Public().(ed25519.PublicKey)
		if !ok || len(p) != ed25519.PublicKeySize {
			return jwtConfigError(field+".PrivateKey", "want an Ed25519 key for EdDSA (got %T)", k.PrivateKey)
		}
		if priv, ok := k.PrivateKey.(ed25519.PrivateKey); ok && len(priv) != ed25519.PrivateKeySize {
			return jwtConfigError(field+".PrivateKey", "an ed25519.PrivateKey has %d bytes (got %d)", ed25519.PrivateKeySize, len(priv))
		}
		pub = p
		out.sign = k.PrivateKey
	} else if signs {
		return jwtConfigError(field+".PrivateKey", "required on the first key, which signs new tokens")
	}
	if k.PublicKey != nil {
		p, ok := k.PublicKey.(ed25519.PublicKey)
		if !ok || len(p) != ed25519.PublicKeySize {
			return jwtConfigError(field+".PublicKey", "want an ed25519.PublicKey for EdDSA (got %T)", k.PublicKey)
		}
		if pub != nil && !pub.Equal(p) {
			return jwtConfigError(field+".PublicKey", "is not the public half of PrivateKey")
		}
		pub = p
	}
	out.verify = pub
	return nil
}

func checkRSAKey(field string, k JWTKey, signs bool, out *jwtKey) error {
	if k.Secret != nil {
		return jwtConfigError(field+".Secret", "RS256 uses PrivateKey and PublicKey, not Secret")
	}
	var pub *rsa.PublicKey
	if k.PrivateKey != nil {
		priv, ok := k.PrivateKey.(*rsa.PrivateKey)
		if !ok {
			return jwtConfigError(field+".PrivateKey", "want an *rsa.PrivateKey for RS256 (got %T)", k.PrivateKey)
		}
		if err := priv.Validate(); err != nil {
			return jwtConfigError(field+".PrivateKey", "invalid RSA key: %v", err)
		}
		pub = &priv.PublicKey
		out.sign = priv
	} else if signs {
		return jwtConfigError(field+".PrivateKey", "required on the first key, which signs new tokens")
	}
	if k.PublicKey != nil {
		p, ok := k.PublicKey.(*rsa.PublicKey)
		if !ok || p.N == nil {
			return jwtConfigError(field+".PublicKey", "want an *rsa.PublicKey for RS256 (got %T)", k.PublicKey)
		}
		if pub != nil && !pub.Equal(p) {
			return jwtConfigError(field+".PublicKey", "is not the public half of PrivateKey")
		}
		pub = p
	}
	if bits := pub.N.BitLen(); bits < 2048 {
		return jwtConfigError(field, "RSA keys need at least 2048 bits (got %d)", bits)
	}
	out.verify = pub
	return nil
}

// jwtKeyID accepts 1 to 64 characters of the URL-safe set.
func jwtKeyID(s string) bool {
	if s == "" || len(s) > maxJWTKeyIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '~' || c == '-') {
			return false
		}
	}
	return true
}

func newJWTCookie(rc JWTRefreshCookie) (*jwtCookie, error) {
	if rc.CSRFCheck == nil {
		return nil, jwtConfigError("RefreshCookie.CSRFCheck", "required: the browser sends the cookie on forged cross-site "+
			"requests too, so the token endpoints must check CSRF (pass the csrfx middleware's Check method)")
	}
	ck := &jwtCookie{csrf: rc.CSRFCheck, name: orDefault(rc.Name, "refresh_token"), path: orDefault(rc.Path, "/"), domain: rc.Domain, secure: rc.Secure}
	if !jwtCookieToken(ck.name) {
		return nil, jwtConfigError("RefreshCookie.Name", "want a cookie name (letters, digits and !#$%%&'*+-.^_`|~) (got %q)", rc.Name)
	}
	if !strings.HasPrefix(ck.path, "/") || strings.ContainsFunc(ck.path, func(r rune) bool { return r <= ' ' || r == ';' || r == 0x7f }) {
		return nil, jwtConfigError("RefreshCookie.Path", `must start with "/" and contain no ";", spaces or control characters (got %q)`, rc.Path)
	}
	if ck.domain != "" && !jwtCookieToken(strings.ReplaceAll(ck.domain, ".", "-")) {
		return nil, jwtConfigError("RefreshCookie.Domain", "not a domain (got %q)", rc.Domain)
	}
	switch strings.ToLower(rc.SameSite) {
	case "", "strict":
		ck.sameSite = http.SameSiteStrictMode
	case "lax":
		ck.sameSite = http.SameSiteLaxMode
	case "none":
		if rc.Secure == nil || !*rc.Secure {
			return nil, jwtConfigError("RefreshCookie.SameSite", `"None" needs Secure set to true (browsers drop such cookies otherwise)`)
		}
		ck.sameSite = http.SameSiteNoneMode
	default:
		return nil, jwtConfigError("RefreshCookie.SameSite", `must be "Strict", "Lax" or "None" (got %q)`, rc.SameSite)
	}
	return ck, nil
}

// jwtCookieToken accepts an RFC 7230 token, what a cookie name must be.
func jwtCookieToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
