package cache_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/cache"
	"github.com/djin-go/djin/internal/testenv"
)

// BenchmarkHit measures a request answered from the cache, per backend, against the same
// view uncached.
func BenchmarkHit(b *testing.B) {
	page := strings.Repeat("<p>cached content</p>", 200) // 4 KiB
	view := func(c *gin.Context) { c.Header("Vary", "Accept-Encoding"); c.String(200, page) }
	backends := map[string]func(b *testing.B) cache.Backend{
		"memory": func(*testing.B) cache.Backend { m, _ := cache.NewMemory(cache.MemoryConfig{}); return m },
		"redis": func(b *testing.B) cache.Backend {
			client, prefix := testenv.Redis(b)
			r, _ := cache.NewRedis(cache.RedisConfig{Client: client, Prefix: prefix})
			return r
		},
	}
	for _, name := range []string{"memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			ch, _ := cache.New(cache.Config{Backend: backends[name](b)})
			r := gin.New()
			r.Use(ginmw.Chain(ch.UpdateCache(), ch.FetchFromCache()))
			r.GET("/", view)
			req := httptest.NewRequest("GET", "/", nil)
			r.ServeHTTP(httptest.NewRecorder(), req)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				if w.Header().Get("Age") == "" {
					b.Fatal("miss")
				}
			}
		})
	}
	b.Run("uncached", func(b *testing.B) {
		r := gin.New()
		r.Use(ginmw.Chain())
		r.GET("/", view)
		req := httptest.NewRequest("GET", "/", nil)
		b.ReportAllocs()
		for b.Loop() {
			r.ServeHTTP(httptest.NewRecorder(), req)
		}
	})
}
