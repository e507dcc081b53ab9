package ginmw_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Django's SecurityMiddleware defaults, plus HSTS once the site is known to work over
// HTTPS. The view's own headers always win.
func ExampleNewSecurity() {
	security, err := ginmw.NewSecurity(ginmw.SecurityConfig{HSTSSeconds: 3600})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(ginmw.Chain(security))
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "hello") })

	req := httptest.NewRequest(http.MethodGet, "https://example.com/", nil) // a TLS request
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	for _, h := range []string{"Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"} {
		fmt.Printf("%s: %s\n", h, w.Header().Get(h))
	}
	// Output:
	// Strict-Transport-Security: max-age=3600
	// X-Content-Type-Options: nosniff
	// Referrer-Policy: same-origin
	// Cross-Origin-Opener-Policy: same-origin
}

// A Content-Security-Policy that allows only the page's own inline scripts: the template
// gets the request's nonce, the header gets the same one.
func ExampleCSPNonce() {
	security, err := ginmw.NewSecurity(ginmw.SecurityConfig{ContentSecurityPolicy: "script-src 'nonce-{nonce}'"})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.SetHTMLTemplate(template.Must(template.New("page").Parse(`<script nonce="{{.Nonce}}">go()</script>`)))
	r.Use(ginmw.Chain(security))
	r.GET("/", func(c *gin.Context) {
		ginmw.Render(c, http.StatusOK, "page", gin.H{"Nonce": ginmw.CSPNonce(c)})
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	nonce, _, _ := strings.Cut(strings.TrimPrefix(w.Body.String(), `<script nonce="`), `"`)
	fmt.Println(w.Header().Get("Content-Security-Policy") == "script-src 'nonce-"+nonce+"'")
	// Output: true
}
