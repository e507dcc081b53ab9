package ginmw

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// Every default middleware works alone through Handler: X-Frame-Options and the security
// headers reach a response the view already wrote.
func TestHandlerUsesTheMiddlewareAlone(t *testing.T) {
	sec, err := NewSecurity(SecurityConfig{})
	if err != nil {
		t.Fatal(err)
	}
	xf, err := NewXFrame(XFrameConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.GET("/", sec.Handler(), xf.Handler(), func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Header().Get("X-Frame-Options") != "DENY" || w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Body.String() != "ok" {
		t.Fatalf("%v %q", w.Header(), w.Body.String())
	}
}
