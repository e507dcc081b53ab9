package ginmw_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Lost-update protection: a client may only replace the document it last read. The
// version is checked before the view runs, so a stale PUT changes nothing.
func ExampleCondition() {
	version := 1
	cond, err := ginmw.Condition(ginmw.ConditionConfig{
		ETag: func(c *gin.Context) string { return fmt.Sprintf("v%d", version) },
	})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.GET("/doc", cond, func(c *gin.Context) { c.String(http.StatusOK, "document v%d", version) })
	r.PUT("/doc", cond, func(c *gin.Context) { version++; c.Status(http.StatusNoContent) })

	do := func(method, ifMatch string) {
		req := httptest.NewRequest(method, "/doc", nil)
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		etag := w.Header().Get("ETag")
		if etag == "" {
			etag = "(none)"
		}
		fmt.Printf("%s %d %s\n", method, w.Code, etag)
	}
	do("GET", "")
	do("PUT", `"v1"`) // the version the client read: accepted
	do("PUT", `"v1"`) // the same client again, now stale: refused
	// Output:
	// GET 200 "v1"
	// PUT 204 (none)
	// PUT 412 (none)
}
