package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
)

// Defaults, Django's.
const (
	DefaultCookieName = "sessionid"
	DefaultCookieAge  = 14 * 24 * time.Hour
)

// Values of Config.CookieSecure.
const (
	SecureAuto   = ""       // Secure in gin's release mode and on HTTPS requests
	SecureAlways = "always" // always Secure
	SecureNever  = "never"  // never Secure (plain-HTTP development servers in release mode)
)

// maxIncomingCookie bounds the cookie value handed to a store; larger ones are ignored.
const maxIncomingCookie = 8192

// Config configures the sessions middleware. The zero value is safe: a two-week, HttpOnly,
// SameSite=Lax cookie named "sessionid" on path "/", Secure in release mode, sessions kept in
// this process's memory (a warning is logged in release mode: use SQLStore or RedisStore
// there).
type Config struct {
	// Store keeps the sessions: NewSQLStore, NewRedisStore, NewCookieStore, NewMemoryStore,
	// or any Store. Nil means a new MemoryStore. Django: SESSION_ENGINE.
	Store Store `yaml:"-"`

	// Serializer encodes session values; nil means JSONSerializer. Django:
	// SESSION_SERIALIZER.
	Serializer Serializer `yaml:"-"`

	// CookieName is the session cookie's name; empty means "sessionid". Django:
	// SESSION_COOKIE_NAME.
	CookieName string `yaml:"cookie_name"`

	// CookieAge is how long a session lives after its last save, and the cookie's Max-Age;
	// zero means two weeks. Django: SESSION_COOKIE_AGE (in seconds there; here a duration
	// such as "336h"; values under a second are refused, as they are surely seconds).
	CookieAge time.Duration `yaml:"cookie_age"`

	// CookieDomain is the cookie's Domain; empty means host-only. Django:
	// SESSION_COOKIE_DOMAIN.
	CookieDomain string `yaml:"cookie_domain"`

	// CookiePath is the cookie's Path; empty means "/". Django: SESSION_COOKIE_PATH.
	CookiePath string `yaml:"cookie_path"`

	// CookieSecure is SecureAuto (""), SecureAlways or SecureNever. Auto marks the cookie
	// Secure when gin runs in release mode and on requests made over HTTPS (ginmw.IsSecure:
	// TLS, or a trusted proxy's X-Forwarded-Proto). Django: SESSION_COOKIE_SECURE.
	CookieSecure string `yaml:"cookie_secure"`

	// CookieSameSite is "Lax", "Strict" or "None"; empty means "Lax". "None" needs a Secure
	// cookie. Django: SESSION_COOKIE_SAMESITE.
	CookieSameSite string `yaml:"cookie_same_site"`

	// ExpireAtBrowserClose makes the cookie a browser-session cookie (no Max-Age); the
	// server still ends the session after CookieAge. Django: SESSION_EXPIRE_AT_BROWSER_CLOSE.
	ExpireAtBrowserClose bool `yaml:"expire_at_browser_close"`

	// SaveEveryRequest saves the session, and so moves its expiry, on every request that
	// carries one, not only when it changed. Django: SESSION_SAVE_EVERY_REQUEST.
	SaveEveryRequest bool `yaml:"save_every_request"`

	// Logger receives store failures; nil means slog.Default(). Keys and cookies are never
	// logged.
	Logger *slog.Logger `yaml:"-"`

	// Now is the clock for expiry; nil means time.Now.
	Now func() time.Time `yaml:"-"`
}

// Middleware is Django's SessionMiddleware as a djin hook type: ProcessRequest attaches a
// lazy Session to the request, ProcessResponse saves it and sets, refreshes or deletes the
// cookie on the buffered response, before anything is sent. Use it in ginmw.Chain or alone
// with ginmw.Adapt; it is registered as "sessions".
//
// Failures never become a 500 for something the client sent: a tampered, expired, unknown
// or oversized cookie is an empty session. When the store is down the request continues with
// an empty session and the cookie is left alone, so users get their sessions back when the
// store returns; a request that changed its session then gets 503, since the change was lost.
// A session deleted by a concurrent request (logout) is not resurrected: that request gets
// 400, as in Django.
type Middleware struct {
	cfg        Config
	store      Store
	serializer Serializer
	logger     *slog.Logger
	now        func() time.Time
	sameSite   http.SameSite
	memory     bool // the default MemoryStore is in use
	warned     sync.Once
}

// New validates cfg and returns the middleware.
func New(cfg Config) (*Middleware, error) {
	m := &Middleware{cfg: cfg, store: cfg.Store, serializer: cfg.Serializer, logger: cfg.Logger, now: nowFunc(cfg.Now)}
	if m.cfg.CookieName == "" {
		m.cfg.CookieName = DefaultCookieName
	}
	if !validCookieName(m.cfg.CookieName) {
		return nil, fmt.Errorf("session: Config.CookieName: not a valid cookie name (got %q)", cfg.CookieName)
	}
	switch {
	case m.cfg.CookieAge == 0:
		m.cfg.CookieAge = DefaultCookieAge
	case m.cfg.CookieAge < time.Second:
		return nil, fmt.Errorf("session: Config.CookieAge: must be at least one second; write a duration such as \"336h\" (got %s)", cfg.CookieAge)
	}
	if m.cfg.CookiePath == "" {
		m.cfg.CookiePath = "/"
	}
	if !strings.HasPrefix(m.cfg.CookiePath, "/") || strings.ContainsAny(m.cfg.CookiePath, ";\r\n\x00") {
		return nil, fmt.Errorf("session: Config.CookiePath: must start with \"/\" and hold no ';' (got %q)", cfg.CookiePath)
	}
	if strings.ContainsAny(m.cfg.CookieDomain, ";,/ \t\r\n\x00\"") {
		return nil, fmt.Errorf("session: Config.CookieDomain: not a domain (got %q)", cfg.CookieDomain)
	}
	switch strings.ToLower(m.cfg.CookieSameSite) {
	case "", "lax":
		m.sameSite = http.SameSiteLaxMode
	case "strict":
		m.sameSite = http.SameSiteStrictMode
	case "none":
		m.sameSite = http.SameSiteNoneMode
	default:
		return nil, fmt.Errorf("session: Config.CookieSameSite: must be Lax, Strict or None (got %q)", cfg.CookieSameSite)
	}
	switch m.cfg.CookieSecure {
	case SecureAuto, SecureAlways:
	case SecureNever:
		if m.sameSite == http.SameSiteNoneMode {
			return nil, errors.New("session: Config.CookieSameSite: \"None\" requires a Secure cookie, but CookieSecure is \"never\"")
		}
	default:
		return nil, fmt.Errorf("session: Config.CookieSecure: must be %q, %q or empty (got %q)", SecureAlways, SecureNever, cfg.CookieSecure)
	}
	if m.serializer == nil {
		m.serializer = JSONSerializer{}
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	if m.store == nil {
		m.store, _ = NewMemoryStore(MemoryStoreConfig{Now: cfg.Now})
		m.memory = true
	}
	return m, nil
}

// Default returns the middleware with the zero Config.
func Default() *Middleware {
	m, _ := New(Config{})
	return m
}

func validCookieName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("()<>@,;:\\\"/[]?={}", c) >= 0 {
			return false
		}
	}
	return true
}

// Store returns the store the middleware uses.
func (m *Middleware) Store() Store { return m.store }

// ProcessRequest attaches the request's Session; nothing is read from the store until the
// session is used.
func (m *Middleware) ProcessRequest(c *gin.Context) {
	if m.memory && gin.Mode() == gin.ReleaseMode {
		m.warned.Do(func() {
			m.logger.WarnContext(c.Request.Context(), "session: sessions are kept in process memory; set Config.Store to an SQLStore or RedisStore in production")
		})
	}
	s := &Session{m: m, ctx: c.Request.Context(), secure: m.secure(c), gc: c}
	if v, ok := cookieValue(c.Request.Header, m.cfg.CookieName); ok {
		s.sent = true
		if len(v) <= maxIncomingCookie {
			s.cookieIn = v
		}
	}
	c.Set(sessions.DefaultKey, s)
}

// ProcessResponse saves the session if it changed and sets, refreshes or deletes the cookie
// (Django's SessionMiddleware.process_response). A failure that lost the request's session
// changes replaces the response: 503 when the store is down, 400 when a concurrent request
// deleted the session, 500 for values the serializer cannot encode.
func (m *Middleware) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	s := Get(c)
	if s.m != m {
		return // another sessions middleware's session, or none
	}
	status, err := m.finish(s, r.Header(), r.Status())
	if err == nil {
		return
	}
	m.logger.ErrorContext(c.Request.Context(), "session: the session could not be saved", "status", status, "route", c.FullPath(), "err", err)
	if r.Streaming() {
		return
	}
	r.Reset()
	if ginmw.ResponseOf(c) == r {
		ginmw.DefaultErrorHandler(c, status, err)
	}
	r.SetStatus(status)
}

// cookieValue returns the first valid cookie called name, parsed as http.Request.Cookie
// parses it, without allocating a struct for every other cookie of the request.
func cookieValue(h http.Header, name string) (string, bool) {
	for _, line := range h["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			part = textproto.TrimString(part)
			k, v, _ := strings.Cut(part, "=")
			if textproto.TrimString(k) != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if validCookieValue(v) {
				return v, true
			}
		}
	}
	return "", false
}

func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// finish is the body of ProcessResponse: Django's SessionMiddleware.process_response. It
// returns the status the response must be replaced with (0: keep it) and why.
func (m *Middleware) finish(s *Session, h http.Header, status int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.cfg.SaveEveryRequest && s.sent {
		s.load()
	}
	if s.sent && s.empty() && s.loadErr == nil {
		m.deleteCookie(h, s.secure)
		addVaryCookie(h)
		return 0, nil
	}
	if s.accessed {
		addVaryCookie(h)
	}
	if s.modified {
		if err := s.problem(); err != nil {
			return statusFor(err), err
		}
	}
	// Django skips saving on 5xx: the view failed half-way and its changes are suspect.
	if (s.modified || (m.cfg.SaveEveryRequest && s.loaded)) && !s.empty() && s.loadErr == nil && status < 500 {
		if err := s.save(); err != nil {
			return statusFor(err), err
		}
	}
	if s.pending {
		m.setCookie(h, s)
	}
	return 0, nil
}

func statusFor(err error) int {
	switch {
	case errors.Is(err, ErrInterrupted):
		return http.StatusBadRequest
	case errors.Is(err, ErrStore), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

func (m *Middleware) secure(c *gin.Context) bool {
	switch m.cfg.CookieSecure {
	case SecureAlways:
		return true
	case SecureNever:
		return false
	}
	return m.sameSite == http.SameSiteNoneMode || gin.Mode() == gin.ReleaseMode || ginmw.IsSecure(c)
}

func (m *Middleware) setCookie(h http.Header, s *Session) {
	ck := &http.Cookie{
		Name: m.cfg.CookieName, Value: s.out, Path: m.cfg.CookiePath, Domain: m.cfg.CookieDomain,
		Secure: s.secure, HttpOnly: true, SameSite: m.sameSite,
	}
	if !s.atBrowserClose() {
		age := s.expiryAge()
		ck.MaxAge = int(age / time.Second)
		ck.Expires = m.now().Add(age).UTC()
	}
	replaceCookie(h, m.cfg.CookieName, ck)
}

func (m *Middleware) deleteCookie(h http.Header, secure bool) {
	replaceCookie(h, m.cfg.CookieName, &http.Cookie{
		Name: m.cfg.CookieName, Value: "", Path: m.cfg.CookiePath, Domain: m.cfg.CookieDomain,
		MaxAge: -1, Expires: time.Unix(0, 0).UTC(), Secure: secure, HttpOnly: true, SameSite: m.sameSite,
	})
}

// replaceCookie sets ck, dropping any Set-Cookie for the same name set earlier in the
// request (an explicit Save, a Regenerate), so that the browser gets one answer.
func replaceCookie(h http.Header, name string, ck *http.Cookie) {
	v := ck.String()
	if v == "" {
		return
	}
	prefix := name + "="
	kept := h.Values("Set-Cookie")[:0:0]
	for _, line := range h.Values("Set-Cookie") {
		if !strings.HasPrefix(line, prefix) {
			kept = append(kept, line)
		}
	}
	h["Set-Cookie"] = append(kept, v)
}

// addVaryCookie is Django's patch_vary_headers(response, ("Cookie",)).
func addVaryCookie(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Cookie") {
				return
			}
		}
	}
	h.Add("Vary", "Cookie")
}

// Get returns the request's session. Without the sessions middleware it returns a detached
// session that keeps values for the request only: its Err, Save, Regenerate and Flush return
// ErrNoMiddleware. It never panics (gin-contrib's sessions.Default does).
func Get(c *gin.Context) *Session {
	if v, ok := c.Get(sessions.DefaultKey); ok {
		if s, ok := v.(*Session); ok {
			return s
		}
	}
	return detached()
}

// Lookup returns the request's session, or ErrNoMiddleware.
func Lookup(c *gin.Context) (*Session, error) {
	s := Get(c)
	if errors.Is(s.misuse, ErrNoMiddleware) {
		return nil, ErrNoMiddleware
	}
	return s, nil
}

// Key returns the request's session key ("" for a session not yet saved, or without the
// middleware).
func Key(c *gin.Context) string { return Get(c).Key() }

// Regenerate gives the request's session a new key, keeping its data; the old key is deleted
// from the store at once (Django: cycle_key). See Session.Regenerate.
func Regenerate(c *gin.Context) error { return Get(c).Regenerate() }

// Flush deletes the request's session from the store and starts an empty one; the response
// expires the cookie (Django: flush). See Session.Flush.
func Flush(c *gin.Context) error { return Get(c).Flush() }

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
// Inside a Chain or a settings list, use the middleware value itself.
func (m *Middleware) Handler() gin.HandlerFunc { return ginmw.Adapt(m) }
