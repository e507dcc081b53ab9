package session_test

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/internal/testenv"
)

// stackFrom builds a router from a settings document and the given services.
func stackFrom(t *testing.T, doc string, services map[string]any) (*gin.Engine, error) {
	t.Helper()
	s, err := ginmw.ParseSettings([]byte(doc), "settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Stack(ginmw.Env{Services: services})
	if err != nil {
		return nil, err
	}
	r := gin.New()
	r.Use(h)
	r.GET("/set", func(c *gin.Context) { session.Get(c).Set("k", c.Query("v")); c.String(200, "ok") })
	r.GET("/get", func(c *gin.Context) { c.String(200, session.Get(c).GetString("k")) })
	return r, nil
}

func roundTrip(t *testing.T, r *gin.Engine, cookieName string) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/set?v=x", nil))
	var ck *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			ck = c
		}
	}
	if ck == nil {
		t.Fatalf("no %s cookie in %q", cookieName, w.Header().Values("Set-Cookie"))
	}
	req := httptest.NewRequest("GET", "/get", nil)
	req.AddCookie(ck)
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Body.String() != "x" {
		t.Fatalf("value after a round trip = %q", w.Body)
	}
	return ck
}

func TestSettingsEngines(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "app.db"))
	client, prefix := testenv.Redis(t)
	services := map[string]any{
		session.ServiceDB: db, session.ServiceRedis: client,
		session.ServiceSecretKey: string(testKeys[0]), session.ServiceSecretKeyFallbacks: []string{string(testKeys[1])},
	}
	for _, tc := range []struct{ name, doc string }{
		{"default is db", "middleware:\n  - sessions\n"},
		{"db", "middleware:\n  - sessions: {engine: db, table: app_session, cleanup_interval: 0s}\n"},
		{"redis", "middleware:\n  - sessions: {engine: redis, redis_prefix: '" + prefix + "'}\n"},
		{"cookie", "middleware:\n  - sessions: {engine: cookie, cookie_name: sid, cookie_age: 1h}\n"},
		{"memory", "middleware:\n  - sessions:\n      engine: memory\n      save_every_request: true\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := stackFrom(t, tc.doc, services)
			if err != nil {
				t.Fatal(err)
			}
			name := "sessionid"
			if strings.Contains(tc.doc, "sid") {
				name = "sid"
			}
			ck := roundTrip(t, r, name)
			if strings.Contains(tc.doc, "1h") && ck.MaxAge != 3600 {
				t.Fatalf("cookie_age: Max-Age %d", ck.MaxAge)
			}
		})
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM django_session`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("the default engine must use the db service and create django_session: %d rows, %v", n, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM app_session`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("table option: %d rows, %v", n, err)
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"unknown option", "middleware:\n  - sessions: {cookie_nmae: x}\n", "cookie_nmae"},
		{"bad engine", "middleware:\n  - sessions: {engine: file}\n", `"file"`},
		{"db without service", "middleware:\n  - sessions: {engine: db}\n", `"db"`},
		{"redis without service", "middleware:\n  - sessions: {engine: redis}\n", `"redis"`},
		{"cookie without key", "middleware:\n  - sessions: {engine: cookie}\n", `"secret_key"`},
		{"bad config", "middleware:\n  - sessions: {cookie_same_site: sometimes}\n", "CookieSameSite"},
		{"seconds as age", "middleware:\n  - sessions: {cookie_age: 1209600}\n", "time.Duration"},
		{"tiny age", "middleware:\n  - sessions: {cookie_age: 1ms}\n", "CookieAge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := stackFrom(t, tc.doc, map[string]any{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "settings.yaml:2") {
				t.Fatalf("error %v; want one naming %s and the line", err, tc.want)
			}
		})
	}
	_, err := stackFrom(t, "middleware:\n  - sessions: {engine: cookie}\n", map[string]any{session.ServiceSecretKey: "short"})
	if err == nil || !strings.Contains(err.Error(), "at least 32 bytes") {
		t.Fatalf("a short secret key must be refused: %v", err)
	}
	var db *sql.DB
	if _, err := stackFrom(t, "middleware:\n  - sessions: {engine: db}\n", map[string]any{"db": db}); err == nil {
		t.Fatal("a nil *sql.DB must be refused")
	}
}
