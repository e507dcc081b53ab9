package csrfx

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// One regression test per known attack of the reference's §6 (A1–A16), each in cookie and
// session storage.

// A1: the scheme must come from the connection (request facts), never r.URL.Scheme, which
// is empty on server requests. A sibling subdomain that planted its own cookie and token
// is stopped by the origin layer on HTTPS.
func TestAttackA1SchemeFromFacts(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, h := range []map[string]string{
			{"Referer": "https://evil.example.com/"},
			{"Origin": "https://evil.example.com"},
			{"Origin": "https://evil.example.com", "Sec-Fetch-Site": "same-site"},
			{},
		} {
			rq := postWithToken("") // the attacker's own valid pair
			rq.secure, rq.headers = true, h
			r := e.build(rq)
			if r.URL.Scheme != "" {
				t.Fatalf("server requests have no URL scheme, got %q", r.URL.Scheme)
			}
			if w := e.serve(r); w.Code != http.StatusForbidden {
				t.Errorf("%v: status %d, want 403", h, w.Code)
			}
		}
	})
}

// A2: trusted origins are full origins: a host-only entry is refused, and an http origin
// never matches an https entry.
func TestAttackA2TrustedOriginsAreOrigins(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		if _, err := New(Config{Storage: mode, TrustedOrigins: []string{"trusted.example"}}); !errors.Is(err, ErrConfig) {
			t.Errorf("host-only entry: err = %v", err)
		}
		e := newEnv(t, mode, Config{TrustedOrigins: []string{"https://trusted.example"}})
		rq := postWithToken("")
		rq.secure, rq.headers = true, map[string]string{"Origin": "http://trusted.example"}
		e.expectReject(t, e.do(rq), "Origin checking failed - http://trusted.example does not match any trusted origins.")
		rq.headers["Origin"] = "https://trusted.example"
		e.expectOK(t, e.do(rq))
	})
}

// A3: an exemption covers the route gin matched, nothing gin would redirect or clean
// into it, and no other route.
func TestAttackA3ExemptionIsTheMatchedRoute(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		var exemptRan bool
		e.engine.POST("/x", Exempt, func(c *gin.Context) { exemptRan = true; c.String(200, "exempt") })
		e.engine.POST("/x/", okView)
		for _, path := range []string{"/x/", "/a/../x", "/x//", "/X"} {
			exemptRan = false
			w := e.do(request{method: http.MethodPost, path: path, cookie: ptr(maskedSecret1)})
			if exemptRan || w.Code == http.StatusOK {
				t.Errorf("%s: status %d, exempt view ran %v", path, w.Code, exemptRan)
			}
		}
		e.engine.RedirectFixedPath = true
		w := e.do(request{method: http.MethodPost, path: "/a/../x", cookie: ptr(maskedSecret1)})
		if exemptRan || w.Code == http.StatusOK {
			t.Errorf("cleaned path: status %d, exempt view ran %v (a redirect is fine)", w.Code, exemptRan)
		}
		exemptRan = false
		e.expectOK(t, e.do(request{method: http.MethodPost, path: "/x"}))
		if !exemptRan {
			t.Error("the exempt route itself did not run")
		}
	})
}

// A4: HTTP→HTTPS: an http Origin on an HTTPS request is cross-origin, even without
// Sec-Fetch-Site, in every mode (net/http fails open here).
func TestAttackA4SchemeDowngrade(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		for _, m := range []Mode{Both, OriginOnly} {
			e := newEnv(t, mode, Config{Mode: m})
			rq := postWithToken("")
			rq.secure, rq.headers = true, map[string]string{"Origin": "http://www.example.com"}
			e.expectReject(t, e.do(rq), "Origin checking failed - http://www.example.com does not match any trusted origins.")
		}
	})
}

// A5: user info in the Origin is never the site's origin nor a trusted one.
func TestAttackA5UserInfoInOrigin(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{TrustedOrigins: []string{"https://trusted.example"}})
		for _, o := range []string{"http://evil@www.example.com", "https://evil@trusted.example", "https://evil:pw@trusted.example"} {
			rq := postWithToken("")
			rq.headers = map[string]string{"Origin": o}
			w := e.do(rq)
			if w.Code != http.StatusForbidden {
				t.Errorf("%s: status %d", o, w.Code)
			}
		}
		if _, err := New(Config{Storage: mode, TrustedOrigins: []string{"https://evil@trusted.example"}}); !errors.Is(err, ErrConfig) {
			t.Errorf("user info in a trusted origin: err = %v", err)
		}
	})
}

// A6: Sec-Fetch-Site: same-origin (or none) never skips the token in the default mode.
func TestAttackA6FetchMetadataDoesNotSkipToken(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, site := range []string{"same-origin", "none"} {
			h := map[string]string{"Sec-Fetch-Site": site}
			e.expectReject(t, e.do(request{method: http.MethodPost, headers: h}), "CSRF cookie not set.")
			e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(testSecret), headers: h, body: "a=b", ctype: "application/x-www-form-urlencoded"}), "CSRF token missing.")
			e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(strings.Repeat("a", 64)), headers: h}), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
		}
	})
}

// A7: cookie tossing. In session storage a planted cookie and token do not match the
// victim's session. In cookie storage, a Secure cookie is "__Host-" prefixed, so a cookie
// a subdomain or a plain-HTTP page plants under the bare name is not read; and the origin
// layer rejects the sibling anyway.
func TestAttackA7CookieTossing(t *testing.T) {
	secure := true
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{CookieSecure: &secure})
		victim := newSecret()
		attacker := newSecret()
		rq := request{method: http.MethodPost, secure: true, header: ptr(maskSecret(attacker)),
			headers: map[string]string{"Origin": "https://www.example.com"}}
		r := e.build(rq)
		r.Header.Add("Cookie", "csrftoken="+attacker) // planted under the bare name
		if mode == StorageSession {
			r.Header.Set(headerTestSession, victim)
			e.expectReject(t, e.serve(r), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
			return
		}
		if e.m.CookieName() != "__Host-csrftoken" {
			t.Fatalf("cookie name %q, want the __Host- prefix", e.m.CookieName())
		}
		e.expectReject(t, e.serve(r), "CSRF cookie not set.")
		r = e.build(rq)
		r.Header.Add("Cookie", "__Host-csrftoken="+victim+"; csrftoken="+attacker)
		e.expectReject(t, e.serve(r), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
	})
}

// A8: the cookie parser reads what browsers send and nothing else: a name inside another
// cookie's value, a comma-joined pair or a longer name is not the CSRF cookie.
func TestAttackA8CookieParserInjection(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, header := range []string{
			"__utmz=1.2.3|utmcct=csrftoken=" + testSecret,
			"a=b,csrftoken=" + testSecret,
			"xcsrftoken=" + testSecret,
			"csrftokenx=" + testSecret,
			`a="x;csrftoken=` + testSecret + `"`,
		} {
			r := e.build(request{method: http.MethodPost, header: ptr(maskedSecret2)})
			r.Header.Set("Cookie", header)
			w := e.serve(r)
			if mode == StorageSession {
				e.expectReject(t, w, "CSRF cookie not set.")
				continue
			}
			want := "CSRF cookie not set."
			if strings.HasPrefix(header, `a="x;`) {
				// The quoted value is split at ";" as browsers do, leaving
				// `csrftoken=<secret>"`, which is not a valid cookie-value.
				want = "CSRF cookie not set."
			}
			e.expectReject(t, w, want)
		}
	})
}

// A9: a hostile cookie value never reaches a page: it fails the format check and is
// replaced, and the rendered field is escaped.
func TestAttackA9ReflectedCookie(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		evil := `x"><script>alert(1)</script>`
		w := e.do(request{path: "/token", cookie: ptr(evil)})
		e.expectOK(t, w)
		if strings.Contains(w.Body.String(), "<script>") || strings.Contains(w.Body.String(), "alert") {
			t.Fatalf("cookie reflected: %q", w.Body.String())
		}
		checkTokenPresent(t, w, e.stored(w))
	})
}

// A10: no header makes a request trusted: X-Requested-With is not a token.
func TestAttackA10NoAjaxExemption(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		h := map[string]string{"X-Requested-With": "XMLHttpRequest", "Origin": "http://www.example.com"}
		e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(testSecret), headers: h}), "CSRF token missing.")
	})
}

// A12: BREACH: every token is freshly masked and the secret never appears in a page.
func TestAttackA12Breach(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		e.engine.GET("/two", func(c *gin.Context) { c.String(200, "%s %s", Token(c), Token(c)) })
		w := e.do(request{path: "/two", cookie: ptr(testSecret)})
		parts := strings.Fields(w.Body.String())
		if len(parts) != 2 || parts[0] == parts[1] {
			t.Fatalf("tokens %q: not freshly masked", parts)
		}
		if strings.Contains(w.Body.String(), testSecret) {
			t.Fatal("the secret appears in the page")
		}
		for _, p := range parts {
			assertMaskedSecretCorrect(t, p, testSecret)
		}
	})
}

// A13: the token is never read from the query string.
func TestAttackA13NoTokenInURL(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, path := range []string{"/post?csrfmiddlewaretoken=" + maskedSecret2, "/post?_csrf=" + maskedSecret2} {
			e.expectReject(t, e.do(request{method: http.MethodPost, path: path, cookie: ptr(testSecret)}), "CSRF token missing.")
		}
	})
}

// A14: the comparison is constant-time: tokenMatchesBytes compares with
// crypto/subtle.ConstantTimeCompare and nothing in the token path compares secrets with ==.
// (Timing itself is not measured: tests never assert on time.)
func TestAttackA14ConstantTimeCompare(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "token.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var usesSubtle, found bool
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "tokenMatchesBytes" {
			return true
		}
		found = true
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "subtle" && n.Sel.Name == "ConstantTimeCompare" {
					usesSubtle = true
				}
			case *ast.BinaryExpr:
				if n.Op == token.EQL {
					if _, lit := n.Y.(*ast.BasicLit); !lit {
						t.Errorf("tokenMatchesBytes compares with == at %s", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
		return false
	})
	if !found || !usesSubtle {
		t.Fatalf("tokenMatchesBytes found %v, uses subtle.ConstantTimeCompare %v", found, usesSubtle)
	}
	// And behaviourally: a token differing in its last character does not match.
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		near := testSecret[:SecretLength-1] + "D"
		e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(near)}), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
	})
}

// A15: a failure handler that neither writes nor aborts still stops the request: csrfx
// aborts, and answers 403 when the handler wrote nothing.
func TestAttackA15FailureHandlerCannotContinue(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{FailureHandler: func(*gin.Context, error) {}})
		var ran bool
		e.engine.POST("/guarded", func(c *gin.Context) { ran = true; c.String(200, "state changed") })
		w := e.do(request{method: http.MethodPost, path: "/guarded"})
		if ran || w.Code != http.StatusForbidden {
			t.Fatalf("view ran %v, status %d", ran, w.Code)
		}
		// Outside a chain too (the Middleware's own handler).
		r := gin.New()
		m, _ := New(Config{Storage: StorageCookie, Logger: discardLogger, FailureHandler: func(*gin.Context, error) {}})
		r.Use(m.Handler())
		r.POST("/guarded", func(c *gin.Context) { ran = true })
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/guarded", nil))
		if ran || rec.Code != http.StatusForbidden {
			t.Fatalf("standalone: view ran %v, status %d", ran, rec.Code)
		}
	})
}

// A16: exemptions are exact routes: a route whose path merely contains an exempt one, or
// a query that names one, is checked; an exempt group covers only its own routes.
func TestAttackA16NoOverBroadExemptions(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		e.engine.POST("/api/webhook/x", okView)
		hooks := e.engine.Group("/hooks", Exempt)
		hooks.POST("/in", okView)
		e.engine.POST("/hooksx/in", okView)
		for _, path := range []string{"/api/x?next=/webhook/", "/api/webhook/x", "/hooksx/in"} {
			w := e.do(request{method: http.MethodPost, path: path})
			if w.Code != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", path, w.Code)
			}
		}
		e.expectOK(t, e.do(request{method: http.MethodPost, path: "/webhook/anything"}))
		e.expectOK(t, e.do(request{method: http.MethodPost, path: "/hooks/in"}))
	})
}

// The route-marker decision is made on the matched route even when the Middleware sits in
// a group chain rather than on the engine.
func TestExemptWithGroupChain(t *testing.T) {
	m, err := New(Config{Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	g := r.Group("/g", ginmw.Chain(m))
	g.POST("/open", Exempt, okView)
	g.POST("/closed", okView)
	for path, want := range map[string]int{"/g/open": 200, "/g/closed": 403} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, nil))
		if w.Code != want {
			t.Errorf("%s: %d, want %d", path, w.Code, want)
		}
	}
}

// A11: a forged Host (DNS rebinding, a CNAME to the server) makes the Host-derived origin
// the attacker's. With the site's origins configured, the Host is not used; without them,
// the host comes from the request facts, which validate it against the allowed hosts.
func TestAttackA11ForgedHost(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{Origins: []string{"https://www.example.com"}})
		for _, h := range []map[string]string{
			{"Origin": "https://evil.example"},
			{"Origin": "http://evil.example"},
			{"Referer": "https://evil.example/form"},
		} {
			rq := postWithToken("")
			rq.secure, rq.host, rq.headers = true, "evil.example", h
			if w := e.do(rq); w.Code != http.StatusForbidden {
				t.Errorf("Host evil.example, %v: status %d", h, w.Code)
			}
		}
		rq := postWithToken("")
		rq.secure, rq.host = true, "evil.example"
		rq.headers = map[string]string{"Origin": "https://www.example.com"}
		e.expectOK(t, e.do(rq))
	})
}

// Behind a proxy that rewrites Host and terminates TLS (gorilla/csrf#187), the configured
// site origin is what the browser's Origin and Referer are compared with.
func TestProxyRewritesHost(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{Origins: []string{"https://www.example.com"}})
		for _, secure := range []bool{false, true} {
			rq := postWithToken("")
			rq.secure, rq.host = secure, "10.0.0.2:8080"
			rq.headers = map[string]string{"Origin": "https://www.example.com"}
			e.expectOK(t, e.do(rq))
			rq.headers = map[string]string{"Referer": "https://www.example.com/form"}
			e.expectOK(t, e.do(rq))
			rq.headers = map[string]string{"Origin": "http://10.0.0.2:8080"}
			if w := e.do(rq); w.Code != http.StatusForbidden {
				t.Errorf("the internal origin passed: %d", w.Code)
			}
		}
		if _, err := New(Config{Origins: []string{"https://*.example.com"}}); !errors.Is(err, ErrConfig) {
			t.Errorf("wildcard own origin: %v", err)
		}
		if _, err := New(Config{Origins: []string{"www.example.com"}}); err == nil || !strings.Contains(err.Error(), "Config.Origins[0]") {
			t.Errorf("bare host: %v", err)
		}
	})
}

// A11 with the request facts: a Host that is not allowed never reaches csrfx (400), so
// the origin csrfx derives is always one of the site's.
func TestAttackA11AllowedHosts(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{}, withFacts(ginmw.FactsConfig{AllowedHosts: []string{"www.example.com"}}))
		rq := postWithToken("")
		rq.host, rq.headers = "evil.example", map[string]string{"Origin": "http://evil.example"}
		if w := e.do(rq); w.Code != http.StatusBadRequest {
			t.Errorf("forged Host: status %d, want 400 from the facts middleware", w.Code)
		}
		rq.host, rq.headers = "www.example.com", map[string]string{"Origin": "http://www.example.com"}
		e.expectOK(t, e.do(rq))
	})
}

// A20: the scheme and host come from the request facts: forwarded headers count only from
// a trusted proxy.
func TestAttackA20ForwardedHeaders(t *testing.T) {
	proxy := ginmw.FactsConfig{
		TrustedProxies: []string{"192.0.2.0/24"}, // httptest's RemoteAddr
		ProxyHeaders:   []ginmw.ProxyHeader{ginmw.HeaderXForwardedProto, ginmw.HeaderXForwardedHost},
		AllowedHosts:   []string{"www.example.com", "10.0.0.2"},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		forged := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "www.example.com", "Origin": "https://www.example.com"}
		// No trusted proxy: the client's X-Forwarded-Proto is ignored, the request is
		// plain HTTP, and an https Origin is another origin.
		e := newEnv(t, mode, Config{}, withFacts(ginmw.FactsConfig{AllowedHosts: []string{"www.example.com"}}))
		rq := postWithToken("")
		rq.headers = forged
		e.expectReject(t, e.do(rq), "Origin checking failed - https://www.example.com does not match any trusted origins.")
		// From the trusted proxy, the same headers are the truth.
		e = newEnv(t, mode, Config{}, withFacts(proxy))
		rq.host = "10.0.0.2:8080"
		e.expectOK(t, e.do(rq))
	})
}
