package ginmw

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

// factsRequest describes one request as it reaches the application.
type factsRequest struct {
	remote  string
	host    string
	tls     bool
	headers []string // name, value, name, value...; repeated names add header lines
}

func (fr factsRequest) build() *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/p", nil)
	r.RemoteAddr = fr.remote
	r.Host = fr.host
	if fr.host == "" {
		r.Host = "example.com"
	}
	if fr.tls {
		r.TLS = &tls.ConnectionState{}
	}
	for i := 0; i+1 < len(fr.headers); i += 2 {
		r.Header.Add(fr.headers[i], fr.headers[i+1])
	}
	return r
}

// factsResult is what the view saw, or the refusal.
type factsResult struct {
	status int
	body   string
	facts  Facts
	ok     bool
	log    string
}

func serveFacts(t *testing.T, cfg FactsConfig, r *http.Request) factsResult {
	t.Helper()
	var logs bytes.Buffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	h, err := NewFacts(cfg)
	if err != nil {
		t.Fatalf("NewFacts: %v", err)
	}
	var res factsResult
	e := gin.New()
	e.Use(h)
	e.GET("/p", func(c *gin.Context) {
		res.facts, res.ok = FactsOf(c)
		c.Status(http.StatusNoContent)
	})
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	res.status, res.body, res.log = w.Code, w.Body.String(), logs.String()
	return res
}

// proxied is the configuration of a site behind proxies in 10.0.0.0/8 and fd00::/8 that set
// every forwarded header.
var proxied = FactsConfig{
	TrustedProxies: []string{"10.0.0.0/8", "fd00::/8"},
	ProxyHeaders:   []ProxyHeader{HeaderXForwardedFor, HeaderXForwardedProto, HeaderXForwardedHost, HeaderForwarded},
	AllowedHosts:   []string{"example.com", ".example.org"},
}

func TestFactsSpoofedHeadersFromUntrustedPeerIgnored(t *testing.T) {
	r := factsRequest{remote: "203.0.113.7:5000", headers: []string{
		"X-Forwarded-For", "1.2.3.4",
		"X-Forwarded-Proto", "https",
		"X-Forwarded-Host", "evil.com",
		"Forwarded", "for=1.2.3.4;proto=https;host=evil.com",
		"X-Real-IP", "1.2.3.4",
	}}.build()
	cfg := proxied
	cfg.ClientIPHeader = "X-Real-IP"
	res := serveFacts(t, cfg, r)
	want := Facts{ClientIP: netip.MustParseAddr("203.0.113.7"), Host: "example.com"}
	if res.status != http.StatusNoContent || !res.ok || res.facts != want {
		t.Fatalf("got %d %+v ok=%v; want the socket's facts %+v", res.status, res.facts, res.ok, want)
	}
}

func TestFactsNoProxyConfiguredIgnoresHeadersEvenFromPrivatePeers(t *testing.T) {
	r := factsRequest{remote: "10.0.0.1:5000", headers: []string{
		"X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.com",
	}}.build()
	res := serveFacts(t, FactsConfig{AllowedHosts: []string{"example.com"}}, r)
	if res.facts.ClientIP != netip.MustParseAddr("10.0.0.1") || res.facts.Secure || res.facts.Host != "example.com" || res.facts.ViaProxy {
		t.Fatalf("zero FactsConfig believed forwarded headers: %+v", res.facts)
	}
}

func TestFactsClientIPThroughProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		remote  string
		headers []string
		want    string
	}{
		{"single proxy", "10.0.0.1:1", []string{"X-Forwarded-For", "203.0.113.7"}, "203.0.113.7"},
		{"client-written entries on the left are skipped", "10.0.0.1:1", []string{"X-Forwarded-For", "1.2.3.4, 10.9.9.9, 203.0.113.7"}, "203.0.113.7"},
		{"chain of trusted proxies", "10.0.0.1:1", []string{"X-Forwarded-For", "198.51.100.1,203.0.113.7 , 10.0.0.3,10.0.0.2"}, "203.0.113.7"},
		{"every hop trusted: the left-most is the client", "10.0.0.1:1", []string{"X-Forwarded-For", "10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"several header lines read as one list", "10.0.0.1:1", []string{"X-Forwarded-For", "1.2.3.4", "X-Forwarded-For", "203.0.113.7, 10.0.0.2"}, "203.0.113.7"},
		{"walk continues into the earlier line", "10.0.0.1:1", []string{"X-Forwarded-For", "203.0.113.9", "X-Forwarded-For", "10.0.0.2"}, "203.0.113.9"},
		{"empty entries are skipped", "10.0.0.1:1", []string{"X-Forwarded-For", "203.0.113.7,, ,"}, "203.0.113.7"},
		{"malformed entry from a proxy stops at that proxy", "10.0.0.1:1", []string{"X-Forwarded-For", "203.0.113.7, garbage"}, "10.0.0.1"},
		{"malformed client entry is never reached", "10.0.0.1:1", []string{"X-Forwarded-For", "garbage, 203.0.113.7"}, "203.0.113.7"},
		{"no header: the proxy itself", "10.0.0.1:1", nil, "10.0.0.1"},
		{"IPv4 with port", "10.0.0.1:1", []string{"X-Forwarded-For", "203.0.113.7:5555"}, "203.0.113.7"},
		{"IPv6 peer and hop", "[fd00::1]:443", []string{"X-Forwarded-For", "2001:DB8::7"}, "2001:db8::7"},
		{"bracketed IPv6 hop with port", "[fd00::1]:443", []string{"X-Forwarded-For", "[2001:db8::7]:1234"}, "2001:db8::7"},
		{"IPv4-mapped hop is IPv4", "10.0.0.1:1", []string{"X-Forwarded-For", "::ffff:203.0.113.7"}, "203.0.113.7"},
		{"IPv4-mapped peer matches an IPv4 network", "[::ffff:10.0.0.1]:80", []string{"X-Forwarded-For", "203.0.113.7"}, "203.0.113.7"},
		{"IPv4-mapped trusted hop is skipped", "10.0.0.1:1", []string{"X-Forwarded-For", "203.0.113.7, ::ffff:10.0.0.2"}, "203.0.113.7"},
		{"zone dropped", "10.0.0.1:1", []string{"X-Forwarded-For", "fe80::1%eth0"}, "fe80::1"},
		{"peer without port", "10.0.0.1", []string{"X-Forwarded-For", "203.0.113.7"}, "203.0.113.7"},
		{"untrusted IPv6 peer", "[2001:db8::99]:1", []string{"X-Forwarded-For", "203.0.113.7"}, "2001:db8::99"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := serveFacts(t, proxied, factsRequest{remote: tc.remote, headers: tc.headers}.build())
			if got := res.facts.ClientIP.String(); got != tc.want {
				t.Errorf("ClientIP = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFactsHopWalkIsBounded(t *testing.T) {
	xff := "203.0.113.7" + strings.Repeat(", 10.0.0.2", maxProxyHops+10)
	res := serveFacts(t, proxied, factsRequest{remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", xff}}.build())
	if res.facts.ClientIP != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("ClientIP = %s; a walk past %d trusted hops must stop on a proxy", res.facts.ClientIP, maxProxyHops)
	}
}

func TestFactsForwardedRFC7239(t *testing.T) {
	for _, tc := range []struct {
		name      string
		headers   []string
		wantIP    string
		wantHTTPS bool
		wantHost  string
	}{
		{"one element", []string{"Forwarded", "for=203.0.113.7;proto=https;host=example.com"}, "203.0.113.7", true, "example.com"},
		{"case-insensitive names, quoted IPv6 with port", []string{"Forwarded", `For="[2001:db8:cafe::17]:4711";PROTO=HTTPS;Host="Example.com:8443"`}, "2001:db8:cafe::17", true, "example.com:8443"},
		{"scheme and host come from the client's element", []string{"Forwarded", "for=203.0.113.7;proto=https;host=a.example.org, for=10.0.0.2;proto=http;host=internal"}, "203.0.113.7", true, "a.example.org"},
		{"client-written elements are skipped", []string{"Forwarded", "for=1.2.3.4;proto=https;host=evil.com, for=203.0.113.7;proto=http;host=example.com"}, "203.0.113.7", false, "example.com"},
		{"unbalanced quote from the client cannot hide the proxy's element", []string{"Forwarded", `for="1.2.3.4, for=203.0.113.7;proto=https`}, "203.0.113.7", true, "example.com"},
		{"several lines", []string{"Forwarded", "for=1.2.3.4", "Forwarded", "for=203.0.113.7;proto=https"}, "203.0.113.7", true, "example.com"},
		{"unknown client: the proxy that said so", []string{"Forwarded", "for=unknown;proto=https"}, "10.0.0.1", true, "example.com"},
		{"obfuscated client", []string{"Forwarded", "for=_hidden, for=10.0.0.2"}, "10.0.0.2", false, "example.com"},
		{"malformed element stops the walk", []string{"Forwarded", "for=203.0.113.7;proto=https, for=10.0.0.2;proto=http, bogus"}, "10.0.0.1", false, "example.com"},
		{"duplicate parameter is malformed", []string{"Forwarded", "for=203.0.113.7;for=1.2.3.4"}, "10.0.0.1", false, "example.com"},
		{"extension parameters are ignored", []string{"Forwarded", "for=203.0.113.7;by=10.0.0.1;secret=x;proto=https"}, "203.0.113.7", true, "example.com"},
		{"Forwarded wins over X-Forwarded-*", []string{"Forwarded", "for=203.0.113.7;proto=http;host=example.com", "X-Forwarded-For", "198.51.100.1", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "b.example.org"}, "203.0.113.7", false, "example.com"},
		{"X-Forwarded-* fill what Forwarded lacks", []string{"Forwarded", "for=203.0.113.7", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "b.example.org"}, "203.0.113.7", true, "b.example.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := serveFacts(t, proxied, factsRequest{remote: "10.0.0.1:1", headers: tc.headers}.build())
			f := res.facts
			if res.status != http.StatusNoContent || f.ClientIP.String() != tc.wantIP || f.Secure != tc.wantHTTPS || f.Host != tc.wantHost || !f.ViaProxy {
				t.Errorf("got %d %+v; want %s https=%v host %s", res.status, f, tc.wantIP, tc.wantHTTPS, tc.wantHost)
			}
		})
	}
}

func TestFactsScheme(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     FactsConfig
		remote  string
		tls     bool
		headers []string
		want    bool
	}{
		{"plain socket", proxied, "203.0.113.7:1", false, nil, false},
		{"TLS socket", proxied, "203.0.113.7:1", true, nil, true},
		{"spoofed proto from client", proxied, "203.0.113.7:1", false, []string{"X-Forwarded-Proto", "https"}, false},
		{"spoofed proto cannot downgrade either", proxied, "203.0.113.7:1", true, []string{"X-Forwarded-Proto", "http"}, true},
		{"trusted proxy says https", proxied, "10.0.0.1:1", false, []string{"X-Forwarded-Proto", "HTTPS"}, true},
		{"trusted proxy says http over TLS", proxied, "10.0.0.1:1", true, []string{"X-Forwarded-Proto", "http"}, false},
		{"nearest proxy's value wins", proxied, "10.0.0.1:1", false, []string{"X-Forwarded-Proto", "http, https"}, true},
		{"nearest proxy's line wins", proxied, "10.0.0.1:1", false, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Proto", "http"}, false},
		{"trusted proxy without the header: the socket", proxied, "10.0.0.1:1", true, nil, true},
		{"header not configured", FactsConfig{TrustedProxies: []string{"10.0.0.0/8"}, ProxyHeaders: []ProxyHeader{"x-forwarded-for"}, AllowedHosts: []string{"*"}},
			"10.0.0.1:1", false, []string{"X-Forwarded-Proto", "https"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := serveFacts(t, tc.cfg, factsRequest{remote: tc.remote, tls: tc.tls, headers: tc.headers}.build())
			if res.facts.Secure != tc.want {
				t.Errorf("Secure = %v, want %v", res.facts.Secure, tc.want)
			}
			if want := map[bool]string{true: "https", false: "http"}[tc.want]; res.facts.Scheme() != want {
				t.Errorf("Scheme = %q, want %q", res.facts.Scheme(), want)
			}
		})
	}
}

func TestFactsHost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		remote  string
		host    string
		headers []string
		status  int
		want    string
	}{
		{"mixed case is lowercased", "203.0.113.7:1", "Example.COM", nil, 204, "example.com"},
		{"port kept", "203.0.113.7:1", "example.com:8443", nil, 204, "example.com:8443"},
		{"subdomain pattern", "203.0.113.7:1", "Shop.Example.ORG", nil, 204, "shop.example.org"},
		{"not allowed", "203.0.113.7:1", "evil.com", nil, 400, ""},
		{"suffix needs a label boundary", "203.0.113.7:1", "evilexample.org", nil, 400, ""},
		{"poisoned", "203.0.113.7:1", "example.com@evil.tld", nil, 400, ""},
		{"spoofed X-Forwarded-Host ignored", "203.0.113.7:1", "example.com", []string{"X-Forwarded-Host", "evil.com"}, 204, "example.com"},
		{"trusted X-Forwarded-Host used", "10.0.0.1:1", "internal:8080", []string{"X-Forwarded-Host", "A.Example.org:443"}, 204, "a.example.org:443"},
		{"trusted X-Forwarded-Host still validated", "10.0.0.1:1", "example.com", []string{"X-Forwarded-Host", "evil.com"}, 400, ""},
		{"nearest X-Forwarded-Host wins", "10.0.0.1:1", "internal", []string{"X-Forwarded-Host", "evil.com, example.com"}, 204, "example.com"},
		{"trusted Forwarded host validated", "10.0.0.1:1", "example.com", []string{"Forwarded", "for=203.0.113.7;host=evil.com"}, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := serveFacts(t, proxied, factsRequest{remote: tc.remote, host: tc.host, headers: tc.headers}.build())
			if res.status != tc.status || (tc.status == 204 && res.facts.Host != tc.want) {
				t.Errorf("got %d host %q, want %d %q", res.status, res.facts.Host, tc.status, tc.want)
			}
		})
	}
}

func TestFactsIPv6Hosts(t *testing.T) {
	cfg := FactsConfig{AllowedHosts: []string{"[2001:db8::1]", "[::1]"}}
	for host, want := range map[string]int{
		"[2001:DB8::1]":           204,
		"[2001:db8:0:0:0:0:0:1]":  204,
		"[2001:db8::1]:8080":      204,
		"[0:0:0:0:0:0:0:1]:8000":  204,
		"[2001:db8::2]":           400,
		"2001:db8::1":             400,
		"[2001:db8::1":            400,
		"[2001:db8::1%25eth0]:80": 400,
	} {
		if res := serveFacts(t, cfg, factsRequest{remote: "[2001:db8::7]:1", host: host}.build()); res.status != want {
			t.Errorf("Host %q: status %d, want %d", host, res.status, want)
		}
	}
}

func TestFactsRefusesDisallowedHost(t *testing.T) {
	var logs bytes.Buffer
	h, err := NewFacts(FactsConfig{AllowedHosts: []string{"example.com"}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var outerIP netip.Addr
	var outerErr error
	viewRan := false
	e := gin.New()
	e.Use(func(c *gin.Context) {
		c.Next()
		outerIP = ClientIP(c)
		outerErr = c.Errors.Last()
	}, h)
	e.GET("/p", func(c *gin.Context) { viewRan = true })
	w := httptest.NewRecorder()
	e.ServeHTTP(w, factsRequest{remote: "203.0.113.7:1", host: "Evil.COM:80"}.build())

	if w.Code != http.StatusBadRequest || w.Body.String() != "Bad Request (400)\n" || viewRan {
		t.Fatalf("got %d %q viewRan=%v; want a 400 without details and no view", w.Code, w.Body.String(), viewRan)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("headers %v", w.Header())
	}
	if !errors.Is(outerErr, ErrDisallowedHost) {
		t.Errorf("c.Errors = %v, want ErrDisallowedHost", outerErr)
	}
	if outerIP != netip.MustParseAddr("203.0.113.7") {
		t.Errorf("ClientIP after refusal = %v", outerIP)
	}
	for _, want := range []string{"level=WARN", `msg="ginmw: disallowed host"`, `reason="host not in AllowedHosts"`, "host=Evil.COM:80", "client_ip=203.0.113.7", "path=/p"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %q lacks %q", logs.String(), want)
		}
	}
}

func TestFactsRefusalDetailsInDebugMode(t *testing.T) {
	cfg := FactsConfig{AllowedHosts: []string{"example.com"}, Debug: true}
	res := serveFacts(t, cfg, factsRequest{remote: "203.0.113.7:1", host: "other.com:8000"}.build())
	if res.status != 400 || !strings.Contains(res.body, `you may need to add "other.com" to AllowedHosts`) {
		t.Errorf("debug body %q lacks the hint", res.body)
	}
	res = serveFacts(t, cfg, factsRequest{remote: "203.0.113.7:1", host: "bad_host.com"}.build())
	if res.status != 400 || !strings.Contains(res.body, "RFC 1034/1035") || !strings.Contains(res.log, `reason="malformed host"`) {
		t.Errorf("malformed host: body %q log %q", res.body, res.log)
	}
}

func TestFactsMissingHost(t *testing.T) {
	r := factsRequest{remote: "203.0.113.7:1"}.build()
	r.Host = ""
	res := serveFacts(t, FactsConfig{AllowedHosts: []string{"*"}}, r)
	if res.status != 400 || !strings.Contains(res.log, `reason="missing host"`) {
		t.Errorf("got %d, log %q", res.status, res.log)
	}
}

func TestFactsEmptyAllowedHosts(t *testing.T) {
	var logs bytes.Buffer
	if _, err := NewFacts(FactsConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "every request will be refused") {
		t.Errorf("no start-up warning for an empty AllowedHosts: %q", logs.String())
	}
	if res := serveFacts(t, FactsConfig{}, factsRequest{remote: "127.0.0.1:1", host: "localhost"}.build()); res.status != 400 {
		t.Errorf("empty AllowedHosts outside debug: %d, want 400", res.status)
	}
	for _, host := range []string{"localhost:8000", "api.localhost", "127.0.0.1", "[::1]:8000"} {
		if res := serveFacts(t, FactsConfig{Debug: true}, factsRequest{remote: "127.0.0.1:1", host: host}.build()); res.status != 204 {
			t.Errorf("debug mode refused %q: %d", host, res.status)
		}
	}
	if res := serveFacts(t, FactsConfig{Debug: true}, factsRequest{remote: "127.0.0.1:1", host: "example.com"}.build()); res.status != 400 {
		t.Errorf("debug mode allowed example.com: %d", res.status)
	}
}

func TestFactsClientIPHeader(t *testing.T) {
	cfg := FactsConfig{TrustedProxies: []string{"10.0.0.0/8"}, ClientIPHeader: "cf-connecting-ip", ProxyHeaders: []ProxyHeader{HeaderXForwardedFor}, AllowedHosts: []string{"*"}}
	for _, tc := range []struct {
		remote  string
		headers []string
		want    string
	}{
		{"10.0.0.1:1", []string{"CF-Connecting-IP", "203.0.113.7", "X-Forwarded-For", "198.51.100.1"}, "203.0.113.7"},
		{"10.0.0.1:1", []string{"CF-Connecting-IP", "not-an-ip", "X-Forwarded-For", "198.51.100.1"}, "198.51.100.1"},
		{"10.0.0.1:1", []string{"CF-Connecting-IP", "[2001:db8::5]"}, "2001:db8::5"},
		{"203.0.113.9:1", []string{"CF-Connecting-IP", "203.0.113.7"}, "203.0.113.9"},
	} {
		res := serveFacts(t, cfg, factsRequest{remote: tc.remote, headers: tc.headers}.build())
		if got := res.facts.ClientIP.String(); got != tc.want {
			t.Errorf("%s %v: ClientIP %s, want %s", tc.remote, tc.headers, got, tc.want)
		}
	}
}

// unixSocketRequest is a request as net/http builds it on a unix-socket listener.
func unixSocketRequest(headers ...string) *http.Request {
	r := factsRequest{remote: "@", headers: headers}.build()
	ctx := context.WithValue(r.Context(), http.LocalAddrContextKey, &net.UnixAddr{Name: "/run/app.sock", Net: "unix"})
	return r.WithContext(ctx)
}

func TestFactsUnixSocketProxy(t *testing.T) {
	cfg := FactsConfig{TrustedProxies: []string{"unix"}, ProxyHeaders: []ProxyHeader{HeaderXForwardedFor, HeaderXForwardedProto}, AllowedHosts: []string{"*"}}
	res := serveFacts(t, cfg, unixSocketRequest("X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https"))
	if res.facts.ClientIP != netip.MustParseAddr("203.0.113.7") || !res.facts.Secure || !res.facts.ViaProxy {
		t.Errorf("trusted unix socket: %+v", res.facts)
	}
	res = serveFacts(t, FactsConfig{AllowedHosts: []string{"*"}}, unixSocketRequest("X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https"))
	if res.facts.ClientIP.IsValid() || res.facts.Secure || res.facts.ViaProxy {
		t.Errorf("untrusted unix socket believed its headers: %+v", res.facts)
	}
	// A peer with no IP on a TCP listener is not the unix proxy.
	res = serveFacts(t, cfg, factsRequest{remote: "@", headers: []string{"X-Forwarded-For", "203.0.113.7"}}.build())
	if res.facts.ClientIP.IsValid() || res.facts.ViaProxy {
		t.Errorf("non-IP peer on a TCP listener trusted: %+v", res.facts)
	}
}

func TestFactsAccessorsWithoutMiddleware(t *testing.T) {
	var got [4]any
	var ok bool
	e := gin.New()
	e.GET("/p", func(c *gin.Context) {
		got = [4]any{ClientIP(c), IsSecure(c), Scheme(c), Host(c)}
		_, ok = FactsOf(c)
	})
	r := factsRequest{remote: "[::ffff:203.0.113.7]:1", host: "Evil.COM", tls: true, headers: []string{
		"X-Forwarded-For", "1.2.3.4", "X-Forwarded-Proto", "http", "X-Forwarded-Host", "x.com", "Forwarded", "for=1.2.3.4",
	}}.build()
	e.ServeHTTP(httptest.NewRecorder(), r)
	want := [4]any{netip.MustParseAddr("203.0.113.7"), true, "https", "evil.com"}
	if got != want || ok {
		t.Errorf("got %v ok=%v, want the connection's facts %v and ok=false", got, ok, want)
	}

	// Safe on contexts that have no request at all.
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if ClientIP(c).IsValid() || IsSecure(c) || Scheme(c) != "http" || Host(c) != "" {
		t.Error("accessors on a context without a request")
	}
	if ClientIP(nil).IsValid() || IsSecure(nil) || Host(nil) != "" {
		t.Error("accessors on a nil context")
	}
}

func TestFactsConfigErrors(t *testing.T) {
	xff := []ProxyHeader{HeaderXForwardedFor}
	for _, tc := range []struct {
		cfg  FactsConfig
		want string
	}{
		{FactsConfig{TrustedProxies: []string{"10.0.0.0/33"}, ProxyHeaders: xff}, `TrustedProxies[0]: not an IP address or CIDR network (got "10.0.0.0/33")`},
		{FactsConfig{TrustedProxies: []string{"10.0.0.1", "proxy.internal"}, ProxyHeaders: xff}, "TrustedProxies[1]"},
		{FactsConfig{TrustedProxies: []string{"0.0.0.0/0"}, ProxyHeaders: xff}, "lets any client forge"},
		{FactsConfig{TrustedProxies: []string{"::/0"}, ProxyHeaders: xff}, "lets any client forge"},
		{FactsConfig{TrustedProxies: []string{"::ffff:10.0.0.0/104"}, ProxyHeaders: xff}, "IPv4 form"},
		{FactsConfig{TrustedProxies: []string{"fe80::1%eth0"}, ProxyHeaders: xff}, "zones"},
		{FactsConfig{TrustedProxies: []string{" 10.0.0.1"}, ProxyHeaders: xff}, "TrustedProxies[0]"},
		{FactsConfig{TrustedProxies: []string{"10.0.0.1"}, ProxyHeaders: []ProxyHeader{"X-Real-IP"}}, `ProxyHeaders[0]: unknown header`},
		{FactsConfig{TrustedProxies: []string{"10.0.0.1"}}, "ProxyHeaders: empty while TrustedProxies is set"},
		{FactsConfig{ProxyHeaders: xff}, "TrustedProxies: empty while ProxyHeaders"},
		{FactsConfig{ClientIPHeader: "X-Real-IP"}, "TrustedProxies: empty while"},
		{FactsConfig{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "X Real IP"}, "ClientIPHeader: not a header name"},
		{FactsConfig{TrustedProxies: []string{"10.0.0.1"}, ClientIPHeader: "x-forwarded-for"}, "list it in ProxyHeaders"},
		{FactsConfig{AllowedHosts: []string{"*.example.com"}}, "AllowedHosts[0]"},
	} {
		_, err := NewFacts(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "ginmw: FactsConfig.") {
			t.Errorf("%+v: error %v, want one containing %q", tc.cfg, err, tc.want)
		}
	}
}

// The middleware's own cost: one Facts value, plus gin's Keys map when nothing else in the
// request created it.
func TestFactsAllocations(t *testing.T) {
	h, err := NewFacts(proxied)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	for _, tc := range []struct {
		name string
		r    *http.Request
		max  float64
	}{
		{"direct client", factsRequest{remote: "203.0.113.7:1"}.build(), 1},
		{"proxy chain", factsRequest{remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "1.2.3.4, 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "a.example.org"}}.build(), 1},
		{"Forwarded", factsRequest{remote: "[fd00::1]:1", headers: []string{"Forwarded", `for="[2001:db8::1]:80";proto=https;host=example.com, for=10.0.0.2`}}.build(), 1},
	} {
		c.Request = tc.r
		c.Keys = map[any]any{}
		n := testing.AllocsPerRun(100, func() {
			delete(c.Keys, reqInfoKey{})
			h(c)
		})
		if f, ok := FactsOf(c); !ok || !f.ClientIP.IsValid() {
			t.Fatalf("%s: facts not stored", tc.name)
		}
		if n > tc.max {
			t.Errorf("%s: %.0f allocations per request, budget %.0f", tc.name, n, tc.max)
		}
	}
	c.Request = factsRequest{remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.7"}}.build()
	h(c)
	if n := testing.AllocsPerRun(100, func() { _, _, _, _ = ClientIP(c), IsSecure(c), Scheme(c), Host(c) }); n != 0 {
		t.Errorf("accessors allocate %.0f times", n)
	}
}

func benchmarkFacts(b *testing.B, r *http.Request) {
	h, err := NewFacts(proxied)
	if err != nil {
		b.Fatal(err)
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = r
	b.ReportAllocs()
	for b.Loop() {
		c.Keys = nil // a fresh request: gin resets Keys to nil
		h(c)
	}
}

func BenchmarkFactsDirectClient(b *testing.B) {
	benchmarkFacts(b, factsRequest{remote: "203.0.113.7:1"}.build())
}

func BenchmarkFactsProxyChain(b *testing.B) {
	benchmarkFacts(b, factsRequest{remote: "10.0.0.1:1", headers: []string{
		"X-Forwarded-For", "1.2.3.4, 203.0.113.7, 10.0.0.2", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "a.example.org",
	}}.build())
}

func BenchmarkFactsForwarded(b *testing.B) {
	benchmarkFacts(b, factsRequest{remote: "[fd00::1]:1", headers: []string{
		"Forwarded", `for="[2001:db8::1]:80";proto=https;host=example.com, for=10.0.0.2`,
	}}.build())
}

func BenchmarkClientIPAccessor(b *testing.B) {
	h, _ := NewFacts(proxied)
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = factsRequest{remote: "10.0.0.1:1", headers: []string{"X-Forwarded-For", "203.0.113.7"}}.build()
	h(c)
	b.ReportAllocs()
	for b.Loop() {
		_ = ClientIP(c)
	}
}

// factsQuietLogger drops the refusal warnings of tests that provoke thousands of them.
var factsQuietLogger = slog.New(slog.DiscardHandler)

// mwEngine is a router whose global middleware is a chain of mws, with gin's own
// trailing-slash redirect off as APPEND_SLASH needs.
func mwEngine(mws ...any) *gin.Engine {
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.Use(Chain(mws...))
	return e
}

// mwDo sends one request; headers are name, value pairs.
func mwDo(e http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			r.Host = headers[i+1]
			continue
		}
		r.Header.Add(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}

// mwMust unwraps a constructor's result; a configuration the test meant to be valid that
// is not panics, which fails the test with the error.
func mwMust[M any](m M, err error) M {
	if err != nil {
		panic(err)
	}
	return m
}

// benchmarkMiddleware measures one middleware alone (through Adapt) on a small response,
// against the discarding writer of the chain's own benchmarks.
func benchmarkMiddleware(b *testing.B, h gin.HandlerFunc, view gin.HandlerFunc, headers ...string) {
	e := gin.New()
	e.Use(h)
	e.GET("/ping", view)
	req := httptest.NewRequest(http.MethodGet, "/ping", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e.ServeHTTP(w, req)
	}
}

// mwServe sends a prepared request.
func mwServe(e http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	return w
}
