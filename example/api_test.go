package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The JSON API: tokens, the bearer-authenticated resource, revocation and the limits.

// apiCall sends a JSON request the way an API client does: no cookies, no CSRF token.
func apiCall(s http.Handler, method, path, bearer, body string) *httptest.ResponseRecorder {
	r := newRequest(method, path, "application/json", body)
	r.Header.Set("Accept", "application/json")
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(s, r)
}

type tokenPair struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh"`
}

func obtain(t testing.TB, s http.Handler, username, password string) tokenPair {
	t.Helper()
	w := apiCall(s, http.MethodPost, "/api/token/", "", `{"username":"`+username+`","password":"`+password+`"}`)
	var p tokenPair
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Access == "" || p.Refresh == "" {
		t.Fatalf("POST /api/token/: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Cache-Control") != "no-store" || len(w.Result().Cookies()) != 0 {
		t.Errorf("POST /api/token/: Cache-Control %q, cookies %v: want no-store and no cookies", w.Header().Get("Cache-Control"), w.Result().Cookies())
	}
	return p
}

func TestAPITokensAndMe(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	if _, err := s.users.CreateUser(t.Context(), userParams("ann")); err != nil {
		t.Fatal(err)
	}
	w := apiCall(s, http.MethodPost, "/api/token/", "", `{"username":"ann","password":"wrong"}`)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "No active account found with the given credentials") {
		t.Errorf("a wrong password: %d %s", w.Code, w.Body)
	}
	p := obtain(t, s, "ann", testPassword)

	w = apiCall(s, http.MethodGet, "/api/me/", p.Access, "")
	var me map[string]any
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &me) != nil || me["username"] != "ann" {
		t.Fatalf("GET /api/me/ with the token: %d %s", w.Code, w.Body)
	}
	if strings.Contains(w.Body.String(), "argon2") || strings.Contains(w.Body.String(), `"password"`) {
		t.Errorf("/api/me/ shows the password hash: %s", w.Body)
	}
	if !strings.Contains(w.Header().Get("RateLimit-Policy"), `"api";q=60;w=60`) {
		t.Errorf("/api/me/: RateLimit-Policy %q, want the per-user api policy", w.Header().Get("RateLimit-Policy"))
	}
	if w := apiCall(s, http.MethodGet, "/api/me/", p.Access+"x", ""); w.Code != http.StatusUnauthorized {
		t.Errorf("a tampered token: %d, want 401", w.Code)
	}
	if w := apiCall(s, http.MethodGet, "/api/me/", p.Refresh, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("a refresh token used as an access token: %d, want 401", w.Code)
	}

	w = apiCall(s, http.MethodPost, "/api/token/refresh/", "", `{"refresh":"`+p.Refresh+`"}`)
	var p2 tokenPair
	if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &p2) != nil || p2.Refresh == "" || p2.Refresh == p.Refresh {
		t.Fatalf("POST /api/token/refresh/: %d %s", w.Code, w.Body)
	}
	// The old refresh token is spent; using it again is theft, and revokes the family.
	if w := apiCall(s, http.MethodPost, "/api/token/refresh/", "", `{"refresh":"`+p.Refresh+`"}`); w.Code != http.StatusUnauthorized {
		t.Errorf("a spent refresh token: %d, want 401", w.Code)
	}
	if w := apiCall(s, http.MethodGet, "/api/me/", p2.Access, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("after refresh-token reuse, the family's new access token: %d, want 401", w.Code)
	}

	p3 := obtain(t, s, "ann", testPassword)
	if w := apiCall(s, http.MethodPost, "/api/token/revoke/", "", `{"refresh":"`+p3.Refresh+`"}`); w.Code != http.StatusOK {
		t.Fatalf("POST /api/token/revoke/: %d %s", w.Code, w.Body)
	}
	if w := apiCall(s, http.MethodGet, "/api/me/", p3.Access, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("a revoked login's access token: %d, want 401", w.Code)
	}
}

func TestAPITokensEndWithAPasswordChange(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	c := loggedIn(t, s, "ann")
	p := obtain(t, s, "ann", testPassword)
	w := c.PostForm("/set_password/", map[string][]string{"old_password": {testPassword}, "new_password1": {"a brand new secret"}, "new_password2": {"a brand new secret"}})
	if w.Code != http.StatusFound {
		t.Fatalf("password change: %d", w.Code)
	}
	if w := apiCall(s, http.MethodGet, "/api/me/", p.Access, ""); w.Code != http.StatusUnauthorized {
		t.Errorf("a token issued before the password change: %d, want 401", w.Code)
	}
}

func TestAPIObtainSharesTheLoginLockout(t *testing.T) {
	s := newTestSite(t, siteOpts{})
	if _, err := s.users.CreateUser(t.Context(), userParams("ann")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		apiCall(s, http.MethodPost, "/api/token/", "", `{"username":"ann","password":"guess"}`)
	}
	w := apiCall(s, http.MethodPost, "/api/token/", "", `{"username":"ann","password":"`+testPassword+`"}`)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("the sixth attempt through the API: %d %q, want 429 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	c := browser(t, s)
	c.Get("/login/")
	if w := c.PostForm("/login/", map[string][]string{"username": {"ann"}, "password": {testPassword}}); w.Code != http.StatusTooManyRequests {
		t.Errorf("the login form after five API failures: %d, want 429 (one count for both)", w.Code)
	}
}

func TestAPIPerUserLimit(t *testing.T) {
	text := strings.Replace(shippedSettings(t, "settings.yaml"), "rate: 60/m", "rate: 2/h", 1)
	s := newTestSite(t, siteOpts{settings: text})
	for _, u := range []string{"ann", "bob"} {
		if _, err := s.users.CreateUser(t.Context(), userParams(u)); err != nil {
			t.Fatal(err)
		}
	}
	ann := obtain(t, s, "ann", testPassword) // anonymous: counted by IP
	bob := obtain(t, s, "bob", testPassword) // the IP's second and last
	codes := []int{
		apiCall(s, http.MethodGet, "/api/me/", ann.Access, "").Code,
		apiCall(s, http.MethodGet, "/api/me/", ann.Access, "").Code,
		apiCall(s, http.MethodGet, "/api/me/", ann.Access, "").Code,
		apiCall(s, http.MethodGet, "/api/me/", bob.Access, "").Code,
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || codes[3] != 200 {
		t.Errorf("ann ×3 then bob, at 2/h per user: %v, want [200 200 429 200]", codes)
	}
}
