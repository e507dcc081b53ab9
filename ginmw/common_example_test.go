package ginmw_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Django's APPEND_SLASH through the chain: gin's own trailing-slash redirect is turned
// off, the chain is installed with Use so that 404s reach it, and only URLs whose slashed
// form has a route are redirected.
func ExampleNewCommon() {
	common, _ := ginmw.NewCommon(ginmw.CommonConfig{})
	r := gin.New()
	r.RedirectTrailingSlash = false
	r.Use(ginmw.Chain(common))
	r.GET("/polls/", func(c *gin.Context) { c.String(http.StatusOK, "polls") })

	for _, path := range []string{"/polls?page=2", "/unknown"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Println(path, w.Code, w.Header().Get("Location"))
	}
	// Output:
	// /polls?page=2 301 /polls/?page=2
	// /unknown 404
}
