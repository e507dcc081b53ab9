package csrfx

import (
	"errors"
	"github.com/djin-go/djin/ginmw"
	"html"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// reject answers a request that failed the checks: one log line, then (unless ReportOnly)
// the failure handler and c.Abort(), always, whatever the handler did (A15).
func (m *Middleware) reject(c *gin.Context, e *Error) {
	m.logFailure(c, e)
	if m.cfg.ReportOnly {
		return
	}
	h := m.cfg.FailureHandler
	if h == nil {
		h = DefaultFailureHandler
	}
	h(c, e)
	if !c.Writer.Written() && c.Writer.Status() == http.StatusOK {
		// The handler chose no status: never let a rejected request look like a success.
		c.Status(http.StatusForbidden)
	}
	c.Abort()
}

// logFailure writes the one warning per rejected request (Django logs to
// django.security.csrf). The reason includes the offending Origin or Referer, quoted by
// slog; no token, cookie or secret is ever logged.
func (m *Middleware) logFailure(c *gin.Context, e *Error) {
	msg := "csrfx: CSRF check failed"
	if m.cfg.ReportOnly {
		msg = "csrfx: CSRF check failed (report-only: request allowed)"
	}
	attrs := []slog.Attr{
		slog.String("reason", e.Reason()),
		slog.String("code", e.Code()),
		slog.String("method", c.Request.Method),
		slog.String("path", c.Request.URL.Path),
		slog.String("route", c.FullPath()),
		slog.String("client_ip", clientIP(c)),
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.String("cause", e.Cause.Error()))
	}
	m.cfg.Logger.LogAttrs(c.Request.Context(), slog.LevelWarn, msg, attrs...)
}

// DefaultFailureHandler answers 403 Forbidden in the format the client asked for: HTML
// (the default, like Django's csrf_failure view), JSON ({"error": "csrf_failed", "code":
// "token_missing", "reason": "CSRF token missing."}) or plain text. The reason never
// contains the request's Origin, Referer or token.
func DefaultFailureHandler(c *gin.Context, err error) {
	reason, code := "CSRF verification failed.", "csrf_failed"
	var e *Error
	if errors.As(err, &e) {
		reason, code = e.PublicReason(), e.Code()
	}
	c.Header("Cache-Control", "no-store")
	switch ginmw.Negotiate(c.GetHeader("Accept"), failureOffers) {
	case 1:
		c.JSON(http.StatusForbidden, gin.H{"error": "csrf_failed", "code": code, "reason": reason})
	case 2:
		c.String(http.StatusForbidden, "Forbidden (403)\nCSRF verification failed. Request aborted.\n\n%s\n", reason)
	default:
		c.Data(http.StatusForbidden, "text/html; charset=utf-8", []byte(failurePage(reason)))
	}
}

// failureOffers are the failure bodies by preference when the client ranks them equally.
var failureOffers = []string{"text/html", "application/json", "text/plain"}

func failurePage(reason string) string {
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="NONE,NOARCHIVE">
<title>403 Forbidden</title></head>
<body><h1>Forbidden <span>(403)</span></h1>
<p>CSRF verification failed. Request aborted.</p>
<p>Reason given for failure:</p>
<pre>` + html.EscapeString(reason) + `</pre>
<p>If you have configured your browser to disable cookies or the Referer header, please
re-enable them, at least for this site, or for “same-origin” requests.</p>
</body></html>
`
}
