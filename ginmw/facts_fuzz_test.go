package ginmw

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func FuzzSplitHost(f *testing.F) {
	for _, s := range []string{
		"example.com", "example.com.:8080", "[::1]:80", "[::ffff:127.0.0.1]", "[1851:0000:3238:def1::]",
		"example.com:dr.frankenstein@evil.tld:80", "[::1", "a..b", ":", "[]:", "1.2.3.4:65536",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		domain, port, ok := splitHost(host)
		if !ok {
			if domain != "" || port != "" {
				t.Fatalf("splitHost(%q) refused but returned %q, %q", host, domain, port)
			}
			return
		}
		// The pieces are the whole value: nothing is dropped but one trailing dot.
		rebuilt := domain
		if port != "" {
			rebuilt += ":" + port
		}
		withDot := domain + "."
		if port != "" {
			withDot += ":" + port
		}
		if host != rebuilt && host != withDot {
			t.Fatalf("splitHost(%q) = %q, %q does not rebuild the input", host, domain, port)
		}
		if strings.ContainsAny(domain, "@/ \t\\%") || !validPort(port) && port != "" {
			t.Fatalf("splitHost(%q) accepted %q, %q", host, domain, port)
		}
		var p hostPatterns
		p.any = true
		if !p.allows(domain) {
			t.Fatalf(`"*" refuses well-formed %q`, host)
		}
	})
}

func FuzzParseHop(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "1.2.3.4:80", "[::1]:80", "::ffff:1.2.3.4", "fe80::1%eth0", "[fe80::1%25x]", "unknown", "_x", "[::1]:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseHop(s)
		if ok != a.IsValid() {
			t.Fatalf("parseHop(%q) = %v, %v", s, a, ok)
		}
		if ok && (a.Zone() != "" || a.Is4In6()) {
			t.Fatalf("parseHop(%q) = %v is not normalised", s, a)
		}
		_, _ = parseForwardedElement(s)
	})
}

// FuzzFactsRequest throws arbitrary connection facts and forwarded headers at the middleware.
// Whatever comes in, it must not panic, must answer 400 or store facts, must never let a
// client that is not a trusted proxy choose its address or scheme, and must only store
// hosts that are well formed and allowed.
func FuzzFactsRequest(f *testing.F) {
	f.Add("203.0.113.7:1", "example.com", "1.2.3.4", "https", "evil.com", "for=1.2.3.4;proto=https", "1.2.3.4")
	f.Add("10.0.0.1:1", "Example.COM:80", "1.2.3.4, 203.0.113.7", "http, https", "a.example.org", "", "")
	f.Add("[fd00::1]:443", "internal", "", "", "", `for="[2001:db8::1]:80";proto=https;host=example.com, for=10.0.0.2`, "")
	f.Add("10.0.0.1:1", "example.com", "garbage,,", "", "", `for="1.2.3.4, for=unknown;host=`, "[::1]")
	f.Add("@", "[::1]:80", "::ffff:10.0.0.1", "HTTPS", "[2001:db8::1]", "for=_x;for=y", "not-ip")
	h, err := NewFacts(FactsConfig{
		TrustedProxies: []string{"10.0.0.0/8", "fd00::/8"},
		ProxyHeaders:   []ProxyHeader{HeaderXForwardedFor, HeaderXForwardedProto, HeaderXForwardedHost, HeaderForwarded},
		ClientIPHeader: "X-Real-IP",
		AllowedHosts:   []string{"example.com", ".example.org", "[2001:db8::1]", "[::1]"},
		Logger:         factsQuietLogger,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, remote, host, xff, xfp, xfh, fwd, realIP string) {
		r := &http.Request{
			Method:     http.MethodGet,
			URL:        &url.URL{Path: "/"},
			Host:       host,
			RemoteAddr: remote,
			Header:     http.Header{},
		}
		for name, v := range map[string]string{"X-Forwarded-For": xff, "X-Forwarded-Proto": xfp, "X-Forwarded-Host": xfh, "Forwarded": fwd, "X-Real-Ip": realIP} {
			if v != "" {
				r.Header[name] = strings.Split(v, "\n")
			}
		}
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = r
		h(c)
		fa, ok := FactsOf(c)
		if !ok {
			t.Fatal("facts not stored")
		}
		if c.IsAborted() {
			if w.Code != http.StatusBadRequest || fa.Host != "" {
				t.Fatalf("refusal: %d, host %q", w.Code, fa.Host)
			}
		} else {
			domain, _, wellFormed := splitHost(fa.Host)
			if !wellFormed || fa.Host != strings.ToLower(fa.Host) || !strings.HasSuffix(domain, "example.org") && domain != "example.com" && domain[0] != '[' {
				t.Fatalf("stored host %q", fa.Host)
			}
		}
		peer, isIP := remoteAddr(remote)
		if !fa.ViaProxy {
			if fa.ClientIP != peer || fa.Secure {
				t.Fatalf("peer %q is not trusted but facts are %+v", remote, fa)
			}
		} else if !isIP || !strings.HasPrefix(peer.String(), "10.") && !strings.HasPrefix(peer.String(), "fd") {
			t.Fatalf("untrusted peer %q treated as a proxy", remote)
		}
		if a := fa.ClientIP; a.IsValid() && (a.Zone() != "" || a.Is4In6()) {
			t.Fatalf("ClientIP %v not normalised", a)
		}
	})
}

// FuzzRemoteAddr: remoteAddr, which checks the port without converting it, accepts and
// returns exactly what netip.ParseAddrPort, or else netip.ParseAddr, makes of RemoteAddr.
func FuzzRemoteAddr(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1:40000", "10.0.0.1", "[::1]:80", "::1", "1::2:80", "[1.2.3.4]:80", "1.2.3.4:",
		"1.2.3.4:65536", "1.2.3.4:0080", "[fe80::1%eth0]:443", "fe80::1%eth0", "[::ffff:10.0.0.1]:1",
		"@", "", ":80", "[]:80", "1.2.3.4:+80", "[::1]", "1.2.3.4%eth0:80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantOK := netip.Addr{}, false
		if ap, err := netip.ParseAddrPort(s); err == nil {
			want, wantOK = normalizeAddr(ap.Addr()), true
		} else if a, err := netip.ParseAddr(s); err == nil {
			want, wantOK = normalizeAddr(a), true
		}
		if got, ok := remoteAddr(s); got != want || ok != wantOK {
			t.Fatalf("remoteAddr(%q) = %v, %v; the netip parsers give %v, %v", s, got, ok, want, wantOK)
		}
	})
}
