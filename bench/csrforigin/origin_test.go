package csrforigin

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/djin-go/djin/csrfx"
	"github.com/gin-gonic/gin"
)

const trusted = "https://app.example.org"

// djin is the process's only csrfx Middleware (see the package comment).
var djin = sync.OnceValue(func() *csrfx.Middleware {
	m, err := csrfx.New(csrfx.Config{Mode: csrfx.OriginOnly, TrustedOrigins: []string{trusted},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err) // a valid configuration
	}
	return m
})

func stdlib(tb testing.TB) http.Handler {
	cop := http.NewCrossOriginProtection()
	if err := cop.AddTrustedOrigin(trusted); err != nil {
		tb.Fatal(err)
	}
	return harness.Engine(func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			c.AbortWithStatus(http.StatusForbidden)
		}
	})
}

var impls = []harness.Impl{
	{Name: "djin", Handler: func(testing.TB) http.Handler { return harness.Engine(djin().Handler()) }},
	{Name: "net-http", Handler: stdlib},
	harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
}

var cases = []struct {
	name   string
	header map[string]string
}{
	{"sec-fetch-site", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": harness.Origin}},
	{"origin-only", map[string]string{"Origin": harness.Origin}},
	{"trusted-origin", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": trusted}},
}

func post(header map[string]string) harness.Request {
	return harness.Request{Method: http.MethodPost, TLS: true, Header: header}
}

func BenchmarkCSRFOrigin(b *testing.B) {
	for _, tc := range cases {
		b.Run("case="+tc.name, func(b *testing.B) {
			harness.Compare(b, harness.Case{Request: post(tc.header), Status: http.StatusOK}, impls...)
		})
	}
}

func TestCSRFOriginSetup(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			harness.Verify(t, harness.Case{Request: post(tc.header), Status: http.StatusOK}, impls...)
		})
	}
}

// TestCSRFOriginRejects proves both really check: a cross-site POST and a POST from an
// untrusted Origin are refused.
func TestCSRFOriginRejects(t *testing.T) {
	for _, impl := range impls {
		if impl.Name == harness.BaselineName {
			continue
		}
		h := impl.Handler(t)
		for _, header := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
			{"Origin": "https://evil.example"},
		} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, post(header).Build())
			if w.Code != http.StatusForbidden {
				t.Errorf("%s: %v: status %d, want 403", impl.Name, header, w.Code)
			}
		}
	}
}
