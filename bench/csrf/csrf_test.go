package csrf

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/djin-go/djin/csrfx"
	"github.com/gin-gonic/gin"
	gorilla "github.com/gorilla/csrf"
	"github.com/justinas/nosurf"
)

// newDjin builds a csrfx Middleware that logs nowhere.
func newDjin(tb testing.TB, cfg csrfx.Config) *csrfx.Middleware {
	cfg.Logger = slog.New(slog.DiscardHandler)
	m, err := csrfx.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// gorillaKey is gorilla/csrf's 32-byte authentication key.
var gorillaKey = bytes.Repeat([]byte{0x42}, 32)

// tokenView answers the token a library made for the request; the issuing step reads it.
type tokenView func(c *gin.Context) string

// engine is the gin engine every library protects: "/" answers harness.Body (GET and
// POST), "/form" renders a token as a page with a form would, "/token" answers the token.
func engine(token tokenView, mws ...gin.HandlerFunc) *gin.Engine {
	r := harness.Engine(mws...)
	r.GET("/form", func(c *gin.Context) {
		c.String(http.StatusOK, `<form method="post"><input type="hidden" name="t" value="%s"></form>`, token(c))
	})
	r.GET("/token", func(c *gin.Context) { c.String(http.StatusOK, "%s", token(c)) })
	return r
}

// lib is one CSRF library: how to build its protected handler and the names it uses.
type lib struct {
	name    string
	handler func(tb testing.TB) http.Handler
	header  string // the request header it reads the token from by default
	field   string // the form field it reads the token from by default
}

var libs = []lib{
	{name: "djin", header: "X-CSRFToken", field: csrfx.DefaultFieldName, handler: func(tb testing.TB) http.Handler {
		return engine(func(c *gin.Context) string { return csrfx.Token(c) }, newDjin(tb, csrfx.Config{}).Handler())
	}},
	{name: "gorilla", header: "X-CSRF-Token", field: "gorilla.csrf.Token", handler: func(testing.TB) http.Handler {
		e := engine(func(c *gin.Context) string { return gorilla.Token(c.Request) })
		return gorilla.Protect(gorillaKey, gorilla.Path("/"))(e)
	}},
	{name: "nosurf", header: nosurf.HeaderName, field: nosurf.FormFieldName, handler: func(testing.TB) http.Handler {
		e := engine(func(c *gin.Context) string { return nosurf.Token(c.Request) })
		return nosurf.New(e)
	}},
}

// stdlib is net/http's CrossOriginProtection as a gin middleware. It has no token, so it
// takes part only where no token is involved.
func stdlib() http.Handler {
	cop := http.NewCrossOriginProtection()
	return harness.Engine(func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			c.AbortWithStatus(http.StatusForbidden)
		}
	})
}

// issued is what a library gave a visitor: its cookie (as a Cookie header value) and a
// token for forms and headers.
type issued struct{ cookie, token string }

// issue fetches /token once, as a browser would, and keeps the cookie and the token.
func issue(tb testing.TB, h http.Handler) issued {
	tb.Helper()
	req := harness.Request{Target: "/token", TLS: true}.Build()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	cookies := w.Result().Cookies()
	if w.Code != http.StatusOK || len(cookies) != 1 || w.Body.Len() == 0 {
		tb.Fatalf("issuing a token: status %d, %d cookies, body %q", w.Code, len(cookies), w.Body.String())
	}
	return issued{cookie: cookies[0].Name + "=" + cookies[0].Value, token: w.Body.String()}
}

// otherCookies travel with every request, as an analytics and a session cookie would.
const otherCookies = "_ga=GA1.2.1234567890.1700000000; sessionid=ua8ykmqbt1l7u0lkg5lx3kzhi9y3a0v6"

// request is the request of a case for one library, carrying what the library issued.
func (l lib) request(kind string, is issued) harness.Request {
	rq := harness.Request{TLS: true, Header: map[string]string{
		"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
		"Accept":     "text/html,application/xhtml+xml",
	}}
	cookie := otherCookies + "; " + is.cookie
	switch kind {
	case "GET-no-cookie":
		rq.Header["Cookie"] = otherCookies
	case "GET-cookie":
		rq.Header["Cookie"] = cookie
	case "GET-token":
		rq.Target = "/form"
		rq.Header["Cookie"] = cookie
	case "POST-header":
		rq.Method = http.MethodPost
		rq.Header["Cookie"] = cookie
		rq.Header["Origin"] = harness.Origin
		rq.Header["Sec-Fetch-Site"] = "same-origin"
		rq.Header[l.header] = is.token
	case "POST-form":
		rq.Method = http.MethodPost
		rq.Header["Cookie"] = cookie
		rq.Header["Origin"] = harness.Origin
		rq.Header["Sec-Fetch-Site"] = "same-origin"
		rq.Header["Content-Type"] = "application/x-www-form-urlencoded"
		rq.Body = url.Values{"choice": {"3"}, "comment": {"Jolene"}, l.field: {is.token}}.Encode()
	}
	return rq
}

var kinds = []string{"GET-no-cookie", "GET-cookie", "GET-token", "POST-header", "POST-form"}

// comparison builds the impls of one case. The CSRF libraries get requests with their own
// cookie and token; the standard library joins the safe requests that use no token.
func comparison(tb testing.TB, kind string) (harness.Case, []harness.Impl) {
	var impls []harness.Impl
	for _, l := range libs {
		h := l.handler(tb)
		rq := l.request(kind, issue(tb, h))
		impls = append(impls, harness.Impl{Name: l.name, Request: &rq,
			Handler: func(testing.TB) http.Handler { return h }})
	}
	if kind == "GET-no-cookie" || kind == "GET-cookie" {
		rq := libs[0].request(kind, issued{cookie: "csrftoken=dummy"})
		impls = append(impls, harness.Impl{Name: "net-http", Request: &rq,
			Handler: func(testing.TB) http.Handler { return stdlib() }})
	}
	if kind != "GET-token" {
		rq := *impls[0].Request // djin's request: the baseline ignores its cookie and token
		impls = append(impls, harness.Baseline(func() http.Handler { return harness.Engine() }, &rq))
	}
	return harness.Case{Status: http.StatusOK}, impls
}

func BenchmarkCSRF(b *testing.B) {
	for _, kind := range kinds {
		b.Run("case="+kind, func(b *testing.B) {
			c, impls := comparison(b, kind)
			harness.Compare(b, c, impls...)
		})
	}
}

func TestCSRFSetup(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind, func(t *testing.T) {
			c, impls := comparison(t, kind)
			harness.Verify(t, c, impls...)
		})
	}
}

// TestCSRFRejects proves that every library really checks the benchmark's POSTs: the same
// request with a token of another visitor, or with a cross-site Origin, is refused.
func TestCSRFRejects(t *testing.T) {
	for _, l := range libs {
		t.Run(l.name, func(t *testing.T) {
			h := l.handler(t)
			mine, theirs := issue(t, h), issue(t, h)
			for _, kind := range []string{"POST-header", "POST-form"} {
				forged := l.request(kind, issued{cookie: mine.cookie, token: theirs.token})
				if code := serve(h, forged); code < 400 {
					t.Errorf("%s with another visitor's token: status %d", kind, code)
				}
				cross := l.request(kind, mine)
				cross.Header["Origin"] = "https://evil.example"
				cross.Header["Sec-Fetch-Site"] = "cross-site"
				if code := serve(h, cross); code < 400 {
					t.Errorf("%s from a cross-site Origin: status %d", kind, code)
				}
			}
		})
	}
}

func serve(h http.Handler, rq harness.Request) int {
	req := rq.Build()
	if rq.Body != "" {
		req.Body = io.NopCloser(strings.NewReader(rq.Body))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}
