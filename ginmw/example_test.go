package ginmw_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// MD1 is the tutorial's first middleware: it prints each hook as Django calls it.
type MD1 struct{}

func (MD1) ProcessRequest(c *gin.Context) { fmt.Println("MD1 process_request") }
func (MD1) ProcessView(c *gin.Context, v ginmw.View) {
	fmt.Println("MD1 process_view", v.Route())
}
func (MD1) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	fmt.Println("MD1 process_response", r.Status())
}

// MD2 stops requests that carry ?block=1 before they reach the view.
type MD2 struct{}

func (MD2) ProcessRequest(c *gin.Context) {
	fmt.Println("MD2 process_request")
	if c.Query("block") == "1" {
		c.String(http.StatusForbidden, "blocked by MD2")
		c.Abort()
	}
}
func (MD2) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	fmt.Println("MD2 process_response")
}

func get(r http.Handler, url string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, url, nil))
	return w
}

func ExampleChain() {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.Use(ginmw.Chain(MD1{}, MD2{}))
	r.GET("/index/", func(c *gin.Context) {
		fmt.Println("view index")
		c.String(http.StatusOK, "index")
	})

	get(r, "/index/")
	fmt.Println("--- short-circuit in MD2")
	w := get(r, "/index/?block=1")
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// MD1 process_request
	// MD2 process_request
	// MD1 process_view /index/
	// view index
	// MD2 process_response
	// MD1 process_response 200
	// --- short-circuit in MD2
	// MD1 process_request
	// MD2 process_request
	// MD2 process_response
	// MD1 process_response 403
	// 403 blocked by MD2
}

// PoweredBy adds a header after the view, even though the view already wrote its body.
type PoweredBy struct{}

func (PoweredBy) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	r.Header().Set("X-Powered-By", "djin")
}

func ExampleAdapt() {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.GET("/", ginmw.Adapt(PoweredBy{}), func(c *gin.Context) { c.String(http.StatusOK, "hi") })
	w := get(r, "/")
	fmt.Println(w.Header().Get("X-Powered-By"), w.Body.String())
	// Output: djin hi
}

func ExampleReadSettings() {
	gin.SetMode(gin.TestMode)
	ginmw.Register("powered_by", func(fc *ginmw.FactoryContext) (any, error) {
		return PoweredBy{}, nil
	})
	f, _ := os.CreateTemp("", "settings-*.yaml")
	defer os.Remove(f.Name())
	f.WriteString(`
middleware:
  - powered_by
  # - csrf      (commented out: off)
`)
	f.Close()

	settings, err := ginmw.ReadSettings(f.Name())
	if err != nil {
		fmt.Println(err)
		return
	}
	stack, err := settings.Stack(ginmw.Env{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	r := gin.New()
	r.Use(stack)
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	fmt.Println(get(r, "/").Header().Get("X-Powered-By"))

	_, err = ginmw.ParseSettings([]byte("middleware:\n  - powred_by\n"), "settings.yaml")
	if err == nil {
		_, err = ginmw.Build(ginmw.Env{}, ginmw.Names("powred_by")...)
	}
	fmt.Println(err != nil)
	// Output:
	// djin
	// true
}
