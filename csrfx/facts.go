package csrfx

import "github.com/gin-gonic/gin"

// The request facts csrfx needs, in one place. Until ginmw's request facts are available
// these are the socket-only answers, which trust no proxy header: HTTPS only when this
// server terminated TLS, and the Host header as received.

// isSecure reports whether the request reached the application over HTTPS.
func isSecure(c *gin.Context) bool { return c.Request.TLS != nil }

// requestHost is the request's host[:port].
func requestHost(c *gin.Context) string { return c.Request.Host }

// clientIP is the client address for log lines.
func clientIP(c *gin.Context) string {
	return c.RemoteIP()
}
