package csrfx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

func testContext(t *testing.T, m *Middleware, cookie string) *gin.Context {
	t.Helper()
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != "" {
		c.Request.Header.Set("Cookie", DefaultCookieName+"="+cookie)
	}
	if m != nil {
		m.attachedState(c)
	}
	return c
}

// Django §5 A3: get_token with an existing secret masks it, keeps it and flags the update.
func TestTokenWithExistingSecret(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	c := testContext(t, m, testSecret)
	assertMaskedSecretCorrect(t, Token(c), testSecret)
	st := stateFor(c)
	if st.secret != testSecret || !st.needsUpdate {
		t.Errorf("state %+v", st)
	}
}

// Django §5 A4: get_token without a secret creates one.
func TestTokenWithoutSecret(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	c := testContext(t, m, "")
	tok := Token(c)
	st := stateFor(c)
	if len(st.secret) != SecretLength || !st.needsUpdate {
		t.Fatalf("state %+v", st)
	}
	assertMaskedSecretCorrect(t, tok, st.secret)
}

// Django §5 A5: rotate_token gives a different secret and flags the update; the new
// secret is written into the pending response at once.
func TestRotateChangesSecret(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	c := testContext(t, m, testSecret)
	Rotate(c)
	st := stateFor(c)
	if len(st.secret) != SecretLength || st.secret == testSecret || !st.needsUpdate {
		t.Errorf("state %+v", st)
	}
	if sc := c.Writer.Header().Get("Set-Cookie"); sc == "" || sc[:len("csrftoken=")+SecretLength] != "csrftoken="+st.secret {
		t.Errorf("Set-Cookie %q", sc)
	}
	assertMaskedSecretCorrect(t, Token(c), st.secret)
}

// Without any csrfx Middleware, Token logs and returns "", and Rotate does nothing.
func TestTokenWithoutMiddleware(t *testing.T) {
	c := testContext(t, nil, testSecret)
	if tok := Token(c); tok != "" {
		t.Errorf("Token = %q", tok)
	}
	Rotate(c)
	if c.Writer.Header().Get("Set-Cookie") != "" {
		t.Error("Rotate wrote a cookie")
	}
}

// Token on a request no csrfx middleware handles returns "": a token that no middleware
// would ever write into a cookie could not validate, and a middleware built for another
// route or group must not lend it one.
func TestTokenWithoutMiddlewareIsEmpty(t *testing.T) {
	_, _ = New(Config{Logger: discardLogger}) // a csrfx exists in the process, elsewhere
	c := testContext(t, nil, testSecret)
	if tok := Token(c); tok != "" {
		t.Fatalf("Token = %q", tok)
	}
}

// Check verifies a request inside a handler, ignoring route markers.
func TestMiddlewareCheck(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger})
	c := testContext(t, m, testSecret)
	if err := m.Check(c); err != nil {
		t.Errorf("GET: %v", err)
	}
	c.Request.Method = http.MethodPost
	if err := m.Check(c); err == nil {
		t.Error("POST without a token passed")
	}
	c.Request.Header.Set("X-CSRFToken", maskedSecret2)
	if err := m.Check(c); err != nil {
		t.Errorf("POST with a token: %v", err)
	}
}
