package ginmw

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

var generatedID = regexp.MustCompile(`^[A-Z2-7]{26}$`)

func requestIDEngine(cfg RequestIDConfig, seen *string) *gin.Engine {
	e := mwEngine(mwMust(NewRequestID(cfg)))
	e.GET("/", func(c *gin.Context) { *seen = RequestIDOf(c); c.String(200, "ok") })
	e.GET("/boom", func(c *gin.Context) { *seen = RequestIDOf(c); panic("boom") })
	return e
}

func TestRequestIDGenerated(t *testing.T) {
	var seen string
	e := requestIDEngine(RequestIDConfig{}, &seen)
	w := mwDo(e, "GET", "/")
	id := w.Header().Get("X-Request-Id")
	if !generatedID.MatchString(id) || seen != id {
		t.Fatalf("id %q, view saw %q", id, seen)
	}
	if other := mwDo(e, "GET", "/").Header().Get("X-Request-Id"); other == id {
		t.Error("two requests share an id")
	}
	// Error pages carry it too, so a user's report can be found in the logs.
	w = mwDo(e, "GET", "/boom")
	if w.Code != 500 || w.Header().Get("X-Request-Id") != seen || seen == "" {
		t.Errorf("500: id %q, view saw %q", w.Header().Get("X-Request-Id"), seen)
	}
}

func TestRequestIDIncoming(t *testing.T) {
	var seen string
	e := requestIDEngine(RequestIDConfig{}, &seen)
	for incoming, kept := range map[string]bool{
		"abc-123":                              true,
		"9f86d081-884c-4d63-a9d8-ec4e7a8b7b2d": true,
		"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8": false,
		"with space":             false,
		"new\nline":              false,
		"<script>":               false,
		strings.Repeat("a", 128): true,
		strings.Repeat("a", 129): false,
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header["X-Request-Id"] = []string{incoming}
		w := mwServe(e, r)
		got := w.Header().Get("X-Request-Id")
		if kept && got != incoming || !kept && (got == incoming || !generatedID.MatchString(got)) || seen != got {
			t.Errorf("incoming %q: response %q, view %q, want kept=%v", incoming, got, seen, kept)
		}
	}
	// Two incoming ids: ambiguous, replaced.
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header["X-Request-Id"] = []string{"a", "b"}
	if got := mwServe(e, r).Header().Get("X-Request-Id"); !generatedID.MatchString(got) {
		t.Errorf("two incoming ids: %q", got)
	}
	// IgnoreIncoming
	e = requestIDEngine(RequestIDConfig{IgnoreIncoming: true}, &seen)
	if got := mwDo(e, "GET", "/", "X-Request-Id", "abc").Header().Get("X-Request-Id"); got == "abc" {
		t.Error("IgnoreIncoming kept the incoming id")
	}
}

func TestRequestIDCustom(t *testing.T) {
	var seen string
	e := requestIDEngine(RequestIDConfig{Header: "x-correlation-id", Generate: func() string { return "fixed" }}, &seen)
	w := mwDo(e, "GET", "/")
	if w.Header().Get("X-Correlation-Id") != "fixed" || seen != "fixed" || w.Header().Get("X-Request-Id") != "" {
		t.Errorf("custom: %v, view %q", w.Header(), seen)
	}
	if _, err := NewRequestID(RequestIDConfig{Header: "bad header"}); err == nil {
		t.Error("bad header name accepted")
	}
	if RequestIDOf(nil) != "" {
		t.Error("RequestIDOf(nil)")
	}
}

func BenchmarkRequestID(b *testing.B) {
	benchmarkMiddleware(b, mwMust(RequestID(RequestIDConfig{})), func(c *gin.Context) { c.String(200, "pong") })
}

func BenchmarkRequestIDIncoming(b *testing.B) {
	benchmarkMiddleware(b, mwMust(RequestID(RequestIDConfig{})), func(c *gin.Context) { c.String(200, "pong") }, "X-Request-Id", "9f86d081-884c-4d63-a9d8-ec4e7a8b7b2d")
}
