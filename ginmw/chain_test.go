package ginmw

import (
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// recorder collects the hook order of one request.
type recorder struct{ events []string }

func (r *recorder) add(s string) { r.events = append(r.events, s) }

// md is a Django-style middleware with all five hooks; its behaviour per hook is set by
// the test: "" does nothing, "respond" answers (writes and aborts), "panic" panics.
type md struct {
	name string
	rec  *recorder
	on   map[string]string
}

func (m *md) act(c *gin.Context, hook string) {
	m.rec.add(m.name + "." + hook)
	switch m.on[hook] {
	case "respond":
		c.String(http.StatusTeapot, m.name+" answered in "+hook)
		c.Abort()
	case "panic":
		panic(m.name + " failed in " + hook)
	case "notfound":
		panic(ErrNotFound)
	}
}

func (m *md) ProcessRequest(c *gin.Context)               { m.act(c, "request") }
func (m *md) ProcessView(c *gin.Context, v View)          { m.act(c, "view") }
func (m *md) ProcessException(c *gin.Context, err error)  { m.act(c, "exception") }
func (m *md) ProcessResponse(c *gin.Context, r *Response) { m.act(c, "response") }
func (m *md) ProcessTemplateResponse(c *gin.Context, t *TemplateResponse) {
	m.act(c, "template")
}

func mds(rec *recorder, on map[string]map[string]string) []any {
	var out []any
	for _, n := range []string{"MD1", "MD2", "MD3"} {
		out = append(out, &md{name: n, rec: rec, on: on[n]})
	}
	return out
}

func serve(t *testing.T, h gin.HandlerFunc, view gin.HandlerFunc) *httptest.ResponseRecorder {
	t.Helper()
	r := gin.New()
	r.SetHTMLTemplate(template.Must(template.New("page.html").Parse(`<p>{{.}}</p>`)))
	r.Use(h)
	r.GET("/view/:id", view)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/view/7", nil))
	return w
}

func TestDjangoOrderRules(t *testing.T) {
	okView := func(rec *recorder) gin.HandlerFunc {
		return func(c *gin.Context) { rec.add("view"); c.String(200, "ok") }
	}
	tests := []struct {
		name   string
		on     map[string]map[string]string
		view   func(rec *recorder) gin.HandlerFunc
		want   string
		status int
		body   string
	}{
		{
			name:   "rules 1,4,10: request and view hooks top to bottom, response hooks bottom to top (the tutorial's MD1/MD2 trace)",
			view:   okView,
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.response MD2.response MD1.response",
			status: 200, body: "ok",
		},
		{
			name:   "rule 2: short-circuit in process_request of the 2nd of 3 runs response hooks of 2 and 1 only",
			on:     map[string]map[string]string{"MD2": {"request": "respond"}},
			view:   okView,
			want:   "MD1.request MD2.request MD2.response MD1.response",
			status: http.StatusTeapot, body: "MD2 answered in request",
		},
		{
			name:   "rule 4: process_view short-circuit skips later view hooks and the view, then every response hook",
			on:     map[string]map[string]string{"MD2": {"view": "respond"}},
			view:   okView,
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.response MD2.response MD1.response",
			status: http.StatusTeapot, body: "MD2 answered in view",
		},
		{
			name:   "rule 5: a raising process_view skips exception hooks and becomes a 500 through every response hook",
			on:     map[string]map[string]string{"MD1": {"view": "panic"}},
			view:   okView,
			want:   "MD1.request MD2.request MD3.request MD1.view MD3.response MD2.response MD1.response",
			status: 500,
		},
		{
			name: "rule 6: view panic handled by the 1st exception hook (bottom to top) so the next never runs",
			on:   map[string]map[string]string{"MD3": {"exception": "respond"}},
			view: func(rec *recorder) gin.HandlerFunc {
				return func(c *gin.Context) { rec.add("view"); panic("boom") }
			},
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.exception MD3.response MD2.response MD1.response",
			status: http.StatusTeapot, body: "MD3 answered in exception",
		},
		{
			name: "rule 7: exception hooks returning nothing everywhere: 500 through every response hook",
			view: func(rec *recorder) gin.HandlerFunc {
				return func(c *gin.Context) { rec.add("view"); panic("boom") }
			},
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.exception MD2.exception MD1.exception MD3.response MD2.response MD1.response",
			status: 500,
		},
		{
			name: "c.Errors without a response is an exception too; its type picks the status",
			view: func(rec *recorder) gin.HandlerFunc {
				return func(c *gin.Context) { rec.add("view"); _ = c.Error(ErrPermissionDenied) }
			},
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.exception MD2.exception MD1.exception MD3.response MD2.response MD1.response",
			status: 403,
		},
		{
			name: "rule 8: template hooks bottom to top, then render, then response hooks",
			view: func(rec *recorder) gin.HandlerFunc {
				return func(c *gin.Context) { rec.add("view"); Render(c, 200, "page.html", "hi") }
			},
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.template MD2.template MD1.template MD3.response MD2.response MD1.response",
			status: 200, body: "<p>hi</p>",
		},
		{
			name: "rule 8: a failing render goes to the exception hooks",
			view: func(rec *recorder) gin.HandlerFunc {
				return func(c *gin.Context) { rec.add("view"); Render(c, 200, "missing.html", nil) }
			},
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.template MD2.template MD1.template MD3.exception MD2.exception MD1.exception MD3.response MD2.response MD1.response",
			status: 500,
		},
		{
			name:   "rule 11: a raising process_response in MD2 becomes a 500 that MD1 sees",
			on:     map[string]map[string]string{"MD2": {"response": "panic"}},
			view:   okView,
			want:   "MD1.request MD2.request MD3.request MD1.view MD2.view MD3.view view MD3.response MD2.response MD1.response",
			status: 500,
		},
		{
			name:   "rule 11: a raising process_request in MD2 skips its own process_response",
			on:     map[string]map[string]string{"MD2": {"request": "panic"}},
			view:   okView,
			want:   "MD1.request MD2.request MD1.response",
			status: 500,
		},
		{
			name:   "typed errors: Http404 raised in process_request is a 404",
			on:     map[string]map[string]string{"MD1": {"request": "notfound"}},
			view:   okView,
			want:   "MD1.request",
			status: 404,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			w := serve(t, Chain(mds(rec, tt.on)...), tt.view(rec))
			if got := strings.Join(rec.events, " "); got != tt.want {
				t.Errorf("order:\n got  %s\n want %s", got, tt.want)
			}
			if w.Code != tt.status {
				t.Errorf("status %d, want %d (body %q)", w.Code, tt.status, w.Body.String())
			}
			if tt.body != "" && w.Body.String() != tt.body {
				t.Errorf("body %q, want %q", w.Body.String(), tt.body)
			}
		})
	}
}

type bodyReplacer struct{}

func (bodyReplacer) ProcessResponse(c *gin.Context, r *Response) {
	r.SetBody([]byte(strings.ToUpper(string(r.Body()))))
	r.SetStatus(http.StatusAccepted)
	r.Header().Set("X-Replaced", "yes")
}

func TestResponseHookReplacesBody(t *testing.T) {
	w := serve(t, Chain(bodyReplacer{}), func(c *gin.Context) { c.String(200, "hello") })
	if w.Code != http.StatusAccepted || w.Body.String() != "HELLO" || w.Header().Get("X-Replaced") != "yes" {
		t.Fatalf("got %d %q %v", w.Code, w.Body.String(), w.Header())
	}
}

func TestPlainMiddlewaresMixWithHooks(t *testing.T) {
	rec := &recorder{}
	plain := func(name string) gin.HandlerFunc {
		return func(c *gin.Context) {
			rec.add(name + ".before")
			c.Next()
			rec.add(name + ".after")
		}
	}
	m := mds(rec, nil)
	h := Chain(m[0], plain("P1"), m[1], plain("P2"), m[2])
	w := serve(t, h, func(c *gin.Context) { rec.add("view"); c.String(200, "ok") })
	want := "MD1.request P1.before MD2.request P2.before MD3.request MD1.view MD2.view MD3.view view MD3.response P2.after MD2.response P1.after MD1.response"
	if got := strings.Join(rec.events, " "); got != want {
		t.Fatalf("order:\n got  %s\n want %s", got, want)
	}
	if w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

func TestPlainMiddlewareShortCircuit(t *testing.T) {
	rec := &recorder{}
	deny := func(c *gin.Context) {
		rec.add("deny")
		c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "no"})
	}
	m := mds(rec, nil)
	viewRan := false
	w := serve(t, Chain(m[0], gin.HandlerFunc(deny), m[1]), func(c *gin.Context) { viewRan = true })
	if viewRan {
		t.Fatal("view ran after a plain middleware aborted")
	}
	if got := strings.Join(rec.events, " "); got != "MD1.request deny MD1.response" {
		t.Fatalf("order: %s", got)
	}
	if w.Code != http.StatusForbidden {
		t.Fatalf("status %d", w.Code)
	}
}

func TestPlainMiddlewareSeesViewAbort(t *testing.T) {
	sawAbort := false
	plain := func(c *gin.Context) { c.Next(); sawAbort = c.IsAborted() }
	later := 0
	r := gin.New()
	r.Use(Chain(gin.HandlerFunc(plain), &md{name: "MD1", rec: &recorder{}}))
	r.GET("/", func(c *gin.Context) { c.AbortWithStatus(401) }, func(c *gin.Context) { later++ })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !sawAbort || later != 0 || w.Code != 401 {
		t.Fatalf("sawAbort=%v later=%d code=%d", sawAbort, later, w.Code)
	}
}

func TestViewRunsOnceWithPlainMiddlewares(t *testing.T) {
	n := 0
	r := gin.New()
	r.Use(Chain(gin.HandlerFunc(func(c *gin.Context) { c.Next() })))
	r.Use(func(c *gin.Context) { c.Next() })
	r.GET("/", func(c *gin.Context) { n++; c.String(200, "x") })
	for i := 0; i < 3; i++ {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Body.String() != "x" {
			t.Fatalf("body %q", w.Body.String())
		}
	}
	if n != 3 {
		t.Fatalf("view ran %d times for 3 requests", n)
	}
}

func TestNotFoundGoesThroughResponseHooks(t *testing.T) {
	rec := &recorder{}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(Chain(mds(rec, nil)...))
	r.GET("/x", func(c *gin.Context) { c.String(200, "x") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/nope", nil))
	if w.Code != 404 {
		t.Fatalf("status %d", w.Code)
	}
	if got := strings.Join(rec.events, " "); got != "MD1.request MD2.request MD3.request MD3.response MD2.response MD1.response" {
		t.Fatalf("rule 3 order: %s", got)
	}
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/x", nil))
	if w.Code != 405 {
		t.Fatalf("405 expected, got %d", w.Code)
	}
}

type statusHook struct{ saw *int }

func (h statusHook) ProcessResponse(c *gin.Context, r *Response) { *h.saw = r.Status() }

func TestNoRouteHandlerAnswers(t *testing.T) {
	saw := 0
	r := gin.New()
	r.Use(Chain(statusHook{&saw}))
	r.NoRoute(func(c *gin.Context) { c.String(404, "custom 404") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/nope", nil))
	if w.Code != 404 || w.Body.String() != "custom 404" || saw != 404 {
		t.Fatalf("got %d %q, hook saw %d", w.Code, w.Body.String(), saw)
	}
}

func TestStreamingPassThrough(t *testing.T) {
	var sawStreaming bool
	hook := responseFunc(func(c *gin.Context, r *Response) {
		sawStreaming = r.Streaming()
		r.Header().Set("X-Hook", "ran")
	})
	r := gin.New()
	r.Use(Chain(hook))
	r.GET("/events", func(c *gin.Context) {
		for i := 0; i < 3; i++ {
			c.SSEvent("tick", i)
			c.Writer.Flush()
		}
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := new(strings.Builder)
	_, _ = io_Copy(buf, res)
	if !sawStreaming {
		t.Error("response hook did not see a streaming response")
	}
	if res.Header.Get("X-Hook") != "ran" {
		t.Error("response hook ran after the headers were sent")
	}
	if strings.Count(buf.String(), "event:tick") != 3 {
		t.Errorf("body %q", buf.String())
	}
}

type responseFunc func(c *gin.Context, r *Response)

func (f responseFunc) ProcessResponse(c *gin.Context, r *Response) { f(c, r) }

func TestNewRejectsNonMiddleware(t *testing.T) {
	for _, m := range []any{nil, 42, struct{}{}, (*md)(nil), gin.HandlerFunc(nil)} {
		if _, err := New(Config{Middleware: []any{m}}); !errors.Is(err, ErrNotMiddleware) {
			t.Errorf("%T: err = %v, want ErrNotMiddleware", m, err)
		}
	}
}

func TestTraceReportsEveryHookInOrder(t *testing.T) {
	var got []string
	var buf strings.Builder
	h, err := New(Config{
		Middleware: []any{Named{Name: "MD1", Middleware: noop{}}, Named{Name: "MD2", Middleware: &md{name: "MD2", rec: &recorder{}}}},
		Trace:      true,
		Logger:     slogTo(&buf),
		OnHook:     func(c *gin.Context, layer, hook string) { got = append(got, layer+"."+hook) },
	})
	if err != nil {
		t.Fatal(err)
	}
	serve(t, h, func(c *gin.Context) { c.String(200, "ok") })
	want := "MD1.process_request MD2.process_request MD1.process_view MD2.process_view MD2.process_response MD1.process_response"
	if strings.Join(got, " ") != want {
		t.Fatalf("trace:\n got  %s\n want %s", strings.Join(got, " "), want)
	}
	if n := strings.Count(buf.String(), "ginmw: hook"); n != 6 {
		t.Fatalf("trace logged %d hook lines, want 6:\n%s", n, buf.String())
	}
}

func TestDebugErrorPageShowsDetailsOnlyInDebug(t *testing.T) {
	boom := func(c *gin.Context) { panic(errors.New("secret detail")) }
	for _, debug := range []bool{false, true} {
		h, _ := New(Config{Debug: debug})
		w := serve(t, h, boom)
		if w.Code != 500 || strings.Contains(w.Body.String(), "secret detail") != debug {
			t.Errorf("debug=%v: %d %q", debug, w.Code, w.Body.String())
		}
	}
}

func TestErrorPageNegotiatesJSON(t *testing.T) {
	r := gin.New()
	r.Use(Chain())
	r.GET("/", func(c *gin.Context) { panic(ErrPermissionDenied) })
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept", "application/json")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != 403 || w.Header().Get("Content-Type") != "application/problem+json" || !strings.Contains(w.Body.String(), `"status":403`) {
		t.Fatalf("%d %v %q", w.Code, w.Header(), w.Body.String())
	}
}

func TestLargeBodySwitchesToPassThrough(t *testing.T) {
	var streaming bool
	h, _ := New(Config{MaxBufferBytes: 1024, Middleware: []any{responseFunc(func(c *gin.Context, r *Response) { streaming = r.Streaming() })}})
	big := strings.Repeat("x", 5000)
	w := serve(t, h, func(c *gin.Context) { c.String(200, big) })
	if !streaming || w.Body.String() != big {
		t.Fatalf("streaming=%v len=%d", streaming, w.Body.Len())
	}
}

func TestContentLengthMatchesChangedBody(t *testing.T) {
	h := Chain(responseFunc(func(c *gin.Context, r *Response) { r.SetBody([]byte("short")) }))
	srv := httptest.NewServer(routerFor(h, func(c *gin.Context) {
		c.Header("Content-Length", "11")
		c.String(200, "hello world")
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	_, _ = io_Copy(&b, res)
	if b.String() != "short" || res.ContentLength != 5 {
		t.Fatalf("body %q, length %d", b.String(), res.ContentLength)
	}
}

type renderInRequest struct{}

func (renderInRequest) ProcessRequest(c *gin.Context) {
	Render(c, http.StatusForbidden, "page.html", "denied")
}

func TestRequestHookCanAnswerWithRender(t *testing.T) {
	viewRan := false
	w := serve(t, Chain(renderInRequest{}), func(c *gin.Context) { viewRan = true })
	if viewRan || w.Code != http.StatusForbidden || w.Body.String() != "<p>denied</p>" {
		t.Fatalf("view ran=%v, %d %q", viewRan, w.Code, w.Body.String())
	}
}
