package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/csrfx"
)

// routes is the site's URL configuration. Django: urls.py.
//
//	urlpatterns = [
//	    url(r'^login/$', views.login, name='login'),
//	    url(r'^index/$', views.index, name='index'),
//	    ...
//	]
//
// The middleware stack is installed with router.Use, so it runs for every request,
// including those no route matches (Django's 404s pass MIDDLEWARE too). Handlers listed
// before a view on a route are Django's view decorators (csrfx.EnsureCookie is
// @ensure_csrf_cookie); the middlewares find them on the matched route.
func (s *site) routes(stack gin.HandlerFunc) (*gin.Engine, error) {
	r := gin.New()
	r.RedirectTrailingSlash = false // APPEND_SLASH is the common middleware's job, inside the stack
	r.HandleMethodNotAllowed = true // a GET-only page answers POST with 405, as Django's require_GET
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, err // djin's facts middleware decides the client IP; gin's c.ClientIP is never used
	}
	r.SetHTMLTemplate(s.tmpl)
	r.Use(stack)

	r.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/index/") })
	r.GET("/index/", index)
	r.GET("/home/", home)
	r.GET("/register/", s.registerForm)
	r.POST("/register/", s.register)
	r.GET("/black/", black)
	r.GET("/throttled/", throttled)
	r.GET(tracePath, traceView)
	r.GET("/ajax/echo/", csrfx.EnsureCookie, ajaxPage)
	r.POST("/ajax/echo/", ajaxEcho)

	// django.contrib.auth's views (LoginView, LogoutView, PasswordChangeView) with the
	// example's templates. Django decorates them with csrf_protect, so they stay protected
	// even with csrf commented out of the settings; csrfx.Protect does the same. The login
	// middleware lets anyone reach the login and logout views.
	r.GET("/login/", csrfx.Protect, s.auth.LoginHandler)
	r.POST("/login/", csrfx.Protect, s.auth.LoginHandler)
	r.GET("/logout/", s.auth.LogoutHandler) // 405: a link or an image must not log anyone out
	r.POST("/logout/", csrfx.Protect, s.auth.LogoutHandler)
	r.GET("/set_password/", csrfx.Protect, s.auth.PasswordChangeHandler)
	r.POST("/set_password/", csrfx.Protect, s.auth.PasswordChangeHandler)

	api := r.Group("/api", csrfx.Exempt, s.apiLimit)
	api.POST("/token/", authx.LoginNotRequired, s.jwt.ObtainHandler)
	api.POST("/token/refresh/", authx.LoginNotRequired, s.jwt.RefreshHandler)
	api.POST("/token/revoke/", authx.LoginNotRequired, s.jwt.RevokeHandler)
	api.GET("/me/", me)

	r.GET("/static/style.css", staticFile("static/style.css", "text/css; charset=utf-8"))
	r.GET("/static/ajax.js", staticFile("static/ajax.js", "text/javascript; charset=utf-8"))
	r.GET("/static/csrfx.js", s.csrfScript())

	for _, l := range s.limits {
		if err := l.Middleware.(*routeLimit).checkRoutes(r, l.Name); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// csrfScript serves csrfx's JavaScript helper with the names of the stack's csrf
// middleware (its cookie is "__Host-csrftoken" in release mode). With csrf commented out of
// the settings, the default names do: the helper then has no cookie to read and adds
// nothing.
func (s *site) csrfScript() gin.HandlerFunc {
	if s.csrf != nil {
		return s.csrf.JSHandler()
	}
	return csrfx.Default().JSHandler()
}
