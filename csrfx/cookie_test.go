package csrfx

import (
	"net/http"
	"strings"
	"testing"
)

func TestReadSecretCookie(t *testing.T) {
	other := strings.Repeat("b", 32)
	cases := []struct {
		name    string
		lines   []string
		value   string
		format  formatError
		present bool
	}{
		{"absent", nil, "", formatOK, false},
		{"only", []string{"csrftoken=" + testSecret}, testSecret, formatOK, true},
		{"among others", []string{"a=1; csrftoken=" + testSecret + "; b=2"}, testSecret, formatOK, true},
		{"spaces and tabs", []string{" a=1 ;\tcsrftoken=" + testSecret + " ; "}, testSecret, formatOK, true},
		{"quoted", []string{`csrftoken="` + testSecret + `"`}, testSecret, formatOK, true},
		{"second header line", []string{"a=1", "csrftoken=" + testSecret}, testSecret, formatOK, true},
		{"first well-formed wins (gorilla#152)", []string{"csrftoken=" + testSecret + "; csrftoken=" + other}, testSecret, formatOK, true},
		{"malformed then good", []string{"csrftoken=bad; csrftoken=" + other}, other, formatOK, true},
		{"only malformed", []string{"csrftoken=bad"}, "bad", formatBadLength, true},
		{"empty value", []string{"csrftoken="}, "", formatBadLength, true},
		{"bad characters", []string{"csrftoken=" + strings.Repeat("*", 32)}, strings.Repeat("*", 32), formatBadChars, true},
		{"longer name", []string{"xcsrftoken=" + testSecret}, "", formatOK, false},
		{"name prefix", []string{"csrftokenx=" + testSecret}, "", formatOK, false},
		{"case differs", []string{"CSRFTOKEN=" + testSecret}, "", formatOK, false},
		{"invalid octet dropped", []string{"csrftoken=a\\b"}, "", formatOK, false},
		{"no equals", []string{"csrftoken"}, "", formatBadLength, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, f, ok := readSecretCookie(http.Header{"Cookie": tc.lines}, "csrftoken")
			if v != tc.value || f != tc.format || ok != tc.present {
				t.Errorf("got %q, %v, %v; want %q, %v, %v", v, f, ok, tc.value, tc.format, tc.present)
			}
		})
	}
}

// FuzzCookieHeader: csrfx's allocation-free parser agrees with net/http's (and so with how
// Go reads cookies everywhere else): whenever net/http finds exactly one well-formed
// "csrftoken", csrfx finds the same value, and csrfx never returns a value net/http does
// not see.
func FuzzCookieHeader(f *testing.F) {
	for _, s := range []string{"csrftoken=" + testSecret, "a=b; csrftoken=" + testSecret, `csrftoken="` + testSecret + `"`, "csrftoken=x; csrftoken=" + testSecret, " csrftoken = " + testSecret, "csrftoken=\x00", "__utmz=1|csrftoken=" + testSecret} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.Count(line, ";") > 1000 {
			return // net/http caps the number of cookies; csrfx does not need to
		}
		h := http.Header{"Cookie": {line}}
		v, fe, found := readSecretCookie(h, "csrftoken")
		var goVals []string
		for _, c := range (&http.Request{Header: h}).CookiesNamed("csrftoken") {
			goVals = append(goVals, c.Value)
		}
		if !found {
			if len(goVals) > 0 {
				t.Fatalf("net/http sees %q, csrfx sees nothing in %q", goVals, line)
			}
			return
		}
		seen := false
		for _, g := range goVals {
			seen = seen || g == v
		}
		if !seen {
			t.Fatalf("csrfx returns %q, net/http sees %q in %q", v, goVals, line)
		}
		if fe == formatOK {
			for _, g := range goVals {
				if checkFormat(g) == formatOK {
					if g != v {
						t.Fatalf("first well-formed: csrfx %q, net/http %q", v, g)
					}
					break
				}
			}
		}
	})
}

func TestReplaceSetCookieAndVary(t *testing.T) {
	h := http.Header{}
	h.Add("Set-Cookie", "sessionid=abc; Path=/")
	replaceSetCookie(h, "csrftoken", "csrftoken=one; Path=/")
	replaceSetCookie(h, "csrftoken", "csrftoken=two; Path=/")
	got := h.Values("Set-Cookie")
	if len(got) != 2 || got[0] != "sessionid=abc; Path=/" || got[1] != "csrftoken=two; Path=/" {
		t.Errorf("Set-Cookie = %q", got)
	}
	h.Set("Vary", "Accept-Encoding, cookie")
	addVary(h, "Cookie")
	if got := h.Values("Vary"); len(got) != 1 {
		t.Errorf("Vary = %q: Cookie was already listed", got)
	}
	h.Del("Vary")
	addVary(h, "Cookie")
	addVary(h, "Cookie")
	if got := h.Values("Vary"); len(got) != 1 || got[0] != "Cookie" {
		t.Errorf("Vary = %q", got)
	}
	h.Set("Vary", "*")
	addVary(h, "Cookie")
	if got := h.Values("Vary"); len(got) != 1 {
		t.Errorf("Vary = %q: * covers everything", got)
	}
}
