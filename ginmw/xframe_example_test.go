package ginmw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Every page refuses to be framed, except the embeddable widgets of one group and a page
// that partners on the same origin may frame.
func ExampleXFrameExempt() {
	xframe, _ := ginmw.NewXFrame(ginmw.XFrameConfig{})
	r := gin.New()
	r.Use(ginmw.Chain(xframe))
	page := func(c *gin.Context) { c.String(http.StatusOK, "page") }
	r.GET("/account", page)
	r.GET("/preview", page, ginmw.XFrameSameOrigin)
	widgets := r.Group("/widgets", ginmw.XFrameExempt)
	widgets.GET("/clock", page)

	for _, path := range []string{"/account", "/preview", "/widgets/clock"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Printf("%s %q\n", path, w.Header().Get("X-Frame-Options"))
	}
	// Output:
	// /account "DENY"
	// /preview "SAMEORIGIN"
	// /widgets/clock ""
}
