package authx

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token types, in the "typ" claim: an access token is never accepted where a refresh token
// is expected, nor the other way round.
const (
	jwtTypeAccess  = "access"
	jwtTypeRefresh = "refresh"
)

// maxJWTTokenLen bounds a token before any decoding: an RS256 refresh token is about 700
// bytes, and nothing larger than this is worth parsing.
const maxJWTTokenLen = 4096

// jwtIDLen is the length of a jti or fam: 16 random bytes in unpadded base64url.
const jwtIDLen = 22

// TokenPair is what the obtain and refresh endpoints hand out.
type TokenPair struct {
	// Access is the access token, sent as "Authorization: Bearer <Access>".
	Access string
	// Refresh is the refresh token, good for one refresh.
	Refresh string
	// AccessExpiresAt and RefreshExpiresAt are the tokens' "exp".
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
}

// jwtClaims are the claims of both token types.
type jwtClaims struct {
	jwt.RegisteredClaims
	// Type is "access" or "refresh".
	Type string `json:"typ"`
	// Family groups a login's tokens: a logout or a reused refresh token revokes it.
	Family string `json:"fam"`
	// AuthHash is the user's password-hash digest when the token was issued
	// (jwtAuthHasher): a password change revokes the token.
	AuthHash string `json:"sah"`
	// AuthVersion is the user's auth version when the token was issued (with an
	// AuthVersionStore only).
	AuthVersion *int64 `json:"ver,omitempty"`
	// AuthTime is when the user logged in (refresh tokens only): the family ends
	// RefreshMaxAge after it.
	AuthTime *jwt.NumericDate `json:"auth_time,omitempty"`
}

// jwtReject is a rejected token: it matches ErrTokenInvalid and says why, for the log
// only. level is how loud the reason is: an expired token is routine, a forged one is not.
type jwtReject struct {
	reason string
	level  slog.Level
	err    error // a more specific sentinel (ErrRefreshTokenReused, ...), or nil
}

func (e *jwtReject) Error() string { return ErrTokenInvalid.Error() + ": " + e.reason }

func (e *jwtReject) Unwrap() []error {
	if e.err != nil {
		return []error{ErrTokenInvalid, e.err}
	}
	return []error{ErrTokenInvalid}
}

func jwtRejected(reason string) error { return &jwtReject{reason: reason, level: slog.LevelInfo} }

// Reasons the key function gives; errors.Is finds them through golang-jwt's wrapping.
var (
	errJWTNoKeyID      = errors.New("no kid header")
	errJWTUnknownKeyID = errors.New("unknown kid")
	errJWTRetiredKey   = errors.New("signing key retired")
	errJWTCritical     = errors.New("crit header present")
	errJWTAlgorithm    = errors.New("unexpected alg")
)

// IssuePair starts a new token family for u (a login) and returns its first access and
// refresh tokens. The obtain endpoint calls it after Authenticate; call it yourself to hand
// tokens to a user authenticated another way. Inactive users get none.
func (j *JWT) IssuePair(ctx context.Context, u *User) (TokenPair, error) {
	if u == nil || u.ID <= 0 {
		return TokenPair{}, errors.New("authx: IssuePair: no stored user")
	}
	if !u.IsActive {
		return TokenPair{}, fmt.Errorf("authx: IssuePair: user %d is inactive", u.ID)
	}
	now := j.now()
	return j.issue(ctx, u, jwtRandomID(), now, now)
}

// issue signs an access and a refresh token of family fam for u.
func (j *JWT) issue(ctx context.Context, u *User, fam string, authTime, now time.Time) (TokenPair, error) {
	var hash [jwtAuthHashLen]byte
	j.authHashers[0].sum(u.Password, &hash)
	var version *int64
	if j.authVersions != nil {
		v, err := j.authVersions.AuthVersion(ctx, u.ID)
		if err != nil {
			return TokenPair{}, fmt.Errorf("authx: jwt: auth version of user %d: %w", u.ID, err)
		}
		version = &v
	}
	refreshExp := now.Add(j.refreshTTL)
	if end := authTime.Add(j.maxAge); end.Before(refreshExp) {
		refreshExp = end
	}
	base := jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:   j.issuer,
			Subject:  strconv.FormatInt(u.ID, 10),
			Audience: j.audience,
			IssuedAt: jwt.NewNumericDate(now),
		},
		Family:      fam,
		AuthHash:    string(hash[:]),
		AuthVersion: version,
	}
	access := base
	access.Type = jwtTypeAccess
	access.ID = jwtRandomID()
	access.ExpiresAt = jwt.NewNumericDate(now.Add(j.accessTTL))
	if access.ExpiresAt.After(refreshExp) {
		access.ExpiresAt = jwt.NewNumericDate(refreshExp)
	}
	refresh := base
	refresh.Type = jwtTypeRefresh
	refresh.ID = jwtRandomID()
	refresh.ExpiresAt = jwt.NewNumericDate(refreshExp)
	refresh.AuthTime = jwt.NewNumericDate(authTime)

	var (
		pair TokenPair
		err  error
	)
	if pair.Access, err = j.sign(&access); err != nil {
		return TokenPair{}, err
	}
	if pair.Refresh, err = j.sign(&refresh); err != nil {
		return TokenPair{}, err
	}
	pair.AccessExpiresAt, pair.RefreshExpiresAt = access.ExpiresAt.Time, refresh.ExpiresAt.Time
	return pair, nil
}

func (j *JWT) sign(claims *jwtClaims) (string, error) {
	t := jwt.NewWithClaims(j.method, claims)
	t.Header["kid"] = j.signer.id
	s, err := t.SignedString(j.signer.sign)
	if err != nil {
		return "", fmt.Errorf("authx: jwt: sign: %w", err)
	}
	return s, nil
}

// jwtRandomID returns 128 random bits in unpadded base64url (22 characters).
func jwtRandomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand crashes the program instead)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// keyFunc picks the verification key by the token's kid. The parser has already checked
// that alg is the configured one; the key is typed for that algorithm, so an RSA public key
// can never be used as an HMAC secret.
func (j *JWT) keyFunc(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		// RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
		return nil, errJWTCritical
	}
	if t.Method.Alg() != j.method.Alg() {
		return nil, errJWTAlgorithm
	}
	kid, ok := t.Header["kid"].(string)
	if !ok {
		return nil, errJWTNoKeyID
	}
	k := j.keys[kid]
	if k == nil {
		return nil, errJWTUnknownKeyID
	}
	if !k.retireAt.IsZero() && !j.now().Before(k.retireAt) {
		return nil, errJWTRetiredKey
	}
	return k.verify, nil
}

// parse verifies a token's signature and claims and that it is of type typ ("" accepts
// both types). It does no I/O.
func (j *JWT) parse(token, typ string) (*jwtClaims, int64, error) {
	if token == "" || len(token) > maxJWTTokenLen {
		return nil, 0, jwtRejected("empty or longer than 4096 bytes")
	}
	claims := &jwtClaims{}
	if _, err := j.parser.ParseWithClaims(token, claims, j.keyFunc); err != nil {
		return nil, 0, jwtParseError(err)
	}
	if (typ != "" && claims.Type != typ) || (claims.Type != jwtTypeAccess && claims.Type != jwtTypeRefresh) {
		return nil, 0, jwtRejected(fmt.Sprintf("wrong token type %q", claims.Type))
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != claims.Subject {
		return nil, 0, jwtRejected("sub is not a user id")
	}
	if !jwtValidID(claims.ID) || !jwtValidID(claims.Family) || len(claims.AuthHash) != jwtAuthHashLen {
		return nil, 0, jwtRejected("jti, fam or sah missing or malformed")
	}
	if claims.IssuedAt == nil {
		return nil, 0, jwtRejected("iat missing")
	}
	if claims.Type == jwtTypeRefresh && claims.AuthTime == nil {
		return nil, 0, jwtRejected("auth_time missing")
	}
	return claims, id, nil
}

// jwtParseError names golang-jwt's reason in words of our own: its messages may quote
// pieces of the decoded token, which must not reach the logs.
func jwtParseError(err error) error {
	reason, level := "malformed", slog.LevelInfo
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		reason, level = "expired", slog.LevelDebug
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		reason = "not valid yet (nbf or iat in the future)"
	case errors.Is(err, errJWTNoKeyID):
		reason = "no kid header"
	case errors.Is(err, errJWTUnknownKeyID):
		reason = "unknown kid"
	case errors.Is(err, errJWTRetiredKey):
		reason = "signed by a retired key"
	case errors.Is(err, errJWTCritical):
		reason = "crit header present"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		reason = "bad signature or algorithm"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		reason = "unverifiable (alg missing or unknown)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		reason = "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		reason = "wrong audience"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		reason = "required claim missing"
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		reason = "invalid claims"
	}
	return &jwtReject{reason: reason, level: level}
}

// jwtValidID reports whether s looks like a jwtRandomID, before it is used as a store key.
func jwtValidID(s string) bool {
	if len(s) != jwtIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// verify parses a token and checks it against its user as stored now: the user exists and
// is active, and the session-auth hash and auth version have not changed since the token
// was issued. Errors wrap ErrTokenInvalid, except store failures.
func (j *JWT) verify(ctx context.Context, token, typ string) (*User, *jwtClaims, error) {
	claims, id, err := j.parse(token, typ)
	if err != nil {
		return nil, nil, err
	}
	u, err := j.users.GetUser(ctx, id)
	if errors.Is(err, ErrUserNotFound) {
		return nil, nil, jwtRejected("user no longer exists")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authx: jwt: load user %d: %w", id, err)
	}
	if !u.IsActive {
		return nil, nil, jwtRejected("user is inactive")
	}
	if !j.authHashMatches(u, claims.AuthHash) {
		return nil, nil, jwtRejected("password changed since the token was issued")
	}
	if j.authVersions != nil {
		v, err := j.authVersions.AuthVersion(ctx, id)
		if err != nil {
			return nil, nil, fmt.Errorf("authx: jwt: auth version of user %d: %w", id, err)
		}
		if claims.AuthVersion == nil || *claims.AuthVersion != v {
			return nil, nil, jwtRejected("auth version changed (logged out everywhere)")
		}
	}
	return u, claims, nil
}

// authHashMatches compares in constant time with the claim under the secret key and each
// fallback, as Django's get_user does with SECRET_KEY_FALLBACKS.
func (j *JWT) authHashMatches(u *User, got string) bool {
	var want [jwtAuthHashLen]byte
	for _, h := range j.authHashers {
		h.sum(u.Password, &want)
		if subtle.ConstantTimeCompare(want[:], []byte(got)) == 1 {
			return true
		}
	}
	return false
}

// AuthenticateToken verifies an access token and returns its user. It is what the
// middleware does for a bearer token: signature, algorithm, kid, expiry, issuer, audience
// and type; then the user (exists, active, same password, same auth version); then the
// token's family (not revoked by a logout or a reused refresh token). A rejected token's
// error wraps ErrTokenInvalid; other errors are store failures.
func (j *JWT) AuthenticateToken(ctx context.Context, access string) (*User, error) {
	u, claims, err := j.verify(ctx, access, jwtTypeAccess)
	if err != nil {
		return nil, err
	}
	revoked, err := j.revocations.FamilyRevoked(ctx, claims.Family)
	if err != nil {
		return nil, fmt.Errorf("authx: jwt: revocation store: %w", err)
	}
	if revoked {
		return nil, &jwtReject{reason: "family revoked", level: slog.LevelInfo, err: ErrTokenFamilyRevoked}
	}
	return u, nil
}

// Refresh exchanges a refresh token for a new pair in the same family (rotation). The
// presented token is spent: presenting it again revokes the whole family, the tokens of
// whoever refreshed first included, because one of the two holders is a thief. A family
// ends RefreshMaxAge after its login.
func (j *JWT) Refresh(ctx context.Context, refresh string) (TokenPair, error) {
	u, claims, err := j.verify(ctx, refresh, jwtTypeRefresh)
	if err != nil {
		return TokenPair{}, err
	}
	now := j.now()
	authTime := claims.AuthTime.Time
	if !now.Before(authTime.Add(j.maxAge)) {
		return TokenPair{}, jwtRejected("family older than RefreshMaxAge")
	}
	switch err := j.revocations.UseRefresh(ctx, claims.Family, claims.ID, j.revokeTTL); {
	case errors.Is(err, ErrRefreshTokenReused):
		return TokenPair{}, &jwtReject{reason: "refresh token reused: family revoked", level: slog.LevelWarn, err: ErrRefreshTokenReused}
	case errors.Is(err, ErrTokenFamilyRevoked):
		return TokenPair{}, &jwtReject{reason: "family revoked", level: slog.LevelInfo, err: ErrTokenFamilyRevoked}
	case err != nil:
		return TokenPair{}, fmt.Errorf("authx: jwt: revocation store: %w", err)
	}
	return j.issue(ctx, u, claims.Family, authTime, now)
}

// Revoke revokes the family of a refresh or access token: every token of that login stops
// working at once (logout). The token must be authentic and unexpired; its user is not
// consulted, so a logout works even for a user who has since changed password. Revoking a
// family twice is not an error.
func (j *JWT) Revoke(ctx context.Context, token string) error {
	claims, _, err := j.parse(token, "")
	if err != nil {
		return err
	}
	if err := j.revocations.RevokeFamily(ctx, claims.Family, j.revokeTTL); err != nil {
		return fmt.Errorf("authx: jwt: revocation store: %w", err)
	}
	return nil
}
