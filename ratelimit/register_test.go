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

// TestRegisteredUserKeyFromAService: a settings entry whose policy counts by "user" reads
// the user from the ServiceUser service: each user has a budget of their own, and a
// request without a user counts by its address. Without the service, or with a service of
// another type, the settings are refused with an error that names the service.
func TestRegisteredUserKeyFromAService(t *testing.T) {
	doc := "middleware:\n  - ratelimit:\n      policies:\n        - {name: api, rate: 2/m, key: user}\n"
	user := func(c *gin.Context) string { return c.GetHeader("X-Test-User") } // the test's stand-in for authx.UserKey
	serve := settingsServer(t, doc, ginmw.Env{Services: map[string]any{ServiceUser: user}})
	send := func(user, addr string) int { return serve(addr, user) }
	// User 1 from three addresses shares one budget of 2.
	if got := []int{send("1", "192.0.2.1"), send("1", "192.0.2.2"), send("1", "192.0.2.3")}; got[1] != 200 || got[2] != http.StatusTooManyRequests {
		t.Fatalf("user 1: %v", got)
	}
	if send("2", "192.0.2.3") != 200 {
		t.Fatal("user 2 was refused for user 1's requests")
	}
	// Anonymous requests count by address.
	if got := []int{send("", "198.51.100.9"), send("", "198.51.100.9"), send("", "198.51.100.9"), send("", "198.51.100.10")}; got[1] != 200 || got[2] != http.StatusTooManyRequests || got[3] != 200 {
		t.Fatalf("anonymous: %v", got)
	}

	for _, env := range []ginmw.Env{{}, {Services: map[string]any{ServiceUser: "not a function"}}} {
		_, err := stackFrom(t, doc, env)
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), ServiceUser) {
			t.Errorf("services %v: err = %v, want ErrInvalidConfig naming %q", env.Services, err, ServiceUser)
		}
	}
}

// TestRegisteredMemoryStoreSettings: the settings entry's memory section configures the
// memory store: with a cap of two keys a third client is refused with 503 while the first
// two are still served; a malformed section is refused at start-up.
func TestRegisteredMemoryStoreSettings(t *testing.T) {
	serve := settingsServer(t, "middleware:\n  - ratelimit:\n      memory: {max_keys: 2, when_full: deny}\n      policies: [{name: site, rate: 5/m}]\n", ginmw.Env{})
	send := func(addr string) int { return serve(addr, "") }
	if got := []int{send("192.0.2.1"), send("192.0.2.2"), send("192.0.2.3"), send("192.0.2.1")}; got[0] != 200 || got[1] != 200 || got[2] != http.StatusServiceUnavailable || got[3] != 200 {
		t.Fatalf("a store capped at two keys: %v", got)
	}
	_, err := stackFrom(t, "middleware:\n  - ratelimit:\n      memory: {when_full: maybe}\n", ginmw.Env{})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "maybe") {
		t.Fatalf("a malformed memory section: %v", err)
	}
}

// settingsServer builds the middleware list doc with env in front of one route, "/",
// and returns a function that sends a request from addr (with the header X-Test-User
// when user is set) and gives the status.
func settingsServer(t *testing.T, doc string, env ginmw.Env) func(addr, user string) int {
	t.Helper()
	h, err := stackFrom(t, doc, env)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(h)
	r.GET("/", func(c *gin.Context) { c.String(200, "ok") })
	return func(addr, user string) int {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = addr + ":1234"
		if user != "" {
			req.Header.Set("X-Test-User", user)
		}
		r.ServeHTTP(w, req)
		return w.Code
	}
}
