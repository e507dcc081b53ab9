package ratelimit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/internal/testenv"
	"github.com/gin-gonic/gin"
)

func stackFrom(t *testing.T, doc string, env ginmw.Env) (gin.HandlerFunc, error) {
	t.Helper()
	s, err := ginmw.ParseSettings([]byte(doc), "settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return s.Stack(env)
}

func TestRegisteredFromSettings(t *testing.T) {
	h, err := stackFrom(t, "middleware:\n  - ratelimit:\n      policies:\n        - {name: tutorial, rate: 3/10s, algorithm: sliding_log, key: ip}\n", ginmw.Env{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(h)
	r.GET("/throttled/", func(c *gin.Context) { c.String(200, "ok") })
	codes := make([]int, 0, 4)
	for i := 0; i < 4; i++ {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/throttled/", nil)
		req.RemoteAddr = "192.0.2.7:1234"
		r.ServeHTTP(w, req)
		codes = append(codes, w.Code)
	}
	if codes[2] != 200 || codes[3] != http.StatusTooManyRequests {
		t.Fatalf("the tutorial's 3 per 10 s: %v", codes)
	}
}

func TestRegisteredSettingsErrors(t *testing.T) {
	for _, tt := range []struct{ doc, mention string }{
		{"middleware:\n  - ratelimit: {store: memcached}\n", "memcached"},
		{"middleware:\n  - ratelimit: {store: redis}\n", `"redis"`},
		{"middleware:\n  - ratelimit:\n      policies: [{rate: 3 per second}]\n", "3 per second"},
	} {
		_, err := stackFrom(t, tt.doc, ginmw.Env{})
		if err == nil || !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%q: err = %v, want it to mention %s", tt.doc, err, tt.mention)
		}
	}
	_, err := stackFrom(t, "middleware:\n  - ratelimit: {store: redis}\n", ginmw.Env{Services: map[string]any{"redis": 42}})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("a non-Redis service: %v", err)
	}
}

func TestRegisteredRedisStore(t *testing.T) {
	client, prefix := testenv.Redis(t)
	doc := "middleware:\n  - ratelimit:\n      store: redis\n      redis: {prefix: \"" + prefix + "\"}\n      policies: [{rate: 1/m, key: ip}]\n"
	h, err := stackFrom(t, doc, ginmw.Env{Services: map[string]any{"redis": client}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(h)
	r.GET("/", func(c *gin.Context) { c.String(200, "ok") })
	var last int
	for i := 0; i < 2; i++ {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "198.51.100.1:9"
		r.ServeHTTP(w, req)
		last = w.Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("second request under 1/m through Redis: %d", last)
	}
}
