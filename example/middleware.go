package main

import (
	"log/slog"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// MD1 and MD2 are the tutorials' two middlewares (mymiddleware/mdd.py): they log each hook
// as Django calls it, so the order rules can be watched in the terminal.
// Django: class MyMdd(MiddlewareMixin) with process_request, process_view, process_response.
type MD1 struct{}

func (MD1) ProcessRequest(c *gin.Context) {
	slog.Info("MD1 process_request", "path", c.Request.URL.Path)
}
func (MD1) ProcessView(c *gin.Context, v ginmw.View) {
	slog.Info("MD1 process_view", "view", v.HandlerName(), "route", v.Route())
}
func (MD1) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	slog.Info("MD1 process_response", "status", r.Status())
}

// MD2 is the second middleware of the tutorial.
type MD2 struct{}

func (MD2) ProcessRequest(c *gin.Context) { slog.Info("MD2 process_request") }
func (MD2) ProcessView(c *gin.Context, v ginmw.View) {
	slog.Info("MD2 process_view", "view", v.HandlerName())
}
func (MD2) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	slog.Info("MD2 process_response", "status", r.Status())
}

// Django finds middlewares by dotted path; Go registers them by name.
func init() {
	ginmw.Register("md1", func(*ginmw.FactoryContext) (any, error) { return MD1{}, nil })
	ginmw.Register("md2", func(*ginmw.FactoryContext) (any, error) { return MD2{}, nil })
}
