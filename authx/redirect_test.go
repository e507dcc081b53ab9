package authx

import (
	"strings"
	"testing"
)

// Django's tests/utils_tests/test_http.py URLHasAllowedHostAndSchemeTests, ported.
func TestURLHasAllowedHostAndSchemeBadURLs(t *testing.T) {
	bad := []string{
		"http://example.com",
		"http:///example.com",
		"https://example.com",
		"ftp://example.com",
		`\\example.com`,
		`\\\example.com`,
		`/\\/example.com`,
		`\\\example.com`,
		`\\example.com`,
		`\\//example.com`,
		`/\/example.com`,
		`\/example.com`,
		`/\example.com`,
		"http:///example.com",
		`http:/\//example.com`,
		`http:\/example.com`,
		`http:/\example.com`,
		`javascript:alert("XSS")`,
		"\njavascript:alert(x)",
		"java\nscript:alert(x)",
		"\x08//example.com",
		`http://otherserver\@example.com`,
		`http:\\testserver\@example.com`,
		`http://testserver\me:pass@example.com`,
		`http://testserver\@example.com`,
		`http:\\testserver\confirm\me@example.com`,
		"http:999999999",
		"ftp:9999999999",
		"\n",
		"http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
		"http://2001:cdba:0000:0000:0000:0000:3257:9652]/",
	}
	for _, u := range bad {
		if URLHasAllowedHostAndScheme(u, []string{"testserver", "testserver2"}, false) {
			t.Errorf("%q passed", u)
		}
	}
}

func TestURLHasAllowedHostAndSchemeGoodURLs(t *testing.T) {
	good := []string{
		"/view/?param=http://example.com",
		"/view/?param=https://example.com",
		"/view?param=ftp://example.com",
		"view/?param=//example.com",
		"https://testserver/",
		"HTTPS://testserver/",
		"//testserver/",
		"http://testserver/confirm?email=me@example.com",
		"/url%20with%20spaces/",
		"path/http:2222222222",
	}
	for _, u := range good {
		if !URLHasAllowedHostAndScheme(u, []string{"otherserver", "testserver"}, false) {
			t.Errorf("%q refused", u)
		}
	}
}

func TestURLHasAllowedHostAndSchemeDjangoCases(t *testing.T) {
	cases := []struct {
		name  string
		url   string
		hosts []string
		https bool
		want  bool
	}{
		{"basic auth listed literally", "http://user:pass@testserver/", []string{"user:pass@testserver"}, false, true},
		{"path without host, no allowed hosts", "/confirm/me@example.com", nil, false, true},
		{"basic auth without hosts", `http://testserver\@example.com`, nil, false, false},
		{"allowed host string", "http://good.com/good", []string{"good.com"}, false, true},
		{"near miss host", "http://good.co/evil", []string{"good.com"}, false, false},
		{"require https: https", "https://example.com/p", []string{"example.com"}, true, true},
		{"require https: upper-case scheme", "HTTPS://example.com/p", []string{"example.com"}, true, true},
		{"require https: relative", "/view/?param=http://example.com", []string{"example.com"}, true, true},
		{"require https: http", "http://example.com/p", []string{"example.com"}, true, false},
		{"require https: ftp", "ftp://example.com/p", []string{"example.com"}, true, false},
		{"require https: scheme-relative", "//example.com/p", []string{"example.com"}, true, false},
		{"empty", "", []string{"x"}, false, false},
		{"leading format character", "\u200b//example.com", []string{"x"}, false, false},
	}
	for _, tt := range cases {
		if got := URLHasAllowedHostAndScheme(tt.url, tt.hosts, tt.https); got != tt.want {
			t.Errorf("%s: %q = %v, want %v", tt.name, tt.url, got, tt.want)
		}
	}
}

func TestURLHasAllowedHostAndSchemeMaxLength(t *testing.T) {
	host := "example.com"
	boundary := host + "/" + strings.Repeat("é", MaxURLLength-len(host)-1)
	if !URLHasAllowedHostAndScheme(boundary, []string{host}, false) {
		t.Error("2048 characters (4084 bytes) refused: length must count characters")
	}
	if URLHasAllowedHostAndScheme(boundary+"ú", []string{host}, false) {
		t.Error("2049 characters accepted")
	}
}

// Django's LoginTest.test_security_check lists, through SafeRedirect.
func TestSafeRedirectLoginSecurityCheck(t *testing.T) {
	hosts := []string{"testserver"}
	for _, bad := range []string{"http://example.com", "http:///example.com", "https://example.com", "ftp://example.com", "///example.com", "//example.com", `javascript:alert("XSS")`} {
		if got := SafeRedirect(bad, hosts, false, "/home/"); got != "/home/" {
			t.Errorf("SafeRedirect(%q) = %q, want the fallback", bad, got)
		}
	}
	for _, good := range []string{"/view/?param=http://example.com", "/view/?param=https://example.com", "/view?param=ftp://example.com", "view/?param=//example.com", "https://testserver/", "HTTPS://testserver/", "//testserver/", "/url%20with%20spaces/"} {
		if got := SafeRedirect(good, hosts, false, "/home/"); got != good {
			t.Errorf("SafeRedirect(%q) = %q", good, got)
		}
	}
}

func FuzzURLHasAllowedHostAndScheme(f *testing.F) {
	for _, s := range []string{"/next/", "//evil.com", `\\evil.com`, "http://testserver/", "javascript:x", "\x08//e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		ok := URLHasAllowedHostAndScheme(u, []string{"testserver"}, false)
		got := SafeRedirect(u, []string{"testserver"}, false, "/fallback/")
		if !ok && got != "/fallback/" {
			t.Fatalf("unsafe %q returned %q", u, got)
		}
		// Whatever SafeRedirect returns must itself pass the check, and must not start with
		// two slashes toward a foreign host.
		if got != "/fallback/" && !URLHasAllowedHostAndScheme(got, []string{"testserver"}, false) {
			t.Fatalf("SafeRedirect(%q) = %q, which fails the check", u, got)
		}
	})
}
