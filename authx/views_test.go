package authx

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/csrfx"
	"github.com/gin-gonic/gin"
)

// Django: auth_tests.test_views LoginTest.test_security_check and
// LogoutTest.test_security_check, verbatim lists, through the real handlers: the next
// page travels in the query string of the POST, quoted, on host "testserver".
var (
	securityBadURLs = []string{
		"http://example.com",
		"http:///example.com",
		"https://example.com",
		"ftp://example.com",
		"///example.com",
		"//example.com",
		`javascript:alert("XSS")`,
	}
	securityGoodURLs = []string{
		"/view/?param=http://example.com",
		"/view/?param=https://example.com",
		"/view?param=ftp://example.com",
		"view/?param=//example.com",
		"https://testserver/",
		"HTTPS://testserver/",
		"//testserver/",
		"/url%20with%20spaces/",
	}
)

func TestLoginSecurityCheck(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	for _, bad := range securityBadURLs {
		c := f.client()
		c.host = "testserver"
		r := c.post("/login/?next="+pyQuote(bad), url.Values{"username": {testUsername}, "password": {testPassword}})
		if r.status != http.StatusFound {
			t.Fatalf("%s: status %d", bad, r.status)
		}
		if strings.Contains(r.location, bad) || r.location != DefaultLoginRedirectURL {
			t.Errorf("%s should be blocked: Location %q", bad, r.location)
		}
	}
	for _, good := range securityGoodURLs {
		c := f.client()
		c.host = "testserver"
		r := c.post("/login/?next="+pyQuote(good), url.Values{"username": {testUsername}, "password": {testPassword}})
		if r.status != http.StatusFound || !strings.Contains(r.location, good) {
			t.Errorf("%s should be allowed: %d Location %q", good, r.status, r.location)
		}
	}
}

func TestLogoutSecurityCheck(t *testing.T) {
	f := newFixture(t, fixtureConfig{auth: AuthConfig{LogoutRedirectURL: "/bye/"}})
	for _, bad := range securityBadURLs {
		c := f.client()
		c.host = "testserver"
		c.mustLogin()
		r := c.post("/logout/?next="+pyQuote(bad), nil)
		if r.status != http.StatusFound || strings.Contains(r.location, bad) || r.location != "/bye/" {
			t.Errorf("%s should be blocked: %d Location %q", bad, r.status, r.location)
		}
	}
	for _, good := range securityGoodURLs {
		c := f.client()
		c.host = "testserver"
		c.mustLogin()
		r := c.post("/logout/?next="+pyQuote(good), nil)
		if r.status != http.StatusFound || !strings.Contains(r.location, good) {
			t.Errorf("%s should be allowed: %d Location %q", good, r.status, r.location)
		}
	}
}

// More unsafe next pages, from Django's url_has_allowed_host_and_scheme tests and the §4.4
// pitfalls, in the POST body this time: none may leave the site.
func TestLoginNoOpenRedirect(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	for _, bad := range []string{
		`/\example.com`, `\\example.com`, `\/example.com`, "\x08//example.com", "http:example.com",
		"https:example.com", "http://testserver@example.com", "http://example.com\\@testserver",
		"//example.com/%2F..", " //example.com", "\t//example.com", "http:999999999",
		"data:text/html,<script>alert(1)</script>", "//[::1]", "http://testserver:8080",
	} {
		c := f.client()
		c.host = "testserver"
		r := c.post("/login/", url.Values{"username": {testUsername}, "password": {testPassword}, "next": {bad}})
		if r.status != http.StatusFound || r.location != DefaultLoginRedirectURL {
			t.Errorf("next %q: %d Location %q", bad, r.status, r.location)
		}
	}
	// A safe next on an HTTP request may not be http:// of the site when the request is
	// HTTPS (require_https); checked through successURL with a TLS request below.
}

func TestLoginRedirectRequiresHTTPSOnSecureRequests(t *testing.T) {
	a := newAuthForTest(t, AuthConfig{AllowedRedirectHosts: []string{"other.example.com"}})
	c := testContext("")
	c.Request = c.Request.Clone(c.Request.Context())
	c.Request.Host = "testserver"
	if got := a.successURL(c, "http://other.example.com/x", "/fallback/"); got != "http://other.example.com/x" {
		t.Fatalf("allowed host over http: %q", got)
	}
	c.Request.TLS = tlsState()
	if got := a.successURL(c, "http://testserver/x", "/fallback/"); got != "/fallback/" {
		t.Fatalf("http next on an HTTPS request: %q", got)
	}
	if got := a.successURL(c, "https://other.example.com/x", "/fallback/"); got != "https://other.example.com/x" {
		t.Fatalf("https next to an allowed host: %q", got)
	}
	if got := a.successURL(c, "https://evil.example.com/x", "/fallback/"); got != "/fallback/" {
		t.Fatalf("https next to another host: %q", got)
	}
}

func TestLoginViewForm(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.client()
	r := c.get(`/login/?next=/a/"><script>`)
	if r.status != http.StatusOK || !strings.Contains(r.body, `name="csrfmiddlewaretoken"`) ||
		!strings.Contains(r.body, `name="next" value="/a/&#34;&gt;&lt;script&gt;"`) || strings.Contains(r.body, "errornote") {
		t.Fatalf("GET /login/: %d %s", r.status, r.body)
	}
	if !strings.Contains(r.header.Get("Cache-Control"), "no-store") {
		t.Error("the login page may be cached")
	}
	if r := c.request(http.MethodHead, "/login/", nil, nil); r.status != http.StatusOK {
		t.Errorf("HEAD /login/: %d", r.status)
	}
	if r := c.request(http.MethodPut, "/login/", nil, nil); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
		t.Errorf("PUT /login/: %d", r.status)
	}
}

// One message for every refusal: unknown user, wrong password, inactive account.
func TestLoginViewDoesNotEnumerateAccounts(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	if _, err := f.users.CreateUser(t.Context(), UserParams{Username: "inactive", Password: testPassword, Inactive: true}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, creds := range [][2]string{{"nobody", testPassword}, {testUsername, "wrong"}, {"inactive", testPassword}} {
		r := f.client().login(creds[0], creds[1])
		if r.status != http.StatusOK || !strings.Contains(r.body, template.HTMLEscapeString(msgInvalidLogin)) {
			t.Fatalf("%v: %d %s", creds, r.status, r.body)
		}
		bodies = append(bodies, normalizePage(r.body, creds[0]))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Fatalf("the answers differ:\n%s\n---\n%s\n---\n%s", bodies[0], bodies[1], bodies[2])
	}
	if r := f.client().login("", ""); r.status != http.StatusOK || !strings.Contains(r.body, msgRequired) {
		t.Fatalf("empty form: %d", r.status)
	}
}

// normalizePage removes what legitimately differs between two renderings: the username
// typed and the CSRF token.
func normalizePage(body, username string) string {
	body = strings.ReplaceAll(body, `value="`+username+`"`, `value="U"`)
	if i := strings.Index(body, `name="csrfmiddlewaretoken" value="`); i >= 0 {
		j := i + len(`name="csrfmiddlewaretoken" value="`)
		body = body[:j] + body[j+64:]
	}
	return body
}

// The login view normalises what is typed like Django's UsernameField: spaces trimmed,
// NFKC.
func TestLoginViewNormalisesTheUsername(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	if r := f.client().login("  ｔｅｓｔｃｌｉｅｎｔ ", testPassword); r.status != http.StatusFound {
		t.Fatalf("status %d", r.status)
	}
}

// Throttled logins answer 429 with Retry-After, identically for an existing and a
// non-existing account, and refuse even the right password while locked.
func TestLoginViewLockout(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	throttle, err := NewMemoryLoginThrottle(MemoryLoginThrottleConfig{UsernameFailures: 2, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureConfig{auth: AuthConfig{Throttle: throttle}})
	answers := map[string]testResponse{}
	for _, name := range []string{testUsername, "ghost"} {
		c := f.client()
		for range 2 {
			if r := c.login(name, "wrong"); r.status != http.StatusOK {
				t.Fatalf("%s: failure answered %d", name, r.status)
			}
		}
		r := c.login(name, testPassword)
		answers[name] = r
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "60" {
			t.Fatalf("%s: %d Retry-After %q", name, r.status, r.header.Get("Retry-After"))
		}
	}
	if normalizePage(answers[testUsername].body, testUsername) != normalizePage(answers["ghost"].body, "ghost") {
		t.Fatal("the locked-out page tells an existing account from a missing one")
	}
	now = now.Add(61 * time.Second)
	c := f.client()
	if r := c.login(testUsername, testPassword); r.status != http.StatusFound {
		t.Fatalf("after the lockout: %d", r.status)
	}
}

// Login and logout are POST-only and CSRF-protected: with the csrf middleware in the chain,
// and through Mount's csrfx.Protect when it is not.
func TestLoginAndLogoutNeedCSRFToken(t *testing.T) {
	for _, noCSRF := range []bool{false, true} {
		f := newFixture(t, fixtureConfig{noCSRF: noCSRF})
		c := f.client()
		c.csrfToken() // a cookie, but no token in the form
		r := c.postRaw("/login/", url.Values{"username": {testUsername}, "password": {testPassword}})
		if r.status != http.StatusForbidden {
			t.Fatalf("noCSRF=%v: login without a token: %d", noCSRF, r.status)
		}
		if w := c.whoami(); w.User != "" {
			t.Fatal("logged in without a CSRF token")
		}
		c.mustLogin()
		if r := c.postRaw("/logout/", nil); r.status != http.StatusForbidden {
			t.Fatalf("noCSRF=%v: logout without a token: %d", noCSRF, r.status)
		}
		if r := c.get("/logout/"); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
			t.Fatalf("GET /logout/: %d Allow %q", r.status, r.header.Get("Allow"))
		}
		if w := c.whoami(); w.User != testUsername {
			t.Fatal("a refused logout logged out")
		}
		// A cross-site form post is refused by the origin gate even with a token.
		form := url.Values{csrfx.DefaultFieldName: {c.csrfToken()}}
		r = c.request(http.MethodPost, "/logout/", strings.NewReader(form.Encode()), http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"cross-site"},
		})
		if r.status != http.StatusForbidden {
			t.Fatalf("cross-site logout: %d", r.status)
		}
	}
}

func TestLogoutRendersLoggedOutPage(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.client()
	c.mustLogin()
	r := c.post("/logout/", nil)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Logged out") || !strings.Contains(r.body, `href="/login/"`) {
		t.Fatalf("%d %s", r.status, r.body)
	}
}

func TestLoginViewRedirectAuthenticatedUser(t *testing.T) {
	f := newFixture(t, fixtureConfig{auth: AuthConfig{RedirectAuthenticatedUser: true}})
	c := f.client()
	c.mustLogin()
	if r := c.get("/login/?next=/somewhere/"); r.status != http.StatusFound || r.location != "/somewhere/" {
		t.Fatalf("%d %q", r.status, r.location)
	}
	if r := c.get("/login/"); r.status != http.StatusFound || r.location != DefaultLoginRedirectURL {
		t.Fatalf("%d %q", r.status, r.location)
	}
	// Django: "Redirection loop for authenticated user detected."
	loop := f.server(fixtureConfig{auth: AuthConfig{RedirectAuthenticatedUser: true, LoginRedirectURL: "/login/"}})
	c.use(loop)
	if r := c.get("/login/"); r.status != http.StatusInternalServerError {
		t.Fatalf("redirect loop: %d %q", r.status, r.location)
	}
}

func TestLoginViewRefusesOversizedForm(t *testing.T) {
	f := newFixture(t, fixtureConfig{noCSRF: true})
	c := f.client()
	form := url.Values{"username": {strings.Repeat("a", maxFormBytes)}, "password": {"x"}, csrfx.DefaultFieldName: {c.csrfToken()}}
	if r := c.postRaw("/login/", form); r.status != http.StatusBadRequest && r.status != http.StatusForbidden {
		t.Fatalf("status %d", r.status)
	}
}

func TestPasswordChangeView(t *testing.T) {
	f := newFixture(t, fixtureConfig{validators: DefaultPasswordValidators()})
	var changed []PasswordChangeEvent
	f.auth.Signals().PasswordChanged.Connect(func(e PasswordChangeEvent) { changed = append(changed, e) })
	anon := f.client()
	if r := anon.get("/password_change/"); r.status != http.StatusFound || r.location != "/login/?next=/password_change/" {
		t.Fatalf("anonymous: %d %q", r.status, r.location)
	}
	c := f.client()
	c.mustLogin()
	r := c.get("/password_change/")
	if r.status != http.StatusOK || !strings.Contains(r.body, "at least 8 characters") {
		t.Fatalf("GET: %d %s", r.status, r.body)
	}
	for _, tc := range []struct {
		name             string
		old, new1, new2  string
		wantInBody       string
		unexpectedInBody string
	}{
		{"wrong old password", "wrong", "Str0ng-enough!", "Str0ng-enough!", template.HTMLEscapeString(msgOldPassword), ""},
		{"mismatch", testPassword, "Str0ng-enough!", "Str0ng-enough?", template.HTMLEscapeString(msgPasswordMismatch), ""},
		{"validators", testPassword, "12345678", "12345678", "This password is entirely numeric.", ""},
		{"missing fields", "", "", "", msgRequired, ""},
	} {
		r := c.post("/password_change/", url.Values{"old_password": {tc.old}, "new_password1": {tc.new1}, "new_password2": {tc.new2}})
		if r.status != http.StatusOK || !strings.Contains(r.body, tc.wantInBody) {
			t.Errorf("%s: %d, want %q in %s", tc.name, r.status, tc.wantInBody, r.body)
		}
	}
	if len(changed) != 0 {
		t.Fatal("a refused change sent password_changed")
	}
	r = c.post("/password_change/", url.Values{"old_password": {testPassword}, "new_password1": {"Str0ng-enough!"}, "new_password2": {"Str0ng-enough!"}})
	if r.status != http.StatusFound || r.location != DefaultPasswordChangeDoneURL {
		t.Fatalf("change: %d %q", r.status, r.location)
	}
	if len(changed) != 1 || changed[0].User.ID != f.user.ID {
		t.Fatalf("password_changed: %+v", changed)
	}
	if r := c.get("/password_change/done/"); r.status != http.StatusOK || !strings.Contains(r.body, "Password change successful") {
		t.Fatalf("done page: %d", r.status)
	}
	if r := f.client().login(testUsername, "Str0ng-enough!"); r.status != http.StatusFound {
		t.Fatal("the new password does not log in")
	}
}

// The old-password check goes through the login throttle.
func TestPasswordChangeViewIsThrottled(t *testing.T) {
	throttle, err := NewMemoryLoginThrottle(MemoryLoginThrottleConfig{UsernameFailures: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureConfig{auth: AuthConfig{Throttle: throttle}})
	c := f.client()
	c.mustLogin()
	for range 2 {
		c.post("/password_change/", url.Values{"old_password": {"guess"}, "new_password1": {"x-1"}, "new_password2": {"x-1"}})
	}
	r := c.post("/password_change/", url.Values{"old_password": {testPassword}, "new_password1": {"x-1"}, "new_password2": {"x-1"}})
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("status %d", r.status)
	}
}

func TestTemplatesOverride(t *testing.T) {
	custom := template.Must(template.New("site").Parse(
		`{{define "login.html"}}<p>custom login {{.Error}}</p>{{.CSRFInput}}{{end}}` +
			`{{define "unrelated.html"}}x{{end}}`))
	f := newFixture(t, fixtureConfig{auth: AuthConfig{Templates: custom}})
	c := f.client()
	if r := c.get("/login/"); !strings.Contains(r.body, "custom login") || !strings.Contains(r.body, "csrfmiddlewaretoken") {
		t.Fatalf("login page: %s", r.body)
	}
	c.mustLogin()
	if r := c.post("/logout/", nil); !strings.Contains(r.body, "Logged out") {
		t.Fatalf("the embedded logged_out.html was not kept: %s", r.body)
	}
	// A template that fails while rendering gives a 500, not half a page.
	broken := template.Must(template.New("site").Parse(`{{define "login.html"}}before{{.NoSuchField}}{{end}}`))
	f2 := newFixture(t, fixtureConfig{auth: AuthConfig{Templates: broken}})
	if r := f2.client().get("/login/"); r.status != http.StatusInternalServerError || strings.Contains(r.body, "before") {
		t.Fatalf("broken template: %d %q", r.status, r.body)
	}
}

func TestMountRoutes(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	routes := map[string]bool{}
	for _, ri := range f.srv.Config.Handler.(*gin.Engine).Routes() {
		routes[ri.Method+" "+ri.Path] = true
	}
	for _, want := range []string{"GET /login/", "POST /login/", "POST /logout/", "GET /logout/", "GET /password_change/",
		"POST /password_change/", "GET /password_change/done/"} {
		if !routes[want] {
			t.Errorf("route %s is missing", want)
		}
	}
}
