package ginmw

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// commonEngine has the routes of Django's CommonMiddlewareTest urls.py.
func commonEngine(t *testing.T, cfg CommonConfig, above ...any) *gin.Engine {
	t.Helper()
	e := mwEngine(append(above, mwMust(NewCommon(cfg)))...)
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	e.GET("/slash/", ok)
	e.GET("/noslash", ok)
	e.GET("/needsquoting#/", ok)
	e.GET("/users/:id/", ok)
	e.POST("/form/", ok)
	e.GET("/files/*path", ok)
	e.GET("/found/:id", func(c *gin.Context) { c.String(http.StatusNotFound, "no such thing") })
	return e
}

// Django tests/middleware/tests.py CommonMiddlewareTest, APPEND_SLASH cases.
func TestCommonAppendSlash(t *testing.T) {
	e := commonEngine(t, CommonConfig{})
	for _, tc := range []struct {
		name, target string
		status       int
		location     string
	}{
		{"have slash", "/slash/", 200, ""},
		{"slashless resource", "/noslash", 200, ""},
		{"slashless unknown", "/unknown", 404, ""},
		{"redirect", "/slash", 301, "/slash/"},
		{"redirect with query string", "/slash?test=1", 301, "/slash/?test=1"},
		{"quoted", "/needsquoting%23", 301, "/needsquoting%23/"},
		{"route parameter", "/users/42", 301, "/users/42/"},
		{"catch-all parameter", "/files", 301, "/files/"},
		{"leading slashes never make another host", "////evil.com/security", 404, ""},
		{"a 404 from a matched route is the view's answer", "/found/7", 404, ""},
		{"slashed path has no route for this method", "/form", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := mwDo(e, "GET", tc.target)
			if w.Code != tc.status || w.Header().Get("Location") != tc.location {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Header().Get("Location"), tc.status, tc.location)
			}
			if tc.status == 301 && (w.Body.Len() != 0 || w.Header().Get("Content-Type") != "") {
				t.Errorf("redirect carries the 404 page: %q", w.Body.String())
			}
		})
	}
	// test_append_slash_leading_slashes: with a catch-all route, "//evil.com/security/"
	// resolves, and the redirect must not be a network-path reference.
	e3 := mwEngine(mwMust(NewCommon(CommonConfig{})))
	e3.GET("/:a/:b/:c/", func(c *gin.Context) {})
	if w := mwDo(e3, "GET", "//evil.com/security"); w.Code != 301 || w.Header().Get("Location") != "/%2Fevil.com/security/" {
		t.Errorf("leading slashes: %d %q", w.Code, w.Header().Get("Location"))
	}
	// POST outside debug mode is redirected as Django does (the body is lost).
	e4 := mwEngine(mwMust(NewCommon(CommonConfig{})))
	e4.POST("/form/", func(c *gin.Context) {})
	if w := mwDo(e4, "POST", "/form"); w.Code != 301 || w.Header().Get("Location") != "/form/" {
		t.Errorf("POST: %d %q", w.Code, w.Header().Get("Location"))
	}
}

// test_append_slash_no_redirect_in_DEBUG: in debug mode an unsafe method would lose its
// body, so the developer gets an error that says what to change.
func TestCommonAppendSlashDebugPost(t *testing.T) {
	ch := mwMust(New(Config{Debug: true, Middleware: []any{mwMust(NewCommon(CommonConfig{Debug: true}))}}))
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.Use(ch)
	e.POST("/form/", func(c *gin.Context) {})
	e.GET("/form/", func(c *gin.Context) {})
	w := mwDo(e, "POST", "/form")
	if w.Code != 500 || !strings.Contains(w.Body.String(), "APPEND_SLASH") || !strings.Contains(w.Body.String(), "/form/") {
		t.Errorf("debug POST: %d %q", w.Code, w.Body.String())
	}
	if w := mwDo(e, "GET", "/form"); w.Code != 301 {
		t.Errorf("debug GET: %d", w.Code)
	}
}

// The slashed path is matched the way gin's router will match it.
func TestCommonAppendSlashFollowsGinPathOptions(t *testing.T) {
	e := mwEngine(mwMust(NewCommon(CommonConfig{})))
	e.UseEscapedPath = true
	e.GET("/a%2Fb/", func(c *gin.Context) {})
	if w := mwDo(e, "GET", "/a%2Fb"); w.Code != 301 || w.Header().Get("Location") != "/a%2Fb/" {
		t.Errorf("escaped path: %d %q", w.Code, w.Header().Get("Location"))
	}
	e = mwEngine(mwMust(NewCommon(CommonConfig{})))
	e.RemoveExtraSlash = true
	e.GET("/x/y/", func(c *gin.Context) {})
	if w := mwDo(e, "GET", "/x//y"); w.Code != 301 || w.Header().Get("Location") != "/x//y/" {
		t.Errorf("extra slash: %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestCommonAppendSlashOff(t *testing.T) {
	if w := mwDo(commonEngine(t, CommonConfig{NoAppendSlash: true}), "GET", "/slash"); w.Code != 404 {
		t.Errorf("NoAppendSlash: %d", w.Code)
	}
}

// gin's RedirectTrailingSlash answers before any middleware; the middleware says so once.
func TestCommonWarnsAboutGinTrailingSlashRedirect(t *testing.T) {
	var logs bytes.Buffer
	e := gin.New() // RedirectTrailingSlash on, as gin's default
	e.Use(Chain(mwMust(NewCommon(CommonConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))))
	e.GET("/slash/", func(c *gin.Context) {})
	e.GET("/other/", func(c *gin.Context) {})
	if w := mwDo(e, "GET", "/slash"); w.Code != 301 {
		t.Fatalf("gin's own redirect: %d", w.Code)
	}
	mwDo(e, "GET", "/unknown")
	mwDo(e, "GET", "/unknown2")
	if n := strings.Count(logs.String(), "RedirectTrailingSlash"); n != 1 {
		t.Errorf("%d warnings, want 1: %q", n, logs.String())
	}
}

func TestCommonPrependWWW(t *testing.T) {
	facts := mwMust(NewFacts(FactsConfig{AllowedHosts: []string{".testserver", "127.0.0.1"}}))
	e := commonEngine(t, CommonConfig{PrependWWW: true}, facts)
	for _, tc := range []struct {
		name, host, target string
		status             int
		location           string
	}{
		{"prepend", "testserver", "/path/", 301, "http://www.testserver/path/"},
		{"with APPEND_SLASH", "testserver", "/slash", 301, "http://www.testserver/slash/"},
		{"query and port kept", "testserver:8000", "/noslash?a=1", 301, "http://www.testserver:8000/noslash?a=1"},
		{"already www", "www.testserver", "/slash/", 200, ""},
		{"IP literal", "127.0.0.1", "/slash/", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := mwDo(e, "GET", tc.target, "Host", tc.host)
			if w.Code != tc.status || w.Header().Get("Location") != tc.location {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Header().Get("Location"), tc.status, tc.location)
			}
		})
	}
}

func TestCommonDisallowedUserAgents(t *testing.T) {
	e := commonEngine(t, CommonConfig{DisallowedUserAgents: []string{`(?i)evilbot`, `^$`}})
	for ua, want := range map[string]int{
		"Mozilla/5.0":           200,
		"Mozilla/5.0 EvilBot/2": 403,
		"evilbot":               403,
	} {
		if w := mwDo(e, "GET", "/slash/", "User-Agent", ua); w.Code != want {
			t.Errorf("User-Agent %q: %d, want %d", ua, w.Code, want)
		}
	}
}

// Django: test_content_length_header_added / _not_changed / _not_added_for_streaming,
// checked on the wire, where net/http and the chain decide it together.
func TestCommonContentLength(t *testing.T) {
	e := mwEngine(mwMust(NewCommon(CommonConfig{})))
	small, large := "content", strings.Repeat("x", 5000)
	e.GET("/short", func(c *gin.Context) { c.String(200, small) })
	e.HEAD("/short", func(c *gin.Context) { c.String(200, small) })
	e.GET("/large", func(c *gin.Context) { c.String(200, large) })
	e.GET("/declared", func(c *gin.Context) {
		c.Header("Content-Length", "7")
		c.String(200, "content")
	})
	e.GET("/stream", func(c *gin.Context) {
		c.Writer.WriteString("part")
		c.Writer.Flush()
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		want         int64
	}{
		{"GET", "/short", int64(len(small))},
		{"HEAD", "/short", int64(len(small))},
		{"GET", "/large", int64(len(large))},
		{"GET", "/declared", 7},
		{"GET", "/stream", -1},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.ContentLength != tc.want {
			t.Errorf("%s %s: Content-Length %d, want %d", tc.method, tc.path, res.ContentLength, tc.want)
		}
	}
}

func TestCommonConfigErrors(t *testing.T) {
	if _, err := NewCommon(CommonConfig{DisallowedUserAgents: []string{"ok", "(["}}); err == nil || !strings.Contains(err.Error(), "CommonConfig.DisallowedUserAgents[1]") {
		t.Errorf("bad regexp: %v", err)
	}
}

func TestTemplateMatches(t *testing.T) {
	for _, tc := range []struct {
		tmpl, path string
		want       bool
	}{
		{"/", "/", true},
		{"/a/", "/a/", true},
		{"/a", "/a/", false},
		{"/a/", "/a", false},
		{"/a/:id/", "/a/1/", true},
		{"/a/:id/", "/a//", true},
		{"/a/:id", "/a/", false},
		{"/a/:id", "/a/1/", false},
		{"/a/*rest", "/a/", true},
		{"/a/*rest", "/a/b/c/", true},
		{"/a/*rest", "/b/", false},
		{"/:x/:y/", "/1/2/", true},
		{"/:x/:y/", "/1/2/3/", false},
	} {
		if got := templateMatches(strings.Split(tc.tmpl, "/"), tc.path); got != tc.want {
			t.Errorf("templateMatches(%q, %q) = %v", tc.tmpl, tc.path, got)
		}
	}
}

func BenchmarkCommon(b *testing.B) {
	benchmarkMiddleware(b, mwMust(Common(CommonConfig{})), func(c *gin.Context) { c.String(200, "pong") })
}

func BenchmarkCommonAppendSlash404(b *testing.B) {
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.Use(mwMust(Common(CommonConfig{})))
	for _, p := range []string{"/a/", "/b/:id/", "/c/d/e/", "/ping/"} {
		e.GET(p, func(c *gin.Context) {})
	}
	req, _ := http.NewRequest(http.MethodGet, "/ping", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}

// FuzzAppendSlashAgreesWithGin checks the route matcher APPEND_SLASH relies on against
// gin's own router: for any path, "has a route" must be gin's answer.
func FuzzAppendSlashAgreesWithGin(f *testing.F) {
	routes := []string{"/", "/a/", "/a/b", "/users/:id/", "/users/:id/posts/:post", "/files/*path", "/x/:a/:b/", "/static/css/"}
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	for _, r := range routes {
		e.GET(r, func(c *gin.Context) { c.Status(299) })
	}
	rs := routesOf(e)
	for _, s := range []string{"/", "/a", "/a/", "/a/b/", "/users//", "/users/1/posts/", "/files", "/x///", "/static/css", "//", "/users/1/posts/2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		if !strings.HasPrefix(path, "/") {
			return
		}
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.URL.Path = path
		w := &discardWriter{h: http.Header{}}
		code := 0
		e.ServeHTTP(statusWriter{w, &code}, r)
		if gin := code == 299; gin != rs.resolves(http.MethodGet, path) {
			t.Fatalf("path %q: gin matched=%v, matcher says %v", path, gin, !gin)
		}
	})
}

// statusWriter records the status gin writes.
type statusWriter struct {
	*discardWriter
	code *int
}

func (w statusWriter) WriteHeader(code int) { *w.code = code }
