package csrfx

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func mustGate(t testing.TB, trusted []string) *gate {
	t.Helper()
	s, err := compileOrigins("TrustedOrigins", trusted)
	if err != nil {
		t.Fatal(err)
	}
	return &gate{trusted: s}
}

type gateCase struct {
	name                  string
	trusted               []string
	refererDomain         string
	secure                bool
	host                  string
	site, origin, referer string
	emptyReferer          bool
	want                  error // nil: pass
}

func (tc gateCase) run(t *testing.T) {
	t.Helper()
	g := mustGate(t, tc.trusted)
	g.refererDomain = tc.refererDomain
	h := http.Header{}
	if tc.site != "" {
		h.Set("Sec-Fetch-Site", tc.site)
	}
	if tc.origin != "" {
		h.Set("Origin", tc.origin)
	}
	if tc.referer != "" || tc.emptyReferer {
		h["Referer"] = []string{tc.referer}
	}
	host := tc.host
	if host == "" {
		host = "www.example.com"
	}
	e := g.check(h, tc.secure, host)
	switch {
	case tc.want == nil && e != nil:
		t.Errorf("rejected: %s", e.Reason())
	case tc.want != nil && e == nil:
		t.Errorf("accepted, want %v", tc.want)
	case tc.want != nil && !errors.Is(e, tc.want):
		t.Errorf("got %v (%s), want %v", e, e.Reason(), tc.want)
	}
}

// Django §5 D (34–42) and E (43–50), as pure origin-gate decisions. The same scenarios run
// through the middleware, in both storage modes, in django_test.go.
func TestGateDjangoScenarios(t *testing.T) {
	cases := []gateCase{
		// D. Referer (HTTPS, no Origin).
		{name: "34 bad referer", secure: true, referer: "https://www.evil.org/somepage", want: ErrBadReferer},
		{name: "35 no referer", secure: true, want: ErrNoReferer},
		{name: "36 double scheme is insecure", secure: true, referer: "http://http://www.example.com/", want: ErrInsecureReferer},
		{name: "36 empty", secure: true, emptyReferer: true, want: ErrMalformedReferer},
		{name: "36 non-ASCII", secure: true, referer: "ØBöIß", want: ErrMalformedReferer},
		{name: "36 no scheme", secure: true, referer: "//example.com/", want: ErrMalformedReferer},
		{name: "36 no netloc", secure: true, referer: "https://", want: ErrMalformedReferer},
		{name: "36 unparsable", secure: true, referer: "https://[", want: ErrMalformedReferer},
		{name: "37 insecure", secure: true, referer: "http://example.com/", refererDomain: ".example.com", want: ErrInsecureReferer},
		{name: "38 good", secure: true, referer: "https://www.example.com/somepage"},
		{name: "38 good without slash", secure: true, referer: "https://www.example.com"},
		{name: "39 behind proxy (host from facts)", secure: true, host: "www.example.com", referer: "https://www.example.com/somepage", refererDomain: ".example.com"},
		{name: "40 trusted exact", secure: true, trusted: []string{"https://dashboard.example.com"}, referer: "https://dashboard.example.com"},
		{name: "40 trusted wildcard", secure: true, trusted: []string{"https://*.example.com"}, referer: "https://dashboard.example.com"},
		{name: "41 cookie domain", secure: true, refererDomain: ".example.com", referer: "https://foo.example.com/"},
		{name: "41 cookie domain, other port", secure: true, host: "www.example.com:4443", refererDomain: ".example.com", referer: "https://foo.example.com:4443/"},
		{name: "41 cookie domain, port mismatch", secure: true, host: "www.example.com:4443", refererDomain: ".example.com", referer: "https://foo.example.com/", want: ErrBadReferer},
		{name: "42 malformed host rejects", secure: true, host: "@malformed", referer: "https://www.evil.org/somepage", want: ErrBadReferer},
		{name: "42 malformed host, trusted referer", secure: true, host: "@malformed", trusted: []string{"https://dashboard.example.com"}, referer: "https://dashboard.example.com/somepage"},
		// E. Origin.
		{name: "43 bad domain", origin: "https://www.evil.org", want: ErrBadOrigin},
		{name: "44 null", origin: "null", want: ErrBadOrigin},
		{name: "45 bad protocol", secure: true, origin: "http://example.com", want: ErrBadOrigin},
		{name: "45 same host, wrong scheme", secure: true, origin: "http://www.example.com", want: ErrBadOrigin},
		{name: "46 wildcard, wrong scheme", secure: true, trusted: []string{"http://no-match.com", "https://*.example.com", "http://*.no-match.com", "http://*.no-match-2.com"}, origin: "http://foo.example.com", want: ErrBadOrigin},
		{name: "47 unparsable", origin: "https://[", want: ErrBadOrigin},
		{name: "48 good insecure", origin: "http://www.example.com"},
		{name: "48 good secure", secure: true, origin: "https://www.example.com"},
		{name: "49 trusted exact", secure: true, trusted: []string{"https://dashboard.example.com"}, origin: "https://dashboard.example.com"},
		{name: "49 trusted wildcard", secure: true, trusted: []string{"https://*.example.com"}, origin: "https://foo.example.com"},
		{name: "50 malformed host", secure: true, host: "@malformed", origin: "https://www.evil.org", want: ErrBadOrigin},
		// Plain HTTP: no Referer rule (Django), the token decides.
		{name: "http without origin or referer", secure: false},
		{name: "http with foreign referer", secure: false, referer: "https://www.evil.org/"},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}

// Fetch Metadata, mixed-case and IPv6 hosts, default ports, user info (A5).
func TestGateFetchMetadataAndHosts(t *testing.T) {
	cases := []gateCase{
		{name: "same-origin", secure: true, site: "same-origin"},
		{name: "none", secure: true, site: "none"},
		{name: "same-origin wins over a missing Referer", secure: true, site: "same-origin"},
		{name: "cross-site", secure: true, site: "cross-site", origin: "https://www.example.com", want: ErrCrossSite},
		{name: "same-site", secure: true, site: "same-site", origin: "https://api.example.com", want: ErrCrossSite},
		{name: "same-site from a trusted origin", secure: true, site: "same-site", trusted: []string{"https://api.example.com"}, origin: "https://api.example.com"},
		{name: "cross-site from a trusted wildcard", secure: true, site: "cross-site", trusted: []string{"https://*.partner.example"}, origin: "https://app.partner.example"},
		{name: "unknown value fails closed", secure: true, site: "same-galaxy", origin: "https://www.example.com", want: ErrCrossSite},
		{name: "mixed-case host", secure: true, host: "WWW.Example.COM", origin: "https://www.example.com"},
		{name: "mixed-case origin", secure: true, origin: "HTTPS://WWW.EXAMPLE.COM"},
		{name: "default port in host", secure: true, host: "www.example.com:443", origin: "https://www.example.com"},
		{name: "default port in origin", secure: true, origin: "https://www.example.com:443"},
		{name: "https port on http", secure: false, host: "www.example.com:443", origin: "http://www.example.com", want: ErrBadOrigin},
		{name: "other port", secure: true, host: "www.example.com:8443", origin: "https://www.example.com", want: ErrBadOrigin},
		{name: "matching port", secure: true, host: "www.example.com:8443", origin: "https://www.example.com:8443"},
		{name: "ipv6", secure: false, host: "[::1]:8080", origin: "http://[::1]:8080"},
		{name: "ipv6 other port", secure: false, host: "[::1]:8080", origin: "http://[::1]:8081", want: ErrBadOrigin},
		{name: "A5 user info", secure: false, origin: "http://evil@www.example.com", want: ErrBadOrigin},
		{name: "origin with path", secure: true, origin: "https://www.example.com/", want: ErrBadOrigin},
		{name: "suffix attack", secure: true, origin: "https://www.example.com.evil.com", want: ErrBadOrigin},
		{name: "A5 user info in referer", secure: true, referer: "https://evil@www.example.com/", want: ErrMalformedReferer},
		{name: "referer default port", secure: true, referer: "https://www.example.com:443/x"},
		{name: "referer mixed case", secure: true, referer: "https://WWW.EXAMPLE.COM/x"},
		{name: "referer ipv6", secure: true, host: "[::1]:8443", referer: "https://[::1]:8443/form"},
	}
	for _, tc := range cases {
		t.Run(tc.name, tc.run)
	}
}

func TestGatePresentButEmptyOriginIsBad(t *testing.T) {
	g := mustGate(t, nil)
	h := http.Header{"Origin": {""}}
	if e := g.check(h, true, "www.example.com"); !errors.Is(e, ErrBadOrigin) {
		t.Fatalf("got %v, want ErrBadOrigin", e)
	}
}

func TestGateLenientFetchMetadata(t *testing.T) {
	g := mustGate(t, nil)
	g.lenientFetchSite = true
	h := http.Header{"Sec-Fetch-Site": {"same-galaxy"}, "Origin": {"https://www.example.com"}}
	if e := g.check(h, true, "www.example.com"); e != nil {
		t.Fatalf("lenient: %v", e)
	}
	h.Set("Origin", "https://evil.example")
	if e := g.check(h, true, "www.example.com"); !errors.Is(e, ErrBadOrigin) {
		t.Fatalf("lenient with a bad Origin: %v", e)
	}
}

func TestGateLocalhost(t *testing.T) {
	g := mustGate(t, nil)
	h := http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://localhost:5173"}}
	if e := g.check(h, false, "localhost:8000"); !errors.Is(e, ErrCrossSite) {
		t.Fatalf("localhost without the flag: %v", e)
	}
	g.localhost = true
	for _, o := range []string{"http://localhost:5173", "http://127.0.0.1:3000", "https://[::1]:9000"} {
		h.Set("Origin", o)
		if e := g.check(h, false, "localhost:8000"); e != nil {
			t.Errorf("%s: %v", o, e)
		}
	}
	h.Set("Origin", "http://localhost.evil.com")
	if e := g.check(h, false, "localhost:8000"); e == nil {
		t.Error("localhost.evil.com accepted")
	}
}

func TestGateNoHeadersPresets(t *testing.T) {
	g := mustGate(t, nil)
	if e := g.check(http.Header{}, true, "www.example.com"); !errors.Is(e, ErrNoReferer) {
		t.Fatalf("both: %v, want ErrNoReferer", e)
	}
	g.allowNoHeaders = true
	if e := g.check(http.Header{}, true, "www.example.com"); e != nil {
		t.Fatalf("origin-only: %v, want pass (net/http parity)", e)
	}
}

// FuzzReferer: the Referer rule never panics, and whatever it accepts is an https URL
// without user info whose host is the request's own host.
func FuzzReferer(f *testing.F) {
	for _, s := range []string{"https://www.example.com/", "http://http://www.example.com/", "", "ØBöIß", "//example.com/", "https://", "https://[", "https://evil@www.example.com/", "https://www.example.com:443", "https://WWW.example.com./", "https:www.example.com"} {
		f.Add(s)
	}
	g := mustGate(f, nil)
	f.Fuzz(func(t *testing.T, ref string) {
		e := g.check(http.Header{"Referer": {ref}}, true, "www.example.com")
		if e != nil {
			if e.Kind == nil || e.Reason() == "" {
				t.Fatalf("bad error for %q: %#v", ref, e)
			}
			return
		}
		u, err := url.Parse(ref)
		if err != nil || u.Scheme != "https" || u.User != nil || !strings.EqualFold(u.Hostname(), "www.example.com") || (u.Port() != "" && u.Port() != "443") {
			t.Fatalf("accepted Referer %q (%v)", ref, err)
		}
	})
}

// FuzzOriginGate: the gate never panics on arbitrary Origin and Sec-Fetch-Site values, and
// a passing Origin is the request's own origin.
func FuzzOriginGate(f *testing.F) {
	for _, s := range []string{"https://www.example.com", "null", "https://[", "http://www.example.com", "https://WWW.example.com:443", "https://evil@www.example.com"} {
		f.Add(s, "")
		f.Add(s, "cross-site")
	}
	g := mustGate(f, nil)
	f.Fuzz(func(t *testing.T, origin, site string) {
		h := http.Header{"Origin": {origin}}
		if site != "" {
			h.Set("Sec-Fetch-Site", site)
		}
		if g.check(h, true, "www.example.com") != nil || site == "same-origin" || site == "none" {
			return
		}
		u, err := url.Parse(origin)
		if err != nil || u.Scheme != "https" || u.User != nil || u.Path != "" || !strings.EqualFold(u.Hostname(), "www.example.com") {
			t.Fatalf("accepted Origin %q with Sec-Fetch-Site %q", origin, site)
		}
	})
}
