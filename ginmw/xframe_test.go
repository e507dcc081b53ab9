package ginmw

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
)

// Django tests/clickjacking/tests.py XFrameOptionsMiddlewareTests and the decorator tests.
func TestXFrameOptions(t *testing.T) {
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	for _, tc := range []struct {
		name  string
		value string
		want  string
	}{
		{"default is DENY", "", "DENY"},
		{"deny", "deny", "DENY"},
		{"same origin", "sameorigin", "SAMEORIGIN"},
		{"same origin, any case", "SameOrigin", "SAMEORIGIN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mwEngine(mwMust(NewXFrame(XFrameConfig{Value: tc.value})))
			e.GET("/", ok)
			if got := mwDo(e, "GET", "/").Header().Get("X-Frame-Options"); got != tc.want {
				t.Errorf("X-Frame-Options = %q, want %q", got, tc.want)
			}
			if got := mwDo(e, "GET", "/404").Header().Get("X-Frame-Options"); got != tc.want {
				t.Errorf("404: X-Frame-Options = %q, want %q", got, tc.want)
			}
		})
	}
	// test_dont_set_if_set
	e := mwEngine(mwMust(NewXFrame(XFrameConfig{})))
	e.GET("/own", func(c *gin.Context) { c.Header("X-Frame-Options", "SAMEORIGIN") })
	if got := mwDo(e, "GET", "/own").Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("view's value replaced: %q", got)
	}
	if _, err := NewXFrame(XFrameConfig{Value: "ALLOW-FROM https://x"}); err == nil {
		t.Error("ALLOW-FROM accepted; browsers ignore it")
	}
}

// The decorators are markers: wherever they are attached, before or after the view, on
// the route or on a group, the middleware finds them, and the nearest to the view wins.
func TestXFrameDecorators(t *testing.T) {
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	e := mwEngine(mwMust(NewXFrame(XFrameConfig{})))
	e.GET("/exempt", XFrameExempt, ok)
	e.GET("/exempt-after", ok, XFrameExempt)
	e.GET("/same", XFrameSameOrigin, ok)
	e.GET("/same-after", ok, XFrameSameOrigin)
	g := e.Group("/embed", XFrameExempt)
	g.GET("/widget", ok)
	g.GET("/strict", XFrameDeny, ok)
	s := e.Group("/partner", XFrameSameOrigin)
	s.GET("/page", ok)
	s.GET("/open", XFrameExempt, ok)
	// The view's own header still wins over a decorator.
	e.GET("/own", XFrameDeny, func(c *gin.Context) { c.Header("X-Frame-Options", "SAMEORIGIN") })
	for path, want := range map[string]string{
		"/exempt":        "",
		"/exempt-after":  "",
		"/same":          "SAMEORIGIN",
		"/same-after":    "SAMEORIGIN",
		"/embed/widget":  "",
		"/embed/strict":  "DENY",
		"/partner/page":  "SAMEORIGIN",
		"/partner/open":  "",
		"/own":           "SAMEORIGIN",
		"/not-decorated": "DENY",
	} {
		w := mwDo(e, "GET", path)
		if got, present := w.Header()["X-Frame-Options"]; (want == "" && present) || (want != "" && (len(got) != 1 || got[0] != want)) {
			t.Errorf("%s: X-Frame-Options = %v, want %q", path, got, want)
		}
	}
}

// Adapted alone on one route, the middleware sees the same markers.
func TestXFrameAdaptedOnRoute(t *testing.T) {
	h := mwMust(XFrame(XFrameConfig{}))
	e := gin.New()
	e.GET("/a", h, func(c *gin.Context) { c.String(200, "a") })
	e.GET("/b", h, XFrameSameOrigin, func(c *gin.Context) { c.String(200, "b") })
	if got := mwDo(e, "GET", "/a").Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("/a: %q", got)
	}
	if got := mwDo(e, "GET", "/b").Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("/b: %q", got)
	}
}

func BenchmarkXFrame(b *testing.B) {
	benchmarkMiddleware(b, mwMust(XFrame(XFrameConfig{})), func(c *gin.Context) { c.String(200, "pong") })
}
