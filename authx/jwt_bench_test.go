package authx

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// jwtBearerContext is a request carrying token, reused across iterations.
func jwtBearerContext(token string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/api/me/", nil)
	c.Request.Header.Set("Authorization", "Bearer "+token)
	return c
}

// BenchmarkJWTAuthenticateRequest is the per-request cost of a bearer token: parse and
// verify, load the user, check the session-auth hash, the auth version and the family.
func BenchmarkJWTAuthenticateRequest(b *testing.B) {
	for _, alg := range []JWTAlgorithm{JWTHS256, JWTEdDSA, JWTRS256} {
		b.Run(string(alg), func(b *testing.B) {
			fx := newJWTAlgFixture(b, alg)
			c := jwtBearerContext(fx.issue(b, fx.alice).Access)
			b.ReportAllocs()
			for b.Loop() {
				if u, _, err := fx.j.AuthenticateRequest(c); err != nil || u == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJWTMiddleware is the whole middleware on a Gin engine, response included.
func BenchmarkJWTMiddleware(b *testing.B) {
	fx := newJWTAlgFixture(b, JWTHS256)
	r := gin.New()
	r.GET("/api/me/", fx.j.Middleware(), func(c *gin.Context) { c.Status(http.StatusNoContent) })
	req := httptest.NewRequest(http.MethodGet, "/api/me/", nil)
	req.Header.Set("Authorization", "Bearer "+fx.issue(b, fx.alice).Access)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		r.ServeHTTP(w, req)
	}
	if w.Code != http.StatusNoContent {
		b.Fatalf("status %d", w.Code)
	}
}

// BenchmarkJWTIssuePair is the cost of a login's tokens (without the password check).
func BenchmarkJWTIssuePair(b *testing.B) {
	for _, alg := range []JWTAlgorithm{JWTHS256, JWTEdDSA, JWTRS256} {
		b.Run(string(alg), func(b *testing.B) {
			fx := newJWTAlgFixture(b, alg)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fx.j.IssuePair(ctx, fx.alice); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJWTRefresh is a rotation: verify, spend, issue.
func BenchmarkJWTRefresh(b *testing.B) {
	fx := newJWTAlgFixture(b, JWTHS256)
	ctx := context.Background()
	pair := fx.issue(b, fx.alice)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if pair, err = fx.j.Refresh(ctx, pair.Refresh); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJWTAuthenticateRequestAllocations keeps the per-request path from growing: the
// budget is what golang-jwt's parser costs (about 60: encoding/json, the header map,
// HMAC) plus the user copy; djin's own checks allocate almost nothing.
func TestJWTAuthenticateRequestAllocations(t *testing.T) {
	if testing.Short() || jwtRaceEnabled {
		t.Skip("allocation budget: not in -short or -race runs")
	}
	fx := newJWTAlgFixture(t, JWTHS256)
	c := jwtBearerContext(fx.issue(t, fx.alice).Access)
	allocs := testing.AllocsPerRun(200, func() {
		if u, _, err := fx.j.AuthenticateRequest(c); err != nil || u == nil {
			t.Fatal(err)
		}
	})
	const budget = 68
	if allocs > budget {
		t.Fatalf("AuthenticateRequest allocates %.0f times per request, budget %d", allocs, budget)
	}
	t.Logf("%.0f allocations per request", allocs)
}
