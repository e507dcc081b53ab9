package chain

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/djin-go/djin/ginmw"
	"github.com/gin-contrib/gzip"
	"github.com/gin-contrib/requestid"
	"github.com/gin-contrib/secure"
	"github.com/gin-gonic/gin"
)

// must returns a function that turns a djin constructor's result into its handler; the
// configurations here are valid, so an error is a broken benchmark.
func must(tb testing.TB) func(gin.HandlerFunc, error) gin.HandlerFunc {
	return func(h gin.HandlerFunc, err error) gin.HandlerFunc {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return h
	}
}

// wantHeader returns a Check that the response carries header name with value want.
func wantHeader(name, want string) func(testing.TB, *httptest.ResponseRecorder) {
	return func(tb testing.TB, w *httptest.ResponseRecorder) {
		tb.Helper()
		if got := w.Header().Get(name); got != want {
			tb.Fatalf("%s = %q, want %q", name, got, want)
		}
	}
}

func checks(cs ...func(testing.TB, *httptest.ResponseRecorder)) func(testing.TB, *httptest.ResponseRecorder) {
	return func(tb testing.TB, w *httptest.ResponseRecorder) {
		tb.Helper()
		for _, c := range cs {
			c(tb, w)
		}
	}
}

const hsts = "max-age=31536000; includeSubDomains"

// securityComparison: the headers of Django's SecurityMiddleware on an HTTPS request
// (nosniff, Referrer-Policy, HSTS) with the HTTPS redirect on (and not taken). djin also
// sends Cross-Origin-Opener-Policy, which gin-contrib/secure has no setting for, so djin
// writes one header more.
func securityComparison() (harness.Case, []harness.Impl) {
	c := harness.Case{Request: harness.Request{TLS: true}, Status: http.StatusOK}
	check := checks(wantHeader("X-Content-Type-Options", "nosniff"), wantHeader("Referrer-Policy", "same-origin"))
	return c, []harness.Impl{
		{Name: "djin", Handler: func(tb testing.TB) http.Handler {
			return harness.Engine(must(tb)(ginmw.Security(ginmw.SecurityConfig{
				SSLRedirect: true, HSTSSeconds: 31536000, HSTSIncludeSubdomains: true,
			})))
		}, Check: checks(check, wantHeader("Strict-Transport-Security", hsts))},
		{Name: "gin-contrib-secure", Handler: func(testing.TB) http.Handler {
			return harness.Engine(secure.New(secure.Config{
				SSLRedirect: true, STSSeconds: 31536000, STSIncludeSubdomains: true,
				ContentTypeNosniff: true, ReferrerPolicy: "same-origin",
			}))
		}, Check: checks(check, wantHeader("Strict-Transport-Security", "max-age=31536000; includeSubdomains"))},
		harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
	}
}

func xframeComparison() (harness.Case, []harness.Impl) {
	c := harness.Case{Status: http.StatusOK}
	check := wantHeader("X-Frame-Options", "DENY")
	return c, []harness.Impl{
		{Name: "djin", Handler: func(tb testing.TB) http.Handler {
			m, err := ginmw.NewXFrame(ginmw.XFrameConfig{})
			return harness.Engine(must(tb)(ginmw.Adapt(m), err))
		}, Check: check},
		{Name: "gin-contrib-secure", Handler: func(testing.TB) http.Handler {
			return harness.Engine(secure.New(secure.Config{FrameDeny: true}))
		}, Check: check},
		harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
	}
}

// page is a 2 KiB HTML page: big enough for both gzip middlewares to compress.
var page = "<!doctype html><html><head><title>Polls</title></head><body><ul>" +
	strings.Repeat(`<li><a href="/polls/42/">What is your favourite colour?</a></li>`, 30) +
	"</ul></body></html>"

func pageView(c *gin.Context) { c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(page)) }

func gzipEngine(mws ...gin.HandlerFunc) *gin.Engine {
	r := gin.New()
	r.Use(mws...)
	r.GET("/page", pageView)
	r.GET("/", harness.View)
	return r
}

// gzipComparison: the page compressed at level 6 by both. djin also pads the gzip header
// with up to 100 random bytes against BREACH (Django's default), and buffers the body to
// compress it in one go; gin-contrib/gzip compresses as the view writes.
func gzipComparison(target string, compressed bool) (harness.Case, []harness.Impl) {
	c := harness.Case{Request: harness.Request{Target: target, Header: map[string]string{"Accept-Encoding": "gzip, deflate, br"}}, Status: http.StatusOK}
	djinCheck := wantHeader("Content-Encoding", "")
	if compressed {
		djinCheck = wantHeader("Content-Encoding", "gzip")
	}
	return c, []harness.Impl{
		{Name: "djin", Handler: func(tb testing.TB) http.Handler {
			return gzipEngine(must(tb)(ginmw.GZip(ginmw.GZipConfig{})))
		}, Check: djinCheck},
		{Name: "gin-contrib-gzip", Handler: func(testing.TB) http.Handler {
			return gzipEngine(gzip.Gzip(gzip.DefaultCompression))
		}, Check: wantHeader("Content-Encoding", "gzip")},
		harness.Baseline(func() http.Handler { return gzipEngine() }, nil),
	}
}

// dropRequestID undoes gin-contrib/requestid, which adds the id it generated to the
// request's own header: without this, every request after the first would carry one.
func dropRequestID(r *http.Request) { delete(r.Header, "X-Request-Id") }

// requestIDComparison: a new id when the request has none, or an incoming one kept.
// djin's id is 128 random bits as 26 base32 characters (crypto/rand.Text), gin-contrib's
// a UUIDv4 (122 random bits); djin checks an incoming id's length and characters,
// gin-contrib keeps any.
func requestIDComparison(incoming bool) (harness.Case, []harness.Impl) {
	c := harness.Case{Status: http.StatusOK, Reset: dropRequestID}
	check := func(tb testing.TB, w *httptest.ResponseRecorder) {
		tb.Helper()
		if w.Header().Get("X-Request-ID") == "" {
			tb.Fatal("no X-Request-ID in the response")
		}
	}
	if incoming {
		const id = "3f2c1a9e-5b7d-4c1e-9a0b-7e6d5c4b3a21"
		c.Request.Header = map[string]string{"X-Request-ID": id}
		c.Reset = nil
		check = wantHeader("X-Request-ID", id)
	}
	return c, []harness.Impl{
		{Name: "djin", Handler: func(tb testing.TB) http.Handler {
			return harness.Engine(must(tb)(ginmw.RequestID(ginmw.RequestIDConfig{})))
		}, Check: check},
		{Name: "gin-contrib-requestid", Handler: func(testing.TB) http.Handler {
			return harness.Engine(requestid.New())
		}, Check: check},
		harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
	}
}

// logComparison: one access-log line per request. djin writes a structured slog record
// (JSON here: method, route, status, bytes, duration, client_ip, request_id, user,
// user_agent); gin.Logger writes its text line (time, status, latency, client IP, method,
// path). Both write to io.Discard.
func logComparison() (harness.Case, []harness.Impl) {
	c := harness.Case{Request: harness.Request{Header: map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"}}, Status: http.StatusOK}
	return c, []harness.Impl{
		{Name: "djin", Handler: func(tb testing.TB) http.Handler {
			return harness.Engine(must(tb)(ginmw.AccessLog(ginmw.AccessLogConfig{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})))
		}},
		{Name: "gin-logger", Handler: func(testing.TB) http.Handler {
			return harness.Engine(gin.LoggerWithWriter(io.Discard))
		}},
		harness.Baseline(func() http.Handler { return harness.Engine() }, nil),
	}
}

// stackComparison: security, x-frame-options, request id and gzip on the 2 KiB page, as
// one djin chain (one buffered response for all four) and as the gin-contrib middlewares.
func stackComparison() (harness.Case, []harness.Impl) {
	c := harness.Case{Request: harness.Request{Target: "/page", TLS: true, Header: map[string]string{"Accept-Encoding": "gzip"}},
		Status: http.StatusOK, Reset: dropRequestID}
	check := checks(wantHeader("Content-Encoding", "gzip"), wantHeader("X-Frame-Options", "DENY"), wantHeader("X-Content-Type-Options", "nosniff"))
	return c, []harness.Impl{
		{Name: "djin", Handler: func(tb testing.TB) http.Handler {
			sec, err1 := ginmw.NewSecurity(ginmw.SecurityConfig{SSLRedirect: true, HSTSSeconds: 31536000, HSTSIncludeSubdomains: true})
			xf, err2 := ginmw.NewXFrame(ginmw.XFrameConfig{})
			rid, err3 := ginmw.NewRequestID(ginmw.RequestIDConfig{})
			gz, err4 := ginmw.NewGZip(ginmw.GZipConfig{})
			for _, err := range []error{err1, err2, err3, err4} {
				if err != nil {
					tb.Fatal(err)
				}
			}
			return gzipEngine(ginmw.Chain(sec, xf, rid, gz))
		}, Check: check},
		{Name: "gin-contrib", Handler: func(testing.TB) http.Handler {
			return gzipEngine(
				secure.New(secure.Config{SSLRedirect: true, STSSeconds: 31536000, STSIncludeSubdomains: true,
					ContentTypeNosniff: true, ReferrerPolicy: "same-origin", FrameDeny: true}),
				requestid.New(),
				gzip.Gzip(gzip.DefaultCompression))
		}, Check: check},
		harness.Baseline(func() http.Handler { return gzipEngine() }, nil),
	}
}

func BenchmarkSecurity(b *testing.B) {
	c, impls := securityComparison()
	harness.Compare(b, c, impls...)
}

func BenchmarkXFrame(b *testing.B) {
	c, impls := xframeComparison()
	harness.Compare(b, c, impls...)
}

func BenchmarkGZip(b *testing.B) {
	b.Run("case=page-2KiB", func(b *testing.B) {
		c, impls := gzipComparison("/page", true)
		harness.Compare(b, c, impls...)
	})
	b.Run("case=tiny-body", func(b *testing.B) {
		c, impls := gzipComparison("/", false)
		harness.Compare(b, c, impls...)
	})
}

func BenchmarkRequestID(b *testing.B) {
	b.Run("case=generated", func(b *testing.B) {
		c, impls := requestIDComparison(false)
		harness.Compare(b, c, impls...)
	})
	b.Run("case=incoming", func(b *testing.B) {
		c, impls := requestIDComparison(true)
		harness.Compare(b, c, impls...)
	})
}

func BenchmarkAccessLog(b *testing.B) {
	c, impls := logComparison()
	harness.Compare(b, c, impls...)
}

func BenchmarkStack(b *testing.B) {
	c, impls := stackComparison()
	harness.Compare(b, c, impls...)
}

// The setups are checked by the tests below: each library answers the benchmark's request
// with the status and headers the comparison is about.

func TestSecuritySetup(t *testing.T) {
	c, impls := securityComparison()
	harness.Verify(t, c, impls...)
}

func TestXFrameSetup(t *testing.T) {
	c, impls := xframeComparison()
	harness.Verify(t, c, impls...)
}

func TestGZipSetup(t *testing.T) {
	for _, tc := range []struct {
		target     string
		compressed bool
	}{{"/page", true}, {"/", false}} {
		c, impls := gzipComparison(tc.target, tc.compressed)
		harness.Verify(t, c, impls...)
	}
}

func TestRequestIDSetup(t *testing.T) {
	for _, incoming := range []bool{false, true} {
		c, impls := requestIDComparison(incoming)
		harness.Verify(t, c, impls...)
	}
}

func TestAccessLogSetup(t *testing.T) {
	c, impls := logComparison()
	harness.Verify(t, c, impls...)
}

// TestAccessLogWritesLines: both loggers really write a line per request, so the
// benchmark does not time a logger that discards records before formatting them.
func TestAccessLogWritesLines(t *testing.T) {
	var djin, gl bytes.Buffer
	for _, h := range []http.Handler{
		harness.Engine(must(t)(ginmw.AccessLog(ginmw.AccessLogConfig{Logger: slog.New(slog.NewJSONHandler(&djin, nil))}))),
		harness.Engine(gin.LoggerWithWriter(&gl)),
	} {
		h.ServeHTTP(httptest.NewRecorder(), harness.Request{}.Build())
	}
	if !strings.Contains(djin.String(), `"status":200`) || !strings.Contains(gl.String(), "200") {
		t.Fatalf("lines: djin %q, gin %q", djin.String(), gl.String())
	}
}

func TestStackSetup(t *testing.T) {
	c, impls := stackComparison()
	harness.Verify(t, c, impls...)
}
