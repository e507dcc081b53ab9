package sessions

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/internal/testenv"
	"github.com/gin-contrib/sessions"
	gccookie "github.com/gin-contrib/sessions/cookie"
	gcmemstore "github.com/gin-contrib/sessions/memstore"
	gcredis "github.com/gin-contrib/sessions/redis"
	"github.com/gin-gonic/gin"
)

var (
	djinKey  = bytes.Repeat([]byte{0x5a}, 32)
	hashKey  = bytes.Repeat([]byte{0x11}, 32)
	blockKey = bytes.Repeat([]byte{0x22}, 32)
)

// engine routes the three pages and the login that makes the session, with the same view
// code for both libraries (sessions.Default works with djin too).
func engine(mw gin.HandlerFunc) *gin.Engine {
	r := harness.Engine(mw)
	r.GET("/login", func(c *gin.Context) {
		s := sessions.Default(c)
		s.Set("_auth_user_id", "42")
		s.Set("_auth_user_backend", "authx.ModelBackend")
		s.Set("_auth_user_hash", "5f2b0c0e6c1d4c4c9b7e2a1f3d5e7a9b5f2b0c0e6c1d4c4c9b7e2a1f3d5e7a9b")
		if err := s.Save(); err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		c.String(http.StatusOK, harness.Body)
	})
	r.GET("/read", func(c *gin.Context) {
		id, _ := sessions.Default(c).Get("_auth_user_id").(string)
		if id != "42" {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		c.String(http.StatusOK, harness.Body)
	})
	r.GET("/write", func(c *gin.Context) {
		s := sessions.Default(c)
		n, _ := s.Get("views").(int)
		s.Set("views", n+1)
		if err := s.Save(); err != nil {
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		c.String(http.StatusOK, harness.Body)
	})
	return r
}

func djinSessions(tb testing.TB, store session.Store) http.Handler {
	m, err := session.New(session.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		tb.Fatal(err)
	}
	return engine(ginmw.Adapt(m))
}

func gcSessions(store sessions.Store) http.Handler {
	store.Options(sessions.Options{Path: "/", MaxAge: 14 * 24 * 3600, HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
	return engine(sessions.Sessions("sessionid", store))
}

// stores returns, per store kind, the djin and gin-contrib handlers.
var stores = []struct {
	name  string
	redis bool
	djin  func(tb testing.TB) http.Handler
	gc    func(tb testing.TB) http.Handler
}{
	{name: "cookie", djin: func(tb testing.TB) http.Handler {
		s, err := session.NewCookieStore(session.CookieStoreConfig{Keys: [][]byte{djinKey}})
		if err != nil {
			tb.Fatal(err)
		}
		return djinSessions(tb, s)
	}, gc: func(testing.TB) http.Handler { return gcSessions(gccookie.NewStore(hashKey, blockKey)) }},
	{name: "memory", djin: func(tb testing.TB) http.Handler {
		s, err := session.NewMemoryStore(session.MemoryStoreConfig{})
		if err != nil {
			tb.Fatal(err)
		}
		return djinSessions(tb, s)
	}, gc: func(testing.TB) http.Handler { return gcSessions(gcmemstore.NewStore(hashKey, blockKey)) }},
	{name: "redis", redis: true, djin: func(tb testing.TB) http.Handler {
		client, prefix := testenv.Redis(tb)
		s, err := session.NewRedisStore(session.RedisStoreConfig{Client: client, Prefix: prefix + "djin:"})
		if err != nil {
			tb.Fatal(err)
		}
		return djinSessions(tb, s)
	}, gc: func(tb testing.TB) http.Handler {
		// testenv checks that the server answers and deletes the keys under prefix at the
		// end; gin-contrib's store connects on its own (redigo) to the same server.
		_, prefix := testenv.Redis(tb)
		u, err := url.Parse(testenv.RedisURL())
		if err != nil {
			tb.Fatal(err)
		}
		password, _ := u.User.Password()
		db := strings.TrimPrefix(u.Path, "/")
		if db == "" {
			db = "0"
		}
		s, err := gcredis.NewStoreWithDB(8, "tcp", u.Host, u.User.Username(), password, db, hashKey, blockKey)
		if err != nil {
			tb.Fatal(err)
		}
		if err := gcredis.SetKeyPrefix(s, prefix+"gc:"); err != nil {
			tb.Fatal(err)
		}
		if rs, err := gcredis.GetRedisStore(s); err == nil {
			tb.Cleanup(func() { _ = rs.Close() })
		}
		return gcSessions(s)
	}},
}

// login signs in once and returns the session cookie as a Cookie header value.
func login(tb testing.TB, h http.Handler) string {
	tb.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, harness.Request{Target: "/login", TLS: true}.Build())
	for _, c := range w.Result().Cookies() {
		if c.Name == "sessionid" && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	tb.Fatalf("login: status %d, no session cookie in %q", w.Code, w.Header().Values("Set-Cookie"))
	return ""
}

var pages = map[string]string{"untouched": "/", "read": "/read", "write": "/write"}

func impls(tb testing.TB, store int, page string) []harness.Impl {
	st := stores[store]
	var out []harness.Impl
	for _, lib := range []struct {
		name string
		h    func(testing.TB) http.Handler
	}{{"djin", st.djin}, {"gin-contrib", st.gc}} {
		h := lib.h(tb)
		rq := harness.Request{Target: pages[page], TLS: true, Header: map[string]string{"Cookie": login(tb, h)}}
		out = append(out, harness.Impl{Name: lib.name, Request: &rq, Handler: func(testing.TB) http.Handler { return h }})
	}
	return out
}

var order = []string{"untouched", "read", "write"}

func BenchmarkSessions(b *testing.B) {
	for i, st := range stores {
		b.Run("store="+st.name, func(b *testing.B) {
			for _, page := range order {
				b.Run("case="+page, func(b *testing.B) {
					harness.Compare(b, harness.Case{Status: http.StatusOK}, impls(b, i, page)...)
				})
			}
		})
	}
}

func TestSessionsSetup(t *testing.T) {
	for i, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			for _, page := range order {
				harness.Verify(t, harness.Case{Status: http.StatusOK}, impls(t, i, page)...)
			}
		})
	}
}

// TestSessionsRefuseForgedCookies: both libraries really authenticate the cookie: a
// tampered one reads as no session, so /read answers 401.
func TestSessionsRefuseForgedCookies(t *testing.T) {
	for _, st := range stores {
		for name, build := range map[string]func(testing.TB) http.Handler{"djin": st.djin, "gin-contrib": st.gc} {
			h := build(t)
			cookie := []byte(login(t, h))
			cookie[len(cookie)-3] ^= 1
			w := httptest.NewRecorder()
			h.ServeHTTP(w, harness.Request{Target: "/read", TLS: true, Header: map[string]string{"Cookie": string(cookie)}}.Build())
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s/%s: tampered cookie: status %d, want 401", st.name, name, w.Code)
			}
		}
	}
}
