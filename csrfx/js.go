package csrfx

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

//go:embed static/csrfx.js
var jsTemplate string

// script is the JavaScript helper with one Middleware's names filled in.
type script struct {
	once sync.Once
	body []byte
	etag string
}

// Script returns the JavaScript helper for this middleware: included in a page, it adds
// the token header (the first of Config.HeaderNames) to same-origin fetch() and
// XMLHttpRequest calls that change state, reading the token from a
// <meta name="csrf-token"> tag (see Meta) or the cookie. It also defines window.csrfx
// with token() and headers() for other clients.
func (m *Middleware) Script() string {
	m.js.once.Do(m.buildScript)
	return string(m.js.body)
}

func (m *Middleware) buildScript() {
	quote := func(s string) string {
		b, _ := json.Marshal(s) // escapes <, > and &: safe inline in HTML too
		return string(b)
	}
	body := strings.Replace(jsTemplate, `"__CSRFX_COOKIE__"`, quote(m.cfg.cookie.name), 1)
	body = strings.Replace(body, `"__CSRFX_HEADER__"`, quote(m.cfg.HeaderNames[0]), 1)
	sum := sha256.Sum256([]byte(body))
	m.js.body = []byte(body)
	m.js.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
}

// JSHandler serves Script, cacheable and revalidated by ETag:
//
//	r.GET("/static/csrfx.js", m.JSHandler())
//	<script src="/static/csrfx.js" defer></script>
func (m *Middleware) JSHandler() gin.HandlerFunc {
	m.js.once.Do(m.buildScript)
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("ETag", m.js.etag)
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("X-Content-Type-Options", "nosniff")
		if c.GetHeader("If-None-Match") == m.js.etag {
			c.Status(http.StatusNotModified)
			return
		}
		c.Data(http.StatusOK, "text/javascript; charset=utf-8", m.js.body)
	}
}
