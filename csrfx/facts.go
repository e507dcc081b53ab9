package csrfx

import (
	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// The request facts csrfx needs come from ginmw, in this one place: whether the request
// arrived over HTTPS and its host, from the socket unless a configured trusted proxy says
// otherwise, and the host validated against the allowed hosts when the facts middleware
// runs. Never r.URL.Scheme (A1) nor a forwarded header from an arbitrary client (A20).

// requestFacts returns whether the request arrived over HTTPS, and its host[:port].
func requestFacts(c *gin.Context) (secure bool, host string) {
	f, _ := ginmw.FactsOf(c)
	return f.Secure, f.Host
}

// clientIP is the client address for log lines ("" when unknown).
func clientIP(c *gin.Context) string {
	a := ginmw.ClientIP(c)
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
