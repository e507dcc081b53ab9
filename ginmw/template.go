package ginmw

import "github.com/gin-gonic/gin"

// TemplateResponse is a response whose template has not been rendered yet. Django:
// TemplateResponse. Template hooks may change every field; the chain renders it afterwards
// with the engine's HTML renderer (gin's LoadHTMLGlob / LoadHTMLFiles / HTMLRender).
type TemplateResponse struct {
	Status int
	Name   string // the template name, as for c.HTML
	Data   any
}

// Render answers the request with a template. Inside a chain the rendering is deferred
// until the template hooks have run (Django's TemplateResponse); outside any chain, or when
// a plain middleware has replaced c.Writer, it renders at once like c.HTML.
func Render(c *gin.Context, status int, name string, data any) {
	if st := stateOf(c); st != nil && st.c == c {
		st.tmpl = TemplateResponse{Status: status, Name: name, Data: data}
		st.tmplPending = true
		return
	}
	c.HTML(status, name, data)
}

// PendingTemplate returns the template response waiting to be rendered, or nil. Response
// hooks see nil: by then it has been rendered into the body.
func PendingTemplate(c *gin.Context) *TemplateResponse {
	if st := stateOf(c); st != nil && st.tmplPending {
		return &st.tmpl
	}
	return nil
}
