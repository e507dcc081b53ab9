package cache_test

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/cache"
	"github.com/djin-go/djin/ginmw/session"
)

// The per-site cache frames the stack; a view that uses the session is never shared.
func Example() {
	site := cache.Default()
	r := gin.New()
	r.Use(ginmw.Chain(site.UpdateCache(), session.Default(), site.FetchFromCache()))

	runs := 0
	r.GET("/news", func(c *gin.Context) {
		runs++
		c.String(200, "headlines")
	})
	r.GET("/inbox", func(c *gin.Context) {
		runs++
		c.String(200, "mail for %q", session.Get(c).GetString("user"))
	})
	for range 3 {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/news", nil))
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/inbox", nil))
	}
	fmt.Println("view runs:", runs) // /news once, /inbox three times
	// Output: view runs: 4
}

// CachePage caches one view; NeverCache keeps one out of every cache.
func ExampleCachePage() {
	r := gin.New()
	r.GET("/prices", cache.CachePage(15*time.Minute), func(c *gin.Context) { c.String(200, "prices") })
	r.GET("/account", cache.NeverCache, func(c *gin.Context) { c.String(200, "balance") })

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/account", nil))
	fmt.Println(w.Header().Get("Cache-Control"))
	// Output: max-age=0, no-cache, no-store, must-revalidate, private
}
