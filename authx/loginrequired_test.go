package authx

import (
	"net/http"
	"strings"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

func aboutView(c *gin.Context) { c.String(http.StatusOK, "about") }

// siteFixture is the tutorial's site behind the global login-required middleware.
func siteFixture(t *testing.T, cfg LoginRequiredConfig) *authFixture {
	t.Helper()
	return newFixture(t, fixtureConfig{
		after: func(a *Auth) []any {
			m, err := a.LoginRequiredMiddleware(cfg)
			if err != nil {
				t.Fatal(err)
			}
			return []any{m}
		},
		routes: func(r *gin.Engine, a *Auth) {
			ok := func(c *gin.Context) { c.String(http.StatusOK, c.FullPath()) }
			r.GET("/index/", ok)
			r.GET("/home/", ok)
			r.GET("/register/", ok)
			r.POST("/register/", ok)
			r.GET("/register/admin/", ok)
			r.GET("/black/", ok)
			r.GET("/users/:id", ok)
			r.GET("/about/", aboutView)
			r.GET("/open/", ok, LoginNotRequired) // the marker may come after the view
			public := r.Group("/public", LoginNotRequired)
			public.GET("/page/", ok)
			r.GET("/signin/", a.LoginHandler) // the login view, mounted by hand without the marker
		},
	})
}

func TestLoginRequiredMiddleware(t *testing.T) {
	f := siteFixture(t, LoginRequiredConfig{
		Whitelist: []string{"/register/", "GET /users/:id", "github.com/djin-go/djin/authx.aboutView"},
		Blacklist: []string{"/black/"},
	})
	anon, user := f.client(), f.client()
	user.mustLogin()

	const redirect, forbidden, ok, notFound = http.StatusFound, http.StatusForbidden, http.StatusOK, http.StatusNotFound
	for _, tc := range []struct {
		method, path string
		anon, user   int
	}{
		{"GET", "/index/", redirect, ok},
		{"GET", "/home/", redirect, ok},
		{"GET", "/register/", ok, ok},                 // whitelisted template
		{"POST", "/register/", forbidden, forbidden},  // whitelisted, reaches the CSRF check (no token)
		{"GET", "/register/admin/", redirect, ok},     // no prefix matching
		{"GET", "/users/7", ok, ok},                   // method-bound template
		{"GET", "/about/", ok, ok},                    // handler name
		{"GET", "/open/", ok, ok},                     // marker after the view
		{"GET", "/public/page/", ok, ok},              // marker on the group
		{"GET", "/signin/", ok, ok},                   // the login view is never locked away
		{"GET", "/login/", ok, ok},                    // mounted
		{"GET", "/black/", forbidden, forbidden},      // blacklist: everyone
		{"GET", "/no-such-page/", notFound, notFound}, // no route: not the middleware's business
	} {
		for who, c := range map[string]*testClient{"anonymous": anon, "user": user} {
			want := tc.anon
			if who == "user" {
				want = tc.user
			}
			r := c.request(tc.method, tc.path, nil, http.Header{"Accept": {"text/html"}})
			if r.status != want {
				t.Errorf("%s %s as %s: %d, want %d", tc.method, tc.path, who, r.status, want)
			}
			if r.status == redirect && r.location != "/login/?next="+tc.path {
				t.Errorf("%s %s: Location %q", tc.method, tc.path, r.location)
			}
		}
	}
	// The login page reached through the middleware still logs in.
	if r := anon.login(testUsername, testPassword); r.status != redirect {
		t.Fatalf("login through the middleware: %d", r.status)
	}
	// API clients get 401.
	r := f.client().get("/index/", "Accept", "application/json")
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("API request: %d %v", r.status, r.header)
	}
}

func TestLoginRequiredMiddlewareBlacklistWinsOverWhitelist(t *testing.T) {
	f := siteFixture(t, LoginRequiredConfig{Whitelist: []string{"/black/"}, Blacklist: []string{"GET /black/"}})
	if r := f.client().get("/black/"); r.status != http.StatusForbidden {
		t.Fatalf("status %d", r.status)
	}
}

func TestLoginRequiredMiddlewareLoginURL(t *testing.T) {
	f := siteFixture(t, LoginRequiredConfig{LoginURL: "/signin/?from=mw"})
	if r := f.client().get("/index/?q=1"); r.location != "/signin/?from=mw&next=/index/%3Fq%3D1" {
		t.Fatalf("Location = %q", r.location)
	}
}

func TestLoginRequiredConfigValidation(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{})
	for _, cfg := range []LoginRequiredConfig{
		{Whitelist: []string{""}},
		{Whitelist: []string{"get /x/"}},
		{Blacklist: []string{"GET x"}},
		{LoginURL: "//evil.example/"},
	} {
		if _, err := a.LoginRequiredMiddleware(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
}

// The settings-file entry decodes LoginRequiredConfig.
func TestLoginRequiredFromSettings(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	var doc yaml.Node
	src := "whitelist: [\"/register/\"]\nblacklist: [\"/black/\"]\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	env := ginmw.Env{Services: map[string]any{ServiceAuth: f.auth}}
	entries := append(ginmw.Names("sessions", "auth"), ginmw.Entry{Name: "login_required", Options: doc.Content[0]})
	mws, err := ginmw.Build(env, entries...)
	if err != nil {
		t.Fatal(err)
	}
	m := mws[2].(ginmw.Named).Middleware.(*LoginRequiredMiddleware)
	if !m.white.templates["/register/"] || !m.black.templates["/black/"] {
		t.Fatalf("decoded %+v %+v", m.white, m.black)
	}
	bad := ginmw.Entry{Name: "login_required", Options: &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: "whitelits"}, {Kind: yaml.ScalarNode, Value: "x"},
	}}}
	if _, err := ginmw.Build(env, append(ginmw.Names("sessions", "auth"), bad)...); err == nil || !strings.Contains(err.Error(), "whitelits") {
		t.Fatalf("a misspelt option: %v", err)
	}
}

// Without the auth middleware above it, the middleware fails loudly instead of locking
// everyone out (or letting everyone in).
func TestLoginRequiredMiddlewareWithoutAuth(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{})
	m, err := a.LoginRequiredMiddleware(LoginRequiredConfig{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(m.Handler())
	r.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "leak") })
	rec := serve(r, http.MethodGet, "/")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "leak") {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
}
