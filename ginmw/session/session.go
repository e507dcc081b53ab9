package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// ExpiryKey is the session entry that holds a per-session expiry set with SetExpiry, in
// seconds (0: at browser close); Django uses the same name.
const ExpiryKey = "_session_expiry"

const flashKey = "_flash" // gin-contrib/sessions' and gorilla's default flash key

// createAttempts bounds the retries on a key collision, which with 206-bit keys means a
// broken random source or store rather than bad luck.
const createAttempts = 3

// Session is one request's session. It implements gin-contrib/sessions' Session interface
// (sessions.Default(c) returns it), loads lazily on first use like Django's request.session,
// and is saved by the middleware before the response is sent: calling Save is never needed,
// and harmless.
//
// Keys are strings. Values go through the middleware's Serializer (JSON by default: see
// JSONSerializer for which Go types come back unchanged). A Session is safe for use by the
// goroutines of its request.
type Session struct {
	mu  sync.Mutex
	m   *Middleware
	ctx context.Context
	// gc is the request's context, whose writer an explicit Save sets the cookie on right
	// away; nil for a detached session.
	gc     *gin.Context
	secure bool // the cookie gets the Secure attribute

	cookieIn string // the cookie value received; "" when none
	sent     bool   // the request carried the session cookie

	loaded   bool
	loadErr  error // the store failed: the session is empty and will not be saved
	misuse   error // a non-string key was used, or the middleware is missing
	key      string
	values   map[string]any
	accessed bool
	modified bool
	// out is a cookie value saved during the request that the response must carry.
	out     string
	pending bool
}

var _ sessions.Session = (*Session)(nil)

// detachedMiddleware gives a detached session the settings its methods read; its store is
// never reached, since every path to the store checks misuse first.
var detachedMiddleware = &Middleware{
	cfg: Config{CookieAge: DefaultCookieAge}, serializer: JSONSerializer{}, logger: slog.Default(), now: time.Now,
}

func detached() *Session {
	return &Session{m: detachedMiddleware, misuse: ErrNoMiddleware, loaded: true, values: map[string]any{}, ctx: context.Background()}
}

// load reads the session from the store once. s.mu is held.
func (s *Session) load() {
	if s.loaded {
		return
	}
	s.loaded = true
	s.values = map[string]any{}
	if s.cookieIn == "" {
		return
	}
	key, data, err := s.m.store.Load(s.ctx, s.cookieIn)
	switch {
	case err == nil:
		values, err := s.m.serializer.Unmarshal(data)
		if err != nil {
			// Django logs "Session data corrupted" and starts over; so does djin. The key
			// is dropped so that the next save makes a new one.
			s.m.logger.WarnContext(s.ctx, "session: stored session data does not decode; starting an empty session", "err", err)
			return
		}
		s.key, s.values = key, values
	case errors.Is(err, ErrNoSession):
	default:
		s.loadErr = err
		s.m.logger.ErrorContext(s.ctx, "session: cannot load the session; the request continues with an empty session that will not be saved", "err", err)
	}
}

func (s *Session) read() {
	s.load()
	s.accessed = true
}

func (s *Session) write() {
	s.load()
	s.accessed = true
	s.modified = true
}

func (s *Session) stringKey(key any) (string, bool) {
	k, ok := key.(string)
	if !ok && s.misuse == nil {
		s.misuse = fmt.Errorf("%w: session keys must be strings (got %T)", ErrSerialize, key)
	}
	return k, ok
}

// ID returns the session key, as Key does; it is part of gin-contrib's interface.
func (s *Session) ID() string { return s.Key() }

// Key returns the session key: the server-side identity of the session, "" until the
// session is first saved (Django: session_key). It is a secret equivalent to the user's
// login; never log it or put it in a URL.
func (s *Session) Key() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	return s.key
}

// Get returns the value stored under key, or nil.
func (s *Session) Get(key any) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	k, ok := s.stringKey(key)
	if !ok {
		return nil
	}
	return s.values[k]
}

// GetString returns the string stored under key, or "" when there is none or the value is
// not a string.
func (s *Session) GetString(key string) string {
	v, _ := s.Get(key).(string)
	return v
}

// Has reports whether key is in the session (Django: key in request.session).
func (s *Session) Has(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	_, ok := s.values[key]
	return ok
}

// Set stores val under key.
func (s *Session) Set(key any, val any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write()
	if k, ok := s.stringKey(key); ok {
		s.values[k] = val
	}
}

// Delete removes key.
func (s *Session) Delete(key any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write()
	if k, ok := s.stringKey(key); ok {
		delete(s.values, k)
	}
}

// Pop removes key and returns its value, or nil (Django: request.session.pop).
func (s *Session) Pop(key string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	v, ok := s.values[key]
	if ok {
		s.modified = true
		delete(s.values, key)
	}
	return v
}

// Keys returns the keys in the session, sorted.
func (s *Session) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Len returns the number of keys in the session.
func (s *Session) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	return len(s.values)
}

// Clear removes every key but keeps the session key (Django: clear). To end a session, as
// logging out must, use Flush.
func (s *Session) Clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write()
	clear(s.values)
}

// AddFlash appends value to the flash list under vars[0], or "_flash" (gin-contrib/sessions
// and gorilla/sessions flashes). Django-style messages with levels are in package
// ginmw/messages.
func (s *Session) AddFlash(value any, vars ...string) {
	key := flashKey
	if len(vars) > 0 {
		key = vars[0]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write()
	flashes, _ := s.values[key].([]any)
	s.values[key] = append(flashes, value)
}

// Flashes removes and returns the flash list under vars[0], or "_flash". A value of another
// type under that key is removed and nil returned (gorilla panics there).
func (s *Session) Flashes(vars ...string) []any {
	key := flashKey
	if len(vars) > 0 {
		key = vars[0]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	v, ok := s.values[key]
	if !ok {
		return nil
	}
	s.modified = true
	delete(s.values, key)
	flashes, _ := v.([]any)
	return flashes
}

// Options is gin-contrib's per-session cookie setting. djin keeps one cookie configuration
// per middleware (Config), so that the cookie can always be expired on the same path and
// domain it was set on (gin-contrib's Options replaces every attribute, zero values
// included: its issues #89, #123). Only MaxAge is honoured: a positive MaxAge is
// SetExpiry(MaxAge seconds), a negative one ends the session as Flush does (the error, if
// any, is logged), zero changes nothing.
func (s *Session) Options(o sessions.Options) {
	switch {
	case o.MaxAge > 0:
		s.SetExpiry(time.Duration(o.MaxAge) * time.Second)
	case o.MaxAge < 0:
		if err := s.Flush(); err != nil {
			s.m.logger.ErrorContext(s.ctx, "session: Options(MaxAge < 0): flush failed", "err", err)
		}
	}
}

// SetExpiry sets when this session expires (Django: set_expiry): d > 0 is an age, counted
// from each save; d == 0 makes the cookie end with the browser; d < 0 goes back to the
// middleware's settings. Whole seconds are kept.
func (s *Session) SetExpiry(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.write()
	switch {
	case d < 0:
		delete(s.values, ExpiryKey)
	case d == 0:
		s.values[ExpiryKey] = 0
	default:
		s.values[ExpiryKey] = max(int(d/time.Second), 1)
	}
}

// ExpiryAge returns how long the session lives from its next save (Django: get_expiry_age).
func (s *Session) ExpiryAge() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	return s.expiryAge()
}

func (s *Session) customExpiry() (int, bool) {
	switch v := s.values[ExpiryKey].(type) {
	case int:
		return v, true
	case float64: // a value stored by a serializer that does not keep ints
		return int(v), true
	}
	return 0, false
}

func (s *Session) expiryAge() time.Duration {
	if secs, ok := s.customExpiry(); ok && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	return s.m.cfg.CookieAge
}

// ExpireAtBrowserClose reports whether the cookie ends with the browser (Django:
// get_expire_at_browser_close): SetExpiry(0), or Config.ExpireAtBrowserClose when no expiry
// was set for this session.
func (s *Session) ExpireAtBrowserClose() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.read()
	return s.atBrowserClose()
}

func (s *Session) atBrowserClose() bool {
	if secs, ok := s.customExpiry(); ok {
		return secs == 0
	}
	return s.m.cfg.ExpireAtBrowserClose
}

// Accessed reports whether the session was read or written during this request; the
// middleware then adds "Vary: Cookie" to the response, which keeps caches from sharing it.
func (s *Session) Accessed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accessed
}

// Modified reports whether the session changed since it was loaded or last saved.
func (s *Session) Modified() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.modified
}

// IsEmpty reports whether the session has neither a key nor data (Django: is_empty); a
// response to a request whose session ends up empty deletes the session cookie.
func (s *Session) IsEmpty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.empty()
}

func (s *Session) empty() bool {
	if !s.loaded {
		return !s.sent
	}
	return s.key == "" && len(s.values) == 0
}

// Err returns what keeps this session from being saved: ErrNoMiddleware, a store failure
// while loading (wrapping ErrStore), or a misuse such as a non-string key. It loads the
// session if needed.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return s.problem()
}

func (s *Session) problem() error {
	if s.misuse != nil {
		return s.misuse
	}
	return s.loadErr
}

// Save writes the session to the store now, if it changed, and sets the cookie on the
// response headers. It is never needed: the middleware saves before the response is sent,
// and when a handler starts streaming (c.Stream, SSE, Flush) it saves at that moment, while
// the headers can still change. Calling Save is harmless (gin-contrib code calls it
// everywhere); the only changes it can keep that the middleware cannot are those made after
// a streamed response has begun, and then only the stored data, since the cookie can no
// longer change.
func (s *Session) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.problem(); err != nil {
		return err
	}
	if !s.modified {
		return nil
	}
	if err := s.save(); err != nil {
		return err
	}
	if s.gc != nil {
		s.m.setCookie(s.gc.Writer.Header(), s)
	}
	return nil
}

// save writes the session, creating it under a new key when it has none. s.mu is held and
// the session is loaded.
func (s *Session) save() error {
	data, err := s.m.serializer.Marshal(s.values)
	if err != nil {
		return err
	}
	expires := s.m.now().Add(s.expiryAge())
	if s.key != "" {
		value, err := s.m.store.Update(s.ctx, s.key, data, expires)
		if errors.Is(err, ErrNoSession) {
			return ErrInterrupted
		}
		if err != nil {
			return err
		}
		s.out, s.pending, s.modified = value, true, false
		return nil
	}
	key, value, err := s.create(data, expires)
	if err != nil {
		return err
	}
	s.key, s.out, s.pending, s.modified = key, value, true, false
	return nil
}

func (s *Session) create(data []byte, expires time.Time) (key, value string, err error) {
	for range createAttempts {
		key = NewKey()
		value, err = s.m.store.Create(s.ctx, key, data, expires)
		if !errors.Is(err, ErrKeyExists) {
			return key, value, err
		}
	}
	return "", "", fmt.Errorf("%w: %d new keys in a row were taken", ErrStore, createAttempts)
}

// Regenerate gives the session a new key, keeps its data, and deletes the old key from the
// store, so a cookie captured before (session fixation, a shared computer) no longer works
// (Django: cycle_key). authx.Login calls it. With the CookieStore the old cookie cannot be
// revoked (see CookieStore); the key inside the cookie still changes.
func (s *Session) Regenerate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.misuse != nil {
		return s.misuse
	}
	s.read()
	if s.loadErr != nil {
		return s.loadErr
	}
	data, err := s.m.serializer.Marshal(s.values)
	if err != nil {
		return err
	}
	old := s.key
	key, value, err := s.create(data, s.m.now().Add(s.expiryAge()))
	if err != nil {
		return err
	}
	s.key, s.out, s.pending = key, value, true
	if old != "" {
		if err := s.m.store.Delete(s.ctx, old); err != nil {
			return fmt.Errorf("session: regenerate: the old session could not be deleted: %w", err)
		}
	}
	return nil
}

// Flush deletes the session from the store and starts a new, empty one; the response
// expires the cookie unless something is stored in the new session before it is sent, in
// which case the cookie carries a new key (Django: flush). authx.Logout calls it. The local
// session is emptied even when the store cannot be reached; the error says the server-side
// record may survive until it expires.
func (s *Session) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(s.misuse, ErrNoMiddleware) {
		return s.misuse
	}
	s.read()
	err := s.loadErr
	if s.key != "" {
		if derr := s.m.store.Delete(s.ctx, s.key); derr != nil {
			err = derr
		}
	}
	s.key, s.out, s.pending, s.loadErr = "", "", false, nil
	s.values = map[string]any{}
	s.modified = true
	if err != nil {
		return fmt.Errorf("session: flush: the stored session may outlive the logout: %w", err)
	}
	return nil
}
