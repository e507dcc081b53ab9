package ginmw

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

type headerMW struct {
	Header string `yaml:"header"`
	Value  string `yaml:"value"`
}

func (h *headerMW) ProcessResponse(c *gin.Context, r *Response) { r.Header().Set(h.Header, h.Value) }

func init() {
	Register("test_header", func(fc *FactoryContext) (any, error) {
		m := &headerMW{Header: "X-Test", Value: "default"}
		if err := fc.Decode(m); err != nil {
			return nil, err
		}
		if m.Value == "bad" {
			return nil, errors.New("value must not be bad")
		}
		return m, nil
	})
	Register("test_needs_header", func(fc *FactoryContext) (any, error) {
		if err := fc.Require("test_header"); err != nil {
			return nil, err
		}
		return gin.HandlerFunc(func(c *gin.Context) { c.Next() }), nil
	})
	Register("test_needs_db", func(fc *FactoryContext) (any, error) {
		if _, err := fc.Env.Service("db"); err != nil {
			return nil, err
		}
		return gin.HandlerFunc(func(c *gin.Context) { c.Next() }), nil
	})
}

const goodSettings = `
debug: false
middleware:
  - test_header:
      value: from-settings
  # - test_needs_db        switched off by commenting it out
  - test_needs_header
app:
  greeting: hello
`

func TestSettingsBuildStack(t *testing.T) {
	s, err := ParseSettings([]byte(goodSettings), "settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Middleware) != 2 || s.Middleware[0].Name != "test_header" || s.Middleware[1].Line != 7 {
		t.Fatalf("entries: %+v", s.Middleware)
	}
	h, err := s.Stack(Env{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(h)
	r.GET("/", func(c *gin.Context) { c.String(200, "ok") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Header().Get("X-Test") != "from-settings" {
		t.Fatalf("options not applied: %v", w.Header())
	}
	var app struct {
		Greeting string `yaml:"greeting"`
	}
	if err := s.Section("app", &app); err != nil || app.Greeting != "hello" {
		t.Fatalf("section: %v %+v", err, app)
	}
}

func TestSettingsErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      error
		mention   []string
	}{
		{"unknown name lists the known ones", "middleware:\n  - test_header\n  - sesions\n", ErrUnknownMiddleware, []string{"s.yaml:3", `"sesions"`, "test_header"}},
		{"wrong order names both", "middleware:\n  - test_needs_header\n  - test_header\n", ErrOrder, []string{"s.yaml:2", "test_header must be listed above test_needs_header"}},
		{"unknown option", "middleware:\n  - test_header: {colour: red}\n", ErrBadOptions, []string{"s.yaml:2", "colour"}},
		{"options not a mapping", "middleware:\n  - test_header: 3\n", ErrBadOptions, []string{"s.yaml:2"}},
		{"factory refuses", "middleware:\n  - test_header: {value: bad}\n", nil, []string{"s.yaml:2", "value must not be bad"}},
		{"missing service", "middleware:\n  - test_needs_db\n", ErrMissingService, []string{`"db"`}},
		{"listed twice", "middleware:\n  - test_header\n  - test_header\n", ErrBadSettings, []string{"twice"}},
		{"not a list", "middleware: security\n", ErrBadSettings, []string{"s.yaml:1"}},
		{"two names in one entry", "middleware:\n  - {a: 1, b: 2}\n", ErrBadSettings, []string{"exactly one name"}},
		{"not yaml", "middleware: [\n", ErrBadSettings, []string{"s.yaml"}},
		{"debug not a bool", "debug: maybe\n", ErrBadSettings, []string{"debug"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSettings([]byte(tt.doc), "s.yaml")
			if err == nil {
				_, err = s.Stack(Env{})
			}
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestEmptySettings(t *testing.T) {
	for _, doc := range []string{"", "middleware:\n  # - a\n  # - b\n"} {
		s, err := ParseSettings([]byte(doc), "s.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stack(Env{}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRegisterRejectsBadNames(t *testing.T) {
	for _, name := range []string{"", "test_header", "a b"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			Register(name, func(*FactoryContext) (any, error) { return nil, nil })
		}()
	}
}

func FuzzParseSettings(f *testing.F) {
	f.Add([]byte(goodSettings))
	f.Add([]byte("middleware:\n  - a: {b: [1, 2]}\n"))
	f.Add([]byte("debug: yes\nmiddleware: ~\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseSettings(data, "fuzz.yaml")
		if err != nil {
			return
		}
		_, _ = s.Stack(Env{})
	})
}
