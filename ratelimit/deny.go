package ratelimit

import (
	"github.com/djin-go/djin/ginmw"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Problem types for application/problem+json bodies, from the IANA HTTP Problem Types
// registry entries that draft-ietf-httpapi-ratelimit-headers defines.
const (
	ProblemQuotaExceeded            = "https://iana.org/assignments/http-problem-types#quota-exceeded"
	ProblemTemporaryReducedCapacity = "https://iana.org/assignments/http-problem-types#temporary-reduced-capacity"
)

// Shared header values; like gin's own content types, they are never written to.
var (
	ctProblemJSON = []string{"application/problem+json"}
	ctJSON        = []string{"application/json; charset=utf-8"}
	ctHTML        = []string{"text/html; charset=utf-8"}
	ctPlain       = []string{"text/plain; charset=utf-8"}
	nosniff       = []string{"nosniff"}
	noStore       = []string{"no-store"}
)

// WriteDenied is the default Config.Denied: it writes d.Status (429, or 503 when a store
// failed) with a body in the format the client asks for in Accept: an RFC 9457
// application/problem+json document with the draft's "violated-policies" member (the
// default, also for */* and a missing Accept), application/json with the same document,
// a short HTML page for browsers, or plain text. Rate-limit headers and Retry-After are
// already set when it runs.
func WriteDenied(c *gin.Context, d *Decision) {
	status := d.Status
	if status == 0 {
		status = http.StatusTooManyRequests
	}
	h := c.Writer.Header()
	h["X-Content-Type-Options"] = nosniff
	h["Cache-Control"] = noStore
	retry := ceilSeconds(d.RetryAfter)
	bp := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(bp)
	body := (*bp)[:0]
	switch negotiate(c.Request.Header.Get("Accept")) {
	case offerHTML:
		h["Content-Type"] = ctHTML
		body = appendHTML(body, status, retry)
	case offerPlain:
		h["Content-Type"] = ctPlain
		body = append(body, http.StatusText(status)...)
		body = appendRetrySentence(append(body, ": "...), status, retry)
		body = append(body, '\n')
	case offerJSON:
		h["Content-Type"] = ctJSON
		body = appendProblem(body, status, retry, d)
	default:
		h["Content-Type"] = ctProblemJSON
		body = appendProblem(body, status, retry, d)
	}
	c.Writer.WriteHeader(status)
	if c.Request.Method != http.MethodHead {
		_, _ = c.Writer.Write(body)
	}
	*bp = body[:0] // keep a buffer that grew
}

// bodyPool recycles refusal bodies: a refusal storm should not feed the garbage collector.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func appendRetrySentence(b []byte, status int, retry int64) []byte {
	if status == http.StatusServiceUnavailable {
		b = append(b, "the rate limiter cannot decide right now."...)
	} else {
		b = append(b, "too many requests."...)
	}
	if retry > 0 {
		b = append(b, " Retry in "...)
		b = strconv.AppendInt(b, retry, 10)
		if retry == 1 {
			b = append(b, " second."...)
		} else {
			b = append(b, " seconds."...)
		}
	}
	return b
}

func appendProblem(b []byte, status int, retry int64, d *Decision) []byte {
	b = append(b, `{"type":"`...)
	if status == http.StatusServiceUnavailable {
		b = append(b, ProblemTemporaryReducedCapacity...)
	} else {
		b = append(b, ProblemQuotaExceeded...)
	}
	b = append(b, `","title":"`...)
	b = append(b, http.StatusText(status)...)
	b = append(b, `","status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, `,"detail":"`...)
	b = appendRetrySentence(b, status, retry)
	b = append(b, '"')
	if status != http.StatusServiceUnavailable {
		b = append(b, `,"violated-policies":[`...)
		first := true
		for _, p := range d.Policies {
			if p.Violated {
				if !first {
					b = append(b, ',')
				}
				first = false
				// Policy names are restricted to A-Z a-z 0-9 . _ - and need no escaping.
				b = append(append(append(b, '"'), p.Name...), '"')
			}
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func appendHTML(b []byte, status int, retry int64) []byte {
	title := http.StatusText(status)
	b = append(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>"...)
	b = append(b, title...)
	b = append(b, "</title></head>\n<body><h1>"...)
	b = append(b, title...)
	b = append(b, "</h1><p>"...)
	start := len(b)
	b = appendRetrySentence(b, status, retry)
	b[start] -= 'a' - 'A' // the sentence starts with a lower-case letter
	return append(b, "</p></body></html>\n"...)
}

// ceilSeconds rounds d up to whole seconds, the unit of Retry-After and of the draft's
// "t": rounding down would tell clients to come back too early.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

type offer uint8

const (
	offerProblem offer = iota
	offerJSON
	offerHTML
	offerPlain
)

var offerTypes = [...]string{offerProblem: "application/problem+json", offerJSON: "application/json", offerHTML: "text/html", offerPlain: "text/plain"}

// negotiate picks the body format for an Accept header with ginmw.Negotiate; the order of
// offerTypes breaks ties and problem+json answers a header with nothing acceptable.
func negotiate(accept string) offer {
	return offer(ginmw.Negotiate(accept, offerTypes[:]))
}
