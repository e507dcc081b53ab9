package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/authx"
)

func userParams(username string) authx.UserParams {
	return authx.UserParams{Username: username, Password: testPassword}
}

// Login, logout, the login middleware and password changes, through the site's routes.

func TestLoginRequiredRedirectsToTheLoginPage(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	for path, next := range map[string]string{
		"/home/":         "/home/",
		"/index/":        "/index/",
		"/set_password/": "/set_password/",
		"/ajax/echo/":    "/ajax/echo/",
		"/home/?tab=a&b": "/home/%3Ftab%3Da%26b", // Django's redirect_to_login quoting
	} {
		w := get(s, path)
		if w.Code != http.StatusFound || w.Header().Get("Location") != "/login/?next="+next {
			t.Errorf("anonymous GET %s: %d %q, want 302 to /login/?next=%s", path, w.Code, w.Header().Get("Location"), next)
		}
	}
	for _, path := range []string{"/login/", "/register/", "/throttled/", "/trace/", "/static/style.css"} {
		if w := get(s, path); w.Code != http.StatusOK {
			t.Errorf("anonymous GET %s: %d, want 200 (whitelisted)", path, w.Code)
		}
	}
	// Routes, not raw paths: a variant of a whitelisted path is not whitelisted.
	if w := get(s, "/register/x/"); w.Code != http.StatusNotFound {
		t.Errorf("GET /register/x/: %d, want 404", w.Code)
	}
	// API clients get 401 and a challenge instead of a redirect.
	w := get(s, "/api/me/", "Accept", "application/json")
	if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("anonymous GET /api/me/ as JSON: %d %q, want 401 with a Bearer challenge", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestBlackIsAnIllegalURLForEveryone(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	w := get(s, "/black/")
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "This is an illegal URL") {
		t.Errorf("anonymous GET /black/: %d\n%s", w.Code, w.Body)
	}
	c := loggedIn(t, s, "ann")
	if w := c.Get("/black/"); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "This is an illegal URL") {
		t.Errorf("logged-in GET /black/: %d, want 403 (the blacklist holds for everyone)", w.Code)
	}
	for _, path := range []string{"/black", "/BLACK/", "/black//"} {
		if w := c.Get(path); w.Code == http.StatusOK {
			t.Errorf("GET %s: 200: a variant of the blacklisted URL got through", path)
		}
	}
}

func TestLoginLandsOnNextWithAFlashMessage(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	if _, err := s.users.CreateUser(t.Context(), userParams("ann")); err != nil {
		t.Fatal(err)
	}
	c := browser(t, s)
	w := c.Get("/login/?next=/home/")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="next" value="/home/"`) {
		t.Fatalf("GET /login/?next=/home/: %d, want the form carrying next\n%s", w.Code, w.Body)
	}
	w = c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {"wrong password"}, "next": {"/home/"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Please enter a correct username and password") {
		t.Errorf("a wrong password: %d\n%s", w.Code, w.Body)
	}
	w = c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {testPassword}, "next": {"/home/"}})
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/home/" {
		t.Fatalf("login: %d %q, want 302 to /home/", w.Code, w.Header().Get("Location"))
	}
	if ck := cookie(w, "sessionid"); ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Errorf("the session cookie at login: %+v", ck)
	}
	w = c.Get("/home/")
	body := w.Body.String()
	if w.Code != http.StatusOK || !strings.Contains(body, "Welcome back, ann.") || !strings.Contains(body, `<strong id="username">ann</strong>`) {
		t.Errorf("GET /home/ after login: %d\n%s", w.Code, body)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "http:evil.example"} {
		w := c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {testPassword}, "next": {next}})
		if loc := w.Header().Get("Location"); w.Code != http.StatusFound || loc != "/index/" {
			t.Errorf("login with next=%q: %d %q, want the LOGIN_REDIRECT_URL /index/", next, w.Code, loc)
		}
	}
}

func TestLogoutIsPostOnlyWithCSRF(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	c := loggedIn(t, s, "ann")
	if w := c.Get("/logout/"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout/: %d, want 405", w.Code)
	}
	if w := c.Get("/home/"); w.Code != http.StatusOK {
		t.Fatalf("the GET logged out: /home/ %d", w.Code)
	}
	r := newRequest(http.MethodPost, "/logout/", formType, "")
	r.Header.Set("X-CSRFToken", strings.Repeat("x", 64))
	if w := c.Do(r); w.Code != http.StatusForbidden {
		t.Errorf("POST /logout/ with a bad token: %d, want 403", w.Code)
	}
	w := c.PostForm("/logout/", nil)
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/login/" {
		t.Fatalf("POST /logout/: %d %q", w.Code, w.Header().Get("Location"))
	}
	if w := c.Get("/home/"); w.Code != http.StatusFound {
		t.Errorf("after logout, /home/: %d, want 302 to the login page", w.Code)
	}
	if w := c.Get("/login/"); !strings.Contains(w.Body.String(), "You have been logged out.") {
		t.Errorf("no logout message on the login page:\n%s", w.Body)
	}
}

func TestSetPasswordKeepsThisSessionAndEndsTheOthers(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	c := loggedIn(t, s, "ann")
	other := browser(t, s) // the same user on another computer
	other.Get("/login/")
	if w := other.PostForm("/login/", url.Values{"username": {"ann"}, "password": {testPassword}}); w.Code != http.StatusFound {
		t.Fatalf("second login: %d", w.Code)
	}
	w := c.PostForm("/set_password/", url.Values{"old_password": {"nope"}, "new_password1": {"a brand new secret"}, "new_password2": {"a brand new secret"}})
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Your old password was entered incorrectly.") {
		t.Errorf("a wrong old password: %d\n%s", w.Code, w.Body)
	}
	w = c.PostForm("/set_password/", url.Values{"old_password": {testPassword}, "new_password1": {"a brand new secret"}, "new_password2": {"a brand new secret"}})
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/home/" {
		t.Fatalf("POST /set_password/: %d %q\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if w := c.Get("/home/"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Your password was changed.") {
		t.Errorf("this session after the change: %d\n%s", w.Code, w.Body)
	}
	if w := other.Get("/home/"); w.Code != http.StatusFound {
		t.Errorf("the other session after the change: %d, want 302 (logged out)", w.Code)
	}
}

func TestLoginLockout(t *testing.T) {
	clk := newClock()
	s := newTestSite(t, siteOpts{now: clk.Now})
	if _, err := s.users.CreateUser(t.Context(), userParams("ann")); err != nil {
		t.Fatal(err)
	}
	c := browser(t, s)
	c.Get("/login/")
	for i := 1; i <= 5; i++ {
		if w := c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {"guess"}}); w.Code != http.StatusOK {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	locked := c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {testPassword}})
	if locked.Code != http.StatusTooManyRequests || locked.Header().Get("Retry-After") == "" {
		t.Fatalf("the sixth attempt, with the right password: %d %q, want 429 with Retry-After", locked.Code, locked.Header().Get("Retry-After"))
	}
	// The address is locked too, and an unknown name gets the same answer: no enumeration.
	ghost := c.PostForm("/login/", url.Values{"username": {"nobody"}, "password": {"guess"}})
	if ghost.Code != locked.Code || ghost.Header().Get("Retry-After") != locked.Header().Get("Retry-After") ||
		!strings.Contains(ghost.Body.String(), "Too many failed login attempts.") || !strings.Contains(locked.Body.String(), "Too many failed login attempts.") {
		t.Errorf("an unknown user while locked: %d %q, want the same answer as for ann (%d %q)",
			ghost.Code, ghost.Header().Get("Retry-After"), locked.Code, locked.Header().Get("Retry-After"))
	}
	clk.Advance(16 * time.Minute) // past the 15-minute window
	if w := c.PostForm("/login/", url.Values{"username": {"ann"}, "password": {testPassword}}); w.Code != http.StatusFound {
		t.Errorf("after the window: %d, want 302", w.Code)
	}
}

func TestCommentingLoginRequiredOutOpensTheSite(t *testing.T) {
	s := newTestSite(t, siteOpts{without: []string{"login_required"}})
	if w := get(s, "/index/"); w.Code != http.StatusOK {
		t.Errorf("without login_required, anonymous /index/: %d, want 200", w.Code)
	}
	if w := get(s, "/black/"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "the login middleware's blacklist is off") {
		t.Errorf("without login_required, /black/: %d, want its view", w.Code)
	}
	// The views that need a user still refuse anonymous visitors on their own.
	if w := get(s, "/set_password/"); w.Code != http.StatusFound {
		t.Errorf("without login_required, anonymous /set_password/: %d, want 302 to the login page", w.Code)
	}
}
