package ginmw

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// noop has all five hooks and does nothing: the cost measured is the chain's own.
type noop struct{}

func (noop) ProcessRequest(*gin.Context)                             {}
func (noop) ProcessView(*gin.Context, View)                          {}
func (noop) ProcessException(*gin.Context, error)                    {}
func (noop) ProcessTemplateResponse(*gin.Context, *TemplateResponse) {}
func (noop) ProcessResponse(*gin.Context, *Response)                 {}

// discardWriter is a reusable http.ResponseWriter, so the benchmark measures the router
// and the chain, not httptest.ResponseRecorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

func routerWith(mws ...gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(mws...)
	r.GET("/ping", func(c *gin.Context) { c.String(http.StatusOK, "pong") })
	return r
}

func seven[T any](v T) []T {
	out := make([]T, 7)
	for i := range out {
		out[i] = v
	}
	return out
}

func benchmarkRouter(b *testing.B, r *gin.Engine) {
	req := httptest.NewRequest(http.MethodGet, "/ping", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		r.ServeHTTP(w, req)
	}
}

func plainNoop(c *gin.Context) { c.Next() }

func sevenNoops() []any {
	out := make([]any, 7)
	for i := range out {
		out[i] = noop{}
	}
	return out
}

// BenchmarkBareGin, BenchmarkChain7 and BenchmarkGin7 compare bare gin with a chain of 7
// Django-style middlewares and with 7 plain gin middlewares.
func BenchmarkBareGin(b *testing.B) { benchmarkRouter(b, routerWith()) }

func BenchmarkChain7(b *testing.B) { benchmarkRouter(b, routerWith(Chain(sevenNoops()...))) }

func BenchmarkGin7(b *testing.B) {
	benchmarkRouter(b, routerWith(seven(gin.HandlerFunc(plainNoop))...))
}

func BenchmarkChain7Plain(b *testing.B) {
	mws := make([]any, 7)
	for i := range mws {
		mws[i] = gin.HandlerFunc(plainNoop)
	}
	benchmarkRouter(b, routerWith(Chain(mws...)))
}

// TestChainAddsNoAllocations is the allocation budget: in steady state a chain of seven
// Django-style middlewares adds no allocation per request over bare gin.
func TestChainAddsNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are checked without -race: the race detector makes sync.Pool drop items")
	}
	measure := func(r *gin.Engine) float64 {
		req := httptest.NewRequest(http.MethodGet, "/ping", nil)
		w := &discardWriter{h: http.Header{}}
		return testing.AllocsPerRun(200, func() {
			clear(w.h)
			r.ServeHTTP(w, req)
		})
	}
	bare := measure(routerWith())
	for name, r := range map[string]*gin.Engine{
		"hooks": routerWith(Chain(sevenNoops()...)),
		"plain": routerWith(Chain(gin.HandlerFunc(plainNoop), noop{}, gin.HandlerFunc(plainNoop))),
	} {
		if got := measure(r); got > bare {
			t.Errorf("%s: chain allocates %.1f per request, bare gin %.1f", name, got, bare)
		}
	}
}

func marker(c *gin.Context) {}

// TestRouteHasAllocationFree: deciding a route decorator inside a chain allocates nothing
// once the route has been seen.
func TestRouteHasAllocationFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are checked without -race")
	}
	var found bool
	var allocs float64
	r := gin.New()
	r.Use(Chain(noop{}))
	r.GET("/x", marker, func(c *gin.Context) {
		found = RouteHas(c, marker)
		allocs = testing.AllocsPerRun(100, func() { RouteHas(c, marker) })
	})
	w := &discardWriter{h: http.Header{}}
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/x", nil))
	if !found || allocs != 0 {
		t.Fatalf("found=%v allocs=%.1f", found, allocs)
	}
}
