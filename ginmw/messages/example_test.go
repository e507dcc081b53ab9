package messages_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/messages"
	"github.com/djin-go/djin/ginmw/session"
)

// A form view leaves a message and redirects; the next page shows it once.
func Example() {
	r := gin.New()
	r.SetHTMLTemplate(template.Must(template.New("profile.html").Parse(
		`{{range .messages.All}}<p class="{{.Tags}}">{{.}}</p>{{end}}<h1>{{.name}}</h1>`)))
	r.Use(ginmw.Chain(session.Default(), messages.Default()))
	r.POST("/profile", func(c *gin.Context) {
		_ = messages.Success(c, "Profile saved.")
		c.Redirect(http.StatusSeeOther, "/profile")
	})
	r.GET("/profile", func(c *gin.Context) {
		ginmw.Render(c, http.StatusOK, "profile.html", gin.H{"name": "Alice"})
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/profile", nil))
	cookie := w.Result().Cookies()[0]
	for range 2 {
		req := httptest.NewRequest("GET", "/profile", nil)
		req.AddCookie(cookie)
		w = httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Body.String())
	}
	// Output:
	// <p class="success">Profile saved.</p><h1>Alice</h1>
	// <h1>Alice</h1>
}
