package cache_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/cache"
	_ "github.com/djin-go/djin/ginmw/session" // registers "sessions"
	"github.com/djin-go/djin/internal/testenv"
)

func stack(t *testing.T, doc string, services map[string]any) (*gin.Engine, *atomic.Int64, error) {
	t.Helper()
	s, err := ginmw.ParseSettings([]byte(doc), "settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Stack(ginmw.Env{Services: services})
	if err != nil {
		return nil, nil, err
	}
	var calls atomic.Int64
	r := gin.New()
	r.Use(h)
	r.GET("/", func(c *gin.Context) { calls.Add(1); c.String(200, "home") })
	return r, &calls, nil
}

func TestSettingsSplitAndSingle(t *testing.T) {
	client, prefix := testenv.Redis(t)
	for name, doc := range map[string]string{
		"split":  "middleware:\n  - update_cache: {timeout: 60s, key_prefix: site1}\n  - sessions: {engine: memory}\n  - fetch_from_cache\n",
		"redis":  "middleware:\n  - update_cache: {backend: redis, redis_prefix: '" + prefix + "'}\n  - fetch_from_cache\n",
		"single": "middleware:\n  - cache\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, calls, err := stack(t, doc, map[string]any{"redis": client})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				w := httptest.NewRecorder()
				r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
				if w.Body.String() != "home" {
					t.Fatalf("body %q", w.Body)
				}
			}
			if calls.Load() != 1 {
				t.Fatalf("%d runs; want 1", calls.Load())
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"middleware:\n  - fetch_from_cache\n", "update_cache must be listed above"},
		{"middleware:\n  - update_cache\n  - fetch_from_cache: {timeout: 5s}\n", "takes its settings from update_cache"},
		{"middleware:\n  - update_cache: {backend: memcached}\n", `"memcached"`},
		{"middleware:\n  - update_cache: {backend: redis}\n", `"redis"`},
		{"middleware:\n  - cache: {timeout: 600}\n", "time.Duration"},
		{"middleware:\n  - cache: {timeout: 1ms}\n", "Config.Timeout"},
		{"middleware:\n  - cache: {timout: 60s}\n", "timout"},
	} {
		_, _, err := stack(t, tc.doc, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v; want one mentioning %s", tc.doc, err, tc.want)
		}
	}
	_, _, err := stack(t, "middleware:\n  - fetch_from_cache\n", nil)
	if !errors.Is(err, ginmw.ErrOrder) {
		t.Errorf("fetch_from_cache alone = %v; want ErrOrder", err)
	}
}

func TestSettingsUseTheCacheService(t *testing.T) {
	mem, _ := cache.NewMemory(cache.MemoryConfig{})
	r, _, err := stack(t, "middleware:\n  - cache\n", map[string]any{"cache": mem})
	if err != nil {
		t.Fatal(err)
	}
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if mem.Len() != 2 {
		t.Fatalf("the application's cache service must be used: %d entries", mem.Len())
	}
}
