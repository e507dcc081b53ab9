package csrfx

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-contrib/sessions"
	"github.com/gin-contrib/sessions/cookie"
)

// sessionsEntry stands in for the djin sessions middleware when it is not linked into this
// test binary, so that the "sessions above csrf" rule can be exercised.
func init() {
	if !slices.Contains(ginmw.Registered(), "sessions") {
		ginmw.Register("sessions", func(*ginmw.FactoryContext) (any, error) {
			return sessions.Sessions("sessionid", cookie.NewStore([]byte("0123456789abcdef0123456789abcdef"))), nil
		})
	}
}

func buildFromSettings(t *testing.T, yaml string) ([]any, error) {
	t.Helper()
	s, err := ginmw.ParseSettings([]byte(yaml), "settings.yaml")
	if err != nil {
		return nil, err
	}
	return ginmw.Build(ginmw.Env{Logger: discardLogger}, s.Middleware...)
}

func TestRegisteredAsCSRF(t *testing.T) {
	mws, err := buildFromSettings(t, `
middleware:
  - csrf:
      mode: origin_only
      trusted_origins: ["https://*.Example.com"]
      cookie_age: 24h
      cookie_same_site: Strict
      header_names: [X-XSRF-TOKEN]
      safe_methods: [GET, HEAD, OPTIONS, TRACE]
`)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := mws[0].(ginmw.Named).Middleware.(*Middleware)
	if !ok {
		t.Fatalf("entry is %T", mws[0])
	}
	c := m.Config()
	if c.Mode != OriginOnly || c.CookieAge != 24*time.Hour || !slices.Equal(c.HeaderNames, []string{"X-XSRF-TOKEN"}) ||
		!slices.Equal(m.cfg.trusted.list, []string{"https://*.example.com"}) || c.CookieSameSite != "Strict" || !m.cfg.isSafe("TRACE") {
		t.Errorf("decoded %+v", c)
	}
	if _, err := buildFromSettings(t, "middleware:\n  - csrf\n"); err != nil {
		t.Errorf("no options: %v", err)
	}
}

func TestRegistryErrors(t *testing.T) {
	cases := []struct {
		yaml string
		is   error
		text string
	}{
		{"middleware:\n  - csrf: {trusted_origin: [x]}\n", ginmw.ErrBadOptions, "trusted_origin"},
		{"middleware:\n  - csrf: {trusted_origins: [example.com]}\n", ErrConfig, "scheme is required"},
		{"middleware:\n  - csrf: {storage: session}\n", ginmw.ErrOrder, "sessions must be listed above csrf"},
		{"middleware:\n  - csrf: {storage: session}\n  - sessions\n", ginmw.ErrOrder, "sessions must be listed above csrf"},
		{"middleware:\n  - csrf: {cookie_age: soon}\n", ginmw.ErrBadOptions, "time.Duration"},
	}
	for _, tc := range cases {
		_, err := buildFromSettings(t, tc.yaml)
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.text) {
			t.Errorf("%q: err = %v, want %v mentioning %q", tc.yaml, err, tc.is, tc.text)
		}
	}
	if _, err := buildFromSettings(t, "middleware:\n  - sessions\n  - csrf: {storage: session}\n"); err != nil {
		t.Errorf("sessions above csrf: %v", err)
	}
}

func TestRegistryWarnsWithoutFacts(t *testing.T) {
	for yaml, warn := range map[string]bool{
		"middleware:\n  - csrf\n": true,
		"middleware:\n  - facts: {allowed_hosts: [x.example]}\n  - csrf\n": false,
		"middleware:\n  - csrf: {origins: [\"https://x.example\"]}\n":      false,
	} {
		logs := &logRecorder{}
		s, err := ginmw.ParseSettings([]byte(yaml), "settings.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ginmw.Build(ginmw.Env{Logger: slogFor(logs)}, s.Middleware...); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(logs.text(), "without facts"); got != warn {
			t.Errorf("%q: warned %v, want %v\n%s", yaml, got, warn, logs.text())
		}
	}
}
