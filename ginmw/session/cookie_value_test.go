package session

import (
	"net/http"
	"testing"
)

func TestCookieValue(t *testing.T) {
	for _, tc := range []struct {
		header []string
		want   string
		ok     bool
	}{
		{[]string{"sessionid=abc"}, "abc", true},
		{[]string{"csrftoken=x; sessionid=abc; other=y"}, "abc", true},
		{[]string{`sessionid="abc"`}, "abc", true},
		{[]string{"sessionid=first; sessionid=second"}, "first", true},
		{[]string{"a=1", "sessionid=in-second-header"}, "in-second-header", true},
		{[]string{"xsessionid=abc; sessionidx=def"}, "", false},
		{[]string{"sessionid="}, "", true},
		{[]string{"sessionid"}, "", true},
		{[]string{"sessionid=\"a\\\\b\"; sessionid=ok"}, "ok", true},
		{nil, "", false},
	} {
		got, ok := cookieValue(http.Header{"Cookie": tc.header}, "sessionid")
		if got != tc.want || ok != tc.ok {
			t.Errorf("cookieValue(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

// cookieValue reads the most exposed input there is: it must never panic, and wherever
// net/http finds the session cookie, it must find the same value.
func FuzzCookieValue(f *testing.F) {
	for _, seed := range []string{"sessionid=abc", `a=b; sessionid="q"; c=d`, "sessionid=;;", "=;sessionid", " sessionid = x "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, ok := cookieValue(http.Header{"Cookie": {line}}, "sessionid")
		r := &http.Request{Header: http.Header{"Cookie": {line}}}
		if ck, err := r.Cookie("sessionid"); err == nil && (!ok || got != ck.Value) {
			t.Fatalf("cookieValue(%q) = %q, %v; net/http finds %q", line, got, ok, ck.Value)
		}
	})
}
