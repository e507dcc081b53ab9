package csrfx

import (
	"html"
	"html/template"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// FuncMap returns html/template functions for Django's {% csrf_token %}, to install once
// with router.SetFuncMap (or template.Funcs) and call with the request's *gin.Context:
//
//	<form method="post">{{ csrf_input .c }} … </form>   <!-- the hidden field -->
//	<meta name="csrf-token" content="{{ csrf_token .c }}">
//	{{ csrf_meta .c }}                                    <!-- that meta tag -->
//
// Each call makes a fresh masked token, so pages never repeat one (BREACH).
func FuncMap() template.FuncMap {
	return template.FuncMap{
		"csrf_token": Token,
		"csrf_input": Input,
		"csrf_meta":  Meta,
	}
}

// Input returns the hidden form field carrying a token: Django's {% csrf_token %}.
func Input(c *gin.Context) template.HTML {
	tok := Token(c)
	name := DefaultFieldName
	if st := stateFor(c); st != nil {
		name = st.m.cfg.FieldName
	}
	return template.HTML(`<input type="hidden" name="` + html.EscapeString(name) + `" value="` + html.EscapeString(tok) + `">`)
}

// Meta returns <meta name="csrf-token" content="…">, which the JavaScript helper reads
// when the cookie is not readable (session storage, CookieHTTPOnly).
func Meta(c *gin.Context) template.HTML {
	return template.HTML(`<meta name="csrf-token" content="` + html.EscapeString(Token(c)) + `">`)
}

// TemplateToken is the lazy "csrf_token" value the middleware adds to template data
// (Django's csrf context processor): the token is made only if the template prints it.
//
//	{{ .csrf_token }}        the token
//	{{ .csrf_token.Input }}  the hidden form field
//	{{ .csrf_token.Meta }}   the meta tag
type TemplateToken struct{ c *gin.Context }

// String returns a fresh token.
func (t TemplateToken) String() string { return Token(t.c) }

// Input returns the hidden form field.
func (t TemplateToken) Input() template.HTML { return Input(t.c) }

// Meta returns the meta tag.
func (t TemplateToken) Meta() template.HTML { return Meta(t.c) }

// ProcessTemplateResponse adds "csrf_token" (a TemplateToken) to the data of a
// ginmw.Render response when the data is nil or a map without that key, as Django's csrf
// context processor does for every template. The map is copied, never changed in place:
// the view may share it between requests.
func (m *Middleware) ProcessTemplateResponse(c *gin.Context, t *ginmw.TemplateResponse) {
	var d map[string]any
	switch v := t.Data.(type) {
	case nil:
	case gin.H:
		d = v
	case map[string]any:
		d = v
	default:
		return
	}
	if _, ok := d["csrf_token"]; ok {
		return
	}
	out := make(gin.H, len(d)+1)
	for k, v := range d {
		out[k] = v
	}
	out["csrf_token"] = TemplateToken{c}
	t.Data = out
}
