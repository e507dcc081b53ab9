package ginmw

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// ConditionalGetConfig configures ConditionalGetMiddleware. It has no settings in Django
// either; the zero value is the middleware.
type ConditionalGetConfig struct{}

// ConditionalGetMiddleware is Django's ConditionalGetMiddleware. On GET and HEAD it gives
// a buffered 200 response a strong ETag (a hash of the body) unless the view set one or
// sent Cache-Control: no-store, then answers the request's preconditions (RFC 9110
// §13.2.2) against that ETag and the view's Last-Modified: 304 Not Modified for a
// matching If-None-Match or an unchanged If-Modified-Since, 412 Precondition Failed for a
// failing If-Match or If-Unmodified-Since. Streaming responses pass untouched.
//
// It runs after the view, so it never answers 412 to unsafe methods: by then a PUT or
// DELETE has done its work. Use the Condition route decorator for those; it checks the
// preconditions before the view runs.
type ConditionalGetMiddleware struct{}

// NewConditionalGet returns the middleware; it has nothing to validate.
func NewConditionalGet(cfg ConditionalGetConfig) (*ConditionalGetMiddleware, error) {
	return &ConditionalGetMiddleware{}, nil
}

// ConditionalGet is NewConditionalGet as a gin.HandlerFunc.
func ConditionalGet(cfg ConditionalGetConfig) (gin.HandlerFunc, error) {
	return adapted(NewConditionalGet(cfg))
}

// ProcessResponse adds the ETag and answers the preconditions. Django:
// ConditionalGetMiddleware.process_response.
func (m *ConditionalGetMiddleware) ProcessResponse(c *gin.Context, r *Response) {
	method := c.Request.Method
	if (method != http.MethodGet && method != http.MethodHead) || r.Streaming() {
		return
	}
	h := r.Header()
	if r.Status() == http.StatusOK && len(r.Body()) > 0 && h.Get("Etag") == "" &&
		h.Get("Content-Range") == "" && !hasCacheDirective(h.Values("Cache-Control"), "no-store") {
		h.Set("Etag", bodyETag(r.Body()))
	}
	if r.Status() < 200 || r.Status() > 299 {
		return
	}
	etag := h.Get("Etag")
	var lastModified time.Time
	if v := h.Get("Last-Modified"); v != "" {
		lastModified, _ = http.ParseTime(v)
	}
	if etag == "" && lastModified.IsZero() {
		return
	}
	switch evaluatePreconditions(c.Request, etag, lastModified) {
	case http.StatusNotModified:
		notModified(r)
	case http.StatusPreconditionFailed:
		r.Reset()
		r.SetStatus(http.StatusPreconditionFailed)
	}
}

// bodyETag is a strong entity tag for a body: 128 bits of its SHA-256, in hex. Django uses
// MD5; SHA-256 is as fast on CPUs with SHA extensions and leaves no doubt about collisions.
func bodyETag(body []byte) string {
	sum := sha256.Sum256(body)
	var b [2 + 32]byte
	b[0] = '"'
	hex.Encode(b[1:33], sum[:16])
	b[33] = '"'
	return string(b[:])
}

// hasCacheDirective reports whether a Cache-Control field lists directive (case-insensitive).
func hasCacheDirective(lines []string, directive string) bool {
	for _, line := range lines {
		for line != "" {
			var d string
			d, line, _ = strings.Cut(line, ",")
			d, _, _ = strings.Cut(d, "=")
			if strings.EqualFold(trimOWS(d), directive) {
				return true
			}
		}
	}
	return false
}

// notModified turns a response into Django's _not_modified: 304, no body, and only the
// headers RFC 9110 §15.4.5 allows (Cache-Control, Content-Location, Date, ETag, Expires,
// Vary) plus Last-Modified, cookies and the headers that do not describe the body.
func notModified(r *Response) {
	h := r.Header()
	etag, lastModified := h["Etag"], h["Last-Modified"]
	r.Reset()
	for k := range h {
		if strings.HasPrefix(k, "Content-") && k != "Content-Location" && k != "Content-Security-Policy" && k != "Content-Security-Policy-Report-Only" {
			delete(h, k)
		}
	}
	if etag != nil {
		h["Etag"] = etag
	}
	if lastModified != nil {
		h["Last-Modified"] = lastModified
	}
	r.SetStatus(http.StatusNotModified)
}

// evaluatePreconditions follows RFC 9110 §13.2.2 as Django's get_conditional_response
// does: it returns 304, 412, or 0 when the request should be answered normally. etag is
// the representation's entity tag ("" for none), lastModified its modification time (zero
// for unknown).
func evaluatePreconditions(req *http.Request, etag string, lastModified time.Time) int {
	safe := req.Method == http.MethodGet || req.Method == http.MethodHead
	ifMatch := req.Header.Values("If-Match")
	ifNoneMatch := req.Header.Values("If-None-Match")
	// Step 1: If-Match, strong comparison.
	if hasETags(ifMatch) {
		if !etagListMatches(ifMatch, etag, false) {
			return http.StatusPreconditionFailed
		}
	} else if t, ok := headerTime(req, "If-Unmodified-Since"); ok {
		// Step 2: If-Unmodified-Since, only without If-Match.
		if lastModified.IsZero() || lastModified.After(t) {
			return http.StatusPreconditionFailed
		}
	}
	// Step 3: If-None-Match, weak comparison.
	if hasETags(ifNoneMatch) {
		if etagListMatches(ifNoneMatch, etag, true) {
			if safe {
				return http.StatusNotModified
			}
			return http.StatusPreconditionFailed
		}
	} else if t, ok := headerTime(req, "If-Modified-Since"); ok && safe {
		// Step 4: If-Modified-Since, only for GET and HEAD without If-None-Match.
		if !lastModified.IsZero() && !lastModified.After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

// headerTime parses an HTTP-date header; an invalid date is ignored, as RFC 9110 requires.
func headerTime(req *http.Request, name string) (time.Time, bool) {
	v := req.Header.Get(name)
	if v == "" {
		return time.Time{}, false
	}
	t, err := http.ParseTime(v)
	return t, err == nil
}

// hasETags reports whether an If-Match or If-None-Match field holds "*" or at least one
// well-formed entity tag; a field with neither is ignored, as in Django's parse_etags.
func hasETags(lines []string) bool {
	found := false
	forEachETag(lines, func(string) bool { found = true; return false })
	return found
}

// etagListMatches reports whether the field lists etag ("*" matches any existing
// representation). The strong comparison never matches a weak tag; the weak one compares
// opaque tags with W/ ignored.
func etagListMatches(lines []string, etag string, weak bool) bool {
	if etag == "" {
		return false
	}
	if !weak && strings.HasPrefix(etag, "W/") {
		return false
	}
	target := strings.TrimPrefix(etag, "W/")
	matched := false
	forEachETag(lines, func(t string) bool {
		if t == "*" {
			matched = true
			return false
		}
		if strings.HasPrefix(t, "W/") {
			if !weak {
				return true
			}
			t = t[2:]
		}
		if t == target {
			matched = true
			return false
		}
		return true
	})
	return matched
}

// forEachETag calls f with each "*" or entity tag (`"x"` or `W/"x"`) of an If-Match or
// If-None-Match field, until f returns false. It scans quoted tags properly, so a comma
// inside a tag does not split it; malformed items are skipped.
func forEachETag(lines []string, f func(string) bool) {
	for _, s := range lines {
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			var tag string
			start := 0
			if strings.HasPrefix(s, "W/") {
				start = 2
			}
			switch {
			case s[0] == '*':
				tag, s = "*", s[1:]
			case start < len(s) && s[start] == '"':
				end := strings.IndexByte(s[start+1:], '"')
				if end < 0 {
					return
				}
				tag, s = s[:start+end+2], s[start+end+2:]
			default:
				// Not a tag: skip to the next comma.
				if i := strings.IndexByte(s, ','); i >= 0 {
					s = s[i:]
					continue
				}
				s = ""
				continue
			}
			if !f(tag) {
				return
			}
		}
	}
}

// ConditionConfig configures the Condition route decorator: how to find the current
// entity tag and modification time of the resource a route serves, cheaply, before the
// view runs. At least one is required.
type ConditionConfig struct {
	// ETag returns the resource's entity tag, quoted or not ("v42", `"v42"`, `W/"v42"`),
	// or "" when it does not exist. An unquoted tag is quoted.
	ETag func(c *gin.Context) string
	// LastModified returns when the resource last changed, or the zero time when unknown.
	LastModified func(c *gin.Context) time.Time
}

// ErrConditionConfig is returned by Condition for a configuration without functions.
var ErrConditionConfig = errors.New("ginmw: ConditionConfig: ETag and LastModified are both nil")

// Condition is Django's @condition view decorator, for any method. Before the view runs it
// computes the resource's ETag and Last-Modified and answers the preconditions: 304 for a
// GET or HEAD the client has cached, 412 when an If-Match or If-Unmodified-Since fails, or
// when an If-None-Match matches on an unsafe method, so that a PUT or DELETE made against
// a stale copy never runs (lost-update protection). Otherwise the view runs, and GET and
// HEAD responses get the ETag and Last-Modified headers unless the view set its own.
func Condition(cfg ConditionConfig) (gin.HandlerFunc, error) {
	if cfg.ETag == nil && cfg.LastModified == nil {
		return nil, ErrConditionConfig
	}
	return func(c *gin.Context) {
		var etag string
		var lastModified time.Time
		if cfg.ETag != nil {
			etag = quoteETag(cfg.ETag(c))
		}
		if cfg.LastModified != nil {
			lastModified = cfg.LastModified(c).UTC().Truncate(time.Second)
		}
		switch status := evaluatePreconditions(c.Request, etag, lastModified); status {
		case http.StatusNotModified, http.StatusPreconditionFailed:
			if status == http.StatusNotModified {
				setValidators(c.Writer.Header(), etag, lastModified)
			}
			c.AbortWithStatus(status)
			return
		}
		safe := c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead
		if !safe {
			return
		}
		r := ResponseOf(c)
		if r == nil {
			// Unbuffered: set them before the view, which may still replace them.
			setValidators(c.Writer.Header(), etag, lastModified)
			return
		}
		c.Next()
		if r.Status() >= 200 && r.Status() <= 299 {
			setValidators(r.Header(), etag, lastModified)
		}
	}, nil
}

// setValidators sets ETag and Last-Modified where the response has none.
func setValidators(h http.Header, etag string, lastModified time.Time) {
	if etag != "" && h.Get("Etag") == "" {
		h.Set("Etag", etag)
	}
	if !lastModified.IsZero() && h.Get("Last-Modified") == "" {
		h.Set("Last-Modified", lastModified.Format(http.TimeFormat))
	}
}

// quoteETag is Django's quote_etag: a tag that is not already quoted (strong or weak) is
// quoted. A tag with a quote inside cannot be written and is a programming error.
func quoteETag(t string) string {
	if t == "" {
		return ""
	}
	if (strings.HasPrefix(t, `"`) || strings.HasPrefix(t, `W/"`)) && strings.HasSuffix(t, `"`) && len(t) >= 2 &&
		strings.Count(t, `"`) == 2 {
		return t
	}
	if strings.ContainsAny(t, "\"\x00\r\n") {
		panic(fmt.Errorf("ginmw: Condition: ETag %q cannot be quoted", t))
	}
	return `"` + t + `"`
}

func init() { registerMiddleware("conditional_get", NewConditionalGet, nil) }
