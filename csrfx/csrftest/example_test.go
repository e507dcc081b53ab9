package csrftest_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/csrfx/csrftest"
	"github.com/gin-gonic/gin"
)

// A test that logs in through a real form, with CSRF checks on.
func ExampleClient() {
	gin.SetMode(gin.TestMode)
	m, _ := csrfx.New(csrfx.Config{Logger: slog.New(slog.DiscardHandler)})
	r := gin.New()
	r.Use(m.Handler())
	r.GET("/login/", func(c *gin.Context) { c.String(http.StatusOK, "<form>%s</form>", csrfx.Input(c)) })
	r.POST("/login/", func(c *gin.Context) { c.String(http.StatusOK, "welcome %s", c.PostForm("username")) })

	c := csrftest.New(exampleT{}, r) // in a test: csrftest.New(t, r)
	c.Get("/login/")
	w := c.PostForm("/login/", url.Values{"username": {"ann"}})
	fmt.Println(w.Code, w.Body.String())
	// Output: 200 welcome ann
}

// exampleT stands in for *testing.T outside a test.
type exampleT struct{}

func (exampleT) Helper()                        {}
func (exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
