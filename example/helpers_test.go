package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/csrfx/csrftest"
)

// testSecret is the DJIN_SECRET_KEY of the tests' sites.
const testSecret = "test-secret-key-0123456789abcdef-0123456789"

// testEnv is a fake environment: the tests never read the real one.
type testEnv map[string]string

func (e testEnv) get(name string) string { return e[name] }

// siteOpts are the knobs of a test site.
type siteOpts struct {
	settings string   // the settings text; "" means settings.yaml as shipped
	without  []string // middleware lines of the settings to comment out
	env      testEnv  // extra environment
	now      func() time.Time
}

// newTestSite builds the example site on a fresh SQLite file, as `go run ./example` would,
// and restores gin's global mode afterwards.
func newTestSite(t testing.TB, o siteOpts) *site {
	t.Helper()
	s, err := buildTestSite(t, o)
	if err != nil {
		t.Fatalf("newSite: %v", err)
	}
	return s
}

// buildTestSite is newTestSite returning the start-up error.
func buildTestSite(t testing.TB, o siteOpts) (*site, error) {
	t.Helper()
	mode := gin.Mode()
	t.Cleanup(func() { gin.SetMode(mode) })
	dir := t.TempDir()
	text := o.settings
	if text == "" {
		text = shippedSettings(t, "settings.yaml")
	}
	text = commentOut(t, text, o.without...)
	path := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv{"DJIN_SECRET_KEY": testSecret}
	for k, v := range o.env {
		env[k] = v
	}
	s, err := newSite(context.Background(), options{
		Settings: path, DB: filepath.Join(dir, "test.db"), Getenv: env.get, Logger: quietLogger(), Now: o.now,
	})
	if err != nil {
		return nil, err
	}
	t.Cleanup(s.Close)
	return s, nil
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func shippedSettings(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// commentOut puts a "#" before the middleware entries named, and before their option lines,
// as a reader of settings.yaml would to switch them off. It fails when a name is not listed,
// so tests cannot pass by commenting out nothing.
func commentOut(t testing.TB, text string, names ...string) string {
	t.Helper()
	lines := strings.SplitAfter(text, "\n")
	for _, name := range names {
		entry := regexp.MustCompile(`^(\s*)- ` + regexp.QuoteMeta(name) + `(:|\s|$)`)
		found := false
		for i := 0; i < len(lines) && !found; i++ {
			m := entry.FindStringSubmatch(lines[i])
			if m == nil {
				continue
			}
			found = true
			indent := len(m[1])
			lines[i] = m[1] + "# " + lines[i][indent:]
			for j := i + 1; j < len(lines); j++ { // the entry's options, indented deeper
				rest := strings.TrimLeft(lines[j], " ")
				if rest == "" || rest == "\n" || len(lines[j])-len(rest) <= indent {
					break
				}
				lines[j] = m[1] + "# " + lines[j][indent:]
			}
		}
		if !found {
			t.Fatalf("settings list no middleware %q", name)
		}
	}
	return strings.Join(lines, "")
}

// browser is a csrftest client on the address the settings allow: it keeps cookies and
// sends unsafe requests with the token and a same-origin Origin, as the site's own pages do.
func browser(t testing.TB, h http.Handler) *csrftest.Client {
	c := csrftest.New(t, h)
	c.BaseURL = "http://127.0.0.1:8000"
	c.TokenPath = "/register/" // a page with a form: its token, when no cookie has one yet
	return c
}

// testPassword is the password of the tests' users.
const testPassword = "correct horse 9"

// loggedIn creates a user and returns a browser logged in as that user, through the login form.
func loggedIn(t testing.TB, s *site, username string) *csrftest.Client {
	t.Helper()
	if _, err := s.users.CreateUser(t.Context(), authx.UserParams{Username: username, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	c := browser(t, s)
	c.Get("/login/")
	w := c.PostForm("/login/", url.Values{"username": {username}, "password": {testPassword}})
	if w.Code != http.StatusFound {
		t.Fatalf("log in as %s: %d\n%s", username, w.Code, w.Body)
	}
	return c
}

const formType = "application/x-www-form-urlencoded"

// newRequest makes a request to the site's allowed address.
func newRequest(method, path, contentType, body string) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:8000"+path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

// do sends r to h, without cookies or tokens.
func do(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// get sends a bare GET, without cookies, to a handler.
func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := newRequest(http.MethodGet, path, "", "")
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return do(h, r)
}

// cookie returns the named cookie a response sets, or nil.
func cookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// hooksOf returns the hook list of a /trace/ page, one "layer hook" string per line.
func hooksOf(t *testing.T, body string) []string {
	t.Helper()
	i := strings.Index(body, `<ol class="hooks" id="hooks">`)
	if i < 0 {
		t.Fatalf("no hook list in the page:\n%s", body)
	}
	var out []string
	for _, m := range regexp.MustCompile(`<li(?: class="mark")?><code>([^<]+)</code> ([^<]+)</li>`).FindAllStringSubmatch(body[i:], -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}
