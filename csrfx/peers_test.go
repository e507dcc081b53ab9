package csrfx

import (
	"errors"
	"net/http"
	"testing"
)

// The scenario tables of gorilla/csrf v1.7.3 (csrf_test.go TestProtectScenarios and
// TestTrustedReferer) and justinas/nosurf v1.2.0 (handler_test.go TestRefererHandling),
// in both storage modes. Where csrfx decides differently, the case says why: csrfx follows
// Django's rules (full origins, HTTPS-only strict Referer), which the peers do not.

type peerCase struct {
	name      string
	get       bool // a safe method
	secure    bool
	host      string
	origin    string
	referer   string
	site      string
	token     string // "valid", "invalid", "" (none, and no cookie)
	viaForm   bool
	want      bool   // request reaches the view
	divergent string // why csrfx differs from the peer, if it does
}

func (pc peerCase) run(t *testing.T, e *env) {
	t.Helper()
	rq := request{method: http.MethodPost, path: "/post", secure: pc.secure, host: pc.host, headers: map[string]string{}}
	if pc.get {
		rq.method = http.MethodGet
	}
	switch pc.token {
	case "valid":
		rq.cookie = ptr(testSecret)
		if pc.viaForm {
			rq.post = ptr(maskedSecret2)
		} else {
			rq.header, rq.hname = ptr(maskedSecret2), "X-CSRF-Token"
		}
	case "invalid":
		rq.cookie = ptr(testSecret)
		rq.header, rq.hname = ptr("this-is-an-invalid-token"), "X-CSRF-Token"
	}
	for k, v := range map[string]string{"Origin": pc.origin, "Referer": pc.referer, "Sec-Fetch-Site": pc.site} {
		if v != "" {
			rq.headers[k] = v
		}
	}
	if pc.divergent != "" {
		t.Logf("differs from the peer: %s", pc.divergent)
	}
	w := e.do(rq)
	if got := w.Code == http.StatusOK; got != pc.want {
		t.Errorf("reached view = %v (status %d), want %v; log:\n%s", got, w.Code, pc.want, e.logs.text())
	}
}

func TestGorillaProtectScenarios(t *testing.T) {
	const host = "www.gorillatoolkit.org"
	cases := []peerCase{
		{name: "safe method pass", get: true, want: true},
		{name: "cleartext POST with trusted origin & valid token pass", origin: "http://www.gorillatoolkit.org", token: "valid", want: true},
		{name: "cleartext POST with untrusted origin reject", origin: "http://www.untrusted-origin.org", token: "valid"},
		{name: "cleartext POST with HTTP origin & invalid token reject", origin: "http://www.gorillatoolkit.org"},
		{name: "cleartext POST without origin with valid token pass", token: "valid", want: true},
		{name: "cleartext POST without origin with invalid token reject"},
		{name: "TLS POST with HTTP origin & no referer & valid token reject", secure: true, origin: "http://www.gorillatoolkit.org", token: "valid"},
		{name: "TLS POST without origin and without referer reject", secure: true, token: "valid"},
		{name: "TLS POST without origin with untrusted referer reject", secure: true, referer: "http://www.invalid-referer.org", token: "valid"},
		{name: "TLS POST without origin with trusted referer & valid token pass", secure: true, referer: "https://external-trusted-origin.test/foobar", token: "valid", want: true},
		{name: "TLS POST without origin from _cleartext_ same domain referer with valid token reject", secure: true, referer: "http://www.gorillatoolkit.org/foobar", token: "valid"},
		{name: "TLS POST without origin from relative referer with valid token", secure: true, referer: "/foobar", token: "valid", want: false,
			divergent: "gorilla passes a relative Referer; browsers always send an absolute one, and Django rejects it as malformed"},
		{name: "TLS POST without origin from relative referer with invalid token reject", secure: true, referer: "/foobar", token: "invalid"},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		// gorilla trusts the host "external-trusted-origin.test"; csrfx takes full origins.
		e := newEnv(t, mode, Config{TrustedOrigins: []string{"https://external-trusted-origin.test"}})
		for _, pc := range cases {
			pc.host = host
			t.Run(pc.name, func(t *testing.T) { pc.run(t, e) })
		}
	})
}

// gorilla's TestTrustedReferer with full origins: the host-only entries gorilla accepts
// (CVE-2025-47909, A2) are configuration errors here.
func TestGorillaTrustedReferer(t *testing.T) {
	cases := []struct {
		trusted []string
		pass    bool
		bad     bool // New refuses the list
	}{
		{trusted: []string{"https://golang.org"}, pass: true},
		{trusted: []string{"https://api.example.com", "https://golang.org"}, pass: true},
		{trusted: []string{"http://golang.org"}},
		{trusted: []string{"http://example.com"}},
		{trusted: []string{"golang.org"}, bad: true},
		{trusted: []string{"example.com"}, bad: true},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		for _, tc := range cases {
			if tc.bad {
				if _, err := New(Config{Storage: mode, TrustedOrigins: tc.trusted}); !errors.Is(err, ErrConfig) {
					t.Errorf("%v: err = %v, want ErrConfig", tc.trusted, err)
				}
				continue
			}
			e := newEnv(t, mode, Config{TrustedOrigins: tc.trusted})
			peerCase{secure: true, host: "www.gorillatoolkit.org", referer: "https://golang.org/", token: "valid", want: tc.pass}.run(t, e)
		}
	})
}

func TestNosurfRefererHandling(t *testing.T) {
	const djangoHTTP = "nosurf checks the Referer on plain HTTP too; Django (and csrfx) does not: on HTTP a network attacker controls every header, the token decides"
	cases := []peerCase{
		{name: "no Referer nor Origin fails on secure requests", secure: true},
		{name: "identical secure Referer passes", secure: true, referer: "https://example.com", want: true},
		{name: "differing Referer fails when Origin is absent", secure: true, referer: "https://attacker.lol"},
		{name: "mismatched Referer scheme fails when Origin is absent", secure: true, referer: "http://example.com"},
		{name: "mismatched Referer on insecure requests", referer: "https://attacker.lol", want: true, divergent: djangoHTTP},
		{name: "mismatched Origin fails on insecure requests", origin: "http://attacker.lol"},
		{name: "mismatched Origin fails on secure requests", origin: "http://attacker.lol", referer: "https://example.com"},
		{name: "mismatched Origin scheme fails on insecure requests", origin: "https://example.com"},
		{name: "mismatched Origin scheme fails on secure requests", secure: true, origin: "http://example.com"},
		{name: "matching Origin passes on insecure requests", origin: "http://example.com", want: true},
		{name: "matching Origin passes on secure requests", secure: true, origin: "https://example.com", want: true},
		{name: "explicitly allowed insecure Origin passes", origin: "http://example.org", referer: "http://attacker.lol", want: true},
		{name: "explicitly allowed insecure Origin passes, despite a secure request", origin: "http://example.org", referer: "http://attacker.lol", want: true},
		{name: "explicitly allowed secure Origin passes", secure: true, origin: "https://api.example.com", referer: "http://attacker.lol", want: true},
		{name: "explicitly allowed secure Origin passes, despite an insecure request", origin: "https://api.example.com", referer: "http://attacker.lol", want: true},
		{name: "allowed http Referer when Origin is absent on HTTPS", secure: true, referer: "http://example.org", want: false,
			divergent: "nosurf passes; Django's rule wants an https Referer on HTTPS, or a network attacker on http://example.org could post (A4)"},
		{name: "Sec-Fetch-Site: same-origin is sufficient", secure: true, site: "same-origin", want: true},
		{name: "Sec-Fetch-Site: same-site does not pass", secure: true, site: "same-site"},
		{name: "unknown Sec-Fetch-Site does not pass", secure: true, site: "null"},
		{name: "no origin headers present, secure request does not pass", secure: true},
		{name: "no origin headers present, insecure request", want: true, divergent: djangoHTTP},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{TrustedOrigins: []string{"https://api.example.com", "http://example.org"}})
		for _, pc := range cases {
			pc.host, pc.token, pc.viaForm = "example.com", "valid", true
			t.Run(pc.name, func(t *testing.T) { pc.run(t, e) })
		}
	})
}
