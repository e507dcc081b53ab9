package csrfx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Allocation budgets (the reference's §9.7): a safe request that uses no token and an
// origin-gate pass allocate nothing; a token-verified POST allocates at most 4 times. They
// are measured as the difference with the same engine and chain without csrfx, so gin's
// and the pipeline's own costs do not count.

// discardWriter is an http.ResponseWriter that keeps nothing, with a header map cleared
// between requests so a run does not grow it.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

type allocCase struct {
	name   string
	cfg    Config
	method string
	header map[string]string
	budget float64
}

func allocEngine(t testing.TB, mw ...any) *gin.Engine {
	r := gin.New()
	r.Use(ginmw.Chain(mw...))
	view := func(c *gin.Context) { c.Status(http.StatusOK) }
	r.GET("/", view)
	r.POST("/", view)
	return r
}

// baselineMiddleware is an empty hook, so the baseline chain has one layer too.
type baselineMiddleware struct{}

func (baselineMiddleware) ProcessView(*gin.Context, ginmw.View) {}

func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
}

func measure(t *testing.T, h http.Handler, r *http.Request) float64 {
	t.Helper()
	skipUnderRace(t)
	w := &discardWriter{h: http.Header{}}
	status := 0
	allocs := testing.AllocsPerRun(200, func() {
		clear(w.h)
		rec := statusRecorder{discardWriter: w}
		h.ServeHTTP(&rec, r)
		status = rec.status
	})
	if status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
	return allocs
}

type statusRecorder struct {
	*discardWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code }

func TestAllocationBudgets(t *testing.T) {
	cases := []allocCase{
		{name: "safe request, no token used", method: http.MethodGet, budget: 0},
		{name: "safe request with a cookie, no token used", method: http.MethodGet, header: map[string]string{"Cookie": "sessionid=abc; csrftoken=" + testSecret}, budget: 0},
		{name: "origin gate pass: Sec-Fetch-Site", cfg: Config{Mode: OriginOnly}, method: http.MethodPost, header: map[string]string{"Sec-Fetch-Site": "same-origin"}, budget: 0},
		{name: "origin gate pass: Origin", cfg: Config{Mode: OriginOnly}, method: http.MethodPost, header: map[string]string{"Origin": "http://www.example.com"}, budget: 0},
		{name: "origin gate pass: trusted Origin", cfg: Config{Mode: OriginOnly, TrustedOrigins: []string{"https://app.example.com", "https://*.partner.example"}}, method: http.MethodPost,
			header: map[string]string{"Origin": "https://a.partner.example", "Sec-Fetch-Site": "cross-site"}, budget: 0},
		{name: "token-verified POST (header)", method: http.MethodPost, header: map[string]string{
			"Cookie": "csrftoken=" + testSecret, "X-CSRFToken": maskedSecret2, "Origin": "http://www.example.com", "Sec-Fetch-Site": "same-origin"}, budget: 4},
		{name: "token-verified POST (bare token, no Fetch Metadata)", method: http.MethodPost, header: map[string]string{
			"Cookie": "csrftoken=" + testSecret, "X-CSRF-Token": testSecret, "Origin": "http://www.example.com"}, budget: 4},
	}
	base := measure(t, allocEngine(t, baselineMiddleware{}), httptest.NewRequest(http.MethodGet, "/", nil))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Logger = discardLogger
			m, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(tc.method, "/", nil)
			r.Host = testHost
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			got := measure(t, allocEngine(t, m), r)
			if got-base > tc.budget {
				t.Errorf("%v allocs per request beyond the pipeline's %v, budget %v", got-base, base, tc.budget)
			}
			t.Logf("%v allocs (pipeline baseline %v)", got-base, base)
		})
	}
}

// Every Middleware keeps its per-request value in the chain's pooled state (ginmw.Slot), so
// a second csrfx in the process costs no more than the first: no gin key map, no allocation.
func TestAllocationsSecondMiddleware(t *testing.T) {
	skipUnderRace(t)
	_, _ = New(Config{Logger: discardLogger})
	m, _ := New(Config{Logger: discardLogger})
	base := measure(t, allocEngine(t, baselineMiddleware{}), httptest.NewRequest(http.MethodGet, "/", nil))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if got := measure(t, allocEngine(t, m), r) - base; got > 0 {
		t.Errorf("second middleware GET: %v allocs, want 0", got)
	}
}

func TestAllocationsCheckOrigin(t *testing.T) {
	skipUnderRace(t)
	m, err := New(Config{Logger: discardLogger, TrustedOrigins: []string{"https://*.example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	for _, origin := range []string{"https://www.example.com", "https://a.example.org", "HTTPS://WWW.EXAMPLE.COM:443"} {
		r.Header.Set("Origin", origin)
		if n := testing.AllocsPerRun(100, func() {
			if err := m.CheckOrigin(r, true, "www.example.com"); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("CheckOrigin(%s): %v allocs", origin, n)
		}
	}
}

func TestAllocationsPrimitives(t *testing.T) {
	skipUnderRace(t)
	h := http.Header{"Cookie": {"a=b; " + DefaultCookieName + "=" + testSecret + "; c=d"}}
	if n := testing.AllocsPerRun(100, func() {
		if v, f, ok := readSecretCookie(h, DefaultCookieName); !ok || f != formatOK || v != testSecret {
			t.Fatal("cookie not found")
		}
	}); n != 0 {
		t.Errorf("readSecretCookie: %v allocs", n)
	}
	var secret [SecretLength]byte
	copy(secret[:], testSecret)
	if n := testing.AllocsPerRun(100, func() {
		if checkFormat(maskedSecret2) != formatOK || !tokenMatchesBytes(maskedSecret2, &secret) {
			t.Fatal("no match")
		}
	}); n != 0 {
		t.Errorf("format + match: %v allocs", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = maskSecret(testSecret) }); n > 1 {
		t.Errorf("maskSecret: %v allocs, want ≤ 1 (the result)", n)
	}
}

// BenchmarkMiddleware measures the middleware in a gin engine and ginmw chain; the peer
// comparison (gorilla/csrf, nosurf, net/http) lives in bench/.
func BenchmarkMiddleware(b *testing.B) {
	cases := []struct {
		name   string
		cfg    Config
		method string
		header map[string]string
		body   string
	}{
		{name: "GET no token", method: http.MethodGet},
		{name: "POST origin-only Sec-Fetch-Site", cfg: Config{Mode: OriginOnly}, method: http.MethodPost, header: map[string]string{"Sec-Fetch-Site": "same-origin"}},
		{name: "POST origin-only Origin", cfg: Config{Mode: OriginOnly}, method: http.MethodPost, header: map[string]string{"Origin": "http://www.example.com"}},
		{name: "POST header token", method: http.MethodPost, header: map[string]string{"Cookie": "csrftoken=" + testSecret, "X-CSRFToken": maskedSecret2, "Origin": "http://www.example.com"}},
		{name: "POST form token", method: http.MethodPost, header: map[string]string{"Cookie": "csrftoken=" + testSecret, "Origin": "http://www.example.com", "Content-Type": "application/x-www-form-urlencoded"},
			body: "name=Jolene&" + DefaultFieldName + "=" + maskedSecret2},
		{name: "GET token used", method: http.MethodGet, header: map[string]string{"Cookie": "csrftoken=" + testSecret}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			tc.cfg.Logger = discardLogger
			m, err := New(tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			r := gin.New()
			view := func(c *gin.Context) { c.Status(http.StatusOK) }
			if tc.name == "GET token used" {
				view = func(c *gin.Context) { _ = Token(c); c.Status(http.StatusOK) }
			}
			r.Use(ginmw.Chain(m))
			r.Handle(tc.method, "/", view)
			req := httptest.NewRequest(tc.method, "/", nil)
			req.Host = testHost
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			w := &discardWriter{h: http.Header{}}
			body := strings.NewReader("")
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				if tc.body != "" {
					body.Reset(tc.body)
					req.Body = nopCloser{body}
					req.ContentLength = int64(len(tc.body))
					req.PostForm = nil
				}
				r.ServeHTTP(w, req)
			}
		})
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func BenchmarkPrimitives(b *testing.B) {
	b.Run("mask", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = maskSecret(testSecret)
		}
	})
	b.Run("format+match", func(b *testing.B) {
		var secret [SecretLength]byte
		copy(secret[:], testSecret)
		b.ReportAllocs()
		for b.Loop() {
			_ = checkFormat(maskedSecret2) == formatOK && tokenMatchesBytes(maskedSecret2, &secret)
		}
	})
	b.Run("cookie", func(b *testing.B) {
		h := http.Header{"Cookie": {"_ga=GA1.2.3; sessionid=abcdef; csrftoken=" + testSecret + "; theme=dark"}}
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = readSecretCookie(h, DefaultCookieName)
		}
	})
}

// A token-verified form POST (the Django form path): the body prefix, its replay reader
// and the token string.
func TestAllocationsFormPost(t *testing.T) {
	skipUnderRace(t)
	m, err := New(Config{Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	h := allocEngine(t, m)
	const form = "name=Jolene&" + DefaultFieldName + "=" + maskedSecret2
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.Host = testHost
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Cookie", "csrftoken="+testSecret)
	r.Header.Set("Origin", "http://www.example.com")
	r.ContentLength = int64(len(form))
	body := strings.NewReader(form)
	w := &discardWriter{h: http.Header{}}
	status := 0
	n := testing.AllocsPerRun(200, func() {
		clear(w.h)
		body.Reset(form)
		r.Body = nopCloser{body}
		rec := statusRecorder{discardWriter: w}
		h.ServeHTTP(&rec, r)
		status = rec.status
	})
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	base := measure(t, allocEngine(t, baselineMiddleware{}), httptest.NewRequest(http.MethodGet, "/", nil))
	if n-base > 4 {
		t.Errorf("form POST: %v allocs beyond the pipeline's %v, budget 4", n-base, base)
	}
}

// In a full stack with the facts middleware, csrfx still adds no allocation, whichever
// Middleware handles the request.
func TestAllocationsWithFacts(t *testing.T) {
	skipUnderRace(t)
	engine := func(mw any) *gin.Engine {
		f, err := ginmw.NewFacts(ginmw.FactsConfig{AllowedHosts: []string{testHost}, Logger: discardLogger})
		if err != nil {
			t.Fatal(err)
		}
		r := gin.New()
		r.Use(f, ginmw.Chain(mw))
		view := func(c *gin.Context) { c.Status(http.StatusOK) }
		r.GET("/", view)
		r.POST("/", view)
		return r
	}
	get := httptest.NewRequest(http.MethodGet, "/", nil)
	get.Host = testHost
	post := httptest.NewRequest(http.MethodPost, "/", nil)
	post.Host = testHost
	for k, v := range map[string]string{"Cookie": "csrftoken=" + testSecret, "X-CSRFToken": maskedSecret2, "Origin": "http://www.example.com"} {
		post.Header.Set(k, v)
	}
	first, _ := New(Config{Logger: discardLogger})
	other, _ := New(Config{Logger: discardLogger}) // a second one
	for _, r := range []*http.Request{get, post} {
		base := measure(t, engine(baselineMiddleware{}), get)
		for name, m := range map[string]*Middleware{"first": first, "second": other} {
			if got := measure(t, engine(m), r) - base; got > 0 {
				t.Errorf("%s %s: %v allocs beyond facts and pipeline", name, r.Method, got)
			}
		}
	}
}
