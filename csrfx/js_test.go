package csrfx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestScriptNamesFilledIn(t *testing.T) {
	yes := true
	m, err := New(Config{CookieSecure: &yes, HeaderNames: []string{"X-XSRF-TOKEN"}, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	s := m.Script()
	for _, want := range []string{`var COOKIE = "__Host-csrftoken";`, `var HEADER = "X-XSRF-TOKEN";`, "sameOrigin(url)", `meta[name="csrf-token"]`} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	if strings.Contains(s, "__CSRFX_") {
		t.Error("placeholders left in the script")
	}
}

func TestJSHandler(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	r := gin.New()
	r.GET("/csrfx.js", m.JSHandler())
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/csrfx.js", nil))
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || w.Body.String() != m.Script() || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%d %q", w.Code, w.Header())
	}
	etag := w.Header().Get("ETag")
	req := httptest.NewRequest(http.MethodGet, "/csrfx.js", nil)
	req.Header.Set("If-None-Match", etag)
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: %d, %d bytes", w.Code, w.Body.Len())
	}
}
