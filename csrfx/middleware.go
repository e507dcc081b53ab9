package csrfx

import (
	"context"
	"github.com/djin-go/djin/ginmw"
	"log/slog"
	"net/http"
	"slices"
	"sync"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// Middleware is Django's CsrfViewMiddleware for Gin. It is a djin pipeline middleware (it
// has ProcessRequest, ProcessView and ProcessResponse hooks, for ginmw.Chain and the
// settings file) and Handler() turns it into a plain gin.HandlerFunc.
//
// A Middleware is immutable after New and safe for concurrent use.
type Middleware struct {
	cfg    *compiled
	gate   gate
	routes routeCache
	js     script

	exemptLogged sync.Map // "METHOD route" → struct{}: exemptions are logged once
}

// reqSlot keeps csrfx's per-request value in the chain's pooled state (ginmw.Slot): gin's
// c.Set would allocate the Context's key map on every request, and Django's lazy design
// means a page that renders no token costs nothing.
var reqSlot = ginmw.NewSlot()

// getValue returns csrfx's per-request value: the *Middleware handling the request, or a
// *state once a token, a rotation or a cookie replacement is involved.
func getValue(c *gin.Context) (any, bool) {
	if v := reqSlot.Get(c); v != nil {
		return v, true
	}
	return c.Get(ctxKey{}) // outside any chain: a decorator used on its own
}

func setValue(c *gin.Context, v any) {
	if !reqSlot.Set(c, v) {
		c.Set(ctxKey{}, v)
	}
}

// New validates cfg and returns the middleware, or an error naming the bad setting
// (wrapping ErrConfig).
func New(cfg Config) (*Middleware, error) {
	c, err := compile(cfg)
	if err != nil {
		return nil, err
	}
	m := &Middleware{cfg: c}
	m.gate = gate{
		trusted:          c.trusted,
		own:              c.own,
		refererDomain:    c.CookieDomain,
		allowNoHeaders:   c.Mode == OriginOnly,
		lenientFetchSite: c.LenientFetchMetadata,
	}
	m.startupChecks()
	return m, nil
}

// Default returns New(Config{}): both layers, cookie storage, Django's names. It cannot fail.
func Default() *Middleware {
	m, err := New(Config{})
	if err != nil {
		panic(err) // unreachable: the zero Config is valid
	}
	return m
}

// startupChecks logs Django-style system-check findings for settings that are valid but
// risky (security.W016 and friends).
func (m *Middleware) startupChecks() {
	c := m.cfg
	log := c.Logger
	ctx := context.Background()
	release := gin.Mode() == gin.ReleaseMode
	if release && c.secureForce && !c.cookie.secure && c.Storage == StorageCookie {
		log.LogAttrs(ctx, slog.LevelWarn, "csrfx: CookieSecure is off in release mode: the CSRF cookie can be read and planted over plain HTTP (Django security.W016)")
	}
	if release && c.TrustLocalhostInDebug {
		log.LogAttrs(ctx, slog.LevelInfo, "csrfx: TrustLocalhostInDebug is ignored in release mode")
	}
	if c.ReportOnly {
		log.LogAttrs(ctx, slog.LevelWarn, "csrfx: ReportOnly is on: CSRF failures are logged but NOT blocked")
	}
	if c.Mode == TokenOnly {
		log.LogAttrs(ctx, slog.LevelInfo, "csrfx: Mode token_only: Origin and Referer are not checked")
	}
	if c.own != nil {
		log.LogAttrs(ctx, slog.LevelInfo, "csrfx: the site's origins (Host is not used)", slog.Any("origins", c.own.list))
	}
	if len(c.trusted.list) > 0 {
		log.LogAttrs(ctx, slog.LevelInfo, "csrfx: trusted origins", slog.Any("origins", c.trusted.list))
	}
	log.LogAttrs(ctx, slog.LevelDebug, "csrfx: configured",
		slog.String("mode", string(c.Mode)), slog.String("storage", string(c.Storage)),
		slog.String("cookie", c.cookie.name), slog.Bool("secure", c.cookie.secure))
}

// CookieName is the cookie's full name, including the "__Host-" prefix when it applies.
// Scripts that read the cookie must use this name.
func (m *Middleware) CookieName() string { return m.cfg.cookie.name }

// Config returns the configuration with defaults filled in. The slices are copies.
func (m *Middleware) Config() Config {
	c := m.cfg.Config
	c.TrustedOrigins = slices.Clone(c.TrustedOrigins)
	c.Origins = slices.Clone(c.Origins)
	c.HeaderNames = slices.Clone(c.HeaderNames)
	c.SafeMethods = slices.Clone(c.SafeMethods)
	return c
}

// ctxKey is the gin.Context key of csrfx's per-request value when no chain holds it (see
// reqSlot).
type ctxKey struct{}

// state is the per-request state, created lazily (Django's request.META["CSRF_COOKIE"] and
// "CSRF_COOKIE_NEEDS_UPDATE").
type state struct {
	m           *Middleware
	loaded      bool   // the stored secret has been read
	secret      string // the secret for this response ("" until one is needed)
	needsUpdate bool   // the secret must be (re)written in the response
	written     string // the secret last written into this response
	checked     bool   // the checks ran and let the request through (Django's csrf_processing_done)

	// The stored secret as the request brought it, kept once read: the check compares
	// with it even after a rotation earlier in the request changed the session.
	arrived stored
}

// stored is a stored secret as read from the cookie or the session.
type stored struct {
	read  bool
	raw   string
	f     formatError
	found bool
}

// attach records that m handles this request, so Token, Rotate and the decorators find it.
func (m *Middleware) attach(c *gin.Context) {
	if v, ok := getValue(c); ok {
		if _, ok := v.(*state); ok {
			return // the request already has a secret in play: keep it (Django's one request.META)
		}
	}
	setValue(c, m)
}

// attachedState returns the request's state, creating it (and attaching m, when no
// middleware is attached yet) if needed. Used where allocation does not matter: decorated
// routes, so that decorators see what the middleware did.
func (m *Middleware) attachedState(c *gin.Context) *state {
	if v, ok := getValue(c); ok {
		switch v := v.(type) {
		case *state:
			return v
		case *Middleware:
			st := &state{m: v}
			setValue(c, st)
			return st
		}
	}
	st := &state{m: m}
	setValue(c, st)
	return st
}

// attached reports whether a csrfx middleware already handles this request.
func attached(c *gin.Context) bool {
	_, ok := getValue(c)
	return ok
}

// stateFor returns c's state, creating it when needed; nil when no middleware exists.
func stateFor(c *gin.Context) *state {
	var m *Middleware
	if v, ok := getValue(c); ok {
		switch v := v.(type) {
		case *state:
			return v
		case *Middleware:
			m = v
		}
	}
	if m == nil {
		return nil // no csrfx middleware handles this request
	}
	st := &state{m: m}
	setValue(c, st)
	return st
}

// readStored reads the secret as stored: the cookie or the session value. found is false
// when there is none; f is its format. err is ErrNoSession in session storage without a
// session.
func (m *Middleware) readStored(c *gin.Context) (raw string, f formatError, found bool, err error) {
	if m.cfg.Storage == StorageCookie {
		raw, f, found = readSecretCookie(c.Request.Header, m.cfg.cookie.name)
		return raw, f, found, nil
	}
	s, ok := sessionOf(c)
	if !ok {
		return "", 0, false, ErrNoSession
	}
	switch v := s.Get(SessionKey).(type) {
	case nil:
		return "", 0, false, nil
	case string:
		return v, checkFormat(v), true, nil
	default:
		return "", formatBadChars, true, nil
	}
}

// arrived returns the stored secret as the request brought it, reading it once per state.
func (m *Middleware) arrived(c *gin.Context, st *state) (raw string, f formatError, found bool, err error) {
	if st.arrived.read {
		a := st.arrived
		return a.raw, a.f, a.found, nil
	}
	raw, f, found, err = m.readStored(c)
	if err == nil {
		st.arrived = stored{read: true, raw: raw, f: f, found: found}
	}
	return raw, f, found, err
}

// storedForCheck is the stored secret the request brought: remembered in the state if one
// exists (a rotation may have changed the session since), read afresh otherwise.
func (m *Middleware) storedForCheck(c *gin.Context) (raw string, f formatError, found bool, err error) {
	if v, ok := getValue(c); ok {
		if st, ok := v.(*state); ok {
			return m.arrived(c, st)
		}
	}
	return m.readStored(c)
}

// sessionOf returns the gin-contrib/sessions session of c, without panicking when there is
// none (sessions.Default does).
func sessionOf(c *gin.Context) (sessions.Session, bool) {
	v, ok := c.Get(sessions.DefaultKey)
	if !ok {
		return nil, false
	}
	s, ok := v.(sessions.Session)
	return s, ok
}

// load fills st.secret from storage once per request. A malformed stored value is replaced
// by a new secret at once (Django's process_request), so pages heal a broken cookie.
func (m *Middleware) load(c *gin.Context, st *state) error {
	if st.loaded {
		return nil
	}
	raw, f, found, err := m.arrived(c, st)
	if err != nil {
		return err
	}
	st.loaded = true
	switch {
	case found && f == formatOK:
		st.secret = secretOf(raw)
		// A legacy masked value (64 characters) is rewritten unmasked, but only when the
		// secret is saved anyway (Django test_masked_secret_accepted_and_replaced).
	case found:
		st.secret = newSecret()
		st.needsUpdate = true
	}
	return nil
}

// processRequest is Django's process_request: attach, and in session storage insist on a
// session (Django raises ImproperlyConfigured).
func (m *Middleware) processRequest(c *gin.Context) {
	if m.cfg.Storage == StorageSession {
		if _, ok := sessionOf(c); !ok {
			m.misconfigured(c, ErrNoSession)
			return
		}
	}
	m.attach(c)
}

// processView is Django's process_view: the check, once the route (and so its exemption
// markers) is known. exempt and ensure come from the route's markers. It reports whether
// the request may go on.
func (m *Middleware) processView(c *gin.Context, route string, exempt, ensure bool) bool {
	if ensure {
		Token(c)
	}
	r := c.Request
	if exempt || m.cfg.isSafe(r.Method) {
		if exempt && !m.cfg.isSafe(r.Method) {
			m.logExemption(r.Method, route)
		}
		m.healMalformed(c)
		return true
	}
	if skipped(r) {
		return true
	}
	if e := m.check(c); e != nil {
		m.reject(c, e)
		return m.cfg.ReportOnly
	}
	return true
}

// healMalformed replaces a malformed cookie on requests that are not checked (Django does
// it in process_request for every request). In session storage the session is not loaded
// just for this; a malformed session value is replaced when a token is next used.
func (m *Middleware) healMalformed(c *gin.Context) {
	if m.cfg.Storage != StorageCookie {
		return
	}
	if _, f, found := readSecretCookie(c.Request.Header, m.cfg.cookie.name); found && f != formatOK {
		if st := stateFor(c); st != nil {
			_ = st.m.load(c, st) // cookie storage: load cannot fail
		}
	}
}

// check applies the layers of the configured Mode to an unsafe request and returns nil or
// the reason to reject it. It allocates nothing on success in cookie storage.
func (m *Middleware) check(c *gin.Context) *Error {
	r := c.Request
	if m.cfg.Mode != TokenOnly {
		if e := m.checkOrigin(c, r); e != nil {
			return e
		}
	}
	if m.cfg.Mode == OriginOnly {
		return nil
	}
	// The secret as it arrived: a rotation earlier in this request (an authentication
	// middleware) must not invalidate the token the page was rendered with.
	raw, f, found, err := m.storedForCheck(c)
	if err != nil {
		return &Error{Kind: ErrNoCookie, Source: SourceCookie, Cause: err}
	}
	return m.checkToken(r, raw, f, found)
}

// checkOrigin runs the origin gate with the request facts.
func (m *Middleware) checkOrigin(c *gin.Context, r *http.Request) *Error {
	g := &m.gate
	if m.cfg.TrustLocalhostInDebug && gin.IsDebugging() {
		local := *g
		local.localhost = true
		g = &local
	}
	secure, host := requestFacts(c)
	return g.check(r.Header, secure, host)
}

// checkToken is Django's _check_token: a stored secret must exist and be well-formed, and
// the request's token must be well-formed and match it, in constant time.
func (m *Middleware) checkToken(r *http.Request, raw string, f formatError, found bool) *Error {
	if !found {
		return newError(ErrNoCookie, SourceNone)
	}
	switch f {
	case formatBadLength:
		return newError(ErrBadTokenLength, SourceCookie)
	case formatBadChars:
		return newError(ErrBadTokenChars, SourceCookie)
	}
	tok, src, header, e := m.requestToken(r)
	if e != nil {
		return e
	}
	fail := func(kind error) *Error {
		return &Error{Kind: kind, Source: src, Header: header, Method: r.Method}
	}
	switch checkFormat(tok) {
	case formatBadLength:
		return fail(ErrBadTokenLength)
	case formatBadChars:
		return fail(ErrBadTokenChars)
	}
	var secret [SecretLength]byte
	if len(raw) == TokenLength {
		unmaskInto(&secret, raw)
	} else {
		copy(secret[:], raw)
	}
	if !tokenMatchesBytes(tok, &secret) {
		return fail(ErrTokenIncorrect)
	}
	return nil
}

// processResponse is Django's process_response: write the secret only when a token was
// used, the secret rotated or a malformed cookie must be replaced, so pages that never
// render a token stay cacheable and get no cookie.
func (m *Middleware) processResponse(c *gin.Context, h http.Header) {
	v, ok := getValue(c)
	if !ok {
		return
	}
	if st, ok := v.(*state); ok && st.needsUpdate {
		st.m.save(c, st, h)
	}
}

// save writes st.secret to storage: the cookie in h (replacing one already written in this
// response) with Vary: Cookie, or the session (saved only when the value changed, Django
// test_session_modify).
func (m *Middleware) save(c *gin.Context, st *state, h http.Header) {
	st.needsUpdate = false
	if st.secret == "" {
		return
	}
	addVary(h, "Cookie")
	if m.cfg.Storage == StorageCookie {
		if st.written == st.secret {
			return
		}
		replaceSetCookie(h, m.cfg.cookie.name, m.cfg.cookie.setCookie(st.secret))
		st.written = st.secret
		return
	}
	s, ok := sessionOf(c)
	if !ok {
		m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelError, ErrNoSession.Error())
		return
	}
	if cur, _ := s.Get(SessionKey).(string); cur == st.secret {
		return
	}
	s.Set(SessionKey, st.secret)
	if err := s.Save(); err != nil {
		m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelError, "csrfx: saving the session failed", slog.String("error", err.Error()))
	}
	st.written = st.secret
}

// misconfigured answers a request the server cannot handle because of its own setup: 500,
// logged, aborted. It is never used for client mistakes.
func (m *Middleware) misconfigured(c *gin.Context, err error) {
	m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelError, err.Error(),
		slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path))
	c.AbortWithStatus(http.StatusInternalServerError)
}

// logExemption notes an exempt unsafe route the first time it is used.
func (m *Middleware) logExemption(method, route string) {
	if _, loaded := m.exemptLogged.LoadOrStore(method+" "+route, struct{}{}); !loaded {
		m.cfg.Logger.LogAttrs(context.Background(), slog.LevelInfo, "csrfx: route is exempt from CSRF checks",
			slog.String("method", method), slog.String("route", route))
	}
}

// Check runs the checks the middleware runs on c's request (ignoring route exemptions):
// nil for safe methods and requests that pass, an *Error otherwise. Use it in a handler
// that must verify a request itself.
func (m *Middleware) Check(c *gin.Context) error {
	if m.cfg.isSafe(c.Request.Method) {
		return nil
	}
	if e := m.check(c); e != nil {
		return e
	}
	return nil
}

// CheckOrigin is the origin layer alone as a pure function, in the style of
// net/http.CrossOriginProtection.Check: secure says whether r arrived over HTTPS and host
// is its validated host (request facts, never r.URL). Safe methods pass.
func (m *Middleware) CheckOrigin(r *http.Request, secure bool, host string) error {
	if m.cfg.isSafe(r.Method) {
		return nil
	}
	if e := m.gate.check(r.Header, secure, host); e != nil {
		return e
	}
	return nil
}

// Token returns a fresh masked token for c's request (Django's get_token) and makes sure
// the secret is sent with the response. Every call returns a different string for the same
// secret (BREACH). Like Django's get_token it works on any request, exempt or not; without
// a csrfx middleware on the request no cookie is sent (and nothing is checked either). It
// returns "" and logs an error when no csrfx Middleware exists at all, or when the session
// is missing in session storage.
func Token(c *gin.Context) string {
	st := stateFor(c)
	if st == nil {
		slog.Default().LogAttrs(c.Request.Context(), slog.LevelError,
			"csrfx: Token called on a request no csrfx middleware handles", slog.String("path", c.Request.URL.Path))
		return ""
	}
	m := st.m
	if err := m.load(c, st); err != nil {
		m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelError, err.Error())
		return ""
	}
	if st.secret == "" {
		st.secret = newSecret()
	}
	st.needsUpdate = true
	return maskSecret(st.secret)
}

// Rotate replaces the secret (Django's rotate_token). Call it when the user's privileges
// change: authx.Login and Logout do. Tokens rendered before the rotation stop working.
//
// The new secret is written into the response at once, and again by the response pass if
// that is still to come, so a rotation from any hook or handler reaches the client as long
// as the response has not started streaming.
func Rotate(c *gin.Context) {
	st := stateFor(c)
	if st == nil {
		return // no csrfx at all: nothing to rotate
	}
	if _, _, _, err := st.m.arrived(c, st); err != nil {
		st.m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelError, err.Error())
		return
	}
	st.loaded = true
	st.secret = newSecret()
	st.needsUpdate = true
	if h, ok := pendingHeader(c); ok {
		st.m.save(c, st, h)
		st.needsUpdate = true // a later Token still expects the response pass to run
		return
	}
	st.m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelWarn,
		"csrfx: Rotate after the response started streaming; the client keeps the old secret")
}
