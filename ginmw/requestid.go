package ginmw

import (
	"crypto/rand"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
)

// maxRequestIDLen bounds an accepted incoming request id.
const maxRequestIDLen = 128

// RequestIDConfig configures RequestIDMiddleware. The zero value reads and writes
// X-Request-ID, keeps a well-formed incoming id, and otherwise makes a random one.
type RequestIDConfig struct {
	// Header is the request and response header; "" means X-Request-ID.
	Header string `yaml:"header"`

	// IgnoreIncoming always makes a new id, even when the request carries one. Without it
	// an incoming id is kept when it is at most 128 characters of letters, digits and
	// "-_.:/+=", so that a proxy's or client's id ties its logs to the application's and a
	// forged one cannot smuggle anything into a log line.
	IgnoreIncoming bool `yaml:"ignore_incoming"`

	// Generate makes a new id; nil means 128 random bits as 26 base32 characters
	// (crypto/rand.Text). Ids it returns are used as they are.
	Generate func() string `yaml:"-"`
}

// RequestIDMiddleware gives every request an id: it keeps a safe incoming one or makes
// one, returns it in the response header (error pages and redirects included), and makes
// it available to handlers and to the access log through RequestIDOf. List it near the
// top, so that everything below it sees the id.
type RequestIDMiddleware struct {
	header   string
	incoming bool
	generate func() string
}

// NewRequestID validates cfg and returns the middleware, or an error naming the bad setting.
func NewRequestID(cfg RequestIDConfig) (*RequestIDMiddleware, error) {
	m := &RequestIDMiddleware{header: "X-Request-Id", incoming: !cfg.IgnoreIncoming, generate: cfg.Generate}
	if cfg.Header != "" {
		if !isToken(cfg.Header) {
			return nil, fmt.Errorf("ginmw: RequestIDConfig.Header: not a header name (got %q)", cfg.Header)
		}
		m.header = http.CanonicalHeaderKey(cfg.Header)
	}
	if m.generate == nil {
		m.generate = rand.Text
	}
	return m, nil
}

// RequestID is NewRequestID as a gin.HandlerFunc.
func RequestID(cfg RequestIDConfig) (gin.HandlerFunc, error) { return adapted(NewRequestID(cfg)) }

// ProcessRequest chooses the id, stores it and puts it in the response header.
func (m *RequestIDMiddleware) ProcessRequest(c *gin.Context) {
	id := ""
	if m.incoming {
		if v := c.Request.Header[m.header]; len(v) == 1 && safeRequestID(v[0]) {
			id = v[0]
		}
	}
	if id == "" {
		id = m.generate()
	}
	reqInfoOf(c).requestID = id
	c.Writer.Header()[m.header] = []string{id}
}

// safeRequestID reports whether an incoming id can be logged and echoed as it is.
func safeRequestID(s string) bool {
	if s == "" || len(s) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' {
			continue
		}
		switch b {
		case '-', '_', '.', ':', '/', '+', '=':
			continue
		}
		return false
	}
	return true
}

// RequestIDOf returns the request's id, or "" when RequestIDMiddleware did not run.
func RequestIDOf(c *gin.Context) string {
	if c == nil {
		return ""
	}
	if ri := peekReqInfo(c); ri != nil {
		return ri.requestID
	}
	return ""
}

func init() { registerMiddleware("request_id", NewRequestID, nil) }
