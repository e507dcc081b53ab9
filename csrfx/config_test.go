package csrfx

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestConfigZeroValueDefaults(t *testing.T) {
	m, err := New(Config{Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config()
	if c.Mode != Both || c.Storage != StorageCookie || c.CookieName != "csrftoken" || c.CookieAge != DefaultCookieAge ||
		c.CookiePath != "/" || c.FieldName != "csrfmiddlewaretoken" || c.MaxFormBytes != DefaultMaxFormBytes ||
		!slices.Equal(c.HeaderNames, DefaultHeaderNames) || !slices.Equal(c.SafeMethods, DefaultSafeMethods) {
		t.Errorf("defaults: %+v", c)
	}
	if m.CookieName() != "csrftoken" {
		t.Errorf("test mode cookie %q: no Secure, so no __Host- prefix", m.CookieName())
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	no := false
	cases := []struct {
		cfg   Config
		field string
	}{
		{Config{Mode: "tokens"}, "Config.Mode"},
		{Config{Storage: "redis"}, "Config.Storage"},
		{Config{TrustedOrigins: []string{"https://ok.example", "null"}}, "Config.TrustedOrigins[1]"},
		{Config{CookieName: "csrf token"}, "Config.CookieName"},
		{Config{CookieName: "__Host-csrftoken"}, "Config.CookieName"},
		{Config{CookieAge: time.Millisecond}, "Config.CookieAge"},
		{Config{CookieDomain: "exa mple.com"}, "Config.CookieDomain"},
		{Config{CookieDomain: "[::1]"}, "Config.CookieDomain"},
		{Config{CookieDomain: "10.0.0.1"}, "Config.CookieDomain"},
		{Config{CookiePath: "test"}, "Config.CookiePath"},
		{Config{CookiePath: "/a;b"}, "Config.CookiePath"},
		{Config{CookieSameSite: "sometimes"}, "Config.CookieSameSite"},
		{Config{CookieSameSite: "None", CookieSecure: &no}, "Config.CookieSameSite"},
		{Config{HeaderNames: []string{"X-CSRFToken", "X CSRF"}}, "Config.HeaderNames[1]"},
		{Config{MaxFormBytes: -1}, "Config.MaxFormBytes"},
		{Config{SafeMethods: []string{"GET", "POST"}}, "Config.SafeMethods[1]"},
		{Config{SafeMethods: []string{"get"}}, "Config.SafeMethods[0]"},
	}
	for _, tc := range cases {
		_, err := New(tc.cfg)
		if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.field) || !strings.HasPrefix(err.Error(), "csrfx: ") {
			t.Errorf("%+v: err = %v, want ErrConfig naming %s", tc.cfg, err, tc.field)
		}
	}
}

// The __Host- prefix applies exactly when the browser would accept it: Secure, no Domain,
// Path=/ (and can be turned off).
func TestConfigHostPrefix(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		cfg  Config
		name string
	}{
		{Config{CookieSecure: &yes}, "__Host-csrftoken"},
		{Config{CookieSecure: &no}, "csrftoken"},
		{Config{CookieSecure: &yes, CookieDomain: "example.com"}, "csrftoken"},
		{Config{CookieSecure: &yes, CookiePath: "/app/"}, "csrftoken"},
		{Config{CookieSecure: &yes, CookieNoHostPrefix: true}, "csrftoken"},
		{Config{CookieSecure: &yes, CookieName: "XSRF-TOKEN"}, "__Host-XSRF-TOKEN"},
	}
	for _, tc := range cases {
		tc.cfg.Logger = discardLogger
		m, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if m.CookieName() != tc.name {
			t.Errorf("%+v: cookie %q, want %q", tc.cfg, m.CookieName(), tc.name)
		}
	}
}

// Secure follows gin's mode when not set: on in release mode, where the start-up check
// also warns if it is forced off (Django security.W016).
func TestConfigSecureFollowsReleaseMode(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	defer gin.SetMode(gin.TestMode)
	m, err := New(Config{Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	if !m.cfg.cookie.secure || m.CookieName() != "__Host-csrftoken" {
		t.Errorf("release mode: secure %v, name %q", m.cfg.cookie.secure, m.CookieName())
	}
	logs := &logRecorder{}
	no := false
	if _, err := New(Config{CookieSecure: &no, Logger: slogFor(logs)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.text(), "W016") {
		t.Errorf("no warning for Secure off in release mode:\n%s", logs.text())
	}
}

func TestConfigStartupNotes(t *testing.T) {
	logs := &logRecorder{}
	if _, err := New(Config{ReportOnly: true, Mode: TokenOnly, TrustedOrigins: []string{"https://A.example"}, Logger: slogFor(logs)}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ReportOnly is on", "token_only", "https://a.example"} {
		if !strings.Contains(logs.text(), want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs.text())
		}
	}
}

func TestConfigSafeMethodsTrace(t *testing.T) {
	m, err := New(Config{SafeMethods: []string{"GET", "HEAD", "OPTIONS", "TRACE"}, Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	if !m.cfg.isSafe("TRACE") || m.cfg.isSafe(http.MethodPost) {
		t.Error("TRACE should be safe, POST not")
	}
	d, _ := New(Config{Logger: discardLogger})
	if d.cfg.isSafe("TRACE") {
		t.Error("TRACE is checked by default (net/http parity)")
	}
}

func TestDevLocalhostOnlyInDebugMode(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{TrustLocalhostInDebug: true})
		rq := postWithToken("")
		rq.host = "localhost:8000"
		rq.headers = map[string]string{"Origin": "http://localhost:5173", "Sec-Fetch-Site": "same-site"}
		gin.SetMode(gin.DebugMode)
		e.expectOK(t, e.do(rq))
		gin.SetMode(gin.ReleaseMode)
		w := e.do(rq)
		gin.SetMode(gin.TestMode)
		e.expectReject(t, w, `Sec-Fetch-Site checking failed - "same-site" is not same-origin and the Origin is not trusted.`)
	})
}

// gorilla/csrf#188 and #190: plain HTTP on localhost works with the zero Config, no flag.
func TestLocalhostJustWorks(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, host := range []string{"localhost:8000", "127.0.0.1:8000", "[::1]:8000"} {
			rq := postWithToken("")
			rq.host = host
			rq.headers = map[string]string{"Origin": "http://" + host, "Sec-Fetch-Site": "same-origin"}
			e.expectOK(t, e.do(rq))
			delete(rq.headers, "Sec-Fetch-Site")
			e.expectOK(t, e.do(rq))
		}
	})
}
