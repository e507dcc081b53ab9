package authx

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtClaimsOf decodes a token's claims without verifying it, as an attacker reads them.
func jwtClaimsOf(t testing.TB, token string) (map[string]any, jwt.MapClaims) {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Header, tok.Claims.(jwt.MapClaims)
}

// jwtForge signs claims with method and key under the given header fields.
func jwtForge(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if k != "alg" {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// jwtReplacePayload rewrites a token's payload and keeps its header and signature.
func jwtReplacePayload(t testing.TB, token string, edit func(jwt.MapClaims)) string {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	edit(claims)
	raw, _ = json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// TestJWTRefusesForgedAndInvalidTokens is the issue's list of attacks, each against the
// key the JWT actually uses (the derived HS256 key).
func TestJWTRefusesForgedAndInvalidTokens(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	header, claims := jwtClaimsOf(t, pair.Access)
	key := jwtDerivedKey(jwtTestSecret)
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range claims {
			c[k] = v
		}
		edit(c)
		return c
	}
	hs := func(c jwt.MapClaims) string { return jwtForge(t, jwt.SigningMethodHS256, key.Secret, header, c) }
	now := fx.clock.Now()

	// The forging helper makes valid tokens when nothing is changed.
	fx.mustAccept(t, hs(claims), fx.alice)

	cases := []struct {
		name, token, reason string
	}{
		{"alg none", jwtForge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, header, claims), "bad signature or algorithm"},
		{"alg none with the signature kept", func() string {
			parts := strings.Split(pair.Access, ".")
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"` + key.ID + `","typ":"JWT"}`))
			return h + "." + parts[1] + "." + parts[2]
		}(), "bad signature or algorithm"},
		{"HS512 with the right key", jwtForge(t, jwt.SigningMethodHS512, key.Secret, header, claims), "bad signature or algorithm"},
		{"no alg", func() string {
			parts := strings.Split(pair.Access, ".")
			return base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"`+key.ID+`"}`)) + "." + parts[1] + "." + parts[2]
		}(), "unverifiable"},
		{"wrong key", jwtForge(t, jwt.SigningMethodHS256, jwtTestHMACKey(7), header, claims), "bad signature"},
		{"unknown kid", jwtForge(t, jwt.SigningMethodHS256, key.Secret, map[string]any{"kid": "other"}, claims), "unknown kid"},
		{"no kid", jwtForge(t, jwt.SigningMethodHS256, key.Secret, map[string]any{"typ": "JWT"}, claims), "no kid"},
		{"numeric kid", jwtForge(t, jwt.SigningMethodHS256, key.Secret, map[string]any{"kid": 1}, claims), "no kid"},
		{"crit header", jwtForge(t, jwt.SigningMethodHS256, key.Secret, map[string]any{"kid": key.ID, "crit": []string{"exp"}}, claims), "crit"},
		{"expired", hs(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Second).Unix() })), "expired"},
		{"no exp", hs(with(func(c jwt.MapClaims) { delete(c, "exp") })), "required claim missing"},
		{"not yet valid (nbf)", hs(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() })), "not valid yet"},
		{"issued in the future", hs(with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() })), "not valid yet"},
		{"no iat", hs(with(func(c jwt.MapClaims) { delete(c, "iat") })), "iat missing"},
		{"wrong issuer", hs(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "wrong issuer"},
		{"no issuer", hs(with(func(c jwt.MapClaims) { delete(c, "iss") })), "required claim missing"},
		{"wrong audience", hs(with(func(c jwt.MapClaims) { c["aud"] = []string{"other-api"} })), "wrong audience"},
		{"no audience", hs(with(func(c jwt.MapClaims) { delete(c, "aud") })), "required claim missing"},
		{"refresh type as access", hs(with(func(c jwt.MapClaims) { c["typ"] = "refresh" })), "wrong token type"},
		{"unknown type", hs(with(func(c jwt.MapClaims) { c["typ"] = "id" })), "wrong token type"},
		{"sub not an id", hs(with(func(c jwt.MapClaims) { c["sub"] = "alice" })), "sub"},
		{"sub with a leading zero", hs(with(func(c jwt.MapClaims) { c["sub"] = "01" })), "sub"},
		{"sub of nobody", hs(with(func(c jwt.MapClaims) { c["sub"] = "999" })), "no longer exists"},
		{"sah of another user", hs(with(func(c jwt.MapClaims) { c["sub"] = "2" })), "password changed"},
		{"no fam", hs(with(func(c jwt.MapClaims) { delete(c, "fam") })), "fam"},
		{"malformed jti", hs(with(func(c jwt.MapClaims) { c["jti"] = "x" })), "jti"},
		{"other auth version", hs(with(func(c jwt.MapClaims) { c["ver"] = 3 })), "auth version"},
		{"no auth version", hs(with(func(c jwt.MapClaims) { delete(c, "ver") })), "auth version"},
		{"tampered payload", jwtReplacePayload(t, pair.Access, func(c jwt.MapClaims) { c["sub"] = "2" }), "bad signature"},
		{"tampered expiry", jwtReplacePayload(t, pair.Access, func(c jwt.MapClaims) { c["exp"] = now.Add(time.Hour).Unix() }), "bad signature"},
		{"tampered signature", func() string {
			parts := strings.Split(pair.Access, ".")
			swap := "A" // another base64 letter in the first place: another signature
			if parts[2][0] == 'A' {
				swap = "B"
			}
			return parts[0] + "." + parts[1] + "." + swap + parts[2][1:]
		}(), "bad signature"},
		{"signature with padding", pair.Access + "=", "malformed"},
		{"signature truncated", pair.Access[:len(pair.Access)-2], "malformed"},
		{"four segments", pair.Access + ".x", "malformed"},
		{"empty", "", "empty"},
		{"huge", strings.Repeat("a", maxJWTTokenLen+1), "longer than"},
		{"garbage", "not-a-token", "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { fx.mustReject(t, tc.token, tc.reason) })
	}
	// None of the attempts spoiled the genuine token.
	fx.mustAccept(t, pair.Access, fx.alice)
}

// TestJWTRefusesNonCanonicalSignature: strict base64 decoding, so the last character of a
// signature cannot be swapped for one that decodes to the same bytes.
func TestJWTRefusesNonCanonicalSignature(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	parts := strings.Split(pair.Access, ".")
	sig := parts[2] // 32 bytes: 43 characters, the last carrying 2 unused bits
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	twin := sig[:len(sig)-1] + string(alphabet[last^1])
	if b1, _ := base64.RawURLEncoding.DecodeString(sig); string(b1) != func() string {
		b2, _ := base64.RawURLEncoding.DecodeString(twin)
		return string(b2)
	}() {
		t.Fatal("test setup: the twin should decode to the same bytes under lenient decoding")
	}
	fx.mustReject(t, parts[0]+"."+parts[1]+"."+twin, "malformed")
}

// TestJWTKeyConfusion: with RS256 configured, a token "signed" with HS256 using the RSA
// public key (PEM or DER, which an attacker can get) as the HMAC secret is refused; and
// with HS256 configured, an RS256 token is refused.
func TestJWTKeyConfusion(t *testing.T) {
	priv := jwtTestRSA(t)
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.Algorithm, c.Keys = JWTRS256, []JWTKey{{ID: "rsa", PrivateKey: priv}}
	})
	pair := fx.issue(t, fx.alice)
	header, claims := jwtClaimsOf(t, pair.Access)
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	for name, secret := range map[string][]byte{"PEM": pemKey, "DER": der, "PKCS1": x509.MarshalPKCS1PublicKey(&priv.PublicKey)} {
		t.Run("HS256 with the RSA public key as "+name, func(t *testing.T) {
			fx.mustReject(t, jwtForge(t, jwt.SigningMethodHS256, secret, header, claims), "bad signature or algorithm")
		})
	}
	fx.mustAccept(t, pair.Access, fx.alice)

	hs := newJWTFixture(t, nil)
	hsHeader, hsClaims := jwtClaimsOf(t, hs.issue(t, hs.alice).Access)
	hs.mustReject(t, jwtForge(t, jwt.SigningMethodRS256, priv, hsHeader, hsClaims), "bad signature or algorithm")
	hs.mustReject(t, jwtForge(t, jwt.SigningMethodEdDSA, jwtTestEd25519(t), hsHeader, hsClaims), "bad signature or algorithm")
}

func TestJWTExpiryAndLeeway(t *testing.T) {
	fx := newJWTFixture(t, func(c *JWTConfig) { c.Leeway = 30 * time.Second })
	pair := fx.issue(t, fx.alice)
	fx.clock.Advance(DefaultJWTAccessTTL + 20*time.Second)
	fx.mustAccept(t, pair.Access, fx.alice) // within the leeway
	fx.clock.Advance(20 * time.Second)
	fx.mustReject(t, pair.Access, "expired")
	// The refresh token outlives the access token, then expires too.
	if _, err := fx.j.Refresh(context.Background(), pair.Refresh); err != nil {
		t.Fatalf("refresh after the access token expired: %v", err)
	}
	late := fx.issue(t, fx.alice)
	fx.clock.Advance(DefaultJWTRefreshTTL + time.Minute)
	if _, err := fx.j.Refresh(context.Background(), late.Refresh); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("expired refresh token: %v", err)
	}
}

func TestJWTTokenAfterPasswordChange(t *testing.T) {
	fx := newJWTFixture(t, nil)
	ctx := context.Background()
	pair := fx.issue(t, fx.alice)
	other := fx.issue(t, fx.bob)
	u := fx.alice.Clone()
	if err := u.SetPassword(fx.hashers, "a new password"); err != nil {
		t.Fatal(err)
	}
	if err := fx.store.SetPasswordHash(ctx, u.ID, u.Password); err != nil {
		t.Fatal(err)
	}
	fx.mustReject(t, pair.Access, "password changed")
	if _, err := fx.j.Refresh(ctx, pair.Refresh); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("refresh after a password change: %v", err)
	}
	fx.mustAccept(t, other.Access, fx.bob)
	// A login after the change works.
	fx.mustAccept(t, fx.issue(t, u).Access, fx.alice)
}

func TestJWTTokenAfterLogOutEverywhere(t *testing.T) {
	fx := newJWTFixture(t, nil)
	ctx := context.Background()
	first, second := fx.issue(t, fx.alice), fx.issue(t, fx.alice)
	other := fx.issue(t, fx.bob)
	if _, err := fx.versions.BumpAuthVersion(ctx, fx.alice.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []TokenPair{first, second} {
		fx.mustReject(t, p.Access, "auth version")
		if _, err := fx.j.Refresh(ctx, p.Refresh); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("refresh after log out everywhere: %v", err)
		}
	}
	fx.mustAccept(t, other.Access, fx.bob)
	fx.mustAccept(t, fx.issue(t, fx.alice).Access, fx.alice)
}

func TestJWTWithoutAuthVersionStore(t *testing.T) {
	fx := newJWTFixture(t, func(c *JWTConfig) { c.AuthVersions = nil })
	pair := fx.issue(t, fx.alice)
	if _, claims := jwtClaimsOf(t, pair.Access); claims["ver"] != nil {
		t.Fatalf("ver claim without an AuthVersionStore: %v", claims["ver"])
	}
	fx.mustAccept(t, pair.Access, fx.alice)
}

func TestJWTDeletedAndDeactivatedUsers(t *testing.T) {
	fx := newJWTFixture(t, nil)
	ctx := context.Background()
	a, b := fx.issue(t, fx.alice), fx.issue(t, fx.bob)
	u := fx.alice.Clone()
	u.IsActive = false
	if err := fx.store.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	fx.mustReject(t, a.Access, "inactive")
	if err := fx.store.DeleteUser(ctx, fx.bob.ID); err != nil {
		t.Fatal(err)
	}
	fx.mustReject(t, b.Access, "no longer exists")
}

func TestJWTStoreFailuresAreNotInvalidTokens(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	outage := errors.New("database down")
	fx.versions.fail = outage
	_, err := fx.j.AuthenticateToken(context.Background(), pair.Access)
	if !errors.Is(err, outage) || errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("store outage: %v; want the store's error, not ErrTokenInvalid", err)
	}
}

func TestJWTRefreshRotatesAndDetectsReuse(t *testing.T) {
	fx := newJWTFixture(t, nil)
	ctx := context.Background()
	first := fx.issue(t, fx.alice)
	bystander := fx.issue(t, fx.alice) // another login of the same user

	second, err := fx.j.Refresh(ctx, first.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if second.Refresh == first.Refresh || second.Access == first.Access {
		t.Fatal("refresh returned the same tokens")
	}
	_, c1 := jwtClaimsOf(t, first.Refresh)
	_, c2 := jwtClaimsOf(t, second.Refresh)
	if c1["fam"] != c2["fam"] || c1["jti"] == c2["jti"] || c1["auth_time"] != c2["auth_time"] {
		t.Fatalf("rotation must keep fam and auth_time and change jti: %v → %v", c1, c2)
	}
	fx.mustAccept(t, second.Access, fx.alice)
	fx.mustAccept(t, first.Access, fx.alice) // still unexpired, and its family is intact

	// The first refresh token again: somebody holds a copy. The family dies.
	_, err = fx.j.Refresh(ctx, first.Refresh)
	if !errors.Is(err, ErrRefreshTokenReused) || !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("reuse: %v; want ErrRefreshTokenReused and ErrTokenInvalid", err)
	}
	fx.mustReject(t, first.Access, "family revoked")
	fx.mustReject(t, second.Access, "family revoked")
	if _, err := fx.j.Refresh(ctx, second.Refresh); !errors.Is(err, ErrTokenFamilyRevoked) {
		t.Fatalf("refresh in a revoked family: %v", err)
	}
	// The other login is another family.
	fx.mustAccept(t, bystander.Access, fx.alice)
	if _, err := fx.j.Refresh(ctx, bystander.Refresh); err != nil {
		t.Fatalf("another family was revoked too: %v", err)
	}
}

func TestJWTTokenTypesDoNotMix(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	fx.mustReject(t, pair.Refresh, "wrong token type")
	if _, err := fx.j.Refresh(context.Background(), pair.Access); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("an access token refreshed: %v", err)
	}
}

func TestJWTRefreshMaxAge(t *testing.T) {
	fx := newJWTFixture(t, func(c *JWTConfig) { c.RefreshTTL, c.RefreshMaxAge = 24*time.Hour, 36*time.Hour })
	ctx := context.Background()
	pair := fx.issue(t, fx.alice)
	login := fx.clock.Now()
	fx.clock.Advance(20 * time.Hour)
	pair, err := fx.j.Refresh(ctx, pair.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if want := login.Add(36 * time.Hour); !pair.RefreshExpiresAt.Equal(want) {
		t.Fatalf("refresh token expires %v, want the family's end %v", pair.RefreshExpiresAt, want)
	}
	fx.clock.Advance(17 * time.Hour)
	if _, err := fx.j.Refresh(ctx, pair.Refresh); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("refresh past RefreshMaxAge: %v", err)
	}
}

func TestJWTRevokeEndsTheFamily(t *testing.T) {
	fx := newJWTFixture(t, nil)
	ctx := context.Background()
	pair, kept := fx.issue(t, fx.alice), fx.issue(t, fx.alice)
	if err := fx.j.Revoke(ctx, pair.Refresh); err != nil {
		t.Fatal(err)
	}
	fx.mustReject(t, pair.Access, "family revoked")
	if _, err := fx.j.Refresh(ctx, pair.Refresh); !errors.Is(err, ErrTokenFamilyRevoked) {
		t.Fatalf("refresh after logout: %v", err)
	}
	if err := fx.j.Revoke(ctx, pair.Refresh); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	fx.mustAccept(t, kept.Access, fx.alice)
	// An access token revokes its family as well.
	if err := fx.j.Revoke(ctx, kept.Access); err != nil {
		t.Fatal(err)
	}
	fx.mustReject(t, kept.Access, "family revoked")
	if err := fx.j.Revoke(ctx, "forged.token.value"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("revoke with a forged token: %v", err)
	}
}

func TestJWTConcurrentRefreshSpendsOnce(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	const n = 16
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := fx.j.Refresh(context.Background(), pair.Refresh)
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if err := <-errs; err == nil {
			ok++
		} else if !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d concurrent refreshes with one token succeeded, want 1", ok)
	}
}
