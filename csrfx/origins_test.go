package csrfx

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// The net/http AddTrustedOrigin validation table (csrf_test.go), plus csrfx's stricter
// rules: null, user info, wildcards, ports, IPs, case and default ports.
func TestParseOrigin(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" means an error
	}{
		// net/http TestCrossOriginProtectionAddTrustedOriginErrors.
		{"https://example.com", "https://example.com"},
		{"https://example.com:8080", "https://example.com:8080"},
		{"http://example.com", "http://example.com"},
		{"example.com", ""},
		{"https://", ""},
		{"https://example.com/", ""},
		{"https://example.com/path", ""},
		{"https://example.com?query=value", ""},
		{"https://example.com#fragment", ""},
		{"https://ex ample.com", ""},
		{"", ""},
		{"null", ""},
		// Case and default ports are canonicalised (§9.3).
		{"HTTPS://Example.COM", "https://example.com"},
		{"https://example.com:443", "https://example.com"},
		{"http://example.com:80", "http://example.com"},
		{"http://example.com:443", "http://example.com:443"},
		// Django wildcards.
		{"https://*.example.com", "https://*.example.com"},
		{"https://*.Example.com:8443", "https://*.example.com:8443"},
		{"http://*.localhost", "http://*.localhost"},
		{"https://*.com", ""},
		{"https://*", ""},
		{"https://*example.com", ""},
		{"https://foo.*.example.com", ""},
		{"https://*.*.example.com", ""},
		{"chrome-extension://*.abc.example", ""},
		{"https://*.[::1]", ""},
		{"https://*.10.0.0.1", ""},
		// A5: user info; A2: bare hosts; other shapes.
		{"https://evil@example.com", ""},
		{"https://user:pass@example.com", ""},
		{"NULL", ""},
		{"//example.com", ""},
		{"https:example.com", ""},
		{"https://example.com:0", ""},
		{"https://example.com:65536", ""},
		{"https://example.com:080", ""},
		{"https://example.com:", ""},
		{"https://example.com:x", ""},
		{"https://exa_mple.com", "https://exa_mple.com"},
		{"https://bücher.example", ""},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		{"https://example..com", ""},
		{"https://[::1]:8080", "https://[::1]:8080"},
		{"https://[::1", ""},
		{"https://[fe80::1%25eth0]", ""},
		{"https://::1", ""},
		{"https://127.0.0.1:8000", "https://127.0.0.1:8000"},
		{"1https://example.com", ""},
		{"chrome-extension://abcdef", "chrome-extension://abcdef"},
		{" https://example.com", ""},
		{"https://example.com\t", ""},
	}
	for _, tc := range cases {
		got, err := ParseOrigin(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseOrigin(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestCompileOriginsErrorNamesEntry(t *testing.T) {
	_, err := compileOrigins("TrustedOrigins", []string{"https://ok.example", "example.com"})
	if err == nil || !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
	for _, want := range []string{"Config.TrustedOrigins[1]", `"example.com"`, "scheme is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// Django tests 46 and 49 assert the derived sets; csrfx keeps the same split (exact
// origins, wildcard origins by scheme).
func TestCompileOriginsDerivedSets(t *testing.T) {
	s, err := compileOrigins("TrustedOrigins", []string{"http://no-match.com", "https://*.example.com", "http://*.no-match.com", "http://*.no-match-2.com"})
	if err != nil {
		t.Fatal(err)
	}
	var exact []string
	for k := range s.exact {
		exact = append(exact, k)
	}
	if !slices.Equal(exact, []string{"http://no-match.com"}) {
		t.Errorf("exact = %v", exact)
	}
	bySchemes := map[string][]string{}
	for _, w := range s.wild {
		bySchemes[w.scheme] = append(bySchemes[w.scheme], "."+w.domain)
	}
	if !slices.Equal(bySchemes["https"], []string{".example.com"}) || !slices.Equal(bySchemes["http"], []string{".no-match.com", ".no-match-2.com"}) {
		t.Errorf("wildcards = %v", bySchemes)
	}
	if s.contains("http://foo.example.com") {
		t.Error("http://foo.example.com matched https://*.example.com (Django test 46)")
	}
}

func TestOriginSetContains(t *testing.T) {
	s, err := compileOrigins("TrustedOrigins", []string{"https://dashboard.example.com", "https://*.example.org", "https://*.example.net:8443", "https://[::1]:8080", "chrome-extension://abcdef"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		origin string
		want   bool
	}{
		{"https://dashboard.example.com", true},
		{"https://DASHBOARD.example.com", true},
		{"https://dashboard.example.com:443", true},
		{"HTTPS://dashboard.example.com", true},
		{"http://dashboard.example.com", false}, // A2: never host-only
		{"https://dashboard.example.com:8443", false},
		{"https://dashboard.example.com/", false},
		{"https://evil@dashboard.example.com", false}, // A5
		{"https://dashboard.example.com.evil.com", false},
		{"https://evildashboard.example.com", false},
		{"https://example.org", true}, // Django: the wildcard covers the domain itself
		{"https://a.example.org", true},
		{"https://a.b.Example.ORG", true},
		{"https://aexample.org", false},
		{"https://example.org.evil.com", false},
		{"https://a.example.org:444", false}, // a wildcard is for one port
		{"http://a.example.org", false},
		{"https://a.example.net:8443", true},
		{"https://a.example.net", false},
		{"https://[::1]:8080", true},
		{"https://[::1]", false},
		{"chrome-extension://abcdef", true},
		{"null", false},
		{"", false},
		{"https://", false},
		{"https://[", false},
	}
	for _, tc := range cases {
		if got := s.contains(tc.origin); got != tc.want {
			t.Errorf("contains(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
}

func TestSplitHostPort(t *testing.T) {
	cases := []struct {
		in, host, port string
		ok             bool
	}{
		{"example.com", "example.com", "", true},
		{"example.com:8080", "example.com", "8080", true},
		{"[::1]", "[::1]", "", true},
		{"[::1]:80", "[::1]", "80", true},
		{"::1", "", "", false},
		{"[::1]x", "", "", false},
		{"example.com:", "", "", false},
		{"example.com:123456", "", "", false},
		{"@malformed", "", "", false},
		{"a b", "", "", false},
		{"", "", "", false},
		{"[::1", "", "", false},
	}
	for _, tc := range cases {
		h, p, ok := splitHostPort(tc.in)
		if h != tc.host || p != tc.port || ok != tc.ok {
			t.Errorf("splitHostPort(%q) = %q, %q, %v; want %q, %q, %v", tc.in, h, p, ok, tc.host, tc.port, tc.ok)
		}
	}
}

func TestASCIIEqualFoldRejectsUnicodeFolding(t *testing.T) {
	if asciiEqualFold("example.com", "example.\u212aom") { // KELVIN SIGN folds to k in Unicode
		t.Error("Kelvin sign matched k")
	}
	if !asciiEqualFold("ExAmple.COM", "example.com") {
		t.Error("ASCII case folding failed")
	}
}

// FuzzParseOrigin: ParseOrigin never panics, its output is canonical (a fixed point),
// parses as a URL with exactly that scheme and host and nothing else, and a compiled set
// of it contains it.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range []string{"https://example.com", "https://*.example.com:8443", "http://[::1]:80", "null", "https://evil@x", "https://x/", "HTTPS://X.COM:443", "https://*.", "https://[", "a://b:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		canon, err := ParseOrigin(in)
		if err != nil {
			return
		}
		again, err := ParseOrigin(canon)
		if err != nil || again != canon {
			t.Fatalf("ParseOrigin(%q) = %q, which reparses as %q, %v", in, canon, again, err)
		}
		u, err := url.Parse(strings.Replace(canon, "*.", "wildcard.", 1))
		if err != nil || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
			t.Fatalf("canonical origin %q is not a bare origin: %+v, %v", canon, u, err)
		}
		s, err := compileOrigins("TrustedOrigins", []string{in})
		if err != nil {
			t.Fatalf("compileOrigins(%q): %v", in, err)
		}
		probe := strings.Replace(canon, "*.", "sub.", 1)
		if !s.contains(probe) {
			t.Fatalf("set of %q does not contain %q", in, probe)
		}
	})
}

// FuzzOriginMatch: matching an arbitrary Origin never panics, and anything that matches a
// trusted https origin has exactly its scheme, host and port.
func FuzzOriginMatch(f *testing.F) {
	for _, s := range []string{"https://trusted.example", "https://TRUSTED.example:443", "https://trusted.example.evil", "http://trusted.example", "https://a.wild.example", "null", "https://evil@trusted.example", "https://[::1]:8080"} {
		f.Add(s)
	}
	s, err := compileOrigins("TrustedOrigins", []string{"https://trusted.example", "https://*.wild.example"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		if !s.contains(origin) {
			return
		}
		u, err := url.Parse(origin)
		if err != nil || u.Scheme != "https" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("%q matched but is not a bare https origin (%v)", origin, err)
		}
		h := strings.ToLower(u.Hostname())
		if p := u.Port(); p != "" && p != "443" {
			t.Fatalf("%q matched with port %q", origin, p)
		}
		if h != "trusted.example" && h != "wild.example" && !strings.HasSuffix(h, ".wild.example") {
			t.Fatalf("%q matched with host %q", origin, h)
		}
	})
}
