package session_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
)

// A shop keeps the visitor's cart in a database session; logging in moves the session to a
// new key, logging out deletes it.
func Example() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "app.db"))
	defer db.Close()

	store, err := session.NewSQLStore(session.SQLStoreConfig{DB: db})
	if err != nil {
		panic(err)
	}
	if err := store.Migrate(context.Background()); err != nil {
		panic(err)
	}
	sessions, err := session.New(session.Config{Store: store})
	if err != nil {
		panic(err)
	}

	r := gin.New()
	r.Use(ginmw.Adapt(sessions))
	r.POST("/cart", func(c *gin.Context) {
		session.Get(c).Set("cart", c.Query("item"))
		c.Status(http.StatusNoContent)
	})
	r.POST("/login", func(c *gin.Context) {
		if err := session.Regenerate(c); err != nil {
			c.AbortWithStatus(http.StatusServiceUnavailable)
			return
		}
		session.Get(c).Set("_auth_user_id", "42")
		c.String(http.StatusOK, "cart kept: %s", session.Get(c).GetString("cart"))
	})

	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("POST", "/cart?item=apples", nil))
	anonymous := w.Result().Cookies()[0]

	req := httptest.NewRequest("POST", "/login", nil)
	req.AddCookie(anonymous)
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	loggedIn := w.Result().Cookies()[0]

	fmt.Println(w.Body.String())
	fmt.Println("new key:", loggedIn.Value != anonymous.Value)
	_, _, err = store.Load(context.Background(), anonymous.Value)
	fmt.Println("old key:", err)
	// Output:
	// cart kept: apples
	// new key: true
	// old key: session: no such session
}

// Cookie sessions need no server state; the keys rotate by putting the new one first.
func ExampleNewCookieStore() {
	store, err := session.NewCookieStore(session.CookieStoreConfig{
		Keys: [][]byte{
			[]byte("new secret key of at least thirty-two bytes"),
			[]byte("old secret key, still accepted for a while"),
		},
	})
	if err != nil {
		panic(err)
	}
	sessions, _ := session.New(session.Config{Store: store, CookieSecure: session.SecureAlways})
	_ = sessions
	fmt.Println("ok")
	// Output: ok
}

// Session code written for gin-contrib/sessions keeps working: sessions.Default returns the
// djin session, and Save is harmless.
func ExampleGet() {
	r := gin.New()
	r.Use(ginmw.Adapt(session.Default()))
	r.GET("/visits", func(c *gin.Context) {
		s := session.Get(c)
		n, _ := s.Get("visits").(int)
		s.Set("visits", n+1)
		c.String(http.StatusOK, "visit %d", n+1)
	})
	var cookie *http.Cookie
	for range 3 {
		req := httptest.NewRequest("GET", "/visits", nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		cookie = w.Result().Cookies()[0]
		fmt.Println(w.Body.String())
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}
