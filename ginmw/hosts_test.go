package ginmw

import (
	"strings"
	"testing"
)

// Django tests/requests_tests/tests.py HostValidationTests.test_split_domain_port, with the
// input lowercased first as get_host does before matching.
func TestSplitHostDjangoCases(t *testing.T) {
	for _, tc := range []struct{ host, domain, port string }{
		{"<invalid>", "", ""},
		{"<invalid>:8080", "", ""},
		{"example.com 8080", "", ""},
		{"example.com:invalid", "", ""},
		{"[::1]", "[::1]", ""},
		{"[::1]:8080", "[::1]", "8080"},
		{"[::ffff:127.0.0.1]", "[::ffff:127.0.0.1]", ""},
		{"[::ffff:127.0.0.1]:8080", "[::ffff:127.0.0.1]", "8080"},
		{"[1851:0000:3238:DEF1:0177:0000:0000:0125]", "[1851:0000:3238:def1:0177:0000:0000:0125]", ""},
		{"[1851:0000:3238:DEF1:0177:0000:0000:0125]:8080", "[1851:0000:3238:def1:0177:0000:0000:0125]", "8080"},
		{"127.0.0.1", "127.0.0.1", ""},
		{"127.0.0.1:8080", "127.0.0.1", "8080"},
		{"example.com", "example.com", ""},
		{"example.com:8080", "example.com", "8080"},
		{"example.com.", "example.com", ""},
		{"example.com.:8080", "example.com", "8080"},
		{"xn--n28h.test", "xn--n28h.test", ""},
		{"xn--n28h.test:8080", "xn--n28h.test", "8080"},
		{"subdomain.example.com", "subdomain.example.com", ""},
		{"subdomain.example.com:8080", "subdomain.example.com", "8080"},
	} {
		domain, port, ok := splitHost(strings.ToLower(tc.host))
		if domain != tc.domain || port != tc.port || ok != (tc.domain != "") {
			t.Errorf("splitHost(%q) = %q, %q, %v; want %q, %q", tc.host, domain, port, ok, tc.domain, tc.port)
		}
	}
}

// Cases where djin is stricter than Django's host_validation_re, and other malformed input.
func TestSplitHostRejectsMalformed(t *testing.T) {
	for _, host := range []string{
		"", ":80", "example.com:", "[::1", "[::1]x", "[::1]:", "[::1]:8o",
		"example.com:8080:9000", "example.com:65536", "example.com:123456",
		"example..com", ".example.com", "example.com..", "a_b.example.com",
		"exa mple.com", "ex\x00ample.com", "exämple.com", "[1.2.3.4]", "[::1%eth0]",
		"[zz::1]", "[:::]", "[]", "[]:80", "example.com/path", "user@example.com",
		strings.Repeat("a", 64) + ".com", strings.Repeat("a.", 127) + "com",
	} {
		if d, p, ok := splitHost(host); ok {
			t.Errorf("splitHost(%q) = %q, %q, true; want malformed", host, d, p)
		}
	}
	for _, host := range []string{
		strings.Repeat("a", 63) + ".com", "localhost", "localhost:0", "a-b.c-d:65535", "1.2.3.4:1",
	} {
		if _, _, ok := splitHost(host); !ok {
			t.Errorf("splitHost(%q) rejected a well-formed host", host)
		}
	}
}

// hostAllowed runs the whole per-request decision: lowercase, split, match.
func hostAllowed(p *hostPatterns, host string) bool {
	domain, _, ok := splitHost(strings.ToLower(host))
	return ok && p.allows(domain)
}

// Django HostValidationTests.test_http_get_host (USE_X_FORWARDED_HOST=False).
func TestAllowedHostsDjangoCases(t *testing.T) {
	p, err := compileHostPatterns("AllowedHosts", []string{
		"forward.com", "example.com", "internal.com", "12.34.56.78",
		"[2001:19f0:feee::dead:beef:cafe]", "xn--4ca9at.com", ".multitenant.com",
		"INSENSITIVE.com", "[::ffff:169.254.169.254]",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{
		"example.com", "example.com:80", "12.34.56.78", "12.34.56.78:443",
		"[2001:19f0:feee::dead:beef:cafe]", "[2001:19f0:feee::dead:beef:cafe]:8080",
		"xn--4ca9at.com", "anything.multitenant.com", "multitenant.com", "insensitive.com",
		"example.com.", "example.com.:80", "[::ffff:169.254.169.254]",
		// djin extras: case, and IPv6 literals compared as addresses.
		"EXAMPLE.Com", "Anything.MultiTenant.com:8443", "[2001:19F0:FEEE:0:0:DEAD:BEEF:CAFE]",
	} {
		if !hostAllowed(&p, host) {
			t.Errorf("legit host %q refused", host)
		}
	}
	for _, host := range []string{
		// Django's poisoned_hosts
		"example.com@evil.tld", "example.com:dr.frankenstein@evil.tld",
		"example.com:dr.frankenstein@evil.tld:80", "example.com:80/badpath",
		"example.com: recovermypassword.com",
		"other.com", "example.com..",
		// suffix patterns must match on a label boundary
		"evilmultitenant.com", "multitenant.com.evil.tld", "[::1]", "169.254.169.254",
	} {
		if hostAllowed(&p, host) {
			t.Errorf("poisoned host %q allowed", host)
		}
	}
}

// Django HostValidationTests.test_host_validation_in_debug_mode.
func TestAllowedHostsDebugDefault(t *testing.T) {
	p, err := compileHostPatterns("AllowedHosts", debugAllowedHosts)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "subdomain.localhost", "127.0.0.1", "[::1]", "localhost:8000", "[0::1]:8000"} {
		if !hostAllowed(&p, host) {
			t.Errorf("debug host %q refused", host)
		}
	}
	for _, host := range []string{"example.com", "localhost.example.com", "127.0.0.2", "[::2]"} {
		if hostAllowed(&p, host) {
			t.Errorf("host %q allowed in debug mode", host)
		}
	}
}

func TestAllowedHostsWildcard(t *testing.T) {
	p, err := compileHostPatterns("AllowedHosts", []string{"*"})
	if err != nil {
		t.Fatal(err)
	}
	if !hostAllowed(&p, "anything.example:8080") || !hostAllowed(&p, "[::1]") {
		t.Error(`"*" refused a well-formed host`)
	}
	// Django HostValidationTests.test_http_get_host_with_x_forwarded_host: with "*" the
	// poisoned hosts are still refused, because they are malformed.
	for _, host := range []string{"example.com@evil.tld", "example.com:80/badpath", "example.com: recovermypassword.com"} {
		if hostAllowed(&p, host) {
			t.Errorf(`"*" allowed malformed host %q`, host)
		}
	}
}

func TestAllowedHostsConfigErrors(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{"", "empty entry"},
		{" example.com", "white space"},
		{"*.example.com", `".example.com"`},
		{"https://example.com", "not a URL"},
		{"example.com:8000", "no port"},
		{"[::1]:8000", "no port"},
		{"::1", `"[::1]"`},
		{"[1.2.3.4]", "IPv6"},
		{"[fe80::1%eth0]", "IPv6"},
		{"exa_mple.com", "not a valid host name"},
		{"öäü.com", "punycode"},
		{".", "not a valid host name"},
	} {
		_, err := compileHostPatterns("FactsConfig.AllowedHosts", []string{"ok.example", tc.entry})
		if err == nil {
			t.Errorf("entry %q accepted", tc.entry)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) || !strings.Contains(msg, "FactsConfig.AllowedHosts[1]") {
			t.Errorf("entry %q: error %q does not name the field and %q", tc.entry, msg, tc.want)
		}
	}
	// A trailing dot in a pattern is harmless: it is the same name.
	p, err := compileHostPatterns("AllowedHosts", []string{"example.com.", ".Tenant.Example."})
	if err != nil {
		t.Fatal(err)
	}
	if !hostAllowed(&p, "example.com") || !hostAllowed(&p, "a.tenant.example") {
		t.Error("patterns with a trailing dot do not match")
	}
}
