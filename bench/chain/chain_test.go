package chain

import (
	"net/http"
	"testing"

	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// noop has all five hooks and does nothing, so a chain of them costs what the pipeline
// itself costs.
type noop struct{}

func (noop) ProcessRequest(*gin.Context)                                   {}
func (noop) ProcessView(*gin.Context, ginmw.View)                          {}
func (noop) ProcessException(*gin.Context, error)                          {}
func (noop) ProcessTemplateResponse(*gin.Context, *ginmw.TemplateResponse) {}
func (noop) ProcessResponse(*gin.Context, *ginmw.Response)                 {}

func next(c *gin.Context) { c.Next() }

const layers = 7

func chainComparison() (harness.Case, []harness.Impl) {
	c := harness.Case{Status: http.StatusOK}
	return c, []harness.Impl{
		{Name: "djin", Handler: func(testing.TB) http.Handler {
			mws := make([]any, layers)
			for i := range mws {
				mws[i] = noop{}
			}
			return harness.Engine(ginmw.Chain(mws...))
		}},
		{Name: "gin-handlers", Handler: func(testing.TB) http.Handler {
			mws := make([]gin.HandlerFunc, layers)
			for i := range mws {
				mws[i] = next
			}
			return harness.Engine(mws...)
		}},
		harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
	}
}

// BenchmarkChain: seven empty Django-style middlewares in a ginmw.Chain (every hook
// dispatched, the response buffered and flushed once) against seven plain gin handlers
// that call c.Next(), and bare gin. The gin handlers cannot change the response after the
// view wrote it; the chain can, which is what the buffer pays for.
func BenchmarkChain(b *testing.B) {
	c, impls := chainComparison()
	harness.Compare(b, c, impls...)
}

func TestChainSetup(t *testing.T) {
	c, impls := chainComparison()
	harness.Verify(t, c, impls...)
}
