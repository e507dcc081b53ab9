package ginmw_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// A site behind a load balancer in 10.0.0.0/8 that sets X-Forwarded-For and
// X-Forwarded-Proto. Forwarded headers are believed from the balancer and from no one else.
func ExampleNewFacts() {
	facts, err := ginmw.NewFacts(ginmw.FactsConfig{
		TrustedProxies: []string{"10.0.0.0/8"},
		ProxyHeaders:   []ginmw.ProxyHeader{ginmw.HeaderXForwardedFor, ginmw.HeaderXForwardedProto},
		AllowedHosts:   []string{".example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(facts)
	r.GET("/", func(c *gin.Context) {
		c.String(http.StatusOK, "%s %s://%s", ginmw.ClientIP(c), ginmw.Scheme(c), ginmw.Host(c))
	})

	get := func(peer, host, xff, proto string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr, req.Host = peer, host
		req.Header.Set("X-Forwarded-For", xff)
		req.Header.Set("X-Forwarded-Proto", proto)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Printf("%d %s\n", w.Code, w.Body)
	}
	get("10.0.0.1:4000", "WWW.Example.com", "1.2.3.4, 203.0.113.7", "https") // through the balancer
	get("203.0.113.7:4000", "example.com", "1.2.3.4", "https")               // a client forging headers
	get("10.0.0.1:4000", "evil.test", "203.0.113.7", "https")                // a host the site does not serve
	// Output:
	// 200 203.0.113.7 https://www.example.com
	// 200 203.0.113.7 http://example.com
	// 400 Bad Request (400)
}

// The default middlewares in the recommended order (docs/middleware.md), built in Go. The
// same list can come from a settings file through ginmw.ReadSettings.
func Example_defaultStack() {
	facts, err := ginmw.NewFacts(ginmw.FactsConfig{AllowedHosts: []string{"example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	requestID, _ := ginmw.NewRequestID(ginmw.RequestIDConfig{Generate: func() string { return "req-1" }})
	security, _ := ginmw.NewSecurity(ginmw.SecurityConfig{})
	gzip, _ := ginmw.NewGZip(ginmw.GZipConfig{})
	conditional, _ := ginmw.NewConditionalGet(ginmw.ConditionalGetConfig{})
	common, _ := ginmw.NewCommon(ginmw.CommonConfig{})
	xframe, _ := ginmw.NewXFrame(ginmw.XFrameConfig{})

	r := gin.New()
	r.RedirectTrailingSlash = false // APPEND_SLASH is done by common, through the chain
	r.Use(ginmw.Chain(requestID, facts, security, gzip, conditional, common, xframe))
	r.GET("/polls/", func(c *gin.Context) { c.String(http.StatusOK, "What's new?") })

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://example.com/polls", nil))
	fmt.Println(w.Code, w.Header().Get("Location"), w.Header().Get("X-Frame-Options"), w.Header().Get("X-Request-Id"))
	// Output: 301 /polls/ DENY req-1
}
