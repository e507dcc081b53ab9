package ratelimit

import (
	"net/netip"

	"github.com/gin-gonic/gin"
)

// clientIP is the one place the package learns who the client is. It returns the socket
// peer from c.Request.RemoteAddr and never reads X-Forwarded-For or calls gin's
// c.ClientIP(), which trusts every proxy by default and so lets any client pick its own
// address. When ginmw.ClientIP lands (the socket peer unless that peer is a configured
// trusted proxy), this body becomes `return ginmw.ClientIP(c)`.
//
// An address that cannot be parsed (a Unix socket, a test request without RemoteAddr)
// yields the zero Addr; keys built from it put every such client in one bucket, which is
// strict rather than open.
func clientIP(c *gin.Context) netip.Addr {
	if c.Request == nil {
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(c.Request.RemoteAddr); err == nil {
		return ap.Addr()
	}
	if a, err := netip.ParseAddr(c.Request.RemoteAddr); err == nil {
		return a
	}
	return netip.Addr{}
}
