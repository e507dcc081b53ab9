package authx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"sync"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/gin-gonic/gin"
)

// The authentication middleware: Django's AuthenticationMiddleware, which gives every
// request a lazy request.user, and the session checks of Django's get_user().

// ServiceAuth is the ginmw.Env service the "auth" and "login_required" settings entries
// take their *Auth from.
const ServiceAuth = "auth"

func init() {
	ginmw.Register("auth", authFactory)
	ginmw.Register("login_required", loginRequiredFactory)
}

// authFactory builds the settings entry "auth" (Django:
// django.contrib.auth.middleware.AuthenticationMiddleware). It takes no options; the
// application builds its Auth with NewAuth and passes it as the "auth" service.
//
//	middleware:
//	  - sessions
//	  - csrf
//	  - auth
func authFactory(fc *ginmw.FactoryContext) (any, error) {
	var none struct{}
	if err := fc.Decode(&none); err != nil {
		return nil, fmt.Errorf("authx: auth takes no options (configure the *authx.Auth given as service %q): %w", ServiceAuth, err)
	}
	if err := fc.Require("sessions"); err != nil {
		return nil, fmt.Errorf("authx: %w", err)
	}
	return authService(fc)
}

func authService(fc *ginmw.FactoryContext) (*Auth, error) {
	v, err := fc.Env.Service(ServiceAuth)
	if err != nil {
		return nil, fmt.Errorf("authx: %w (an *authx.Auth built with NewAuth)", err)
	}
	a, ok := v.(*Auth)
	if !ok {
		return nil, fmt.Errorf("authx: service %q must be an *authx.Auth (got %T)", ServiceAuth, v)
	}
	return a, nil
}

// Name names the middleware "auth" in traces.
func (a *Auth) Name() string { return "auth" }

// ProcessRequest makes a the authentication middleware: it installs the lazy loader of the
// request's user (CurrentUser). Nothing is read until the user is asked for; then the
// RequestAuthenticators are tried, then the session, once per request. "sessions" must run
// before it. Django: AuthenticationMiddleware.
//
//	router.Use(ginmw.Chain(sessions, csrf, auth))
func (a *Auth) ProcessRequest(c *gin.Context) {
	SetUserLoader(c, a.loader)
}

// Handler returns the authentication middleware as a plain gin handler, for applications
// that do not use ginmw.Chain (the sessions middleware must still run before it).
func (a *Auth) Handler() gin.HandlerFunc {
	return func(c *gin.Context) { SetUserLoader(c, a.loader) }
}

func (a *Auth) loadUser(c *gin.Context) (*User, string, error) {
	for _, ra := range *a.requestAuths.Load() {
		u, ok, err := ra.AuthenticateRequest(c)
		if err != nil {
			// A credential was presented and did not hold: the request is anonymous, and
			// the session is not consulted (no silent fall back to a weaker method).
			return nil, "", err
		}
		if ok {
			if u == nil {
				return nil, "", fmt.Errorf("authx: %T accepted a credential without a user", ra)
			}
			return u, requestAuthName(ra), nil
		}
	}
	return a.sessionUser(c)
}

func requestAuthName(ra RequestAuthenticator) string {
	if n, ok := ra.(interface{ Name() string }); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", ra)
}

// sessionUser is Django's get_user(): the user the session names, if its session-auth hash
// (and auth version) still match; a session that no longer matches is flushed.
func (a *Auth) sessionUser(c *gin.Context) (*User, string, error) {
	s, err := session.Lookup(c)
	if err != nil {
		return nil, "", ErrNoSessionMiddleware
	}
	idText := s.GetString(SessionKeyUserID)
	if idText == "" {
		if err := s.Err(); err != nil {
			return nil, "", fmt.Errorf("authx: the session cannot be read: %w", err)
		}
		return nil, "", nil
	}
	ctx := c.Request.Context()
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		// Only this code writes the key; a value it cannot read means a tampered or
		// foreign session, which must not survive.
		a.log.WarnContext(ctx, "authx: the session holds an unreadable user id; flushing it")
		return nil, "", a.flushStale(s)
	}
	b := a.backend(s.GetString(SessionKeyBackend))
	if b == nil {
		// Django: a backend no longer in AUTHENTICATION_BACKENDS gives AnonymousUser.
		return nil, "", nil
	}
	u, err := b.GetUser(ctx, id)
	if err != nil {
		return nil, "", fmt.Errorf("authx: loading the session's user: %w", err)
	}
	if u == nil {
		return nil, "", nil
	}
	if !a.verifySessionHash(s, u) {
		return nil, "", a.flushStale(s)
	}
	if a.versions != nil {
		current, err := a.versions.AuthVersion(ctx, u.ID)
		if err != nil {
			return nil, "", fmt.Errorf("authx: reading the auth version: %w", err)
		}
		if !versionMatches(s.GetString(SessionKeyAuthVersion), current) {
			return nil, "", a.flushStale(s)
		}
	}
	return u, b.Name(), nil
}

// verifySessionHash compares the stored hash with u's, in constant time. A hash made with
// a fallback secret is accepted once and replaced by the current one under a new session key
// (Django's SECRET_KEY_FALLBACKS rotation).
func (a *Auth) verifySessionHash(s *session.Session, u *User) bool {
	stored := s.GetString(SessionKeyHash)
	if stored == "" {
		return false
	}
	var want [authHashHexLen]byte
	a.secret.hexSum(u.Password, &want)
	if equalHex(stored, &want) {
		return true
	}
	for _, f := range a.fallbacks {
		var old [authHashHexLen]byte
		f.hexSum(u.Password, &old)
		if equalHex(stored, &old) {
			if err := s.Regenerate(); err != nil {
				return false
			}
			s.Set(SessionKeyHash, string(want[:]))
			return true
		}
	}
	return false
}

// versionMatches reports whether the version stored at login is the current one. A session
// from before versions were configured has none, which counts as 0: it stays valid until
// the user's version is first bumped.
func versionMatches(stored string, current int64) bool {
	if stored == "" {
		return current == 0
	}
	v, err := strconv.ParseInt(stored, 10, 64)
	return err == nil && v == current
}

// flushStale ends a session whose login no longer holds (Django: request.session.flush()
// in get_user); the request continues anonymous.
func (a *Auth) flushStale(s *session.Session) error {
	if err := s.Flush(); err != nil {
		return fmt.Errorf("authx: flushing a stale login: %w", err)
	}
	return nil
}

// authHashHexLen is the length of a session-auth hash in hex: HMAC-SHA256.
const authHashHexLen = 2 * sha256.Size

// authHasher computes Django's session-auth hash with the key derived once: SessionAuthHash
// derives it on every call. HMAC states are pooled, so a request allocates nothing here.
type authHasher struct {
	pool sync.Pool
}

type authHashState struct {
	mac hash.Hash
	buf []byte
}

func newAuthHasher(secret string) *authHasher {
	// Django's salted_hmac: key = SHA-256(key_salt + secret).
	key := sha256.Sum256([]byte(sessionAuthHashSalt + secret))
	h := &authHasher{}
	h.pool.New = func() any {
		return &authHashState{mac: hmac.New(sha256.New, key[:]), buf: make([]byte, 0, 128)}
	}
	return h
}

// hexSum writes the hex session-auth hash of the encoded password into out.
func (h *authHasher) hexSum(encodedPassword string, out *[authHashHexLen]byte) {
	st := h.pool.Get().(*authHashState)
	st.mac.Reset()
	st.buf = append(st.buf[:0], encodedPassword...)
	st.mac.Write(st.buf)
	var sum [sha256.Size]byte
	st.buf = st.mac.Sum(st.buf[:0])
	copy(sum[:], st.buf)
	h.pool.Put(st)
	hex.Encode(out[:], sum[:])
}

// equalHex compares a stored hash with the expected one in constant time (the length is not
// secret).
func equalHex(stored string, want *[authHashHexLen]byte) bool {
	if len(stored) != authHashHexLen {
		return false
	}
	var v byte
	for i := range authHashHexLen {
		v |= stored[i] ^ want[i]
	}
	return v == 0
}
