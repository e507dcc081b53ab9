package csrf

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/djin-go/djin/csrfx"
	"github.com/gin-gonic/gin"
)

const trusted = "https://app.example.org"

// originOnly is csrfx's origin-only preset trusting one other origin.
func originOnly(tb testing.TB) http.Handler {
	return harness.Engine(newDjin(tb, csrfx.Config{Mode: csrfx.OriginOnly, TrustedOrigins: []string{trusted}}).Handler())
}

// originStdlib is CrossOriginProtection trusting the same origin.
func originStdlib(tb testing.TB) http.Handler {
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

var originImpls = []harness.Impl{
	{Name: "djin", Handler: originOnly},
	{Name: "net-http", Handler: originStdlib},
	harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
}

var originCases = []struct {
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
	for _, tc := range originCases {
		b.Run("case="+tc.name, func(b *testing.B) {
			harness.Compare(b, harness.Case{Request: post(tc.header), Status: http.StatusOK}, originImpls...)
		})
	}
}

func TestCSRFOriginSetup(t *testing.T) {
	for _, tc := range originCases {
		t.Run(tc.name, func(t *testing.T) {
			harness.Verify(t, harness.Case{Request: post(tc.header), Status: http.StatusOK}, originImpls...)
		})
	}
}

// TestCSRFOriginRejects proves both really check: a cross-site POST and a POST from an
// untrusted Origin are refused.
func TestCSRFOriginRejects(t *testing.T) {
	for _, impl := range originImpls {
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
