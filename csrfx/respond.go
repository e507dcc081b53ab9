package csrfx

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// pendingHeader returns the response headers while they can still change.
func pendingHeader(c *gin.Context) (http.Header, bool) {
	if c.Writer.Written() {
		return nil, false
	}
	return c.Writer.Header(), true
}
