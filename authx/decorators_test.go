package authx

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/gin-gonic/gin"
)

// pyQuote is Python's urllib.parse.quote with its default safe="/", which Django's tests
// use to build expected URLs.
func pyQuote(s string) string { return quote(s) }

// loginRequiredRedirect serves GET http://testserver/login_required/ anonymously with the
// given Auth settings and access rule, and returns the redirect.
func loginRequiredRedirect(t *testing.T, cfg AuthConfig, rule AccessRule) string {
	t.Helper()
	a := newAuthForTest(t, cfg)
	check, err := a.Access(rule)
	if err != nil {
		t.Fatal(err)
	}
	sm, _ := session.New(session.Config{})
	r := gin.New()
	r.Use(ginmw.Chain(sm, a))
	r.GET("/login_required/", check, func(c *gin.Context) { c.String(http.StatusOK, "secret") })
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://testserver/login_required/", nil)
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d, want 302", rec.Code)
	}
	return rec.Header().Get("Location")
}

// Django: auth_tests.test_views.LoginURLSettings. The named and lazy login URL cases resolve
// a URL name first; Gin routes have no names, so they are the standard case here.
func TestLoginURLSettings(t *testing.T) {
	quotedNext := pyQuote("http://testserver/login_required/")
	for _, tc := range []struct {
		name, loginURL, want string
	}{
		{"test_standard_login_url", "/login/", "/login/?next=/login_required/"},
		{"test_remote_login_url", "http://remote.example.com/login", "http://remote.example.com/login?next=" + quotedNext},
		{"test_https_login_url", "https:///login/", "https:///login/?next=" + quotedNext},
		{"test_login_url_with_querystring", "/login/?pretty=1", "/login/?pretty=1&next=/login_required/"},
		{"test_remote_login_url_with_next_querystring", "http://remote.example.com/login/?next=/default/",
			"http://remote.example.com/login/?next=" + quotedNext},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loginRequiredRedirect(t, AuthConfig{LoginURL: tc.loginURL}, AccessRule{}); got != tc.want {
				t.Errorf("Location = %q, want %q", got, tc.want)
			}
			// The same through the decorator's own login_url.
			if got := loginRequiredRedirect(t, AuthConfig{}, AccessRule{LoginURL: tc.loginURL}); got != tc.want {
				t.Errorf("AccessRule.LoginURL: Location = %q, want %q", got, tc.want)
			}
		})
	}
	if quotedNext != "http%3A//testserver/login_required/" {
		t.Fatalf("pyQuote = %q", quotedNext)
	}
}

// Django: auth_tests.test_views.RedirectToLoginTests.
func TestRedirectToLogin(t *testing.T) {
	for _, tc := range []struct{ next, loginURL, field, want string }{
		{"/else/where/", "/login/", "next", "/login/?next=/else/where/"},             // test_redirect_to_login_with_lazy
		{"/else/where/झ/", "/login/", "next", "/login/?next=/else/where/%E0%A4%9D/"}, // ..._with_lazy_and_unicode
		{"/x/?a=1&b=2 c", "/login/", "next", "/login/?next=/x/%3Fa%3D1%26b%3D2%20c"},
		{"/x/", "/login/?a=1&next=old&b=2&next=older", "next", "/login/?a=1&next=/x/&b=2"},
		{"/x/", "/login/?q=a+b&r=%zz#frag", "next", "/login/?q=a%20b&r=%25zz&next=/x/#frag"},
		{"/x/", "/login/", "", "/login/"},
		{"/x/", "/login/", "go_to", "/login/?go_to=/x/"},
	} {
		if got := RedirectToLogin(tc.next, tc.loginURL, tc.field); got != tc.want {
			t.Errorf("RedirectToLogin(%q, %q, %q) = %q, want %q", tc.next, tc.loginURL, tc.field, got, tc.want)
		}
	}
}

// next is the full path with its query string, escaped as the request had it.
func TestLoginRequiredNextKeepsTheFullPath(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{LoginURL: "/login/"})
	sm, _ := session.New(session.Config{})
	r := gin.New()
	r.Use(ginmw.Chain(sm, a))
	r.GET("/docs/*path", a.LoginRequired(), func(c *gin.Context) {})
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://testserver/docs/%E0%A4%9D/a%20b?x=1&y=%2F", nil))
	want := "/login/?next=/docs/%25E0%25A4%259D/a%2520b%3Fx%3D1%26y%3D%252F"
	if got := rec.Header().Get("Location"); got != want {
		t.Fatalf("Location = %q, want %q", got, want)
	}
	// The login view reads next back as the original URI.
	u, _ := url.Parse(want)
	if got := u.Query().Get("next"); got != "/docs/%E0%A4%9D/a%20b?x=1&y=%2F" {
		t.Fatalf("next reads back as %q", got)
	}
}

// accessFixture: testclient (no permission), "editor" (auth.change_user), "staff", "root"
// (superuser), "inactive-root", with routes protected by each decorator.
func accessFixture(t *testing.T) *authFixture {
	t.Helper()
	f := newFixture(t, fixtureConfig{routes: func(r *gin.Engine, a *Auth) {
		ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
		r.GET("/perm/", a.PermissionRequired("auth.change_user"), ok)
		r.GET("/perms/", a.PermissionRequired("auth.change_user", "auth.delete_user"), ok)
		raise, err := a.Access(AccessRule{Permissions: []string{"auth.change_user"}, RaiseException: true})
		if err != nil {
			t.Fatal(err)
		}
		r.GET("/perm-raise/", raise, ok)
		r.GET("/staff/", a.StaffRequired(), ok)
		r.GET("/superuser/", a.SuperuserRequired(), ok)
		r.GET("/test/", a.UserPassesTest(func(c *gin.Context, u *User) bool { return strings.HasSuffix(u.Email, "@example.com") }), ok)
		group := r.Group("/group", a.LoginRequired())
		group.GET("/page/", ok)
	}})
	ctx := t.Context()
	store := f.users.Store()
	perm := &Permission{AppLabel: "auth", Model: "user", Codename: "change_user", Name: "Can change user"}
	if err := store.CreatePermission(ctx, perm); err != nil {
		t.Fatal(err)
	}
	editor, err := f.users.CreateUser(ctx, UserParams{Username: "editor", Password: testPassword, Email: "e@other.org"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AddUserPermission(ctx, editor.ID, perm.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []UserParams{
		{Username: "staff", Password: testPassword, IsStaff: true},
		{Username: "root", Password: testPassword, IsStaff: true, IsSuperuser: true},
	} {
		if _, err := f.users.CreateUser(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestAccessDecorators(t *testing.T) {
	f := accessFixture(t)
	clients := map[string]*testClient{"": f.client()}
	for _, name := range []string{testUsername, "editor", "staff", "root"} {
		c := f.client()
		if r := c.login(name, testPassword); r.status != http.StatusFound {
			t.Fatalf("login %s: %d", name, r.status)
		}
		clients[name] = c
	}
	const redirect, forbidden, ok = http.StatusFound, http.StatusForbidden, http.StatusOK
	for _, tc := range []struct {
		path string
		want map[string]int // by user; "" is anonymous
	}{
		{"/login_required/", map[string]int{"": redirect, testUsername: ok, "editor": ok}},
		{"/group/page/", map[string]int{"": redirect, testUsername: ok}},
		{"/perm/", map[string]int{"": redirect, testUsername: forbidden, "editor": ok, "staff": forbidden, "root": ok}},
		{"/perms/", map[string]int{"": redirect, "editor": forbidden, "root": ok}},
		{"/perm-raise/", map[string]int{"": forbidden, testUsername: forbidden, "editor": ok}},
		{"/staff/", map[string]int{"": redirect, testUsername: forbidden, "staff": ok, "root": ok}},
		{"/superuser/", map[string]int{"": redirect, "staff": forbidden, "root": ok}},
		{"/test/", map[string]int{"": redirect, testUsername: ok, "editor": forbidden}},
	} {
		for user, want := range tc.want {
			r := clients[user].get(tc.path, "Accept", "text/html")
			if r.status != want {
				t.Errorf("%s as %q: %d, want %d", tc.path, user, r.status, want)
			}
			if want == redirect && r.location != "/login/?next="+tc.path {
				t.Errorf("%s as %q: Location %q", tc.path, user, r.location)
			}
		}
	}
}

// API clients get 401 with a challenge instead of a redirect; logged-in API clients lacking
// a permission get 403 like everyone.
func TestAccessDecoratorsForAPIRequests(t *testing.T) {
	f := accessFixture(t)
	c := f.client()
	for _, h := range [][2]string{
		{"Accept", "application/json"},
		{"Accept", "application/json, text/html;q=0.5"},
		{"X-Requested-With", "XMLHttpRequest"},
		{"Authorization", "Bearer whatever"},
	} {
		r := c.get("/perm/", h[0], h[1])
		if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != DefaultWWWAuthenticate ||
			!strings.Contains(r.body, `"status":401`) || r.location != "" {
			t.Errorf("%s: %s: %d %v %s", h[0], h[1], r.status, r.header, r.body)
		}
	}
	if r := c.get("/perm/", "Accept", "text/html,application/json;q=0.9"); r.status != http.StatusFound {
		t.Errorf("a browser preferring HTML got %d", r.status)
	}
	c.mustLogin()
	if r := c.get("/perm/", "Accept", "application/json"); r.status != http.StatusForbidden {
		t.Errorf("logged in without the permission: %d", r.status)
	}
}

// Outside a ginmw chain, a refusal writes its own error page.
func TestAccessDecoratorWithoutChain(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{})
	r := gin.New()
	r.Use(func(c *gin.Context) { SetUser(c, &User{ID: 1, Username: "u", IsActive: true}, "test") })
	r.GET("/", a.StaffRequired(), func(c *gin.Context) { c.String(http.StatusOK, "leak") })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "leak") {
		t.Fatalf("%d %q", rec.Code, rec.Body.String())
	}
	// A protected route without any auth middleware is a configuration error, said loudly.
	r2 := gin.New()
	r2.GET("/", a.LoginRequired(), func(c *gin.Context) { c.String(http.StatusOK, "leak") })
	rec = httptest.NewRecorder()
	r2.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "leak") {
		t.Fatalf("without the auth middleware: %d %q", rec.Code, rec.Body.String())
	}
}

func TestAccessRuleValidation(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{})
	for _, rule := range []AccessRule{
		{Permissions: []string{"nodot"}},
		{Permissions: []string{".x"}},
		{LoginURL: "javascript:alert(1)"},
		{RedirectFieldName: "a&b"},
	} {
		if _, err := a.Access(rule); err == nil {
			t.Errorf("Access(%+v) accepted", rule)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("PermissionRequired with a malformed permission did not panic")
		}
	}()
	a.PermissionRequired("not a permission")
}

func TestRedirectFieldNameNone(t *testing.T) {
	got := loginRequiredRedirect(t, AuthConfig{LoginURL: "/login/"}, AccessRule{RedirectFieldName: "-"})
	if got != "/login/" {
		t.Fatalf("Location = %q", got)
	}
}

func TestDefaultIsAPIRequest(t *testing.T) {
	for _, tc := range []struct {
		header, value string
		want          bool
	}{
		{"", "", false},
		{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"Accept", "*/*", false},
		{"Accept", "application/json", true},
		{"Accept", "application/problem+json", true},
		{"Accept", "application/json;q=0, text/html", false},
		{"Accept", "application/json;q=0.5, text/html;q=0.4", true},
		{"Accept", "application/json;q=nonsense", false},
		{"Accept", "application/json;q=1.5", false},
		{"Accept", "application/json;q=0.001", true},
		{"X-Requested-With", "xmlhttprequest", true},
		{"Authorization", "Basic dTpw", true},
	} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.header != "" {
			c.Request.Header.Set(tc.header, tc.value)
		}
		if got := DefaultIsAPIRequest(c); got != tc.want {
			t.Errorf("%s: %q = %v", tc.header, tc.value, got)
		}
	}
}

func TestUnquotePlus(t *testing.T) {
	for in, want := range map[string]string{
		"a+b": "a b", "%41": "A", "%4": "%4", "%zz": "%zz", "%E0%A4%9D": "झ", "%FF": "\uFFFD", "plain": "plain",
	} {
		if got := unquotePlus(in); got != want {
			t.Errorf("unquotePlus(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRedirectToLogin: whatever the next page, the login URL's query reads it back
// unchanged, and nothing else of the login URL changes. next comes from the request.
func FuzzRedirectToLogin(f *testing.F) {
	for _, s := range []string{"/else/where/झ/", "/x/?a=1&b=2", "http://testserver/p", "%zz", "a+b", "#frag", "&next=evil", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		if !utf8.ValidString(next) {
			return // request URIs are bytes, but Go's url package decodes next as UTF-8 text
		}
		got := RedirectToLogin(next, "/login/?pretty=1", "next")
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("%q: unparsable %q: %v", next, got, err)
		}
		q := u.Query()
		if u.Path != "/login/" || q.Get("pretty") != "1" || len(q["next"]) != 1 || q.Get("next") != next || u.Fragment != "" {
			t.Fatalf("%q: %q reads back as %v", next, got, q)
		}
	})
}

// FuzzDefaultIsAPIRequest: any Accept header is read without panicking, and the answer does
// not depend on letter case.
func FuzzDefaultIsAPIRequest(f *testing.F) {
	for _, s := range []string{"application/json", "text/html;q=0.9,application/json", "*/*", ";;;q=", "application/json;q=1.000", ",,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		got := acceptsJSONFirst(accept)
		for i := 0; i < len(accept); i++ {
			if accept[i] >= utf8.RuneSelf {
				return // non-ASCII case mappings ("ſ" → "S") are not header case
			}
		}
		if got != acceptsJSONFirst(strings.ToUpper(accept)) {
			t.Fatalf("case changes the answer for %q", accept)
		}
	})
}
