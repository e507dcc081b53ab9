// Package harness drives one request through an http.Handler the same way for djin and
// for every peer library, so that a benchmark compares middlewares and nothing else.
//
// A comparison is a list of Impl values, one per library, each building its own handler
// (normally a gin engine with the library installed) around the same view. Compare runs
// them as sub-benchmarks named impl=<name>, so that benchstat can put djin and its peers
// side by side:
//
//	benchstat -col /impl new.txt
//
// Before any timing, every handler answers the request once and is checked: the status
// must be the one expected, and an optional Check can look deeper (a header, a cookie).
// A misconfigured peer that rejects the request, or a djin setting that skips the work,
// fails the benchmark instead of publishing a fast number for the wrong work. Verify runs
// the same checks from a unit test, so `go test` catches a broken setup without
// benchmarking.
//
// The loop reuses one *http.Request and one ResponseWriter that keeps no body: the
// allocations reported are the router's and the middleware's, not the recorder's.
package harness

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
)

// Host is the host every request is sent to, and the one the libraries are told is theirs.
const Host = "www.example.com"

// Origin is the HTTPS origin of Host.
const Origin = "https://" + Host

// Request describes the request a comparison sends. The zero value is a GET of "/" over
// plain HTTP.
type Request struct {
	Method string            // "" means GET
	Target string            // "" means "/"
	Header map[string]string // set with Header.Set (canonical names)
	Body   string            // sent again on every iteration
	TLS    bool              // the request arrived over HTTPS (r.TLS is set)
	Remote string            // RemoteAddr; "" means 203.0.113.7:4711
}

// Build returns a new *http.Request for r.
func (r Request) Build() *http.Request {
	method, target := r.Method, r.Target
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = "/"
	}
	req := httptest.NewRequest(method, target, nil)
	req.Host = Host
	req.RemoteAddr = r.Remote
	if req.RemoteAddr == "" {
		req.RemoteAddr = "203.0.113.7:4711"
	}
	if r.TLS {
		req.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true}
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	if r.Body != "" {
		req.ContentLength = int64(len(r.Body))
	}
	return req
}

// Impl is one library's handler for a comparison.
type Impl struct {
	// Name is the library's short name; it becomes the sub-benchmark impl=<Name>.
	Name string
	// Handler builds the handler. It is called once per benchmark or test, outside the
	// timed loop.
	Handler func(tb testing.TB) http.Handler
	// Request, when set, replaces the comparison's request for this library: a peer's
	// cookie or token has its own format, so each library gets a request carrying what it
	// issued itself. Everything else (method, path, Origin) should stay the same.
	Request *Request
	// Check, when set, inspects the response to the check request beyond its status.
	Check func(tb testing.TB, w *httptest.ResponseRecorder)
}

// BaselineName is the impl name of the floor of a comparison: the same engine, view and
// request with no middleware at all. Charts and ratios leave it out of the peers.
const BaselineName = "baseline"

// Baseline returns the floor of a comparison: h (the comparison's engine without any
// middleware) answering rq, or the comparison's request when rq is nil.
func Baseline(h func() http.Handler, rq *Request) Impl {
	return Impl{Name: BaselineName, Request: rq, Handler: func(testing.TB) http.Handler { return h() }}
}

// Case is one request sent to several libraries.
type Case struct {
	Request Request
	// Status is the status every library must answer.
	Status int
	// Reset runs after every request, for every library alike, to undo what a handler
	// did to the shared request (a middleware that adds a request header, for example).
	Reset func(r *http.Request)
	// Vary, when set, changes the request before iteration i, for every library alike:
	// a rate limiter is measured across many clients by giving each iteration another
	// RemoteAddr. It must not allocate, or the allocation counts it for every library.
	Vary func(r *http.Request, i int)
	// Parallel runs the timed loop with b.RunParallel (one request per goroutine).
	Parallel bool
}

// Compare runs c against every impl as sub-benchmarks impl=<name>.
func Compare(b *testing.B, c Case, impls ...Impl) {
	b.Helper()
	for _, impl := range impls {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			h := impl.Handler(b)
			rq := c.request(impl)
			check(b, h, rq, c, impl)
			if c.Parallel {
				runParallel(b, h, rq, c)
				return
			}
			run(b, h, rq, c)
		})
	}
}

// Verify sends c's request to every impl once and applies the checks, as a test.
func Verify(t *testing.T, c Case, impls ...Impl) {
	t.Helper()
	for _, impl := range impls {
		t.Run(impl.Name, func(t *testing.T) {
			check(t, impl.Handler(t), c.request(impl), c, impl)
		})
	}
}

func (c Case) request(impl Impl) Request {
	if impl.Request != nil {
		return *impl.Request
	}
	return c.Request
}

// check serves rq once on a recorder and fails tb unless the answer is the expected one.
// It serves twice: the first request may warm caches (a route cache, a pool), and the
// second is the state the timed loop measures.
func check(tb testing.TB, h http.Handler, rq Request, c Case, impl Impl) {
	tb.Helper()
	var w *httptest.ResponseRecorder
	for range 2 {
		req := rq.Build()
		if rq.Body != "" {
			req.Body = io.NopCloser(strings.NewReader(rq.Body))
		}
		w = httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if c.Reset != nil {
			c.Reset(req)
		}
	}
	if w.Code != c.Status {
		tb.Fatalf("%s: status %d, want %d; body %q", impl.Name, w.Code, c.Status, trim(w.Body.String()))
	}
	if impl.Check != nil {
		impl.Check(tb, w)
	}
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// loop is the per-goroutine state of the timed loop.
type loop struct {
	h    http.Handler
	req  *http.Request
	orig http.Request // the request as built, restored before every iteration
	w    *Writer
	body *strings.Reader
	src  string
	c    Case
	i    int
}

func newLoop(h http.Handler, rq Request, c Case) *loop {
	l := &loop{h: h, req: rq.Build(), w: NewWriter(), src: rq.Body, c: c}
	l.orig = *l.req
	if rq.Body != "" {
		l.body = strings.NewReader(rq.Body)
	}
	return l
}

// once serves the request once. The request struct, its body and the writer are reset
// first, so that every iteration sees the same request: some middlewares write to the
// *http.Request they are given (gorilla/sessions replaces its context with one carrying
// its session cache, net/http's form parsing fills Form), and without the reset later
// iterations would be served from what the first one left behind.
func (l *loop) once() {
	l.w.Reset()
	*l.req = l.orig
	if l.body != nil {
		l.body.Reset(l.src)
		l.req.Body = readCloser{l.body}
	}
	if l.c.Vary != nil {
		l.c.Vary(l.req, l.i)
		l.i++
	}
	l.h.ServeHTTP(l.w, l.req)
	if l.c.Reset != nil {
		l.c.Reset(l.req)
	}
}

func run(b *testing.B, h http.Handler, rq Request, c Case) {
	l := newLoop(h, rq, c)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		l.once()
	}
	b.StopTimer()
	if l.w.Status != c.Status {
		b.Fatalf("status %d during the loop, want %d", l.w.Status, c.Status)
	}
}

func runParallel(b *testing.B, h http.Handler, rq Request, c Case) {
	b.ReportAllocs()
	b.ResetTimer()
	var goroutine atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		l := newLoop(h, rq, c)
		l.i = int(goroutine.Add(1)) * 7919 // goroutines start on different clients
		for pb.Next() {
			l.once()
		}
		if l.w.Status != c.Status {
			b.Errorf("status %d during the loop, want %d", l.w.Status, c.Status)
		}
	})
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

// Writer is a reusable http.ResponseWriter that records the status and the body length
// and keeps nothing else, so that a benchmark measures the handler, not the recorder.
type Writer struct {
	h      http.Header
	Status int
	Bytes  int
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer { return &Writer{h: http.Header{}} }

// Reset forgets the previous response; the header map is cleared, not reallocated.
func (w *Writer) Reset() {
	clear(w.h)
	w.Status, w.Bytes = 0, 0
}

// Header returns the response header map.
func (w *Writer) Header() http.Header { return w.h }

// Write counts p.
func (w *Writer) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	w.Bytes += len(p)
	return len(p), nil
}

// WriteHeader records the first status.
func (w *Writer) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
}

// Body is what View answers.
const Body = "ok"

// View is the handler every comparison routes to: 200 with a two-byte text body, the
// same for every library.
func View(c *gin.Context) { c.String(http.StatusOK, Body) }

// Engine returns a gin engine with mws installed with Use and View on GET and POST "/".
func Engine(mws ...gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(mws...)
	r.GET("/", View)
	r.POST("/", View)
	return r
}

// init puts gin in release mode, as in production: debug mode prints every route of
// every engine built, and djin's cookies are Secure only in release mode.
func init() {
	gin.SetMode(gin.ReleaseMode)
	gin.DefaultWriter = io.Discard
}
