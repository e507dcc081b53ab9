package csrfx

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

func templateEngine(t *testing.T, m *Middleware, shared gin.H) *gin.Engine {
	t.Helper()
	r := gin.New()
	r.SetFuncMap(FuncMap())
	tmpl := template.Must(template.New("form.html").Funcs(FuncMap()).Parse(
		`<form>{{ csrf_input .c }}</form>|{{ csrf_meta .c }}|{{ csrf_token .c }}`))
	template.Must(tmpl.New("lazy.html").Parse(`{{ if .show }}{{ .csrf_token.Input }}|{{ .csrf_token }}{{ end }}`))
	r.SetHTMLTemplate(tmpl)
	r.Use(ginmw.Chain(m))
	r.GET("/form", func(c *gin.Context) { c.HTML(http.StatusOK, "form.html", gin.H{"c": c}) })
	r.GET("/lazy", func(c *gin.Context) { ginmw.Render(c, http.StatusOK, "lazy.html", shared) })
	return r
}

func TestTemplateHelpers(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	r := templateEngine(t, m, gin.H{"show": true})
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/form", nil)
	req.Header.Set("Cookie", "csrftoken="+testSecret)
	r.ServeHTTP(w, req)
	parts := strings.Split(w.Body.String(), "|")
	if len(parts) != 3 {
		t.Fatalf("body %q", w.Body.String())
	}
	checkTokenPresent(t, &httptest.ResponseRecorder{Body: w.Body}, testSecret)
	if !strings.HasPrefix(parts[1], `<meta name="csrf-token" content="`) {
		t.Errorf("meta %q", parts[1])
	}
	assertMaskedSecretCorrect(t, strings.TrimSuffix(strings.TrimPrefix(parts[1], `<meta name="csrf-token" content="`), `">`), testSecret)
	assertMaskedSecretCorrect(t, parts[2], testSecret)
	if parts[2] == tokenIn(t, parts[0]) {
		t.Error("two helpers rendered the same masked token")
	}
}

// Django's csrf context processor: ginmw.Render responses get a lazy csrf_token, and a
// page that does not print it gets no cookie. The view's map is not modified.
func TestTemplateResponseContext(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	shared := gin.H{"show": true}
	r := templateEngine(t, m, shared)
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/lazy", nil))
	parts := strings.Split(w.Body.String(), "|")
	if len(parts) != 2 {
		t.Fatalf("body %q", w.Body.String())
	}
	secret := ""
	for _, c := range (&http.Response{Header: w.Header()}).Cookies() {
		if c.Name == "csrftoken" {
			secret = c.Value
		}
	}
	checkTokenPresent(t, &httptest.ResponseRecorder{Body: w.Body}, secret)
	assertMaskedSecretCorrect(t, parts[1], secret)
	if _, ok := shared["csrf_token"]; ok {
		t.Error("the view's shared map was modified")
	}
	shared["show"] = false
	w = httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/lazy", nil))
	if w.Header().Get("Set-Cookie") != "" {
		t.Errorf("a page that prints no token got a cookie: %q", w.Header().Get("Set-Cookie"))
	}
}

func TestTemplateTokenKeepsExistingKey(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	tr := &ginmw.TemplateResponse{Data: gin.H{"csrf_token": "mine"}}
	m.ProcessTemplateResponse(nil, tr)
	if tr.Data.(gin.H)["csrf_token"] != "mine" {
		t.Error("an existing csrf_token was replaced")
	}
	tr = &ginmw.TemplateResponse{Data: struct{}{}}
	m.ProcessTemplateResponse(nil, tr)
	if _, ok := tr.Data.(struct{}); !ok {
		t.Error("non-map data was replaced")
	}
	tr = &ginmw.TemplateResponse{}
	m.ProcessTemplateResponse(nil, tr)
	if _, ok := tr.Data.(gin.H)["csrf_token"]; !ok {
		t.Error("nil data did not get a csrf_token")
	}
}

func TestInputEscapesFieldName(t *testing.T) {
	m, err := New(Config{FieldName: `a"b<c`, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(m.Handler())
	r.GET("/", func(c *gin.Context) { c.String(200, "%s", Input(c)) })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if strings.Contains(w.Body.String(), `a"b<c`) || !strings.Contains(w.Body.String(), `a&#34;b&lt;c`) {
		t.Errorf("field name not escaped: %q", w.Body.String())
	}
}
