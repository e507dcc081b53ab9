package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
)

// A request that never touches its session must cost next to nothing: the session is lazy.
func TestUnusedSessionAllocationBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	run := func(mws ...any) float64 {
		r := gin.New()
		r.Use(ginmw.Chain(mws...))
		r.GET("/", func(c *gin.Context) { c.Status(204) })
		req := httptest.NewRequest("GET", "/", nil)
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: session.NewKey()})
		w := httptest.NewRecorder()
		return testing.AllocsPerRun(200, func() { r.ServeHTTP(w, req) })
	}
	bare := run()
	with := run(session.Default())
	t.Logf("allocations per request: %.0f without sessions, %.0f with an unused session", bare, with)
	if with-bare > 3 {
		t.Fatalf("an unused session costs %.0f allocations; budget 3", with-bare)
	}
}
