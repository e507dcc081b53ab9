package ginmw

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// conditionalEngine serves GET, HEAD and POST "/" with status, headers and body set by the test.
func conditionalEngine(status int, body string, headers ...string) *gin.Engine {
	e := mwEngine(mwMust(NewConditionalGet(ConditionalGetConfig{})))
	view := func(c *gin.Context) {
		for i := 0; i+1 < len(headers); i += 2 {
			c.Writer.Header().Add(headers[i], headers[i+1])
		}
		c.String(status, body)
	}
	e.GET("/", view)
	e.HEAD("/", view)
	e.POST("/", view)
	return e
}

const (
	frozen      = "Sat, 12 Feb 2011 17:38:44 GMT"
	threeBefore = "Sat, 12 Feb 2011 17:35:44 GMT"
	threeAfter  = "Sat, 12 Feb 2011 17:41:44 GMT"
)

// Django tests/middleware/tests.py ConditionalGetMiddlewareTest.
func TestConditionalGetDjangoCases(t *testing.T) {
	for _, tc := range []struct {
		name     string
		method   string
		status   int
		body     string
		resp     []string // response headers
		req      []string // request headers
		want     int
		wantETag string // "-" means none, "*" means any non-empty
	}{
		{"calculates etag", "GET", 200, "content", nil, nil, 200, "*"},
		{"won't overwrite etag", "GET", 200, "content", []string{"ETag", `"eggs"`}, nil, 200, `"eggs"`},
		{"no etag for empty content", "GET", 200, "", nil, nil, 200, "-"},
		{"no etag with no-store", "GET", 200, "content", []string{"Cache-Control", "No-Cache, No-Store, Max-age=0"}, nil, 200, "-"},
		{"extended cache control is not no-store", "GET", 200, "content", []string{"Cache-Control", `my-directive="my-no-store"`}, nil, 200, "*"},
		{"no etag on a 404", "GET", 404, "content", nil, nil, 404, "-"},
		{"If-None-Match without etag", "GET", 200, "content", []string{"Cache-Control", "no-store"}, []string{"If-None-Match", `"spam"`}, 200, "-"},
		{"etag without If-None-Match", "GET", 200, "content", []string{"ETag", `"eggs"`}, nil, 200, `"eggs"`},
		{"If-None-Match same etag", "GET", 200, "content", []string{"ETag", `"spam"`}, []string{"If-None-Match", `"spam"`}, 304, `"spam"`},
		{"If-None-Match different etag", "GET", 200, "content", []string{"ETag", `"eggs"`}, []string{"If-None-Match", `"spam"`}, 200, `"eggs"`},
		{"If-None-Match weak comparison", "GET", 200, "content", []string{"ETag", `"spam"`}, []string{"If-None-Match", `W/"spam"`}, 304, `"spam"`},
		{"If-None-Match in a list", "GET", 200, "content", []string{"ETag", `W/"b"`}, []string{"If-None-Match", `"a", "b,c", W/"b"`}, 304, `W/"b"`},
		{"If-None-Match star", "GET", 200, "content", []string{"ETag", `"x"`}, []string{"If-None-Match", `*`}, 304, `"x"`},
		{"If-None-Match and redirect", "GET", 301, "", []string{"ETag", `"spam"`, "Location", "/"}, []string{"If-None-Match", `"spam"`}, 301, `"spam"`},
		{"If-None-Match and client error", "GET", 400, "", []string{"ETag", `"spam"`}, []string{"If-None-Match", `"spam"`}, 400, `"spam"`},
		{"If-Modified-Since without Last-Modified", "GET", 200, "content", []string{"Cache-Control", "no-store"}, []string{"If-Modified-Since", frozen}, 200, "-"},
		{"Last-Modified without If-Modified-Since", "GET", 200, "", []string{"Last-Modified", frozen}, nil, 200, "-"},
		{"If-Modified-Since same time", "GET", 200, "", []string{"Last-Modified", frozen}, []string{"If-Modified-Since", frozen}, 304, "-"},
		{"If-Modified-Since, modified before", "GET", 200, "", []string{"Last-Modified", threeBefore}, []string{"If-Modified-Since", frozen}, 304, "-"},
		{"If-Modified-Since, modified after", "GET", 200, "", []string{"Last-Modified", threeAfter}, []string{"If-Modified-Since", frozen}, 200, "-"},
		{"If-Modified-Since and redirect", "GET", 301, "", []string{"Last-Modified", threeBefore, "Location", "/"}, []string{"If-Modified-Since", frozen}, 301, "-"},
		{"If-Modified-Since and client error", "GET", 400, "", []string{"Last-Modified", threeBefore}, []string{"If-Modified-Since", frozen}, 400, "-"},
		{"invalid If-Modified-Since is ignored", "GET", 200, "", []string{"Last-Modified", threeBefore}, []string{"If-Modified-Since", "yesterday"}, 200, "-"},
		{"If-None-Match wins over If-Modified-Since", "GET", 200, "", []string{"ETag", `"a"`, "Last-Modified", threeBefore}, []string{"If-None-Match", `"b"`, "If-Modified-Since", frozen}, 200, `"a"`},
		{"If-Match fails", "GET", 200, "content", []string{"ETag", `"a"`}, []string{"If-Match", `"b"`}, 412, "-"},
		{"If-Match is strong", "GET", 200, "content", []string{"ETag", `W/"a"`}, []string{"If-Match", `W/"a"`}, 412, "-"},
		{"If-Match passes", "GET", 200, "content", []string{"ETag", `"a"`}, []string{"If-Match", `"x", "a"`}, 200, `"a"`},
		{"If-Match star", "GET", 200, "content", nil, []string{"If-Match", "*"}, 200, "*"},
		{"If-Unmodified-Since fails", "GET", 200, "", []string{"Last-Modified", threeAfter}, []string{"If-Unmodified-Since", frozen}, 412, "-"},
		{"If-Unmodified-Since passes", "GET", 200, "", []string{"Last-Modified", threeBefore}, []string{"If-Unmodified-Since", frozen}, 200, "-"},
		// test_no_unsafe: too late to answer 412 after a POST ran.
		{"no unsafe", "POST", 200, "content", []string{"ETag", `"spam"`}, []string{"If-None-Match", `"spam"`, "If-Match", `"x"`}, 200, `"spam"`},
		// djin also answers HEAD, whose buffered body is the GET body.
		{"HEAD If-None-Match", "HEAD", 200, "content", []string{"ETag", `"spam"`}, []string{"If-None-Match", `"spam"`}, 304, `"spam"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := conditionalEngine(tc.status, tc.body, tc.resp...)
			w := mwDo(e, tc.method, "/", tc.req...)
			if w.Code != tc.want {
				t.Errorf("status %d, want %d", w.Code, tc.want)
			}
			etag, has := w.Header()["Etag"]
			switch {
			case tc.wantETag == "-" && has:
				t.Errorf("ETag %v, want none", etag)
			case tc.wantETag == "*" && (!has || etag[0] == ""):
				t.Error("no ETag")
			case tc.wantETag != "-" && tc.wantETag != "*" && (!has || etag[0] != tc.wantETag):
				t.Errorf("ETag %v, want %s", etag, tc.wantETag)
			}
			if (w.Code == 304 || w.Code == 412) && w.Body.Len() != 0 {
				t.Errorf("%d with a body: %q", w.Code, w.Body.String())
			}
		})
	}
}

func TestConditionalGetETagIsStableAndRoundTrips(t *testing.T) {
	e := conditionalEngine(200, "hello world")
	w := mwDo(e, "GET", "/")
	etag := w.Header().Get("Etag")
	if len(etag) != 34 || etag[0] != '"' || etag != mwDo(e, "GET", "/").Header().Get("Etag") {
		t.Fatalf("ETag %q is not a stable strong tag", etag)
	}
	if w := mwDo(e, "GET", "/", "If-None-Match", etag); w.Code != 304 {
		t.Errorf("own ETag not recognised: %d", w.Code)
	}
	if other := mwDo(conditionalEngine(200, "hello world!"), "GET", "/").Header().Get("Etag"); other == etag {
		t.Error("different bodies share an ETag")
	}
}

// test_not_modified_headers: the 304 keeps validators, caching headers and cookies, and
// drops what describes the body.
func TestConditionalGetNotModifiedHeaders(t *testing.T) {
	keep := []string{
		"Date", frozen, "Last-Modified", frozen, "Expires", "Sun, 13 Feb 2011 17:35:44 GMT",
		"Vary", "Cookie", "Cache-Control", "public", "Content-Location", "/alt", "Set-Cookie", "key=value",
	}
	e := conditionalEngine(200, "content", append(keep, "ETag", `"spam"`, "Content-Language", "en", "Content-Type", "text/plain")...)
	w := mwDo(e, "GET", "/", "If-None-Match", `"spam"`)
	if w.Code != 304 {
		t.Fatalf("status %d", w.Code)
	}
	for i := 0; i < len(keep); i += 2 {
		if got := w.Header().Get(keep[i]); got != keep[i+1] {
			t.Errorf("304 %s = %q, want %q", keep[i], got, keep[i+1])
		}
	}
	for _, h := range []string{"Content-Language", "Content-Type", "Content-Length"} {
		if v := w.Header().Get(h); v != "" {
			t.Errorf("304 keeps %s: %q", h, v)
		}
	}
}

// A streaming response passes untouched: no ETag, no 304.
func TestConditionalGetStreamingUntouched(t *testing.T) {
	e := mwEngine(mwMust(NewConditionalGet(ConditionalGetConfig{})))
	e.GET("/s", func(c *gin.Context) {
		c.Header("ETag", `"s"`)
		c.Writer.WriteString("first")
		c.Writer.Flush()
		c.Writer.WriteString(" second")
	})
	w := mwDo(e, "GET", "/s", "If-None-Match", `"s"`)
	if w.Code != 200 || w.Body.String() != "first second" {
		t.Errorf("streaming: %d %q", w.Code, w.Body.String())
	}
	e.GET("/s2", func(c *gin.Context) {
		c.Writer.WriteString("data")
		c.Writer.Flush()
	})
	if w := mwDo(e, "GET", "/s2"); w.Header().Get("Etag") != "" {
		t.Errorf("streaming response got ETag %q", w.Header().Get("Etag"))
	}
}

// Condition checks preconditions before the view: a stale PUT never runs.
func TestConditionDecorator(t *testing.T) {
	version := "v1"
	modified := time.Date(2011, 2, 12, 17, 38, 44, 0, time.UTC)
	cond := mwMust(Condition(ConditionConfig{
		ETag:         func(c *gin.Context) string { return version },
		LastModified: func(c *gin.Context) time.Time { return modified },
	}))
	runs := 0
	view := func(c *gin.Context) { runs++; c.String(200, "doc "+version) }
	for _, buffered := range []bool{true, false} {
		e := gin.New()
		if buffered {
			e.Use(Chain(mwMust(NewSecurity(SecurityConfig{}))))
		}
		e.GET("/doc", cond, view)
		e.HEAD("/doc", cond, view)
		e.PUT("/doc", cond, func(c *gin.Context) { runs++; version = "v2"; c.Status(204) })
		e.DELETE("/doc", cond, view)
		for _, tc := range []struct {
			method  string
			req     []string
			status  int
			runs    int
			headers bool
		}{
			{"GET", nil, 200, 1, true},
			{"GET", []string{"If-None-Match", `"v1"`}, 304, 0, true},
			{"HEAD", []string{"If-None-Match", `W/"v1"`}, 304, 0, true},
			{"GET", []string{"If-Modified-Since", frozen}, 304, 0, true},
			{"GET", []string{"If-None-Match", `"v0"`}, 200, 1, true},
			{"PUT", []string{"If-Match", `"v0"`}, 412, 0, false},
			{"PUT", []string{"If-Unmodified-Since", threeBefore}, 412, 0, false},
			{"DELETE", []string{"If-None-Match", "*"}, 412, 0, false},
			{"PUT", []string{"If-Match", `"v1"`}, 204, 1, false},
		} {
			version, runs = "v1", 0
			w := mwDo(e, tc.method, "/doc", tc.req...)
			if w.Code != tc.status || runs != tc.runs {
				t.Errorf("buffered=%v %s %v: %d with %d view runs, want %d and %d", buffered, tc.method, tc.req, w.Code, runs, tc.status, tc.runs)
			}
			if tc.headers && (w.Header().Get("Etag") != `"v1"` || w.Header().Get("Last-Modified") != frozen) {
				t.Errorf("buffered=%v %s %v: validators %v", buffered, tc.method, tc.req, w.Header())
			}
		}
	}
	if _, err := Condition(ConditionConfig{}); err != ErrConditionConfig {
		t.Errorf("empty ConditionConfig: %v", err)
	}
}

func TestQuoteETag(t *testing.T) {
	for in, want := range map[string]string{"": "", "v1": `"v1"`, `"v1"`: `"v1"`, `W/"v1"`: `W/"v1"`, `a"b`: "panic", `"a"b"`: "panic"} {
		got := func() (s string) {
			defer func() {
				if recover() != nil {
					s = "panic"
				}
			}()
			return quoteETag(in)
		}()
		if got != want {
			t.Errorf("quoteETag(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzETagList(f *testing.F) {
	for _, s := range []string{`"a", W/"b"`, `*`, `W/`, `"unterminated`, `"a,b", "c"`, `garbage, "x"`, `,,,`} {
		f.Add(s, `"a,b"`)
	}
	f.Fuzz(func(t *testing.T, list, etag string) {
		n := 0
		forEachETag([]string{list}, func(tag string) bool {
			n++
			if tag != "*" && (!strings.HasSuffix(tag, `"`) || !strings.HasPrefix(strings.TrimPrefix(tag, "W/"), `"`) || len(strings.TrimPrefix(tag, "W/")) < 2) {
				t.Fatalf("yielded malformed tag %q from %q", tag, list)
			}
			return true
		})
		if n > len(list) {
			t.Fatalf("%d tags from %d bytes", n, len(list))
		}
		_ = etagListMatches([]string{list}, etag, true)
		_ = etagListMatches([]string{list}, etag, false)
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("If-Match", list)
		req.Header.Set("If-None-Match", list)
		req.Header.Set("If-Modified-Since", etag)
		_ = evaluatePreconditions(req, etag, time.Time{})
	})
}

func BenchmarkConditionalGet(b *testing.B) {
	body := strings.Repeat("a", 2048)
	benchmarkMiddleware(b, mwMust(ConditionalGet(ConditionalGetConfig{})), func(c *gin.Context) { c.String(200, body) })
}

func BenchmarkConditionalGetNotModified(b *testing.B) {
	body := strings.Repeat("a", 2048)
	etag := bodyETag([]byte(body))
	benchmarkMiddleware(b, mwMust(ConditionalGet(ConditionalGetConfig{})), func(c *gin.Context) { c.String(200, body) }, "If-None-Match", etag)
}
