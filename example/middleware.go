package main

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
)

// MD1 and MD2 are the tutorials' two middlewares (mymiddleware/mdd.py): each hook logs as it
// runs, so that Django's order rules can be watched in the terminal and on /trace/.
//
// Django:
//
//	class MD1(MiddlewareMixin):
//	    def process_request(self, request): print("MD1里面的 process_request")
//	    def process_response(self, request, response): ...; return response
//
// In djin a middleware is any type with any of the five hook methods; "return response" is
// implicit (the hook changes r in place), and "return HttpResponse(...)" is "write a
// response and call c.Abort()".
type MD1 struct{ log *slog.Logger }

// ProcessRequest is Django's process_request: top to bottom, before the view is chosen.
func (m MD1) ProcessRequest(c *gin.Context) {
	m.log.Info("MD1 process_request", "path", c.Request.URL.Path)
}

// ProcessView is Django's process_view: top to bottom, with the matched route known.
// Django passes view_func, view_args and view_kwargs; v has the handler and the parameters.
func (m MD1) ProcessView(c *gin.Context, v ginmw.View) {
	m.log.Info("MD1 process_view", "view", v.HandlerName(), "route", v.Route())
}

// ProcessException is Django's process_exception: bottom to top when the view fails. On
// /trace/?variant=exception it answers, as a Django process_exception that returns an
// HttpResponse does; everywhere else it lets the error go on to the error page.
func (m MD1) ProcessException(c *gin.Context, err error) {
	m.log.Info("MD1 process_exception", "err", err)
	if c.FullPath() == tracePath && errors.Is(err, errTraceVariant) {
		renderTrace(c, http.StatusOK, variantException, "MD1.process_exception answered: "+err.Error())
	}
}

// ProcessTemplateResponse is Django's process_template_response: bottom to top, before a
// ginmw.Render template is rendered; it could change the template or its data.
func (m MD1) ProcessTemplateResponse(c *gin.Context, t *ginmw.TemplateResponse) {
	m.log.Info("MD1 process_template_response", "template", t.Name)
}

// ProcessResponse is Django's process_response: bottom to top, on the buffered response.
func (m MD1) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	m.log.Info("MD1 process_response", "status", r.Status())
}

// MD2 is the tutorial's second middleware, listed below MD1.
type MD2 struct{ log *slog.Logger }

// ProcessRequest answers on /trace/?variant=short-circuit, as the tutorial's
// `return HttpResponse("Md2中断")` does: nothing below MD2 runs, not even the view, and only
// MD2's and the upper layers' response hooks see the answer.
func (m MD2) ProcessRequest(c *gin.Context) {
	m.log.Info("MD2 process_request", "path", c.Request.URL.Path)
	if c.FullPath() == tracePath && c.Query("variant") == variantShortCircuit {
		renderTrace(c, http.StatusOK, variantShortCircuit, "MD2.process_request answered; the view did not run.")
		c.Abort()
	}
}

// ProcessView logs the view that is about to run.
func (m MD2) ProcessView(c *gin.Context, v ginmw.View) {
	m.log.Info("MD2 process_view", "view", v.HandlerName())
}

// ProcessException runs before MD1's (bottom to top) and lets the error pass.
func (m MD2) ProcessException(c *gin.Context, err error) {
	m.log.Info("MD2 process_exception", "err", err)
}

// ProcessTemplateResponse runs before MD1's.
func (m MD2) ProcessTemplateResponse(c *gin.Context, t *ginmw.TemplateResponse) {
	m.log.Info("MD2 process_template_response", "template", t.Name)
}

// ProcessResponse runs before MD1's.
func (m MD2) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	m.log.Info("MD2 process_response", "status", r.Status())
}

// Django finds a middleware by its dotted path ("mymiddleware.mdd.MD1"); Go registers it
// by name, once, as database/sql registers drivers. The settings file then lists "md1".
func init() {
	ginmw.Register("md1", func(fc *ginmw.FactoryContext) (any, error) { return MD1{log: fc.Env.Logger}, nil })
	ginmw.Register("md2", func(fc *ginmw.FactoryContext) (any, error) { return MD2{log: fc.Env.Logger}, nil })
}
