package authx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// jwtRouter mounts the token endpoints and a protected /api/me/ the way an application
// does.
func (fx *jwtFixture) router() *gin.Engine {
	r := gin.New()
	r.POST("/api/token/", fx.j.ObtainHandler)
	r.POST("/api/token/refresh/", fx.j.RefreshHandler)
	r.POST("/api/token/revoke/", fx.j.RevokeHandler)
	api := r.Group("/api", fx.j.Middleware())
	api.GET("/me/", func(c *gin.Context) {
		u, err := CurrentUserErr(c)
		if err != nil {
			c.String(http.StatusInternalServerError, err.Error())
			return
		}
		if u == nil {
			c.String(http.StatusOK, "anonymous")
			return
		}
		c.String(http.StatusOK, u.Username+" via "+AuthBackend(c))
	})
	return r
}

type jwtReq struct {
	method, path, body string
	header             http.Header
	cookies            []*http.Cookie
}

func (fx *jwtFixture) do(t testing.TB, r http.Handler, rq jwtReq) *httptest.ResponseRecorder {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodPost
	}
	req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(rq.body))
	if rq.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range rq.header {
		req.Header[k] = v
	}
	for _, c := range rq.cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

func jwtJSON(t testing.TB, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	return m
}

// wantProblem checks an application/problem+json answer.
func wantProblem(t testing.TB, w *httptest.ResponseRecorder, status int, code, detail string) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q, want no-store", cc)
	}
	m := jwtJSON(t, w)
	if m["status"] != float64(status) || m["code"] != code || m["detail"] != detail || m["title"] != http.StatusText(status) {
		t.Fatalf("problem %v, want status %d code %q detail %q", m, status, code, detail)
	}
	return m
}

func (fx *jwtFixture) obtain(t testing.TB, r http.Handler, username string) map[string]any {
	t.Helper()
	w := fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"` + username + `","password":"` + jwtTestPassword + `"}`})
	if w.Code != http.StatusOK {
		t.Fatalf("obtain: %d %s", w.Code, w.Body)
	}
	return jwtJSON(t, w)
}

func TestJWTObtainHandler(t *testing.T) {
	fx := newJWTFixture(t, func(c *JWTConfig) { c.UpdateLastLogin = true })
	r := fx.router()
	w := fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"correct horse","extra":1}`})
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("obtain: %d %v %s", w.Code, w.Header(), w.Body)
	}
	body := jwtJSON(t, w)
	access, _ := body["access"].(string)
	if access == "" || body["refresh"] == "" || len(body) != 2 {
		t.Fatalf("obtain body %v, want access and refresh", body)
	}
	me := fx.do(t, r, jwtReq{method: http.MethodGet, path: "/api/me/", header: bearer(access)})
	if me.Code != http.StatusOK || me.Body.String() != "alice via jwt" {
		t.Fatalf("/api/me/ with the token: %d %s", me.Code, me.Body)
	}
	u, err := fx.store.GetUser(context.Background(), fx.alice.ID)
	if err != nil || u.LastLogin == nil || !u.LastLogin.Equal(fx.clock.Now()) {
		t.Fatalf("last_login not updated: %v %v", u.LastLogin, err)
	}
}

// TestJWTObtainFailuresLookAlike: unknown user, wrong password and inactive user get the
// same answer, in simplejwt's words.
func TestJWTObtainFailuresLookAlike(t *testing.T) {
	fx := newJWTFixture(t, nil)
	r := fx.router()
	var first string
	for _, body := range []string{
		`{"username":"alice","password":"wrong"}`,
		`{"username":"nobody","password":"correct horse"}`,
		`{"username":"carol","password":"correct horse"}`,
		`{"username":"ALICE","password":"correct horse"}`,
	} {
		w := fx.do(t, r, jwtReq{path: "/api/token/", body: body})
		wantProblem(t, w, http.StatusUnauthorized, "no_active_account", "No active account found with the given credentials")
		if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="api"` {
			t.Fatalf("WWW-Authenticate %q", got)
		}
		if first == "" {
			first = w.Body.String()
		} else if w.Body.String() != first {
			t.Fatalf("bodies differ: %s vs %s", w.Body, first)
		}
	}
}

// TestJWTObtainAfterHashUpgrade: a login that upgrades the stored password hash (Django's
// check_password setter) gets tokens for the new hash; the user's older tokens end, as
// Django's other sessions do.
func TestJWTObtainAfterHashUpgrade(t *testing.T) {
	var users *UserManager
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.Authenticate = func(c *gin.Context, username, password string) (*User, error) {
			u, err := users.Store().GetUserByUsername(c.Request.Context(), username)
			if err != nil {
				return nil, err
			}
			if ok, err := users.CheckPassword(c.Request.Context(), u, password); !ok || err != nil {
				return nil, err
			}
			return u, nil
		}
	})
	stronger, err := NewPasswordHashers(HashersConfig{
		Algorithms: []string{AlgorithmPBKDF2SHA256}, PBKDF2: PBKDF2Config{Iterations: 2000, MaxIterations: 40_000},
	})
	if err != nil {
		t.Fatal(err)
	}
	if users, err = NewUserManager(UserManagerConfig{Store: fx.store, Hashers: stronger}); err != nil {
		t.Fatal(err)
	}
	old := fx.issue(t, fx.alice)
	r := fx.router()
	pair := fx.obtain(t, r, "alice")
	stored, _ := fx.store.GetUser(context.Background(), fx.alice.ID)
	if stored.Password == fx.alice.Password {
		t.Fatal("test setup: the login did not upgrade the hash")
	}
	if w := fx.do(t, r, jwtReq{method: http.MethodGet, path: "/api/me/", header: bearer(pair["access"].(string))}); w.Code != http.StatusOK {
		t.Fatalf("token issued at an upgrading login: %d %s", w.Code, w.Body)
	}
	fx.mustReject(t, old.Access, "password changed")
}

func TestJWTObtainFailsLikeDjangoWhenAuthenticateErrs(t *testing.T) {
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.Authenticate = func(*gin.Context, string, string) (*User, error) { return nil, ErrUserNotFound }
	})
	w := fx.do(t, fx.router(), jwtReq{path: "/api/token/", body: `{"username":"x","password":"y"}`})
	wantProblem(t, w, http.StatusUnauthorized, "no_active_account", "No active account found with the given credentials")
}

func TestJWTObtainRejectsMalformedRequests(t *testing.T) {
	fx := newJWTFixture(t, nil)
	r := fx.router()
	cases := []struct {
		name, body, contentType string
		status                  int
		code, field, msg        string
	}{
		{"empty body", "", "", 400, "invalid", "username", "This field is required."},
		{"no password", `{"username":"alice"}`, "application/json", 400, "invalid", "password", "This field is required."},
		{"blank username", `{"username":"","password":"x"}`, "application/json", 400, "invalid", "username", "This field may not be blank."},
		{"number as username", `{"username":5,"password":"x"}`, "application/json", 400, "invalid", "username", "Not a valid string."},
		{"null object", `null`, "application/json", 400, "invalid", "username", "This field is required."},
		{"array", `[]`, "application/json", 400, "parse_error", "", ""},
		{"broken JSON", `{"username":`, "application/json", 400, "parse_error", "", ""},
		{"trailing garbage", `{"username":"a","password":"b"} x`, "application/json", 400, "parse_error", "", ""},
		{"form encoded", `username=alice&password=correct+horse`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", "", ""},
		{"text/plain JSON", `{"username":"alice","password":"correct horse"}`, "text/plain", 415, "unsupported_media_type", "", ""},
		{"no content type", `{"username":"alice","password":"correct horse"}`, "", 415, "unsupported_media_type", "", ""},
		{"too large", `{"username":"` + strings.Repeat("a", jwtMaxBody) + `","password":"x"}`, "application/json", 413, "request_too_large", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/api/token/", strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != tc.status || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %q %s, want %d problem+json", w.Code, w.Header().Get("Content-Type"), w.Body, tc.status)
			}
			m := jwtJSON(t, w)
			if m["code"] != tc.code {
				t.Fatalf("code %v, want %s", m["code"], tc.code)
			}
			if tc.field != "" {
				msgs, _ := m[tc.field].([]any)
				if len(msgs) != 1 || msgs[0] != tc.msg {
					t.Fatalf("%s: %v, want [%q]", tc.field, m[tc.field], tc.msg)
				}
			}
		})
	}
	// A +json media type with parameters is JSON.
	req := httptest.NewRequest(http.MethodPost, "/api/token/", strings.NewReader(`{"username":"alice","password":"correct horse"}`))
	req.Header.Set("Content-Type", "application/vnd.api+json; charset=utf-8")
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("application/vnd.api+json: %d %s", w.Code, w.Body)
	}
}

func TestJWTObtainThrottle(t *testing.T) {
	var seen []string
	var outcomes []bool
	locked := map[string]bool{"mallory": true}
	var outage error
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.Throttle = func(_ *gin.Context, username string) (func(bool), error) {
			seen = append(seen, username)
			if outage != nil {
				return nil, outage
			}
			if locked[username] {
				return nil, &JWTThrottledError{RetryAfter: 89500 * time.Millisecond}
			}
			return func(ok bool) { outcomes = append(outcomes, ok) }, nil
		}
	})
	r := fx.router()
	fx.obtain(t, r, "alice")
	fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"nope"}`})
	if len(outcomes) != 2 || !outcomes[0] || outcomes[1] {
		t.Fatalf("done outcomes %v, want [true false]", outcomes)
	}
	w := fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"mallory","password":"x"}`})
	wantProblem(t, w, http.StatusTooManyRequests, "throttled", "Request was throttled. Expected available in 90 seconds.")
	if w.Header().Get("Retry-After") != "90" {
		t.Fatalf("Retry-After %q", w.Header().Get("Retry-After"))
	}
	outage = errors.New("lockout store down")
	w = fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"correct horse"}`})
	wantProblem(t, w, http.StatusServiceUnavailable, "service_unavailable", "Service temporarily unavailable, try again later.")
	if strings.Join(seen, ",") != "alice,alice,mallory,alice" {
		t.Fatalf("throttle saw %v", seen)
	}
	if !errors.Is(&JWTThrottledError{}, ErrJWTThrottled) {
		t.Fatal("JWTThrottledError does not match ErrJWTThrottled")
	}
}

func TestJWTRefreshHandler(t *testing.T) {
	fx := newJWTFixture(t, nil)
	r := fx.router()
	first := fx.obtain(t, r, "alice")
	w := fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + first["refresh"].(string) + `"}`})
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("refresh: %d %s", w.Code, w.Body)
	}
	second := jwtJSON(t, w)
	if second["access"] == nil || second["refresh"] == nil || second["refresh"] == first["refresh"] {
		t.Fatalf("refresh body %v", second)
	}
	// Reuse: 401 in simplejwt's words, with the invalid_token challenge.
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + first["refresh"].(string) + `"}`})
	wantProblem(t, w, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")
	if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="api", error="invalid_token"` {
		t.Fatalf("WWW-Authenticate %q", got)
	}
	// The family is gone: the second pair's tokens no longer work.
	me := fx.do(t, r, jwtReq{method: http.MethodGet, path: "/api/me/", header: bearer(second["access"].(string))})
	wantProblem(t, me, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")

	// The refresh token is never read from the query string.
	third := fx.obtain(t, r, "alice")
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/?refresh=" + third["refresh"].(string)})
	wantProblem(t, w, http.StatusBadRequest, "invalid", "Invalid input.")
	if msgs := jwtJSON(t, w)["refresh"]; msgs == nil {
		t.Fatalf("missing refresh field error: %s", w.Body)
	}
	// An access token is not a refresh token.
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + third["access"].(string) + `"}`})
	wantProblem(t, w, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")
}

func TestJWTRevokeHandler(t *testing.T) {
	fx := newJWTFixture(t, nil)
	r := fx.router()
	pair := fx.obtain(t, r, "alice")
	w := fx.do(t, r, jwtReq{path: "/api/token/revoke/", body: `{"refresh":"` + pair["refresh"].(string) + `"}`})
	if w.Code != http.StatusOK || w.Body.String() != "{}" {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	me := fx.do(t, r, jwtReq{method: http.MethodGet, path: "/api/me/", header: bearer(pair["access"].(string))})
	wantProblem(t, me, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")

	// With only the access token, its family is revoked.
	other := fx.obtain(t, r, "bob")
	w = fx.do(t, r, jwtReq{path: "/api/token/revoke/", header: bearer(other["access"].(string))})
	if w.Code != http.StatusOK {
		t.Fatalf("revoke by bearer: %d %s", w.Code, w.Body)
	}
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + other["refresh"].(string) + `"}`})
	wantProblem(t, w, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")

	w = fx.do(t, r, jwtReq{path: "/api/token/revoke/"})
	wantProblem(t, w, http.StatusBadRequest, "invalid", "Invalid input.")
	w = fx.do(t, r, jwtReq{path: "/api/token/revoke/", body: `{"refresh":"nope"}`})
	wantProblem(t, w, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")
}

func TestJWTMiddleware(t *testing.T) {
	fx := newJWTFixture(t, nil)
	r := fx.router()
	pair := fx.issue(t, fx.alice)
	get := func(h http.Header) *httptest.ResponseRecorder {
		return fx.do(t, r, jwtReq{method: http.MethodGet, path: "/api/me/", header: h})
	}
	for name, h := range map[string]http.Header{
		"no header":    nil,
		"basic auth":   {"Authorization": {"Basic YWxpY2U6eA=="}},
		"other scheme": {"Authorization": {"Bearerish " + pair.Access}},
	} {
		if w := get(h); w.Code != http.StatusOK || w.Body.String() != "anonymous" {
			t.Errorf("%s: %d %s, want anonymous", name, w.Code, w.Body)
		}
	}
	for name, h := range map[string]http.Header{
		"bearer":           bearer(pair.Access),
		"lower-case":       {"Authorization": {"bearer " + pair.Access}},
		"extra spaces":     {"Authorization": {"Bearer   " + pair.Access + " "}},
		"beside basic":     {"Authorization": {"Basic YWxpY2U6eA==", "Bearer " + pair.Access}},
		"upper-case token": {"Authorization": {"BEARER " + pair.Access}},
	} {
		if w := get(h); w.Code != http.StatusOK || w.Body.String() != "alice via jwt" {
			t.Errorf("%s: %d %s, want alice", name, w.Code, w.Body)
		}
	}
	for name, h := range map[string]http.Header{
		"empty bearer":   {"Authorization": {"Bearer"}},
		"garbage":        bearer("garbage"),
		"refresh token":  bearer(pair.Refresh),
		"two bearers":    {"Authorization": {"Bearer " + pair.Access, "Bearer " + pair.Access}},
		"token in comma": {"Authorization": {"Bearer " + pair.Access + ", Basic x"}},
	} {
		w := get(h)
		wantProblem(t, w, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")
		if w.Header().Get("WWW-Authenticate") != `Bearer realm="api", error="invalid_token"` {
			t.Errorf("%s: WWW-Authenticate %q", name, w.Header().Get("WWW-Authenticate"))
		}
	}
	// A store outage is not the client's fault.
	fx.versions.fail = errors.New("down")
	wantProblem(t, get(bearer(pair.Access)), http.StatusServiceUnavailable, "service_unavailable", "Service temporarily unavailable, try again later.")
}

// TestJWTMiddlewareKeepsAnEarlierUser: without a bearer token, the user an earlier
// authentication middleware (the session) set stays.
func TestJWTMiddlewareKeepsAnEarlierUser(t *testing.T) {
	fx := newJWTFixture(t, nil)
	r := gin.New()
	r.GET("/", func(c *gin.Context) { SetUser(c, fx.bob, "session") }, fx.j.Middleware(), func(c *gin.Context) {
		c.String(http.StatusOK, CurrentUser(c).GetUsername()+" "+AuthBackend(c))
	})
	if w := fx.do(t, r, jwtReq{method: http.MethodGet, path: "/"}); w.Body.String() != "bob session" {
		t.Fatalf("got %q", w.Body)
	}
	pair := fx.issue(t, fx.alice)
	if w := fx.do(t, r, jwtReq{method: http.MethodGet, path: "/", header: bearer(pair.Access)}); w.Body.String() != "alice jwt" {
		t.Fatalf("got %q", w.Body)
	}
}

func TestJWTAuthenticateRequestContract(t *testing.T) {
	fx := newJWTFixture(t, nil)
	pair := fx.issue(t, fx.alice)
	ctx := func(h http.Header) *gin.Context {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		c.Request.Header = h
		return c
	}
	var a RequestAuthenticator = fx.j
	if u, ok, err := a.AuthenticateRequest(ctx(http.Header{})); u != nil || ok || err != nil {
		t.Fatalf("no credential: %v %v %v", u, ok, err)
	}
	if u, ok, err := a.AuthenticateRequest(ctx(bearer(pair.Access))); u == nil || !ok || err != nil || u.ID != fx.alice.ID {
		t.Fatalf("valid: %v %v %v", u, ok, err)
	}
	if u, ok, err := a.AuthenticateRequest(ctx(bearer("x.y.z"))); u != nil || !ok || !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("invalid: %v %v %v", u, ok, err)
	}
}

func TestJWTLogsReasonsNotSecrets(t *testing.T) {
	var buf bytes.Buffer
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	r := fx.router()
	pair := fx.obtain(t, r, "alice")
	forged := pair["access"].(string) + "x"
	fx.do(t, r, jwtReq{method: http.MethodGet, path: "/api/me/", header: bearer(forged)})
	fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"hunter2-secret"}`})
	fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + pair["refresh"].(string) + `"}`})
	fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + pair["refresh"].(string) + `"}`})
	logs := buf.String()
	for _, want := range []string{"bad signature", "token obtain failed", "refresh token reused", "level=WARN"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{pair["access"].(string)[20:60], pair["refresh"].(string)[20:60], "hunter2-secret", jwtTestSecret} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a secret %q:\n%s", secret, logs)
		}
	}
}

func TestJWTRefreshCookie(t *testing.T) {
	csrfErr := errors.New("CSRF token missing")
	csrfCalls := 0
	var csrf error
	secure := true
	fx := newJWTFixture(t, func(c *JWTConfig) {
		c.RefreshCookie = &JWTRefreshCookie{
			CSRFCheck: func(*gin.Context) error { csrfCalls++; return csrf },
			Path:      "/api/token/",
			Secure:    &secure,
		}
	})
	r := fx.router()
	w := fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"correct horse"}`})
	if w.Code != http.StatusOK {
		t.Fatalf("obtain: %d %s", w.Code, w.Body)
	}
	body := jwtJSON(t, w)
	if _, ok := body["refresh"]; ok || body["access"] == nil {
		t.Fatalf("with a refresh cookie the body must hold the access token only: %v", body)
	}
	ck := jwtCookieNamed(t, w, "refresh_token")
	if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/api/token/" || ck.MaxAge != int(DefaultJWTRefreshTTL/time.Second) {
		t.Fatalf("cookie %+v", ck)
	}
	if csrfCalls != 1 {
		t.Fatalf("obtain ran the CSRF check %d times, want 1", csrfCalls)
	}

	// Refresh from the cookie: the CSRF check guards it.
	csrf = csrfErr
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", cookies: []*http.Cookie{ck}})
	wantProblem(t, w, http.StatusForbidden, "csrf_failed", "CSRF Failed.")
	csrf = nil
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", cookies: []*http.Cookie{ck}})
	if w.Code != http.StatusOK {
		t.Fatalf("refresh from the cookie: %d %s", w.Code, w.Body)
	}
	if _, ok := jwtJSON(t, w)["refresh"]; ok {
		t.Fatal("refresh from the cookie put the new refresh token in the body")
	}
	next := jwtCookieNamed(t, w, "refresh_token")
	if next.Value == ck.Value || next.Value == "" {
		t.Fatal("the cookie was not rotated")
	}

	// A body token needs no CSRF check and gets its answer in the body.
	csrf, csrfCalls = csrfErr, 0
	pair := fx.issue(t, fx.bob)
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", body: `{"refresh":"` + pair.Refresh + `"}`, cookies: []*http.Cookie{next}})
	if w.Code != http.StatusOK || jwtJSON(t, w)["refresh"] == nil || csrfCalls != 0 {
		t.Fatalf("refresh from the body: %d %s (csrf calls %d)", w.Code, w.Body, csrfCalls)
	}

	// Revoke from the cookie clears it and ends the family.
	csrf = nil
	w = fx.do(t, r, jwtReq{path: "/api/token/revoke/", cookies: []*http.Cookie{next}})
	if w.Code != http.StatusOK {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	if cleared := jwtCookieNamed(t, w, "refresh_token"); cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Fatalf("cookie not cleared: %+v", cleared)
	}
	w = fx.do(t, r, jwtReq{path: "/api/token/refresh/", cookies: []*http.Cookie{next}})
	wantProblem(t, w, http.StatusUnauthorized, "token_not_valid", "Token is invalid or expired")
	if cleared := jwtCookieNamed(t, w, "refresh_token"); cleared.MaxAge >= 0 {
		t.Fatal("a rejected cookie token is not cleared")
	}

	// Obtain is CSRF-checked too (login CSRF would plant the attacker's session).
	csrf = csrfErr
	w = fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"correct horse"}`})
	wantProblem(t, w, http.StatusForbidden, "csrf_failed", "CSRF Failed.")
}

func TestJWTRefreshCookieSecureByDefaultInReleaseMode(t *testing.T) {
	defer gin.SetMode(gin.Mode())
	fx := newJWTFixture(t, func(c *JWTConfig) { c.RefreshCookie = &JWTRefreshCookie{CSRFCheck: jwtPassCSRF} })
	r := fx.router()
	gin.SetMode(gin.TestMode)
	if ck := jwtCookieNamed(t, fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"correct horse"}`}), "refresh_token"); ck.Secure || ck.Path != "/" {
		t.Fatalf("plain HTTP in test mode: %+v", ck)
	}
	gin.SetMode(gin.ReleaseMode)
	if ck := jwtCookieNamed(t, fx.do(t, r, jwtReq{path: "/api/token/", body: `{"username":"alice","password":"correct horse"}`}), "refresh_token"); !ck.Secure {
		t.Fatalf("release mode: %+v", ck)
	}
}

func jwtCookieNamed(t testing.TB, w *httptest.ResponseRecorder, name string) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, w.Header()["Set-Cookie"])
	return nil
}
