package ginmw

import (
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

func io_Copy(dst *strings.Builder, res *http.Response) (int64, error) { return io.Copy(dst, res.Body) }

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func routerFor(h gin.HandlerFunc, view gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(h)
	r.GET("/", view)
	return r
}
