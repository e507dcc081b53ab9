package csrfx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// The tables of Go's net/http csrf_test.go (CrossOriginProtection), run against csrfx.
// OriginOnly is the preset with stdlib parity; the default (Both) is stricter where noted.

// stdlibRequest is csrf_test.go's httptestNewRequest: an https request to example.com.
func stdlibRequest(method, path string) *http.Request {
	r := httptest.NewRequest(method, "https://example.com"+path, nil)
	r.URL.Scheme, r.URL.Host = "", "" // go.dev/issue/73151: servers never see these
	return r
}

// stdlibEngine serves okView everywhere with csrfx in front; in Both mode every request
// also carries a valid token, so only the origin layer decides.
func stdlibEngine(t *testing.T, cfg Config) (*gin.Engine, *atomic.Bool) {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ran := new(atomic.Bool)
	view := func(c *gin.Context) { ran.Store(true); c.Status(http.StatusOK) }
	r := gin.New()
	r.Use(ginmw.Chain(m))
	for _, method := range []string{"GET", "HEAD", "OPTIONS", "POST", "PUT"} {
		r.Handle(method, "/", view)
	}
	// The bypass-pattern table as route markers: each exempt route is a route, and only
	// the route gin actually matched is exempt.
	r.POST("/bypass/*rest", Exempt, view)
	r.POST("/api/", view)
	r.POST("/api/bar", view)
	r.POST("/only/:foo", Exempt, view)
	r.POST("/only/:foo/foo", view)
	r.POST("/no-trailing", Exempt, view)
	r.POST("/no-trailing/", view)
	r.POST("/yes-trailing/", Exempt, view)
	r.POST("/yes-trailing", view)
	r.PUT("/put-only/", Exempt, view)
	r.POST("/put-only/", view)
	r.GET("/get-only/", Exempt, view)
	r.POST("/get-only/", view)
	r.POST("/post-only/", Exempt, view)
	return r, ran
}

func withToken(r *http.Request, mode Mode) *http.Request {
	if mode == Both {
		r.Header.Set("Cookie", DefaultCookieName+"="+testSecret)
		r.Header.Set("X-CSRFToken", maskedSecret2)
	}
	return r
}

func TestStdlibSecFetchSite(t *testing.T) {
	cases := []struct {
		name               string
		method, site, orig string
		want, wantBoth     int
	}{
		{"same-origin allowed", "POST", "same-origin", "", 200, 200},
		{"none allowed", "POST", "none", "", 200, 200},
		{"cross-site blocked", "POST", "cross-site", "", 403, 403},
		{"same-site blocked", "POST", "same-site", "", 403, 403},
		// Both keeps Django's strict HTTPS Referer rule: no Origin, no Referer → 403.
		{"no header with no origin", "POST", "", "", 200, 403},
		{"no header with matching origin", "POST", "", "https://example.com", 200, 200},
		{"no header with mismatched origin", "POST", "", "https://attacker.example", 403, 403},
		{"no header with null origin", "POST", "", "null", 403, 403},
		{"GET allowed", "GET", "cross-site", "", 200, 200},
		{"HEAD allowed", "HEAD", "cross-site", "", 200, 200},
		{"OPTIONS allowed", "OPTIONS", "cross-site", "", 200, 200},
		{"PUT blocked", "PUT", "cross-site", "", 403, 403},
	}
	for _, mode := range []Mode{OriginOnly, Both} {
		h, _ := stdlibEngine(t, Config{Mode: mode, Logger: discardLogger})
		for _, tc := range cases {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				r := withToken(stdlibRequest(tc.method, "/"), mode)
				if tc.site != "" {
					r.Header.Set("Sec-Fetch-Site", tc.site)
				}
				if tc.orig != "" {
					r.Header.Set("Origin", tc.orig)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				want := tc.want
				if mode == Both {
					want = tc.wantBoth
				}
				if w.Code != want {
					t.Errorf("status %d, want %d", w.Code, want)
				}
			})
		}
	}
}

func TestStdlibTrustedOriginBypass(t *testing.T) {
	cases := []struct {
		name, origin, site string
		want               int
	}{
		{"trusted origin without sec-fetch-site", "https://trusted.example", "", 200},
		{"trusted origin with cross-site", "https://trusted.example", "cross-site", 200},
		{"untrusted origin without sec-fetch-site", "https://attacker.example", "", 403},
		{"untrusted origin with cross-site", "https://attacker.example", "cross-site", 403},
	}
	for _, mode := range []Mode{OriginOnly, Both} {
		h, _ := stdlibEngine(t, Config{Mode: mode, TrustedOrigins: []string{"https://trusted.example"}, Logger: discardLogger})
		for _, tc := range cases {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				r := withToken(stdlibRequest("POST", "/"), mode)
				r.Header.Set("Origin", tc.origin)
				if tc.site != "" {
					r.Header.Set("Sec-Fetch-Site", tc.site)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tc.want {
					t.Errorf("status %d, want %d", w.Code, tc.want)
				}
			})
		}
	}
}

// The bypass-pattern table (including the CVE-2025-47910 cases, A3): exemptions are route
// markers, so a request that gin would redirect, or that names another route after
// cleaning, never runs an exempt handler, and a non-exempt route is checked.
func TestStdlibPatternBypass(t *testing.T) {
	const (
		pass   = "pass"   // the exempt view ran
		reject = "reject" // 403 from csrfx
		noView = "noview" // gin redirected or found nothing: no view ran, nothing exempted
	)
	cases := []struct{ name, path, site, want string }{
		{"bypass path without sec-fetch-site", "/bypass/", "", pass},
		{"bypass path with cross-site", "/bypass/", "cross-site", pass},
		{"non-bypass path without sec-fetch-site", "/api/", "", reject},
		{"non-bypass path with cross-site", "/api/", "cross-site", reject},
		{"redirect to bypass path without ..", "/foo/../bypass/bar", "", noView},
		{"redirect to bypass path with trailing slash", "/bypass", "", noView},
		{"redirect to non-bypass path with ..", "/foo/../api/bar", "", noView},
		{"redirect to non-bypass path with trailing slash", "/api", "", noView},
		{"wildcard bypass", "/only/123", "", pass},
		{"non-wildcard", "/only/123/foo", "", reject},
		{"no trailing slash exact match", "/no-trailing", "", pass},
		{"no trailing slash with slash", "/no-trailing/", "", reject},
		{"yes trailing slash exact match", "/yes-trailing/", "", pass},
		{"yes trailing slash without slash", "/yes-trailing", "", reject},
		{"method-specific hit", "/post-only/", "", pass},
		{"method-specific miss (PUT)", "/put-only/", "", reject},
		{"method-specific miss (GET)", "/get-only/", "", reject},
	}
	for _, mode := range []Mode{OriginOnly, Both} {
		h, ran := stdlibEngine(t, Config{Mode: mode, Logger: discardLogger})
		for _, tc := range cases {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				ran.Store(false)
				r := withToken(stdlibRequest("POST", tc.path), mode)
				r.Header.Set("Origin", "https://attacker.example")
				if tc.site != "" {
					r.Header.Set("Sec-Fetch-Site", tc.site)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				switch tc.want {
				case pass:
					if w.Code != 200 || !ran.Load() {
						t.Errorf("status %d, view ran %v; want the exempt view", w.Code, ran.Load())
					}
				case reject:
					if w.Code != 403 || ran.Load() {
						t.Errorf("status %d, view ran %v; want 403", w.Code, ran.Load())
					}
				case noView:
					if w.Code == 200 || ran.Load() {
						t.Errorf("status %d, view ran %v; want no view", w.Code, ran.Load())
					}
				}
			})
		}
	}
}

// SetDenyHandler's test: a custom failure handler, safe methods unaffected, and back to
// the default.
func TestStdlibFailureHandler(t *testing.T) {
	serve := func(cfg Config, method string) *httptest.ResponseRecorder {
		h, _ := stdlibEngine(t, cfg)
		r := stdlibRequest(method, "/")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := serve(Config{Mode: OriginOnly, Logger: discardLogger}, "POST"); w.Code != http.StatusForbidden {
		t.Errorf("default: %d", w.Code)
	}
	teapot := Config{Mode: OriginOnly, Logger: discardLogger, FailureHandler: func(c *gin.Context, err error) {
		c.String(http.StatusTeapot, "custom error")
	}}
	if w := serve(teapot, "POST"); w.Code != http.StatusTeapot || !strings.Contains(w.Body.String(), "custom error") {
		t.Errorf("custom: %d %q", w.Code, w.Body.String())
	}
	if w := serve(teapot, "GET"); w.Code != http.StatusOK {
		t.Errorf("custom, GET: %d", w.Code)
	}
}

// AddingBypassesConcurrently: csrfx's configuration is immutable after New, so the
// concurrency to prove is requests against one Middleware, and New alongside them. Run
// with -race.
func TestStdlibConcurrentUse(t *testing.T) {
	h, _ := stdlibEngine(t, Config{Logger: discardLogger, TrustedOrigins: []string{"https://concurrent.example"}})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				r := withToken(stdlibRequest("POST", "/"), Both)
				r.Header.Set("Origin", "https://concurrent.example")
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Errorf("status %d", w.Code)
				}
				if i%2 == 0 {
					if _, err := New(Config{Logger: discardLogger, TrustedOrigins: []string{"https://other.example"}}); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

// The real-server test: through a network connection and net/http's client.
func TestStdlibServer(t *testing.T) {
	m, err := New(Config{Mode: OriginOnly, Logger: discardLogger, TrustedOrigins: []string{"https://trusted.example"}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(m.Handler())
	r.POST("/", okView)
	r.POST("/bypass/", Exempt, okView)
	ts := httptest.NewServer(r)
	defer ts.Close()
	cases := []struct {
		name, url, origin, site string
		want                    int
	}{
		{"cross-site", ts.URL, "https://attacker.example", "cross-site", 403},
		{"same-origin", ts.URL, "", "same-origin", 200},
		{"origin matches host", ts.URL, ts.URL, "", 200},
		{"trusted origin", ts.URL, "https://trusted.example", "", 200},
		{"untrusted origin", ts.URL, "https://attacker.example", "", 403},
		{"bypass path", ts.URL + "/bypass/", "https://attacker.example", "", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			if tc.site != "" {
				req.Header.Set("Sec-Fetch-Site", tc.site)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}
