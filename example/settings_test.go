package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djin-go/djin/csrfx/csrftest"
)

func TestExpandEnv(t *testing.T) {
	env := testEnv{"HOST": "db.internal", "EMPTY": ""}
	for _, tc := range []struct{ in, want, err string }{
		{"url: postgres://${HOST}/app\n", "url: postgres://db.internal/app\n", ""},
		{"a: ${EMPTY:-fallback}", "a: fallback", ""},
		{"a: ${UNSET:-}", "a: ", ""},
		{"a: ${HOST:-other}", "a: db.internal", ""},
		{"re: ^a$|b{2}$\n", "re: ^a$|b{2}$\n", ""},                                           // only ${NAME} is expanded
		{"# db: ${UNSET}\n- csrf  # ${UNSET}\n", "# db: ${UNSET}\n- csrf  # ${UNSET}\n", ""}, // comments are not
		{`p: "a # ${HOST}"`, `p: "a # db.internal"`, ""},                                     // a quoted # is not a comment
		{"p: it's ${HOST} # ${UNSET}", "p: it's db.internal # ${UNSET}", ""},
		{"a: ${UNSET}", "", "UNSET is not set"},
		{"a: ${A1}\nb: ${B2}", "", "A1, B2 are not set"},
	} {
		got, err := expandEnv([]byte(tc.in), env.get)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("expandEnv(%q): error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || string(got) != tc.want):
			t.Errorf("expandEnv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSiteSettingsAreChecked(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ yaml, want string }{
		{"site:\n  database: mysql://x\n", "want a postgres:// URL"},
		{"site:\n  redis: localhost:6379\n", "want a redis:// or rediss:// URL"},
		{"site:\n  databse: postgres://x\n", "databse"}, // strict: a typo is an error, not a silent default
		{"debug: maybe\n", "debug"},
	} {
		path := filepath.Join(dir, "s.yaml")
		if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := loadSettings(path, testEnv{}.get)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error mentioning %q", tc.yaml, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "mysql://x") {
			t.Errorf("the error repeats the database URL, which may hold a password: %v", err)
		}
	}
	// The shipped files parse, and the embedded copy is the shipped settings.yaml.
	if _, _, err := loadSettings("settings.yaml", testEnv{}.get); err != nil {
		t.Error(err)
	}
	if _, _, err := loadSettings("settings.multi.yaml", testEnv{"DATABASE_URL": "postgres://h/db", "REDIS_URL": "redis://h:6379/0"}.get); err != nil {
		t.Error(err)
	}
	if string(embeddedSettings) != shippedSettings(t, "settings.yaml") {
		t.Error("the embedded settings.yaml differs from the file")
	}
}

func TestSecretKey(t *testing.T) {
	log := quietLogger()
	if _, _, err := secrets(testEnv{}.get, false, log); err == nil {
		t.Error("release mode started without DJIN_SECRET_KEY")
	}
	k1, _, err := secrets(testEnv{}.get, true, log)
	k2, _, _ := secrets(testEnv{}.get, true, log)
	if err != nil || len(k1) < minSecretKeyLength || k1 == k2 {
		t.Errorf("debug keys %q, %q (%v): want two different ephemeral keys", k1, k2, err)
	}
	key, fallbacks, err := secrets(testEnv{"DJIN_SECRET_KEY": testSecret, "DJIN_SECRET_KEY_FALLBACKS": " old-secret-key-0123456789abcdef-0123, "}.get, false, log)
	if err != nil || key != testSecret || len(fallbacks) != 1 || fallbacks[0] != "old-secret-key-0123456789abcdef-0123" {
		t.Errorf("secrets: %q %q %v", key, fallbacks, err)
	}
	if _, _, err := secrets(testEnv{"DJIN_SECRET_KEY": testSecret, "DJIN_SECRET_KEY_FALLBACKS": "tiny-key"}.get, false, log); err == nil || strings.Contains(err.Error(), "tiny-key") {
		t.Errorf("a short fallback: %v, want an error that does not repeat it", err)
	}
}

// TestReleaseModeCookies runs the shipped settings with debug off, over HTTPS as a proxy
// would deliver it: every cookie is Secure and the CSRF cookie takes the __Host- prefix.
func TestReleaseModeCookies(t *testing.T) {
	text := strings.Replace(shippedSettings(t, "settings.yaml"), "debug: true", "debug: false", 1)
	s := newTestSite(t, siteOpts{settings: text})
	c := csrftest.New(t, s)
	c.BaseURL = "https://127.0.0.1"
	w := c.Get("/register/")
	ck := cookie(w, "__Host-csrftoken")
	if w.Code != http.StatusOK || ck == nil || !ck.Secure || ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Fatalf("GET /register/ in release mode: %d, CSRF cookie %+v, want __Host-csrftoken, Secure, SameSite=Lax, Path=/, readable by scripts", w.Code, ck)
	}
	if !strings.Contains(w.Header().Get("Strict-Transport-Security"), "max-age=") && strings.Contains(text, "hsts_seconds") {
		t.Error("no HSTS over HTTPS")
	}
	w = c.PostForm("/register/", url.Values{"username": {"ann"}, "password1": {"correct horse 9"}, "password2": {"correct horse 9"}})
	ck = cookie(w, "sessionid")
	if w.Code != http.StatusSeeOther || ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
		t.Errorf("POST /register/ in release mode: %d, session cookie %+v, want Secure, HttpOnly, SameSite=Lax, Path=/", w.Code, ck)
	}
	if w := get(s, "/no/such/page/"); strings.Contains(w.Body.String(), "ginmw:") {
		t.Errorf("a release-mode error page shows details:\n%s", w.Body)
	}
	if w := get(s, "/black/"); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "This is an illegal URL") {
		t.Errorf("GET /black/ in release mode: %d, want 403 with the tutorial's text\n%s", w.Code, w.Body)
	}
}
