package ratelimit

import (
	"net/netip"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// clientIP is the one place the package learns who the client is: ginmw's request facts,
// which give the socket peer unless that peer is a configured trusted proxy. The package
// never reads X-Forwarded-For itself and never calls gin's c.ClientIP(), which trusts every
// proxy by default and so lets any client pick its own address.
//
// An address that cannot be parsed (a Unix socket, a test request without RemoteAddr)
// yields the zero Addr; keys built from it put every such client in one bucket, which is
// strict rather than open.
func clientIP(c *gin.Context) netip.Addr {
	if c.Request == nil {
		return netip.Addr{}
	}
	return ginmw.ClientIP(c)
}
