package ginmw

import (
	"bufio"
	"net"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// DefaultMaxBufferBytes is how much of a response body a chain holds in memory before it
// switches to pass-through, when Config.MaxBufferBytes is zero.
const DefaultMaxBufferBytes = 4 << 20

// Response is the response of one request as a chain holds it: status, header and body stay
// changeable until every response hook has run, then they go to the client in one write.
// Django: the HttpResponse that process_response receives.
//
// Response is also the gin.ResponseWriter that the view and the hooks write to (c.Writer)
// while the chain runs, so c.JSON, c.HTML, c.String and friends fill it as usual.
//
// When the view streams (Flush, SSE, Hijack) or the body grows past the buffer cap, the
// response switches to pass-through: the response hooks run at that moment on the headers,
// the buffered bytes go out, and later writes go straight to the client. Streaming then
// reports true and Body returns nil.
//
// A Response belongs to one request and must not be used after the request ends.
type Response struct {
	w         gin.ResponseWriter // the writer the chain wrapped
	st        *state
	body      []byte
	status    int
	committed bool // the view sent its status (WriteHeaderNow or a first Write)
	touched   bool // a status or body was written since the last Reset
	streaming bool
	sent      bool // status and headers are on the wire
	hijacked  bool
	maxBuffer int
}

var _ gin.ResponseWriter = (*Response)(nil)

func (r *Response) reset(w gin.ResponseWriter, st *state, maxBuffer int) {
	r.w = w
	r.st = st
	r.body = r.body[:0]
	r.status = http.StatusOK
	r.committed = false
	r.touched = false
	r.streaming = false
	r.sent = false
	r.hijacked = false
	r.maxBuffer = maxBuffer
}

// Status returns the status code the response will be sent with.
func (r *Response) Status() int { return r.status }

// SetStatus changes the status code. Unlike WriteHeader it always takes effect until the
// status is on the wire, which is what a response hook wants.
func (r *Response) SetStatus(code int) {
	if r.sent || code < 100 || code > 999 {
		return
	}
	r.status = code
	r.touched = true
}

// Header returns the header map that will be sent with the response.
func (r *Response) Header() http.Header { return r.w.Header() }

// Body returns the buffered body. It is nil while streaming. The slice is only valid until
// the next change to the response.
func (r *Response) Body() []byte {
	if r.streaming {
		return nil
	}
	return r.body
}

// SetBody replaces the body with a copy of b. It does nothing while streaming.
func (r *Response) SetBody(b []byte) {
	if r.streaming {
		return
	}
	r.body = append(r.body[:0], b...)
	r.touched = true
}

// Streaming reports whether the response has switched to pass-through.
func (r *Response) Streaming() bool { return r.streaming }

// Touched reports whether a status or body has been written since the response was last
// reset; a hook that "returns a response" in Django's sense leaves it touched.
func (r *Response) Touched() bool { return r.touched }

// Reset discards the status and body and the headers that describe the body
// (Content-Type, Content-Length, Content-Encoding, ETag, Last-Modified), so a new response
// can be written. Other headers, such as Vary or cookies set by earlier hooks, stay.
// It does nothing while streaming.
func (r *Response) Reset() {
	if r.streaming {
		return
	}
	r.body = r.body[:0]
	r.status = http.StatusOK
	r.committed = false
	r.touched = false
	h := r.w.Header()
	for _, k := range bodyHeaders {
		delete(h, k)
	}
}

var bodyHeaders = [...]string{"Content-Type", "Content-Length", "Content-Encoding", "Etag", "Last-Modified"}

// WriteHeader records the status code the way gin's writer does: the first status sent
// by the view wins, and later calls are ignored once the view committed its headers.
func (r *Response) WriteHeader(code int) {
	if code <= 0 || r.committed || r.streaming {
		return
	}
	r.status = code
	r.touched = true
}

// WriteHeaderNow marks the status as sent by the view. The bytes still wait in the buffer.
func (r *Response) WriteHeaderNow() {
	if r.streaming {
		return
	}
	r.committed = true
	r.touched = true
}

// Write appends to the body, or writes through when streaming.
func (r *Response) Write(p []byte) (int, error) {
	if r.streaming {
		return r.w.Write(p)
	}
	r.committed = true
	r.touched = true
	if r.maxBuffer > 0 && len(r.body)+len(p) > r.maxBuffer {
		r.startStreaming()
		return r.w.Write(p)
	}
	r.body = append(r.body, p...)
	return len(p), nil
}

// WriteString appends s to the body, or writes through when streaming.
func (r *Response) WriteString(s string) (int, error) {
	if r.streaming {
		return r.w.WriteString(s)
	}
	r.committed = true
	r.touched = true
	if r.maxBuffer > 0 && len(r.body)+len(s) > r.maxBuffer {
		r.startStreaming()
		return r.w.WriteString(s)
	}
	r.body = append(r.body, s...)
	return len(s), nil
}

// Size returns the number of body bytes written, or -1 before anything was written, as
// gin's writer does.
func (r *Response) Size() int {
	if r.streaming {
		return r.w.Size()
	}
	if !r.committed {
		return -1
	}
	return len(r.body)
}

// Written reports whether the view has committed its status, as gin's writer does.
func (r *Response) Written() bool { return r.committed || r.streaming }

// Flush switches the response to streaming and flushes what was written so far.
func (r *Response) Flush() {
	if !r.streaming {
		r.startStreaming()
	}
	r.w.Flush()
}

// Hijack switches the response to pass-through and hands the connection over.
func (r *Response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !r.streaming {
		r.startStreamingHeadersOnly()
	}
	r.hijacked = true
	return r.w.Hijack()
}

// CloseNotify forwards to the wrapped writer.
//
// Deprecated: use the request context, as with http.CloseNotifier.
func (r *Response) CloseNotify() <-chan bool { return r.w.CloseNotify() }

// Pusher returns the HTTP/2 pusher of the wrapped writer, if any.
func (r *Response) Pusher() http.Pusher { return r.w.Pusher() }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (r *Response) Unwrap() http.ResponseWriter { return r.w }

// startStreaming runs the pending response hooks on the headers, then sends status,
// headers and the buffered body.
func (r *Response) startStreaming() {
	r.startStreamingHeadersOnly()
	if len(r.body) > 0 {
		_, _ = r.w.Write(r.body)
	}
	r.body = r.body[:0]
}

func (r *Response) startStreamingHeadersOnly() {
	r.streaming = true
	r.touched = true
	if r.st != nil {
		r.st.beforeStreaming()
	}
	r.sent = true
	delete(r.w.Header(), "Content-Length")
	r.w.WriteHeader(r.status)
	r.w.WriteHeaderNow()
}

// finish sends the buffered response to the wrapped writer.
func (r *Response) finish(method string) {
	if r.streaming {
		return
	}
	h := r.w.Header()
	if bodyAllowed(r.status) {
		// The body may have been changed by a hook: a declared length must match it, and a
		// large body gets one so the client need not be sent chunks.
		if cl, declared := h["Content-Length"]; (declared || len(r.body) >= 2048) && !(len(cl) == 1 && isDecimal(cl[0], len(r.body))) {
			h["Content-Length"] = []string{strconv.Itoa(len(r.body))}
		}
	} else {
		delete(h, "Content-Length")
		r.body = r.body[:0]
	}
	r.w.WriteHeader(r.status)
	if len(r.body) > 0 && method != http.MethodHead {
		_, _ = r.w.Write(r.body)
	} else {
		r.w.WriteHeaderNow()
	}
}

func bodyAllowed(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == http.StatusNoContent, status == http.StatusNotModified:
		return false
	}
	return true
}

// ResponseOf returns the response the innermost chain running for c is buffering, or nil
// when c is not inside a chain.
func ResponseOf(c *gin.Context) *Response {
	r, _ := c.Writer.(*Response)
	return r
}

// isDecimal reports whether s is the decimal form of n, without allocating.
func isDecimal(s string, n int) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v == n
}
