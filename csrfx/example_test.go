package csrfx_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

var quiet = slog.New(slog.DiscardHandler)

func init() { gin.SetMode(gin.TestMode) }

// A form page and its POST handler, with both layers on: the page renders a token, the
// browser sends it back with the cookie.
func Example() {
	m, err := csrfx.New(csrfx.Config{Logger: quiet})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(ginmw.Chain(m))
	r.GET("/comment/", func(c *gin.Context) {
		c.String(http.StatusOK, `<form method="post">%s<textarea name="text"></textarea></form>`, csrfx.Input(c))
	})
	r.POST("/comment/", func(c *gin.Context) { c.String(http.StatusOK, "saved: %s", c.PostForm("text")) })

	// The browser loads the form and gets the cookie.
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/comment/", nil))
	cookie := w.Result().Cookies()[0]
	token := strings.Split(strings.Split(w.Body.String(), `value="`)[1], `"`)[0]

	// It posts the form from the same origin.
	form := url.Values{"csrfmiddlewaretoken": {token}, "text": {"hello"}}
	req := httptest.NewRequest(http.MethodPost, "/comment/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://example.com")
	req.AddCookie(cookie)
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(cookie.Name, w.Code, w.Body.String())

	// A forged request from another site is refused.
	req = httptest.NewRequest(http.MethodPost, "/comment/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	req.AddCookie(cookie)
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	fmt.Println(w.Code)
	// Output:
	// csrftoken 200 saved: hello
	// 403
}

// The origin gate alone (net/http.CrossOriginProtection parity), for a JSON API used by a
// single-page application on another origin.
func ExampleConfig_originOnly() {
	m, err := csrfx.New(csrfx.Config{
		Mode:           csrfx.OriginOnly,
		TrustedOrigins: []string{"https://app.example.com"},
		Logger:         quiet,
	})
	if err != nil {
		panic(err)
	}
	r := gin.New()
	r.Use(m.Handler())
	r.POST("/api/items", func(c *gin.Context) { c.Status(http.StatusCreated) })

	for _, origin := range []string{"https://app.example.com", "https://evil.example"} {
		req := httptest.NewRequest(http.MethodPost, "/api/items", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(origin, w.Code)
	}
	// Output:
	// https://app.example.com 201
	// https://evil.example 403
}

// Route decorators: a webhook called by another service is exempt; the rest is checked.
func ExampleExempt() {
	r := gin.New()
	r.Use(csrfx.Default().Handler())
	r.POST("/webhooks/payments", csrfx.Exempt, func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.POST("/account/delete", func(c *gin.Context) { c.Status(http.StatusNoContent) })

	for _, path := range []string{"/webhooks/payments", "/account/delete"} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, nil))
		fmt.Println(path, w.Code)
	}
	// Output:
	// /webhooks/payments 204
	// /account/delete 403
}

// Trusted origins are validated when the middleware is built.
func ExampleNew_trustedOrigins() {
	_, err := csrfx.New(csrfx.Config{TrustedOrigins: []string{"example.com"}})
	fmt.Println(errors.Is(err, csrfx.ErrConfig))
	fmt.Println(err)
	// Output:
	// true
	// csrfx: invalid configuration: Config.TrustedOrigins[0]: not a valid origin: a scheme is required, as in "https://example.com" (a bare host would match every scheme) (got "example.com")
}

// A custom failure handler sees the typed reason.
func ExampleConfig_failureHandler() {
	m, _ := csrfx.New(csrfx.Config{
		Logger: quiet,
		FailureHandler: func(c *gin.Context, err error) {
			var e *csrfx.Error
			if errors.As(err, &e) && errors.Is(err, csrfx.ErrNoCookie) {
				c.String(http.StatusForbidden, "please enable cookies (%s)", e.Code())
				return
			}
			csrfx.DefaultFailureHandler(c, err)
		},
	})
	r := gin.New()
	r.Use(m.Handler())
	r.POST("/", func(c *gin.Context) {})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/", nil))
	fmt.Println(w.Code, w.Body.String())
	// Output: 403 please enable cookies (no_cookie)
}

// CheckOrigin is the origin layer as a pure function of the request and its facts.
func ExampleMiddleware_CheckOrigin() {
	m := csrfx.Default()
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("Origin", "http://www.example.com")
	fmt.Println(m.CheckOrigin(req, true, "www.example.com")) // an http page posting to https
	fmt.Println(m.CheckOrigin(req, false, "www.example.com"))
	// Output:
	// csrfx: Origin checking failed - the request's Origin does not match any trusted origins.
	// <nil>
}

// Rotate gives the client a new secret, as Django's login() does.
func ExampleRotate() {
	r := gin.New()
	r.Use(csrfx.Default().Handler())
	r.POST("/login/", csrfx.Exempt, func(c *gin.Context) {
		// … authenticate, then:
		csrfx.Rotate(c)
		c.Status(http.StatusNoContent)
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/login/", nil))
	c := w.Result().Cookies()[0]
	fmt.Println(c.Name, len(c.Value))
	// Output: csrftoken 32
}
