package ginmw

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// accessLogLines serves requests through request id, the access log and facts, with a
// clock that advances 1.5 ms per reading, and returns the JSON lines.
func accessLogEngine(cfg AccessLogConfig, logs *bytes.Buffer) *gin.Engine {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg.Now = func() time.Time { now = now.Add(1500 * time.Microsecond); return now }
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	facts := mwMust(NewFacts(FactsConfig{TrustedProxies: []string{"10.0.0.0/8"}, ProxyHeaders: []ProxyHeader{HeaderXForwardedFor}, AllowedHosts: []string{"*"}}))
	e := mwEngine(mwMust(NewAccessLog(cfg)), mwMust(NewRequestID(RequestIDConfig{Generate: func() string { return "rid-1" }})), facts)
	e.GET("/reset/:uid/:token/", func(c *gin.Context) { c.String(200, "hello") })
	e.GET("/healthz", func(c *gin.Context) { c.String(200, "ok") })
	e.GET("/admin", gin.BasicAuth(gin.Accounts{"alice": "secret-password"}), func(c *gin.Context) { c.String(200, "admin") })
	e.GET("/boom", func(c *gin.Context) { panic("boom") })
	e.GET("/sse", func(c *gin.Context) {
		c.Writer.WriteString("data: x\n\n")
		c.Writer.Flush()
	})
	return e
}

func decodeLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		if m["msg"] == "http request" {
			out = append(out, m)
		}
	}
	logs.Reset()
	return out
}

func TestAccessLogLine(t *testing.T) {
	var logs bytes.Buffer
	e := accessLogEngine(AccessLogConfig{}, &logs)
	r := httptest.NewRequest("GET", "/reset/MQ/c2e-8f4e1b9a2c/?next=/private&token=query-secret", nil)
	r.RemoteAddr = "10.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("User-Agent", "TestAgent/1.0")
	r.Header.Set("Cookie", "sessionid=cookie-secret")
	r.Header.Set("Authorization", "Bearer header-secret")
	r.Header.Set("Referer", "https://example.com/?token=referer-secret")
	mwServe(e, r)
	lines := decodeLines(t, &logs)
	if len(lines) != 1 {
		t.Fatalf("%d lines", len(lines))
	}
	l := lines[0]
	want := map[string]any{
		"level": "INFO", "method": "GET", "route": "/reset/:uid/:token/", "status": 200.0, "bytes": 5.0,
		"duration": 1500000.0, "client_ip": "203.0.113.7", "request_id": "rid-1", "user_agent": "TestAgent/1.0",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("%s = %v, want %v", k, l[k], v)
		}
	}
	raw, _ := json.Marshal(l)
	for _, secret := range []string{"c2e-8f4e1b9a2c", "query-secret", "cookie-secret", "header-secret", "referer-secret", "/private"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("line leaks %q: %s", secret, raw)
		}
	}
}

func TestAccessLogLevelsUserPathsAndSkips(t *testing.T) {
	var logs bytes.Buffer
	e := accessLogEngine(AccessLogConfig{SkipRoutes: []string{"/healthz"}}, &logs)
	mwDo(e, "GET", "/healthz")
	mwDo(e, "GET", "/no/such/page?x=1")
	mwDo(e, "GET", "/boom")
	r := httptest.NewRequest("GET", "/admin", nil)
	r.SetBasicAuth("alice", "secret-password")
	mwServe(e, r)
	mwDo(e, "HEAD", "/healthz")
	lines := decodeLines(t, &logs)
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4 (health check skipped): %v", len(lines), lines)
	}
	if l := lines[0]; l["level"] != "WARN" || l["status"] != 404.0 || l["route"] != "" || l["path"] != "/no/such/page" {
		t.Errorf("404 line %v", l)
	}
	if l := lines[1]; l["level"] != "ERROR" || l["status"] != 500.0 || l["route"] != "/boom" || l["path"] != nil {
		t.Errorf("500 line %v", l)
	}
	if l := lines[2]; l["user"] != "alice" || strings.Contains(l["user"].(string), "secret") {
		t.Errorf("user line %v", l)
	}
	if l := lines[3]; l["method"] != "HEAD" || l["bytes"] != nil {
		t.Errorf("HEAD line %v", l)
	}
	if raw := logs.String(); strings.Contains(raw, "secret-password") {
		t.Error("password logged")
	}
}

func TestAccessLogStreamingAndCustomUser(t *testing.T) {
	var logs bytes.Buffer
	e := accessLogEngine(AccessLogConfig{User: func(c *gin.Context) string { return "u42" }}, &logs)
	w := mwDo(e, "GET", "/sse")
	lines := decodeLines(t, &logs)
	if w.Body.String() != "data: x\n\n" || len(lines) != 1 || lines[0]["streaming"] != true || lines[0]["bytes"] != nil || lines[0]["user"] != "u42" {
		t.Errorf("streaming line %v", lines)
	}
}

// A host refused by facts below the access log is still logged, with the real client.
func TestAccessLogSeesRefusedHost(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	facts := mwMust(NewFacts(FactsConfig{AllowedHosts: []string{"example.com"}}))
	e := mwEngine(mwMust(NewAccessLog(AccessLogConfig{Logger: logger})), facts)
	e.GET("/", func(c *gin.Context) {})
	r := httptest.NewRequest("GET", "/", nil)
	r.Host, r.RemoteAddr = "evil.com", "203.0.113.9:1"
	if w := mwServe(e, r); w.Code != 400 {
		t.Fatalf("status %d", w.Code)
	}
	lines := decodeLines(t, &logs)
	if len(lines) != 1 || lines[0]["status"] != 400.0 || lines[0]["client_ip"] != "203.0.113.9" {
		t.Errorf("lines %v", lines)
	}
}

func BenchmarkAccessLog(b *testing.B) {
	h := mwMust(AccessLog(AccessLogConfig{Logger: slog.New(slog.NewJSONHandler(discardBytes{}, nil))}))
	benchmarkMiddleware(b, h, func(c *gin.Context) { c.String(200, "pong") }, "User-Agent", "bench/1.0")
}

// discardBytes is an io.Writer that keeps nothing, so the handler's formatting is measured.
type discardBytes struct{}

func (discardBytes) Write(p []byte) (int, error) { return len(p), nil }
