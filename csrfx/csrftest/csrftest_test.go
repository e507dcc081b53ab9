package csrftest_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/csrfx/csrftest"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
	"github.com/gin-gonic/gin"
)

func app(t *testing.T, cfg csrfx.Config) (*gin.Engine, *csrfx.Middleware) {
	t.Helper()
	gin.SetMode(gin.TestMode)
	cfg.Logger = slog.New(slog.DiscardHandler)
	m, err := csrfx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	if cfg.Storage == csrfx.StorageSession {
		r.Use(sessions.Sessions("sessionid", cookie.NewStore([]byte("0123456789abcdef0123456789abcdef"))))
	}
	r.Use(m.Handler())
	r.GET("/form", func(c *gin.Context) { c.String(http.StatusOK, "<form>%s</form>", csrfx.Input(c)) })
	r.GET("/csrf", csrfx.TokenHandler)
	r.POST("/submit", func(c *gin.Context) { c.String(http.StatusOK, "got %s", c.PostForm("name")) })
	return r, m
}

func TestClientCookieStorage(t *testing.T) {
	r, _ := app(t, csrfx.Config{})
	c := csrftest.New(t, r)
	c.Get("/form")
	w := c.PostForm("/submit", url.Values{"name": {"ann"}})
	if w.Code != http.StatusOK || w.Body.String() != "got ann" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
	if w := c.PostJSON("/submit", map[string]string{"a": "b"}); w.Code != http.StatusOK {
		t.Fatalf("JSON: %d", w.Code)
	}
}

func TestClientSessionStorageAndHTTPS(t *testing.T) {
	r, _ := app(t, csrfx.Config{Storage: csrfx.StorageSession})
	c := csrftest.New(t, r)
	c.BaseURL = "https://www.example.com"
	c.TokenPath = "/csrf"
	if w := c.PostForm("/submit", url.Values{"name": {"ann"}}); w.Code != http.StatusOK {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
	c.TokenPath = "/form" // a token scraped from a page works too
	c2 := csrftest.New(t, r)
	c2.BaseURL, c2.TokenPath = "https://www.example.com", "/form"
	if w := c2.PostForm("/submit", nil); w.Code != http.StatusOK {
		t.Fatalf("scraped token: %d", w.Code)
	}
}

func TestClientSecureHostCookie(t *testing.T) {
	yes := true
	r, m := app(t, csrfx.Config{CookieSecure: &yes})
	c := csrftest.New(t, r)
	c.BaseURL = "https://www.example.com"
	c.Get("/form")
	if m.CookieName() != "__Host-csrftoken" {
		t.Fatal(m.CookieName())
	}
	if w := c.PostForm("/submit", nil); w.Code != http.StatusOK {
		t.Fatalf("%d", w.Code)
	}
}

// The client enforces: a forged Origin or a wrong token is still rejected.
func TestClientDoesNotWeakenChecks(t *testing.T) {
	r, _ := app(t, csrfx.Config{})
	c := csrftest.New(t, r)
	c.Get("/form")
	req := httptest.NewRequest(http.MethodPost, "/submit", nil)
	req.Header.Set("Origin", "https://evil.example")
	if w := c.Do(req); w.Code != http.StatusForbidden {
		t.Errorf("forged Origin: %d", w.Code)
	}
	req = httptest.NewRequest(http.MethodPost, "/submit", nil)
	req.Header.Set("X-CSRFToken", "0123456789abcdef0123456789abcdef")
	if w := c.Do(req); w.Code != http.StatusForbidden {
		t.Errorf("wrong token: %d", w.Code)
	}
}

func TestClientSkipChecks(t *testing.T) {
	r, _ := app(t, csrfx.Config{})
	c := csrftest.New(t, r)
	c.SkipChecks = true
	if w := c.PostForm("/submit", url.Values{"name": {"ann"}}); w.Code != http.StatusOK {
		t.Fatalf("%d", w.Code)
	}
}
