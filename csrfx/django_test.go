package csrfx

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Django's CsrfViewMiddlewareTestMixin (tests/csrf_tests/tests.py @ 9002660), scenario by
// scenario, numbered as in the reference checklist (§5 B–F); §5 A is in token_test.go.
// Every test runs in cookie and in session storage, as Django runs the mixin twice.

// §5 B10: no cookie → "CSRF cookie not set." (this is what stops login CSRF).
func TestDjango10NoCookie(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		w := e.do(request{method: http.MethodPost, post: ptr(maskedSecret2)})
		e.expectReject(t, w, "CSRF cookie not set.")
	})
}

// §5 B11–B13: cookie present, token missing or bad, from the form or the header.
func TestDjango11to13BadOrMissingToken(t *testing.T) {
	cases := []struct {
		post, header *string
		want         string
	}{
		{nil, nil, "CSRF token missing."},
		{ptr(strings.Repeat("a", 16)), nil, "CSRF token from POST has incorrect length."},
		{ptr(strings.Repeat("*", 64)), nil, "CSRF token from POST has invalid characters."},
		{ptr(strings.Repeat("a", 64)), nil, "CSRF token from POST incorrect."},
		{nil, ptr(strings.Repeat("a", 16)), "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length."},
		{nil, ptr(strings.Repeat("*", 64)), "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters."},
		{nil, ptr(strings.Repeat("a", 64)), "CSRF token from the 'X-Csrftoken' HTTP header incorrect."},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, tc := range cases {
			t.Run(tc.want, func(t *testing.T) {
				rq := request{method: http.MethodPost, cookie: ptr(maskedSecret1), post: tc.post, header: tc.header}
				if tc.post == nil && tc.header == nil {
					rq.body, rq.ctype = "name=x", "application/x-www-form-urlencoded"
				}
				w := e.do(rq)
				e.expectReject(t, w, tc.want)
				if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q, want Django's text/html; charset=utf-8", ct)
				}
			})
		}
	})
}

// §5 B14 and B16: a custom header name is read and appears in the reason.
func TestDjango14and16CustomHeaderName(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{HeaderNames: []string{"X-CSRFToken-Customized"}})
		w := e.do(request{method: http.MethodPost, cookie: ptr(maskedSecret1), header: ptr(strings.Repeat("a", 16)), hname: "X-CSRFToken-Customized"})
		e.expectReject(t, w, "CSRF token from the 'X-Csrftoken-Customized' HTTP header has incorrect length.")
		e.expectOK(t, e.do(request{method: http.MethodPost, cookie: ptr(maskedSecret1), header: ptr(maskedSecret2), hname: "X-CSRFToken-Customized"}))
		// The default header is not read when another is configured.
		e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(maskedSecret1), header: ptr(maskedSecret2)}), "CSRF token missing.")
	})
}

// §5 B15, B16: cookie plus a valid token in the form or the header.
func TestDjango15and16ValidToken(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		e.expectOK(t, e.do(postWithToken("")))
		e.expectOK(t, e.do(request{method: http.MethodPost, cookie: ptr(maskedSecret1), header: ptr(maskedSecret2)}))
		for _, h := range []string{"X-CSRF-Token", "X-XSRF-TOKEN", "x-csrftoken"} {
			e.expectOK(t, e.do(request{method: http.MethodPost, cookie: ptr(maskedSecret1), header: ptr(maskedSecret2), hname: h}))
		}
	})
}

// §5 B17: every combination of {masked, bare} stored secret × {masked, bare} token ×
// {form, header}.
func TestDjango17MaskedUnmaskedCombinations(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, stored := range []string{testSecret, maskedSecret1} {
			for _, tok := range []string{testSecret, maskedSecret2} {
				for _, viaHeader := range []bool{false, true} {
					rq := request{method: http.MethodPost, path: "/token", cookie: ptr(stored)}
					if viaHeader {
						rq.header = ptr(tok)
					} else {
						rq.post = ptr(tok)
					}
					e.expectOK(t, e.do(rq))
				}
			}
		}
	})
}

// §5 B18: PUT and DELETE are protected, and pass with a header token.
func TestDjango18PutAndDelete(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, method := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
			e.expectReject(t, e.do(request{method: method}), "CSRF cookie not set.")
			e.expectOK(t, e.do(request{method: method, cookie: ptr(maskedSecret1), header: ptr(maskedSecret2)}))
		}
	})
}

// §5 B19: an exempt view accepts a POST without a token, and Token still works on it.
func TestDjango19ExemptView(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		w := e.do(request{method: http.MethodPost, path: "/exempt", cookie: ptr(maskedSecret1)})
		e.expectOK(t, w)
		checkTokenPresent(t, w, testSecret)
		if !strings.Contains(e.logs.text(), "route is exempt") {
			t.Errorf("exemption not logged:\n%s", e.logs.text())
		}
	})
}

// §5 C20: a view that never uses a token gets no cookie, so it stays cacheable.
func TestDjango20NoCookieWithoutToken(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		w := e.do(request{path: "/post"})
		e.expectOK(t, w)
		if got := e.stored(w); got != "" {
			t.Errorf("a secret was stored: %q", got)
		}
		if v := w.Header().Get("Vary"); v != "" {
			t.Errorf("Vary: %q on a page without a token", v)
		}
	})
}

// §5 C21: the template tag with no cookie, an empty cookie, an existing cookie, and a
// cookie the middleware creates.
func TestDjango21TemplateTag(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for name, cookie := range map[string]*string{"no cookie": nil, "empty cookie": ptr("")} {
			w := e.do(request{path: "/token", cookie: cookie})
			e.expectOK(t, w)
			secret := e.stored(w)
			if len(secret) != SecretLength {
				t.Fatalf("%s: stored %q", name, secret)
			}
			checkTokenPresent(t, w, secret)
		}
		w := e.do(request{path: "/token", cookie: ptr(maskedSecret1)})
		checkTokenPresent(t, w, testSecret)
		w = e.do(request{path: "/requires", cookie: ptr(maskedSecret1)})
		checkTokenPresent(t, w, testSecret)
	})
}

// §5 C22: an accepted POST does not change the secret.
func TestDjango22CookieNotResetOnAcceptedRequest(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		rq := postWithToken("")
		rq.path = "/token"
		w := e.do(rq)
		e.expectOK(t, w)
		if got := e.stored(w); got != testSecret {
			t.Errorf("secret after an accepted POST = %q, want %q", got, testSecret)
		}
	})
}

// §5 C23: a rotation after the response pass of the innermost decorator is still sent,
// and only the rotated secret reaches the client.
func TestDjango23RotateAfterResponsePass(t *testing.T) {
	withAndWithoutMiddleware(t, func(t *testing.T, e *env, _ bool) {
		mode := e.mode
		rq := postWithToken("")
		rq.path = "/sandwich"
		w := e.do(rq)
		e.expectOK(t, w)
		final := e.stored(w)
		if len(final) != SecretLength || final == testSecret {
			t.Fatalf("final secret %q: not rotated", final)
		}
		set := e.cookiesSet(w)
		if set[len(set)-1] != final {
			t.Errorf("secrets written %q, last is not the final %q", set, final)
		}
		if mode == StorageSession && (len(set) != 2 || set[0] != testSecret) {
			t.Errorf("secrets written %q, want Django's [%s, <new>]", set, testSecret)
		}
		if mode == StorageCookie && len(e.setCookies(w)) != 1 {
			t.Errorf("Set-Cookie lines %q, want one", e.setCookies(w))
		}
	})
}

// §5 C24: EnsureCookie sets the cookie and Vary: Cookie, with and without the middleware,
// and logs no warning.
func TestDjango24EnsureCookie(t *testing.T) {
	withAndWithoutMiddleware(t, func(t *testing.T, e *env, _ bool) {
		w := e.do(request{path: "/ensure"})
		e.expectOK(t, w)
		if got := e.stored(w); len(got) != SecretLength {
			t.Errorf("stored %q", got)
		}
		if !strings.Contains(w.Header().Get("Vary"), "Cookie") {
			t.Errorf("Vary %q", w.Header().Get("Vary"))
		}
		if r := e.logs.reasons(); len(r) != 0 {
			t.Errorf("warnings: %q", r)
		}
	})
}

// §5 C25: EnsureCookie and Protect on one view write the secret exactly once.
func TestDjango25SetCookieCalledOnce(t *testing.T) {
	withAndWithoutMiddleware(t, func(t *testing.T, e *env, _ bool) {
		rq := postWithToken("")
		rq.path = "/ensured_protected"
		w := e.do(rq)
		e.expectOK(t, w)
		if got := e.cookiesSet(w); len(got) != 1 || got[0] != testSecret {
			t.Errorf("secrets written %q, want [%s]", got, testSecret)
		}
	})
}

// §5 C26: CookieAge (and a session cookie), SameSite and the other cookie settings.
func TestDjango26CookieSettings(t *testing.T) {
	yes := true
	e := newEnv(t, StorageCookie, Config{CookieName: "csrfcookie", CookieDomain: ".example.com", CookieAge: 123 * time.Second, CookiePath: "/test/", CookieSecure: &yes, CookieHTTPOnly: true})
	sc := e.setCookies(e.do(request{path: "/token"}))
	if len(sc) != 1 {
		t.Fatalf("Set-Cookie %q", sc)
	}
	for _, want := range []string{"csrfcookie=", "Max-Age=123", "Domain=example.com", "Path=/test/", "Secure", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(sc[0], want) {
			t.Errorf("%q lacks %q", sc[0], want)
		}
	}
	e = newEnv(t, StorageCookie, Config{CookieName: "csrfcookie", CookieAge: -1, CookieSameSite: "Strict"})
	sc = e.setCookies(e.do(request{path: "/token"}))
	if len(sc) != 1 || strings.Contains(sc[0], "Max-Age") || strings.Contains(sc[0], "Expires") || !strings.Contains(sc[0], "SameSite=Strict") {
		t.Errorf("session cookie with SameSite=Strict: %q", sc)
	}
	e = newEnv(t, StorageCookie, Config{})
	sc = e.setCookies(e.do(request{path: "/token"}))
	for _, want := range []string{"csrftoken=", "Max-Age=31449600", "Path=/", "SameSite=Lax"} {
		if len(sc) != 1 || !strings.Contains(sc[0], want) {
			t.Errorf("default cookie %q lacks %q", sc, want)
		}
	}
	if strings.Contains(sc[0], "HttpOnly") || strings.Contains(sc[0], "Secure") {
		t.Errorf("default test-mode cookie %q should be neither HttpOnly (Django) nor Secure (not release mode)", sc[0])
	}
}

// §5 C27: a malformed stored secret on POST is rejected with a "CSRF cookie" reason.
func TestDjango27BadCookieOnPost(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		e.expectReject(t, e.do(postWithToken(strings.Repeat("*", 64))), "CSRF cookie has invalid characters.")
		e.expectReject(t, e.do(postWithToken(strings.Repeat("a", 16))), "CSRF cookie has incorrect length.")
	})
}

// §5 C28: a 100 000-character cookie, or one with other characters, is replaced on GET.
func TestDjango28MalformedCookieReplacedOnTokenView(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		bad := ("!@#" + maskedSecret2)[:TokenLength]
		for _, cookie := range []string{strings.Repeat("x", 100000), bad} {
			w := e.do(request{path: "/token", cookie: ptr(cookie)})
			e.expectOK(t, w)
			got := e.stored(w)
			if len(got) != SecretLength || got == cookie {
				t.Errorf("cookie %.10q… replaced by %q", cookie, got)
			}
			checkTokenPresent(t, w, got)
		}
	})
}

// §5 C29: a malformed cookie is replaced on GET even without a token; a valid one (masked
// or not) is not re-sent.
func TestDjango29CookieReplacementOnGet(t *testing.T) {
	e := newEnv(t, StorageCookie, Config{})
	w := e.do(request{path: "/protected", cookie: ptr("badvalue")})
	e.expectOK(t, w)
	if got := e.stored(w); len(got) != SecretLength {
		t.Errorf("malformed cookie not replaced: %q", got)
	}
	for _, cookie := range []string{testSecret, maskedSecret1} {
		w := e.do(request{path: "/protected", cookie: ptr(cookie)})
		if got := e.stored(w); got != "" {
			t.Errorf("valid cookie %q re-sent as %q", cookie, got)
		}
	}
}

// §5 C30: a legacy masked cookie is accepted and replaced by the bare secret; a bare one is
// kept.
func TestDjango30MaskedCookieReplaced(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, cookie := range []string{maskedSecret1, testSecret} {
			rq := postWithToken(cookie)
			rq.path = "/token"
			w := e.do(rq)
			e.expectOK(t, w)
			if got := e.stored(w); got != testSecret {
				t.Errorf("cookie %q: stored %q, want %q", cookie, got, testSecret)
			}
			checkTokenPresent(t, w, testSecret)
		}
	})
}

// §5 C31: session storage without a session: 500 and the cause logged (Django raises
// ImproperlyConfigured with this message).
func TestDjango31NoSessionOnRequest(t *testing.T) {
	e := newEnv(t, StorageSession, Config{}, withoutSession)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		w := e.do(request{method: method})
		if w.Code != http.StatusInternalServerError {
			t.Fatalf("%s: status %d, want 500", method, w.Code)
		}
		if !strings.Contains(e.logs.text(), "the sessions middleware must come before csrf") {
			t.Errorf("log lacks the cause:\n%s", e.logs.text())
		}
	}
}

// §5 C32: the session is not written when the secret did not change.
func TestDjango32SessionNotModified(t *testing.T) {
	e := newEnv(t, StorageSession, Config{})
	w := e.do(request{path: "/ensure"})
	secret := e.stored(w)
	if len(secret) != SecretLength {
		t.Fatalf("stored %q", secret)
	}
	e.do(request{path: "/ensure", cookie: ptr(secret)})
	if got := e.cookiesSet(nil); len(got) != 0 {
		t.Errorf("session written again with %q", got)
	}
}

// §5 C33: a token rendered by a 404 handler stays constant across requests (one secret).
func TestDjango33TokenOn404StaysConstant(t *testing.T) {
	e := newEnv(t, StorageCookie, Config{})
	e.engine.NoRoute(func(c *gin.Context) { c.String(599, "%s", Token(c)) })
	w1 := e.do(request{path: "/does%20not%20exist/"})
	if w1.Code != 599 {
		t.Fatalf("status %d", w1.Code)
	}
	secret := e.stored(w1)
	w2 := e.do(request{path: "/does%20not%20exist/", cookie: ptr(secret)})
	t1, t2 := w1.Body.String(), w2.Body.String()
	if t1 == t2 {
		t.Error("the same masked token twice")
	}
	assertMaskedSecretCorrect(t, t1, unmask(t2))
}

// §5 D34–D42: the strict HTTPS Referer rule, through the middleware.
func TestDjango34to42Referer(t *testing.T) {
	type tc struct {
		name    string
		cfg     Config
		host    string
		referer *string
		want    string // "" for accepted
	}
	cases := []tc{
		{name: "34 bad referer", referer: ptr("https://www.evil.org/somepage"), want: "Referer checking failed - https://www.evil.org/somepage does not match any trusted origins."},
		{name: "35 no referer", want: "Referer checking failed - no Referer."},
		{name: "36 double scheme", referer: ptr("http://http://www.example.com/"), want: "Referer checking failed - Referer is insecure while host is secure."},
		{name: "36 empty", referer: ptr(""), want: "Referer checking failed - Referer is malformed."},
		{name: "36 non-ASCII", referer: ptr("ØBöIß"), want: "Referer checking failed - Referer is malformed."},
		{name: "36 missing scheme", referer: ptr("//example.com/"), want: "Referer checking failed - Referer is malformed."},
		{name: "36 missing netloc", referer: ptr("https://"), want: "Referer checking failed - Referer is malformed."},
		{name: "36 invalid URL", referer: ptr("https://["), want: "Referer checking failed - Referer is malformed."},
		{name: "37 insecure", cfg: Config{CookieDomain: ".example.com"}, referer: ptr("http://example.com/"), want: "Referer checking failed - Referer is insecure while host is secure."},
		{name: "38 good", referer: ptr("https://www.example.com/somepage")},
		{name: "38 good without trailing slash", referer: ptr("https://www.example.com")},
		{name: "40 trusted origin", cfg: Config{TrustedOrigins: []string{"https://dashboard.example.com"}}, referer: ptr("https://dashboard.example.com")},
		{name: "40 wildcard trusted origin", cfg: Config{TrustedOrigins: []string{"https://*.example.com"}}, referer: ptr("https://dashboard.example.com")},
		{name: "41 cookie domain", cfg: Config{CookieDomain: ".example.com"}, referer: ptr("https://foo.example.com/")},
		{name: "41 cookie domain, other port", cfg: Config{CookieDomain: ".example.com"}, host: "www.example.com:4443", referer: ptr("https://foo.example.com:4443/")},
		{name: "42 malformed host", host: "@malformed", referer: ptr("https://www.evil.org/somepage"), want: "Referer checking failed - https://www.evil.org/somepage does not match any trusted origins."},
		{name: "42 malformed host, trusted referer", cfg: Config{TrustedOrigins: []string{"https://dashboard.example.com"}}, host: "@malformed", referer: ptr("https://dashboard.example.com/somepage")},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, mode, c.cfg)
				rq := postWithToken("")
				rq.secure, rq.host = true, c.host
				r := e.build(rq)
				if c.referer != nil {
					r.Header["Referer"] = []string{*c.referer}
				}
				w := e.serve(r)
				if c.want == "" {
					e.expectOK(t, w)
					return
				}
				e.expectReject(t, w, c.want)
				if strings.Contains(w.Body.String(), "evil.org") {
					t.Errorf("the response echoes the Referer: %q", w.Body.String())
				}
			})
		}
	})
}

// §5 E43–E50: the Origin check, on HTTP and HTTPS.
func TestDjango43to50Origin(t *testing.T) {
	type tc struct {
		name   string
		cfg    Config
		secure bool
		host   string
		origin string
		noTok  bool
		want   string
	}
	bad := func(o string) string { return "Origin checking failed - " + o + " does not match any trusted origins." }
	cases := []tc{
		{name: "43 bad domain", origin: "https://www.evil.org", want: bad("https://www.evil.org")},
		{name: "44 null", origin: "null", want: bad("null")},
		{name: "45 bad protocol", secure: true, origin: "http://example.com", want: bad("http://example.com")},
		{name: "46 wildcard, bad protocol", secure: true, cfg: Config{TrustedOrigins: []string{"http://no-match.com", "https://*.example.com", "http://*.no-match.com", "http://*.no-match-2.com"}}, origin: "http://foo.example.com", want: bad("http://foo.example.com")},
		{name: "47 cannot be parsed", origin: "https://[", want: bad("https://[")},
		{name: "48 good insecure", origin: "http://www.example.com"},
		{name: "48 good secure", secure: true, origin: "https://www.example.com"},
		{name: "49 trusted", secure: true, cfg: Config{TrustedOrigins: []string{"https://dashboard.example.com"}}, origin: "https://dashboard.example.com"},
		{name: "49 trusted wildcard", secure: true, cfg: Config{TrustedOrigins: []string{"https://*.example.com"}}, origin: "https://foo.example.com"},
		{name: "50 malformed host", secure: true, host: "@malformed", origin: "https://www.evil.org", noTok: true, want: bad("https://www.evil.org")},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, mode, c.cfg)
				rq := postWithToken("")
				if c.noTok {
					rq = request{method: http.MethodPost}
				}
				rq.secure, rq.host = c.secure, c.host
				rq.headers = map[string]string{"Origin": c.origin}
				w := e.do(rq)
				if c.want == "" {
					e.expectOK(t, w)
					return
				}
				e.expectReject(t, w, c.want)
				if strings.Contains(w.Body.String(), c.origin) && c.origin != "null" {
					t.Errorf("the response echoes the Origin: %q", w.Body.String())
				}
			})
		}
	})
}

// errReader fails every read, like a client that disconnects mid-body.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// §5 F51: an unreadable body is "CSRF token missing." (403, never 500); the read error is
// kept in the chain for the failure handler.
func TestDjango51UnreadableBody(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		var got error
		e := newEnv(t, mode, Config{FailureHandler: func(c *gin.Context, err error) {
			got = err
			c.String(http.StatusForbidden, "no")
		}})
		readErr := errors.New("connection reset")
		r := e.build(request{method: http.MethodPost, cookie: ptr(maskedSecret1), ctype: "application/x-www-form-urlencoded"})
		r.Body = io.NopCloser(errReader{readErr})
		w := e.serve(r)
		e.expectReject(t, w, "CSRF token missing.")
		if !errors.Is(got, ErrTokenMissing) || !errors.Is(got, readErr) {
			t.Errorf("failure handler got %v", got)
		}
	})
}

// rotateOnRequest rotates in process_request, as an authentication middleware below csrf
// may (Django's _check_token comment).
type rotateOnRequest struct{}

func (rotateOnRequest) ProcessRequest(c *gin.Context) { Rotate(c) }

// A rotation before the check does not invalidate the token the page was rendered with;
// the client gets the new secret.
func TestRotationBeforeCheckUsesArrivedSecret(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{}, withAfter(rotateOnRequest{}))
		w := e.do(postWithToken(""))
		e.expectOK(t, w)
		if got := e.stored(w); len(got) != SecretLength || got == testSecret {
			t.Errorf("stored %q, want a rotated secret", got)
		}
	})
}

// §5 D39: behind a proxy that terminates TLS and forwards the host, a good Referer is
// accepted: the request facts give HTTPS and www.example.com, from the trusted proxy only.
func TestDjango39RefererBehindProxy(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{}, withFacts(ginmw.FactsConfig{
			TrustedProxies: []string{"192.0.2.0/24"},
			ProxyHeaders:   []ginmw.ProxyHeader{ginmw.HeaderXForwardedProto, ginmw.HeaderXForwardedHost},
			AllowedHosts:   []string{"www.example.com"},
		}))
		rq := postWithToken("")
		rq.host = "10.0.0.2:8080"
		rq.headers = map[string]string{"X-Forwarded-Host": "www.example.com", "X-Forwarded-Proto": "https", "Referer": "https://www.example.com/somepage"}
		e.expectOK(t, e.do(rq))
		// The strict rule applies, since the request is HTTPS: no Referer, no entry.
		delete(rq.headers, "Referer")
		e.expectReject(t, e.do(rq), "Referer checking failed - no Referer.")
	})
}
