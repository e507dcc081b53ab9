package session_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/ginmw/session/sessiontest"
)

func init() { gin.SetMode(gin.TestMode) }

// site is a test application: a router with the sessions middleware and views that drive
// the session from query parameters.
type site struct {
	t      *testing.T
	m      *session.Middleware
	router *gin.Engine
	logs   *bytes.Buffer
}

func newSite(t *testing.T, cfg session.Config) *site {
	t.Helper()
	logs := &bytes.Buffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	m, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(ginmw.Adapt(m))
	r.GET("/set", func(c *gin.Context) {
		session.Get(c).Set(c.Query("k"), c.Query("v"))
		c.String(200, "ok")
	})
	r.GET("/get", func(c *gin.Context) { c.String(200, session.Get(c).GetString(c.Query("k"))) })
	r.GET("/key", func(c *gin.Context) { c.String(200, session.Key(c)) })
	r.GET("/plain", func(c *gin.Context) { c.String(200, "no session here") })
	r.POST("/login", func(c *gin.Context) {
		if err := session.Regenerate(c); err != nil {
			c.String(503, err.Error())
			return
		}
		session.Get(c).Set("_auth_user_id", c.Query("user"))
		c.String(200, "welcome")
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := session.Flush(c); err != nil {
			c.String(503, err.Error())
			return
		}
		c.String(200, "bye")
	})
	return &site{t: t, m: m, router: r, logs: logs}
}

// do sends a request with the given session cookie value ("" for none).
func (s *site) do(method, target, cookie string) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	s.router.ServeHTTP(w, req)
	return w
}

// sessionCookies returns the Set-Cookie headers for the session cookie.
func sessionCookies(w *httptest.ResponseRecorder) []*http.Cookie {
	var out []*http.Cookie
	for _, ck := range w.Result().Cookies() {
		if ck.Name == session.DefaultCookieName {
			out = append(out, ck)
		}
	}
	return out
}

func sessionCookie(t testing.TB, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	cks := sessionCookies(w)
	if len(cks) != 1 {
		t.Fatalf("want exactly one session Set-Cookie, got %d: %q", len(cks), w.Header().Values("Set-Cookie"))
	}
	return cks[0]
}

func varyCookie(w *httptest.ResponseRecorder) bool {
	for _, v := range w.Header().Values("Vary") {
		if strings.Contains(v, "Cookie") {
			return true
		}
	}
	return false
}

// storeSite builds a site on the store of a harness, with the harness's clock.
func storeSite(t *testing.T, h sessiontest.Harness) (*site, *sessiontest.Clock, func() session.Store) {
	clock := sessiontest.NewClock()
	st, twin := h.New(t, clock.Now)
	return newSite(t, session.Config{Store: st, Now: clock.Now}), clock, twin
}

func TestMiddlewareOnEveryStore(t *testing.T) {
	for _, tc := range harnesses {
		t.Run(tc.name, func(t *testing.T) {
			t.Run("RoundTrip", func(t *testing.T) {
				s, _, _ := storeSite(t, tc.h)
				ck := sessionCookie(t, s.do("GET", "/set?k=color&v=blue", ""))
				if got := s.do("GET", "/get?k=color", ck.Value).Body.String(); got != "blue" {
					t.Fatalf("stored value = %q; want blue", got)
				}
			})

			t.Run("RegenerateMakesTheOldCookieUseless", func(t *testing.T) {
				s, _, _ := storeSite(t, tc.h)
				anon := sessionCookie(t, s.do("GET", "/set?k=cart&v=3+apples", ""))
				w := s.do("POST", "/login?user=alice", anon.Value)
				logged := sessionCookie(t, w)
				if logged.Value == anon.Value {
					t.Fatal("login kept the session cookie value")
				}
				if got := s.do("GET", "/get?k=cart", logged.Value).Body.String(); got != "3 apples" {
					t.Fatalf("data lost across Regenerate: cart = %q", got)
				}
				if got := s.do("GET", "/get?k=_auth_user_id", logged.Value).Body.String(); got != "alice" {
					t.Fatalf("user = %q; want alice", got)
				}
				if _, ok := s.m.Store().(*session.CookieStore); ok {
					// Django's documented caveat: nothing on the server to revoke. The key
					// inside the cookie changed all the same.
					if s.do("GET", "/key", anon.Value).Body.String() == s.do("GET", "/key", logged.Value).Body.String() {
						t.Fatal("Regenerate kept the session key")
					}
					return
				}
				// The planted (or stolen) pre-login cookie must not reach the logged-in session,
				// nor the old data: its key is gone from the store.
				if got := s.do("GET", "/get?k=_auth_user_id", anon.Value).Body.String(); got != "" {
					t.Fatalf("the pre-login cookie sees user %q after login", got)
				}
				if got := s.do("GET", "/get?k=cart", anon.Value).Body.String(); got != "" {
					t.Fatalf("the pre-login cookie still loads the old session (cart = %q)", got)
				}
				if _, _, err := s.m.Store().Load(context.Background(), anon.Value); !errors.Is(err, session.ErrNoSession) {
					t.Fatalf("old key still in the store: %v", err)
				}
			})

			t.Run("FlushDeletesTheServerRecordAndExpiresTheCookie", func(t *testing.T) {
				s, _, _ := storeSite(t, tc.h)
				ck := sessionCookie(t, s.do("POST", "/login?user=bob", ""))
				w := s.do("POST", "/logout", ck.Value)
				gone := sessionCookie(t, w)
				if gone.Value != "" || gone.MaxAge >= 0 || !gone.Expires.Before(time.Unix(1, 0)) || gone.Path != "/" || !gone.HttpOnly {
					t.Fatalf("logout cookie = %q; want an expired, empty sessionid on path /", w.Header().Values("Set-Cookie"))
				}
				if !varyCookie(w) {
					t.Fatal("logout response lacks Vary: Cookie")
				}
				if _, ok := s.m.Store().(*session.CookieStore); ok {
					return
				}
				if _, _, err := s.m.Store().Load(context.Background(), ck.Value); !errors.Is(err, session.ErrNoSession) {
					t.Fatalf("Flush left the record in the store: %v", err)
				}
				if got := s.do("GET", "/get?k=_auth_user_id", ck.Value).Body.String(); got != "" {
					t.Fatalf("the cookie still logs in as %q after logout", got)
				}
			})

			t.Run("ExpiredCookieIsAnEmptySession", func(t *testing.T) {
				s, clock, _ := storeSite(t, tc.h)
				ck := sessionCookie(t, s.do("GET", "/set?k=a&v=1", ""))
				clock.Advance(session.DefaultCookieAge)
				w := s.do("GET", "/get?k=a", ck.Value)
				if w.Code != 200 || w.Body.String() != "" {
					t.Fatalf("expired session: %d %q; want 200 and no value", w.Code, w.Body)
				}
				if gone := sessionCookie(t, w); gone.MaxAge >= 0 {
					t.Fatalf("an expired session's cookie must be deleted, got %q", w.Header().Values("Set-Cookie"))
				}
			})

			t.Run("TamperedCookieIsAnEmptySession", func(t *testing.T) {
				s, _, _ := storeSite(t, tc.h)
				ck := sessionCookie(t, s.do("GET", "/set?k=role&v=user", ""))
				mid := len(ck.Value) / 2
				flip := "x"
				if ck.Value[mid] == 'x' {
					flip = "y"
				}
				for _, bad := range []string{
					ck.Value[:mid] + flip + ck.Value[mid+1:],
					ck.Value + "x", ck.Value[1:], "admin", "%00", strings.Repeat("a", session.KeyLength),
				} {
					w := s.do("GET", "/get?k=role", bad)
					if w.Code != 200 || w.Body.String() != "" {
						t.Fatalf("tampered cookie %q: %d %q; want 200 and an empty session", bad, w.Code, w.Body)
					}
				}
			})

			t.Run("OversizedCookieIsAnEmptySession", func(t *testing.T) {
				s, _, _ := storeSite(t, tc.h)
				for _, n := range []int{4097, 9000, 64 << 10} {
					w := s.do("GET", "/get?k=a", strings.Repeat("A", n))
					if w.Code != 200 || w.Body.String() != "" {
						t.Fatalf("%d-byte cookie: %d %q; want 200 and an empty session", n, w.Code, w.Body)
					}
				}
			})

			t.Run("ConcurrentLogoutIsNotUndone", func(t *testing.T) {
				if tc.name == "cookie" {
					t.Skip("the cookie store keeps nothing on the server to compare with")
				}
				s, _, _ := storeSite(t, tc.h)
				ck := sessionCookie(t, s.do("POST", "/login?user=carol", ""))
				s.router.GET("/slow", func(c *gin.Context) {
					sess := session.Get(c)
					_ = sess.Get("_auth_user_id")
					// Another request logs the user out while this one runs.
					if err := s.m.Store().Delete(c.Request.Context(), sess.Key()); err != nil {
						t.Error(err)
					}
					sess.Set("last_seen", "now")
					c.String(200, "ok")
				})
				w := s.do("GET", "/slow", ck.Value)
				if w.Code != http.StatusBadRequest {
					t.Fatalf("status %d; want 400 (Django's SessionInterrupted)", w.Code)
				}
				if _, _, err := s.m.Store().Load(context.Background(), ck.Value); !errors.Is(err, session.ErrNoSession) {
					t.Fatalf("the logged-out session came back: %v", err)
				}
			})
		})
	}
}

func TestTwoProcessesSharingRedisSeeTheSameSession(t *testing.T) {
	h := redisHarness()
	clock := sessiontest.NewClock()
	first, twin := h.New(t, clock.Now)
	a := newSite(t, session.Config{Store: first, Now: clock.Now})
	b := newSite(t, session.Config{Store: twin(), Now: clock.Now})
	ck := sessionCookie(t, a.do("POST", "/login?user=dave", ""))
	if got := b.do("GET", "/get?k=_auth_user_id", ck.Value).Body.String(); got != "dave" {
		t.Fatalf("process B sees user %q; want dave", got)
	}
	b.do("POST", "/logout", ck.Value)
	if got := a.do("GET", "/get?k=_auth_user_id", ck.Value).Body.String(); got != "" {
		t.Fatalf("process A still sees user %q after logout on B", got)
	}
}

func TestCookieDefaults(t *testing.T) {
	s := newSite(t, session.Config{})
	w := s.do("GET", "/set?k=a&v=1", "")
	ck := sessionCookie(t, w)
	if ck.Name != "sessionid" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure ||
		ck.MaxAge != 1209600 || ck.Domain != "" {
		t.Fatalf("cookie = %q", w.Header().Values("Set-Cookie"))
	}
	if d := time.Until(ck.Expires); d < 13*24*time.Hour || d > 15*24*time.Hour {
		t.Fatalf("Expires = %v; want two weeks from now", ck.Expires)
	}
	if !session.ValidKey(ck.Value) {
		t.Fatalf("cookie value %q is not a session key", ck.Value)
	}
	if !varyCookie(w) {
		t.Fatal("a response that used the session must carry Vary: Cookie")
	}
}

func TestCookieSettings(t *testing.T) {
	s := newSite(t, session.Config{
		CookieName: "sid", CookieAge: time.Hour, CookieDomain: "example.com", CookiePath: "/app",
		CookieSecure: session.SecureAlways, CookieSameSite: "Strict",
	})
	w := s.do("GET", "/set?k=a&v=1", "")
	line := w.Header().Get("Set-Cookie")
	for _, part := range []string{"sid=", "Path=/app", "Domain=example.com", "Max-Age=3600", "HttpOnly", "Secure", "SameSite=Strict"} {
		if !strings.Contains(line, part) {
			t.Errorf("Set-Cookie %q lacks %q", line, part)
		}
	}
}

func TestSecureInReleaseMode(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	defer gin.SetMode(gin.TestMode)
	s := newSite(t, session.Config{})
	if ck := sessionCookie(t, s.do("GET", "/set?k=a&v=1", "")); !ck.Secure {
		t.Fatal("release mode must mark the session cookie Secure")
	}
	if !strings.Contains(s.logs.String(), "process memory") {
		t.Fatal("the default memory store must be reported in release mode")
	}
	n := newSite(t, session.Config{CookieSecure: session.SecureNever})
	if ck := sessionCookie(t, n.do("GET", "/set?k=a&v=1", "")); ck.Secure {
		t.Fatal("CookieSecure: never must win over release mode")
	}
}

func TestUntouchedSessionWritesNothing(t *testing.T) {
	s := newSite(t, session.Config{})
	w := s.do("GET", "/plain", "")
	if len(w.Header().Values("Set-Cookie")) != 0 || varyCookie(w) {
		t.Fatalf("a request that never used the session got %q / Vary %q", w.Header().Values("Set-Cookie"), w.Header().Values("Vary"))
	}
	ck := sessionCookie(t, s.do("GET", "/set?k=a&v=1", ""))
	w = s.do("GET", "/plain", ck.Value)
	if len(w.Header().Values("Set-Cookie")) != 0 {
		t.Fatalf("an unused session must not be saved or re-sent: %q", w.Header().Values("Set-Cookie"))
	}
	w = s.do("GET", "/get?k=a", ck.Value)
	if len(w.Header().Values("Set-Cookie")) != 0 || !varyCookie(w) {
		t.Fatalf("a read-only request: Set-Cookie %q, Vary %q; want none and Cookie", w.Header().Values("Set-Cookie"), w.Header().Values("Vary"))
	}
}

func TestSaveEveryRequestRefreshesTheCookie(t *testing.T) {
	s := newSite(t, session.Config{SaveEveryRequest: true})
	ck := sessionCookie(t, s.do("GET", "/set?k=a&v=1", ""))
	w := s.do("GET", "/plain", ck.Value)
	if again := sessionCookie(t, w); again.Value != ck.Value || again.MaxAge != 1209600 {
		t.Fatalf("refresh cookie = %q", w.Header().Values("Set-Cookie"))
	}
	if w := s.do("GET", "/plain", ""); len(w.Header().Values("Set-Cookie")) != 0 {
		t.Fatal("SaveEveryRequest must not create sessions for requests without one")
	}
}

func TestExpireAtBrowserClose(t *testing.T) {
	s := newSite(t, session.Config{ExpireAtBrowserClose: true})
	w := s.do("GET", "/set?k=a&v=1", "")
	if line := w.Header().Get("Set-Cookie"); strings.Contains(line, "Max-Age") || strings.Contains(line, "Expires") {
		t.Fatalf("a browser-session cookie must carry no Max-Age or Expires: %q", line)
	}
}

func TestSetExpiry(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/remember", func(c *gin.Context) {
		sess := session.Get(c)
		switch c.Query("for") {
		case "browser":
			sess.SetExpiry(0)
		case "default":
			sess.SetExpiry(-1)
		default:
			sess.SetExpiry(30 * 24 * time.Hour)
		}
		c.String(200, sess.ExpiryAge().String())
	})
	w := s.do("GET", "/remember", "")
	if ck := sessionCookie(t, w); ck.MaxAge != 30*24*3600 || w.Body.String() != "720h0m0s" {
		t.Fatalf("30-day session: Max-Age %d, age %s", ck.MaxAge, w.Body)
	}
	ck := sessionCookie(t, w)
	w = s.do("GET", "/remember?for=browser", ck.Value)
	if line := w.Header().Get("Set-Cookie"); strings.Contains(line, "Max-Age") {
		t.Fatalf("SetExpiry(0) must give a browser-session cookie: %q", line)
	}
	w = s.do("GET", "/remember?for=default", ck.Value)
	if got := sessionCookie(t, w); got.MaxAge != 1209600 {
		t.Fatalf("SetExpiry(-1) must restore the default age, got Max-Age %d", got.MaxAge)
	}
}

func TestServerErrorsAreNotSaved(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/fail", func(c *gin.Context) {
		session.Get(c).Set("half", "done")
		c.String(500, "boom")
	})
	w := s.do("GET", "/fail", "")
	if len(sessionCookies(w)) != 0 {
		t.Fatalf("a 5xx response saved the session: %q", w.Header().Values("Set-Cookie"))
	}
}

func TestStoreOutage(t *testing.T) {
	// A Redis client that cannot connect: the store is down.
	client := deadRedis()
	defer client.Close()
	down, err := session.NewRedisStore(session.RedisStoreConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t, session.Config{Store: down})
	key := session.NewKey()

	w := s.do("GET", "/get?k=a", key)
	if w.Code != 200 || w.Body.String() != "" || len(sessionCookies(w)) != 0 {
		t.Fatalf("read during an outage: %d %q %q; want 200, an empty session, and the cookie left alone", w.Code, w.Body, w.Header().Values("Set-Cookie"))
	}
	w = s.do("GET", "/set?k=a&v=1", key)
	if w.Code != http.StatusServiceUnavailable || len(sessionCookies(w)) != 0 {
		t.Fatalf("write during an outage: %d %q; want 503 and no cookie", w.Code, w.Header().Values("Set-Cookie"))
	}
	w = s.do("GET", "/set?k=a&v=1", "")
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("new session during an outage: %d; want 503", w.Code)
	}
	if w := s.do("POST", "/login?user=x", key); w.Code != 503 || !strings.Contains(w.Body.String(), "store unavailable") {
		t.Fatalf("Regenerate during an outage: %d %q", w.Code, w.Body)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, "session: cannot load the session") || strings.Contains(logs, key) {
		t.Fatalf("the outage must be logged, without the key:\n%s", logs)
	}
}

func TestNonStringKeyIsAServerError(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/bad", func(c *gin.Context) {
		sessions.Default(c).Set(42, "x")
		c.String(200, "ok")
	})
	if w := s.do("GET", "/bad", ""); w.Code != 500 {
		t.Fatalf("status %d; want 500 for a programming error", w.Code)
	}
}

func TestUnserializableValueIsAServerError(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/bad", func(c *gin.Context) {
		session.Get(c).Set("ch", make(chan int))
		c.String(200, "ok")
	})
	w := s.do("GET", "/bad", "")
	if w.Code != 500 || !strings.Contains(s.logs.String(), "cannot serialize") {
		t.Fatalf("status %d, logs %q", w.Code, s.logs)
	}
}

func TestExplicitSaveIsHarmless(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/save", func(c *gin.Context) {
		sess := sessions.Default(c) // gin-contrib code
		sess.Set("a", "1")
		if err := sess.Save(); err != nil {
			t.Error(err)
		}
		if err := sess.Save(); err != nil {
			t.Error(err)
		}
		sess.Set("b", "2")
		c.String(200, "ok")
	})
	w := s.do("GET", "/save", "")
	ck := sessionCookie(t, w) // exactly one Set-Cookie despite two saves and a change
	if got := s.do("GET", "/get?k=b", ck.Value).Body.String(); got != "2" {
		t.Fatalf("the change after Save was lost: b = %q", got)
	}
}

func TestStreamingResponseCarriesTheCookie(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/stream", func(c *gin.Context) {
		session.Get(c).Set("streamed", "yes")
		c.Writer.WriteString("part one\n")
		c.Writer.Flush()
		c.Writer.WriteString("part two\n")
	})
	w := s.do("GET", "/stream", "")
	ck := sessionCookie(t, w)
	if w.Body.String() != "part one\npart two\n" {
		t.Fatalf("body %q", w.Body)
	}
	if got := s.do("GET", "/get?k=streamed", ck.Value).Body.String(); got != "yes" {
		t.Fatalf("streamed = %q", got)
	}
}

func TestGinContribInterface(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/flash", func(c *gin.Context) {
		sess := sessions.Default(c)
		if c.Query("add") != "" {
			sess.AddFlash(c.Query("add"))
			sess.AddFlash("second", "other")
			c.String(200, "added")
			return
		}
		var parts []string
		for _, f := range sess.Flashes() {
			parts = append(parts, f.(string))
		}
		c.String(200, strings.Join(parts, ","))
	})
	s.router.GET("/contrib-logout", func(c *gin.Context) {
		sessions.Default(c).Options(sessions.Options{MaxAge: -1})
		c.String(200, "bye")
	})
	ck := sessionCookie(t, s.do("GET", "/flash?add=hello", ""))
	ck2 := sessionCookie(t, s.do("GET", "/flash?add=world", ck.Value))
	if got := s.do("GET", "/flash", ck2.Value).Body.String(); got != "hello,world" {
		t.Fatalf("flashes = %q", got)
	}
	if got := s.do("GET", "/flash", ck2.Value).Body.String(); got != "" {
		t.Fatalf("flashes are read once; second read = %q", got)
	}
	w := s.do("GET", "/contrib-logout", ck2.Value)
	if gone := sessionCookie(t, w); gone.MaxAge >= 0 {
		t.Fatalf("Options(MaxAge: -1) must end the session: %q", w.Header().Values("Set-Cookie"))
	}
	if _, _, err := s.m.Store().Load(context.Background(), ck2.Value); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Options(MaxAge: -1) left the record: %v", err)
	}
}

func TestWithoutTheMiddleware(t *testing.T) {
	r := gin.New()
	r.GET("/", func(c *gin.Context) {
		sess := session.Get(c)
		sess.Set("a", "1")
		if sess.GetString("a") != "1" {
			t.Error("a detached session should still hold values for the request")
		}
		for name, err := range map[string]error{
			"Save": sess.Save(), "Regenerate": session.Regenerate(c), "Flush": session.Flush(c), "Err": sess.Err(),
		} {
			if !errors.Is(err, session.ErrNoMiddleware) {
				t.Errorf("%s = %v; want ErrNoMiddleware", name, err)
			}
		}
		if _, err := session.Lookup(c); !errors.Is(err, session.ErrNoMiddleware) {
			t.Errorf("Lookup = %v", err)
		}
		sess.Options(sessions.Options{MaxAge: -1})
		_ = sess.ExpiryAge()
		c.String(200, "ok")
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
}

func TestSessionAPI(t *testing.T) {
	s := newSite(t, session.Config{})
	s.router.GET("/api", func(c *gin.Context) {
		sess, err := session.Lookup(c)
		if err != nil {
			t.Fatal(err)
		}
		if !sess.IsEmpty() || sess.Accessed() {
			t.Error("a new session is empty and not accessed")
		}
		sess.Set("n", 7)
		sess.Set("f", 2.0)
		sess.Set("s", "x")
		if !sess.Has("n") || sess.Len() != 3 || strings.Join(sess.Keys(), ",") != "f,n,s" || !sess.Modified() {
			t.Errorf("Has/Len/Keys/Modified: %v %d %v %v", sess.Has("n"), sess.Len(), sess.Keys(), sess.Modified())
		}
		if v := sess.Pop("s"); v != "x" || sess.Has("s") {
			t.Errorf("Pop = %v", v)
		}
		if sess.Key() != "" {
			t.Error("an unsaved session has no key")
		}
		if err := sess.Save(); err != nil {
			t.Fatal(err)
		}
		if !session.ValidKey(sess.Key()) || sess.ID() != sess.Key() || sess.Modified() {
			t.Errorf("after Save: key %q, modified %v", sess.Key(), sess.Modified())
		}
		c.String(200, "ok")
	})
	s.router.GET("/types", func(c *gin.Context) {
		sess := session.Get(c)
		n, nok := sess.Get("n").(int)
		f, fok := sess.Get("f").(float64)
		if !nok || n != 7 || !fok || f != 2.0 {
			t.Errorf("types lost: n %T %v, f %T %v", sess.Get("n"), sess.Get("n"), sess.Get("f"), sess.Get("f"))
		}
		sess.Clear()
		c.String(200, "ok")
	})
	ck := sessionCookie(t, s.do("GET", "/api", ""))
	w := s.do("GET", "/types", ck.Value)
	// Clear keeps the key (Django): the cookie stays, now naming an empty session.
	if again := sessionCookie(t, w); again.Value != ck.Value || again.MaxAge <= 0 {
		t.Fatalf("Clear: %q", w.Header().Values("Set-Cookie"))
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []session.Config{
		{CookieName: "bad name"},
		{CookieName: "a;b"},
		{CookieAge: 1209600}, // seconds written as a Duration: 1.2ms
		{CookiePath: "app"},
		{CookiePath: "/a;b"},
		{CookieDomain: "a.com; Secure"},
		{CookieSameSite: "lax-ish"},
		{CookieSecure: "yes"},
		{CookieSecure: session.SecureNever, CookieSameSite: "None"},
	} {
		if _, err := session.New(cfg); err == nil || !strings.HasPrefix(err.Error(), "session: Config.") {
			t.Errorf("New(%+v) = %v; want a Config error", cfg, err)
		}
	}
}

func TestSameSiteNoneIsSecure(t *testing.T) {
	s := newSite(t, session.Config{CookieSameSite: "None"})
	if ck := sessionCookie(t, s.do("GET", "/set?k=a&v=1", "")); !ck.Secure || ck.SameSite != http.SameSiteNoneMode {
		t.Fatal("SameSite=None cookies must be Secure, or browsers drop them")
	}
}

func TestSecureOnHTTPSRequests(t *testing.T) {
	s := newSite(t, session.Config{})
	w := httptest.NewRecorder()
	s.router.ServeHTTP(w, httptest.NewRequest("GET", "https://example.com/set?k=a&v=1", nil))
	if ck := sessionCookie(t, w); !ck.Secure {
		t.Fatal("a session cookie set over HTTPS must be Secure, even in debug mode")
	}
}
