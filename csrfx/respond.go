package csrfx

import (
	"net/http"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// pendingHeader returns the response headers while they can still change: the chain's
// buffered response until it streams, or gin's writer until it has written.
func pendingHeader(c *gin.Context) (http.Header, bool) {
	if r := ginmw.ResponseOf(c); r != nil {
		if r.Streaming() {
			return nil, false
		}
		return r.Header(), true
	}
	if c.Writer.Written() {
		return nil, false
	}
	return c.Writer.Header(), true
}
