package ginmw

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

var testSlot = NewSlot()

type slotWriter struct{}

func (slotWriter) ProcessRequest(c *gin.Context) { testSlot.Set(c, "set by the outer chain") }

func TestSlotSharedByNestedChainsAndClearedBetweenRequests(t *testing.T) {
	var seen []any
	r := gin.New()
	r.Use(Chain(slotWriter{}))
	g := r.Group("/g", Chain(responseFunc(func(c *gin.Context, _ *Response) { seen = append(seen, testSlot.Get(c)) })))
	g.GET("/x", func(c *gin.Context) { c.String(200, "x") })
	r2 := gin.New()
	r2.Use(Chain(responseFunc(func(c *gin.Context, _ *Response) { seen = append(seen, testSlot.Get(c)) })))
	r2.GET("/g/x", func(c *gin.Context) { c.String(200, "x") })
	for _, h := range []http.Handler{r, r2} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/g/x", nil))
	}
	if len(seen) != 2 || seen[0] != "set by the outer chain" || seen[1] != nil {
		t.Fatalf("seen = %v", seen)
	}
}

func TestSlotOutsideAChain(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if testSlot.Set(c, 1) || testSlot.Get(c) != nil {
		t.Fatal("a slot outside any chain must refuse")
	}
}

func TestSlotAllocationFree(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation budgets are checked without -race")
	}
	var allocs float64
	r := gin.New()
	r.Use(Chain(noop{}))
	m := new(int)
	r.GET("/", func(c *gin.Context) {
		allocs = testing.AllocsPerRun(100, func() { testSlot.Set(c, m); _ = testSlot.Get(c) })
	})
	r.ServeHTTP(&discardWriter{h: http.Header{}}, httptest.NewRequest(http.MethodGet, "/", nil))
	if allocs != 0 {
		t.Fatalf("slot Set+Get allocates %.0f", allocs)
	}
}
