package authx_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/gin-gonic/gin"
)

// site builds the tutorial's site: users in memory (use NewSQLStore on SQLite or
// PostgreSQL in an application), the djin chain sessions → csrf → auth → login_required,
// and Django's auth views under /accounts/.
func site() (*gin.Engine, *authx.Auth) {
	gin.SetMode(gin.TestMode)
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: authx.DefaultMemoryStore()})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := users.CreateUser(context.Background(), authx.UserParams{Username: "alice", Password: "correct horse battery staple"}); err != nil {
		log.Fatal(err)
	}
	auth, err := authx.NewAuth(authx.AuthConfig{
		Users:        users,
		SecretKey:    "a-long-random-secret-key-from-the-environment",
		AuthVersions: authx.NewMemoryAuthVersionStore(),
		LoginURL:     "/accounts/login/",
	})
	if err != nil {
		log.Fatal(err)
	}
	loginRequired, err := auth.LoginRequiredMiddleware(authx.LoginRequiredConfig{
		Whitelist: []string{"/register/"}, // open to anonymous visitors
		Blacklist: []string{"/black/"},    // refused to everyone: "This is an illegal URL"
	})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.Use(ginmw.Chain(session.Default(), csrfx.Default(), auth, loginRequired))
	auth.Mount(r.Group("/accounts"))
	r.GET("/index/", func(c *gin.Context) {
		c.String(http.StatusOK, "hello "+authx.CurrentUser(c).GetUsername())
	})
	r.GET("/register/", func(c *gin.Context) { c.String(http.StatusOK, "register") })
	r.GET("/black/", func(c *gin.Context) { c.String(http.StatusOK, "never") })
	r.GET("/about/", authx.LoginNotRequired, func(c *gin.Context) { c.String(http.StatusOK, "about") })
	return r, auth
}

func get(r http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	return rec
}

// The global login-required middleware: the tutorial's AuthMD with a whitelist and a
// blacklist, matched on routes, plus Django 5.1's per-route LoginNotRequired.
func ExampleAuth_LoginRequiredMiddleware() {
	r, _ := site()
	for _, path := range []string{"/index/?page=2", "/register/", "/about/", "/black/", "/accounts/login/"} {
		rec := get(r, path, "Accept", "text/html")
		fmt.Println(strings.TrimSpace(fmt.Sprint(path, " ", rec.Code, " ", rec.Header().Get("Location"))))
	}
	// An API client gets 401 instead of a redirect.
	rec := get(r, "/index/", "Accept", "application/json")
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))
	// Output:
	// /index/?page=2 302 /accounts/login/?next=/index/%3Fpage%3D2
	// /register/ 200
	// /about/ 200
	// /black/ 403
	// /accounts/login/ 200
	// 401 Bearer realm="api"
}

// Logging in through the ready login view: GET the form (it carries the CSRF token), POST
// the credentials, follow the safe next page.
func ExampleAuth_LoginHandler() {
	r, _ := site()
	srv := httptest.NewServer(r)
	defer srv.Close()
	client := browser()

	form := getPage(client, srv.URL+"/accounts/login/?next=/index/")
	token := between(form, `name="csrfmiddlewaretoken" value="`, `"`)
	resp, err := client.PostForm(srv.URL+"/accounts/login/", url.Values{
		"username": {"alice"}, "password": {"correct horse battery staple"},
		"next": {"/index/"}, "csrfmiddlewaretoken": {token},
	})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	fmt.Println(getPage(client, srv.URL+"/index/"))
	// Output:
	// 302 /index/
	// hello alice
}

// Authenticate and Login in a view of your own, as Django's authenticate() and login().
func ExampleAuth_Authenticate() {
	_, auth := site()
	r := gin.New()
	r.Use(ginmw.Chain(session.Default(), auth))
	r.POST("/api/login/", func(c *gin.Context) {
		u, err := auth.Authenticate(c, c.PostForm("username"), c.PostForm("password"))
		if err != nil {
			// ErrInvalidCredentials for every refusal, or an ErrLockedOut error.
			c.String(http.StatusUnauthorized, "no")
			return
		}
		if err := auth.Login(c, u, ""); err != nil {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.String(http.StatusOK, "welcome "+u.Username)
	})
	for _, pw := range []string{"wrong", "correct horse battery staple"} {
		req := httptest.NewRequest(http.MethodPost, "/api/login/", strings.NewReader(url.Values{"username": {"alice"}, "password": {pw}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String(), rec.Header().Get("Set-Cookie") != "")
	}
	// Output:
	// 401 no false
	// 200 welcome alice true
}

// Route decorators: LoginRequired, PermissionRequired, StaffRequired, UserPassesTest, or
// Access for Django's decorator arguments.
func ExampleAuth_PermissionRequired() {
	_, auth := site()
	r := gin.New()
	r.Use(ginmw.Chain(session.Default(), auth))
	admin := r.Group("/admin", auth.StaffRequired())
	admin.POST("/users/", auth.PermissionRequired("auth.add_user"), func(c *gin.Context) {})
	strict, err := auth.Access(authx.AccessRule{Permissions: []string{"auth.view_user"}, RaiseException: true})
	if err != nil {
		log.Fatal(err)
	}
	r.GET("/reports/", strict, func(c *gin.Context) {})
	fmt.Println(get(r, "/reports/").Code) // anonymous, RaiseException: 403 instead of a redirect
	// Output:
	// 403
}

// RedirectToLogin builds Django's login redirect.
func ExampleRedirectToLogin() {
	fmt.Println(authx.RedirectToLogin("/else/where/झ/", "/login/?pretty=1", "next"))
	// Output:
	// /login/?pretty=1&next=/else/where/%E0%A4%9D/
}

// LogoutEverywhere ends every session of a user at once, without a password change.
func ExampleAuth_LogoutEverywhere() {
	_, auth := site()
	version, err := auth.LogoutEverywhere(context.Background(), 1)
	fmt.Println(version, err)
	// Output:
	// 1 <nil>
}

func browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func getPage(c *http.Client, u string) string {
	resp, err := c.Get(u)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func between(s, start, end string) string {
	_, rest, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(rest, end)
	return v
}
