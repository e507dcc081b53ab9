package main

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The HTTP contract of the example (ARCHITECTURE.md, "Contracts that must not drift" §3),
// checked through the real settings file and middleware stack.

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	for _, path := range []string{"/index/", "/register/", "/trace/", "/missing/", "/index", "/static/style.css"} {
		w := get(s, path)
		h := w.Header()
		for name, want := range map[string]string{
			"X-Frame-Options":            "DENY",
			"X-Content-Type-Options":     "nosniff",
			"Referrer-Policy":            "same-origin",
			"Cross-Origin-Opener-Policy": "same-origin",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("GET %s (%d): %s = %q, want %q", path, w.Code, name, got, want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy = %q", path, csp)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", path)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s: HSTS over plain HTTP", path)
		}
	}
}

func TestAppendSlashAndErrorPages(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	if w := get(s, "/index"); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/index/" {
		t.Errorf("GET /index: %d %q, want 301 to /index/ (APPEND_SLASH)", w.Code, w.Header().Get("Location"))
	}
	w := get(s, "/no/such/page/")
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "There is no page at this address.") {
		t.Errorf("GET /no/such/page/: %d\n%s", w.Code, w.Body)
	}
	w = get(s, "/api/nothing/", "Accept", "application/json")
	if w.Code != http.StatusNotFound || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
		t.Errorf("GET /api/nothing/: %d %q, want a problem+json 404", w.Code, w.Header().Get("Content-Type"))
	}
	c := browser(t, s)
	if w := c.PostForm("/index/", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /index/: %d, want 405", w.Code)
	}
}

func TestStaticFiles(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	for path, ctype := range map[string]string{
		"/static/style.css": "text/css",
		"/static/ajax.js":   "text/javascript",
		"/static/csrfx.js":  "text/javascript",
	} {
		w := get(s, path)
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), ctype) || w.Body.Len() == 0 {
			t.Errorf("GET %s: %d %q (%d bytes)", path, w.Code, w.Header().Get("Content-Type"), w.Body.Len())
		}
	}
	if w := get(s, "/static/csrfx.js"); !strings.Contains(w.Body.String(), `"csrftoken"`) {
		t.Error("csrfx.js does not read the csrftoken cookie")
	}
}

func TestTraceShowsTheTutorialsHookOrder(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	mine := func(hooks []string) []string { // MD1, MD2 and the view, as the tutorial prints them
		var out []string
		for _, h := range hooks {
			if strings.HasPrefix(h, "md1 ") || strings.HasPrefix(h, "md2 ") || strings.HasPrefix(h, "view ") {
				out = append(out, h)
			}
		}
		return out
	}
	for _, tc := range []struct {
		query, outcome string
		want           []string
	}{
		{"", "The view ran", []string{
			"md1 process_request", "md2 process_request", "md1 process_view", "md2 process_view",
			"view main.traceView", "md2 process_template_response", "md1 process_template_response",
			"md2 process_response", "md1 process_response",
		}},
		{"?variant=short-circuit", "MD2.process_request answered", []string{
			"md1 process_request", "md2 process_request", "md2 process_response", "md1 process_response",
		}},
		{"?variant=exception", "MD1.process_exception answered", []string{
			"md1 process_request", "md2 process_request", "md1 process_view", "md2 process_view",
			"view main.traceView", "md2 process_exception", "md1 process_exception",
			"md2 process_response", "md1 process_response",
		}},
	} {
		w := get(s, "/trace/"+tc.query)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), tc.outcome) {
			t.Errorf("GET /trace/%s: %d, want 200 with %q\n%s", tc.query, w.Code, tc.outcome, w.Body)
			continue
		}
		hooks := hooksOf(t, w.Body.String())
		if got := mine(hooks); !slices.Equal(got, tc.want) {
			t.Errorf("GET /trace/%s: MD1/MD2 hooks\n got %q\nwant %q", tc.query, got, tc.want)
		}
		// The whole stack, not only MD1 and MD2: the outermost layer is first in and last out.
		if len(hooks) < 2 || hooks[0] != "access_log process_request" || hooks[len(hooks)-1] != "access_log process_response" {
			t.Errorf("GET /trace/%s: the list does not start and end with access_log: %q", tc.query, hooks)
		}
		if w.Header().Get("Cache-Control") != "no-store, no-transform" {
			t.Errorf("GET /trace/%s: Cache-Control %q", tc.query, w.Header().Get("Cache-Control"))
		}
	}
	// The recorder costs other pages nothing visible.
	if w := get(s, "/index/"); strings.Contains(w.Body.String(), "process_request") {
		t.Error("/index/ shows a hook list")
	}
}

func TestAjaxEchoNeedsTheCSRFHeader(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	c := loggedIn(t, s, "ann")
	w := c.Get("/ajax/echo/")
	if w.Code != http.StatusOK || cookie(w, "csrftoken") == nil {
		t.Fatalf("GET /ajax/echo/: %d, csrftoken cookie %v (ensure_csrf_cookie)", w.Code, cookie(w, "csrftoken"))
	}
	w = c.PostJSON("/ajax/echo/", map[string]string{"message": "héllo <b>"})
	var out map[string]string
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &out) != nil || out["echo"] != "héllo <b>" || out["user"] != "ann" {
		t.Fatalf("POST /ajax/echo/ with the token: %d %s", w.Code, w.Body)
	}
	// A token that does not match the cookie, from the site's own origin.
	r := newRequest(http.MethodPost, "/ajax/echo/", "application/json", `{"message":"x"}`)
	r.Header.Set("X-CSRFToken", strings.Repeat("a", 64))
	if w := c.Do(r); w.Code != http.StatusForbidden {
		t.Errorf("POST /ajax/echo/ with a wrong token: %d, want 403", w.Code)
	}
	for _, bad := range []string{`{"message": 1}`, `not json`, `{"message":"` + strings.Repeat("x", 201) + `"}`} {
		if w := c.Do(newRequest(http.MethodPost, "/ajax/echo/", "application/json", bad)); w.Code != http.StatusBadRequest {
			t.Errorf("POST /ajax/echo/ %.20q: %d, want 400", bad, w.Code)
		}
	}
}

func TestRegisterCreatesTheCustomUser(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	c := browser(t, s)
	if w := c.Get("/register/"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="csrfmiddlewaretoken"`) {
		t.Fatalf("GET /register/: %d, want a form with the CSRF field", w.Code)
	}
	form := func(user, p1, p2, phone string) url.Values {
		return url.Values{"username": {user}, "password1": {p1}, "password2": {p2}, "phone": {phone}, "avatar": {"🐍"}}
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{form("ann", "correct horse 9", "correct horse 8", ""), "The two password fields didn’t match."},
		{form("ann", "password", "password", ""), "This password is too common."},
		{form("ann", "correct horse 9", "correct horse 9", "12ab"), "phone: Enter a whole number."},
		{form("bad name!", "correct horse 9", "correct horse 9", ""), "Enter a valid username."},
	} {
		w := c.PostForm("/register/", tc.form)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), html.EscapeString(tc.want)) {
			t.Errorf("POST /register/ %v: %d, want the form again with %q\n%s", tc.form, w.Code, tc.want, w.Body)
		}
	}
	w := c.PostForm("/register/", form("ann", "correct horse 9", "correct horse 9", "13800138000"))
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login/" {
		t.Fatalf("POST /register/: %d %q, want 303 to /login/", w.Code, w.Header().Get("Location"))
	}
	if ck := cookie(w, "sessionid"); ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Errorf("sessionid cookie after the flash message: %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure in debug", ck)
	}
	u, err := s.userStore.GetUserByUsername(t.Context(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	if phone, _ := u.Extra.Int("phone"); phone != 13800138000 || u.Extra["avatar"] != "🐍" || !strings.HasPrefix(u.Password, "argon2") && !strings.Contains(u.Password, "$") {
		t.Errorf("stored user: phone %v, avatar %v, password %.10q…", u.Extra["phone"], u.Extra["avatar"], u.Password)
	}
	if w := c.Get("/login/"); !strings.Contains(w.Body.String(), "Welcome, ann: your account is ready.") {
		t.Errorf("the next page does not show the flash message:\n%s", w.Body)
	}
	if w := c.Get("/login/"); strings.Contains(w.Body.String(), "Welcome, ann") {
		t.Error("the flash message is shown twice")
	}
	w = c.PostForm("/register/", form("ann", "correct horse 9", "correct horse 9", ""))
	if !strings.Contains(w.Body.String(), "A user with that username already exists.") {
		t.Errorf("a taken username: %d\n%s", w.Code, w.Body)
	}
}

func TestCSRFRefusesAFormPostWithoutToken(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	r := newRequest(http.MethodPost, "/register/", formType, url.Values{"username": {"mallory"}, "password1": {"x"}, "password2": {"x"}}.Encode())
	r.Header.Set("Origin", "http://evil.example")
	w := do(s, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST /register/: %d, want 403", w.Code)
	}
	if _, err := s.userStore.GetUserByUsername(t.Context(), "mallory"); err == nil {
		t.Error("the forged post created a user")
	}
}

func TestCommentingCSRFOutSwitchesItOff(t *testing.T) {
	s := newTestSite(t, siteOpts{without: []string{"csrf"}})
	r := newRequest(http.MethodPost, "/register/", formType, url.Values{"username": {"mallory"}, "password1": {"correct horse 9"}, "password2": {"correct horse 9"}}.Encode())
	r.Header.Set("Origin", "http://evil.example")
	if w := do(s, r); w.Code != http.StatusSeeOther {
		t.Fatalf("without csrf, a cross-site POST /register/: %d, want 303 (the feature is off)", w.Code)
	}
	if w := get(s, "/register/"); strings.Contains(w.Body.String(), "csrfmiddlewaretoken") || cookie(w, "csrftoken") != nil {
		t.Error("without csrf, the form still carries a token")
	}
}
