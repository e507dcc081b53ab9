package csrfx

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestDefaultFailureHandlerNegotiates(t *testing.T) {
	const origin = "https://evil.example/<script>"
	cases := []struct {
		accept, ctype string
	}{
		{"", "text/html; charset=utf-8"},
		{"text/html,application/xhtml+xml,*/*;q=0.8", "text/html; charset=utf-8"},
		{"application/json", "application/json; charset=utf-8"},
		{"text/plain", "text/plain; charset=utf-8"},
	}
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, tc := range cases {
			rq := postWithToken("")
			rq.headers = map[string]string{"Origin": origin}
			if tc.accept != "" {
				rq.headers["Accept"] = tc.accept
			}
			w := e.do(rq)
			if w.Code != http.StatusForbidden || w.Header().Get("Content-Type") != tc.ctype {
				t.Errorf("Accept %q: %d %q", tc.accept, w.Code, w.Header().Get("Content-Type"))
			}
			if strings.Contains(w.Body.String(), "evil.example") || strings.Contains(w.Body.String(), "<script>") {
				t.Errorf("Accept %q: body echoes the Origin: %q", tc.accept, w.Body.String())
			}
			if w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", w.Header().Get("Cache-Control"))
			}
			if tc.accept == "application/json" {
				var body map[string]string
				if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["code"] != "bad_origin" || body["error"] != "csrf_failed" ||
					body["reason"] != "Origin checking failed - the request's Origin does not match any trusted origins." {
					t.Errorf("JSON body %q (%v)", w.Body.String(), err)
				}
			}
		}
	})
}

func TestRejectAlwaysAborts(t *testing.T) {
	m, _ := New(Config{Logger: discardLogger, FailureHandler: func(c *gin.Context, err error) { c.Status(http.StatusTeapot) }})
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest(http.MethodPost, "/", nil)
	m.reject(c, newError(ErrNoCookie, SourceNone))
	if !c.IsAborted() || c.Writer.Status() != http.StatusTeapot {
		t.Errorf("aborted %v, status %d", c.IsAborted(), c.Writer.Status())
	}
}

func TestReportOnly(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{ReportOnly: true})
		w := e.do(request{method: http.MethodPost})
		e.expectOK(t, w)
		if !strings.Contains(e.logs.text(), "report-only") || len(e.logs.reasons()) != 1 {
			t.Errorf("log:\n%s", e.logs.text())
		}
	})
}

// Logs carry the reason, route and client, never a token, cookie or secret.
func TestLogsCarryNoSecrets(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		for _, rq := range []request{
			{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(strings.Repeat("a", 64))},
			{method: http.MethodPost, cookie: ptr(testSecret), post: ptr(maskedSecret1[:40])},
			{method: http.MethodPost, cookie: ptr(maskedSecret1 + "x"), header: ptr(maskedSecret2)},
			{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(maskedSecret2), headers: map[string]string{"Origin": "https://evil.example"}},
		} {
			e.do(rq)
			text := e.logs.text()
			for _, secret := range []string{testSecret, maskedSecret1[:40], maskedSecret2, strings.Repeat("a", 64)} {
				if strings.Contains(text, secret) {
					t.Errorf("log contains a token or secret:\n%s", text)
				}
			}
			for _, want := range []string{"code=", "method=POST", "route=/post", "client_ip="} {
				if !strings.Contains(text, want) {
					t.Errorf("log lacks %q:\n%s", want, text)
				}
			}
		}
	})
}

func TestErrorReasonsAndCodes(t *testing.T) {
	cases := []struct {
		err            *Error
		is             []error
		reason, public string
		code           string
	}{
		{newError(ErrNoCookie, SourceNone), []error{ErrNoCookie}, "CSRF cookie not set.", "CSRF cookie not set.", "no_cookie"},
		{newError(ErrBadTokenLength, SourceCookie), []error{ErrBadTokenLength, ErrBadCookie}, "CSRF cookie has incorrect length.", "CSRF cookie has incorrect length.", "bad_cookie_length"},
		{newError(ErrBadTokenChars, SourceCookie), []error{ErrBadTokenChars, ErrBadCookie}, "CSRF cookie has invalid characters.", "CSRF cookie has invalid characters.", "bad_cookie_characters"},
		{&Error{Kind: ErrTokenIncorrect, Source: SourceForm, Method: "PUT"}, []error{ErrTokenIncorrect}, "CSRF token from PUT incorrect.", "CSRF token from PUT incorrect.", "token_incorrect"},
		{&Error{Kind: ErrBadTokenChars, Source: SourceHeader, Header: "x-xsrf-token"}, []error{ErrBadTokenChars}, "CSRF token from the 'X-Xsrf-Token' HTTP header has invalid characters.", "CSRF token from the 'X-Xsrf-Token' HTTP header has invalid characters.", "bad_token_characters"},
		{newValueError(ErrBadOrigin, "https://evil.example"), []error{ErrBadOrigin}, "Origin checking failed - https://evil.example does not match any trusted origins.", "Origin checking failed - the request's Origin does not match any trusted origins.", "bad_origin"},
		{newValueError(ErrBadReferer, "https://evil.example/x"), []error{ErrBadReferer}, "Referer checking failed - https://evil.example/x does not match any trusted origins.", "Referer checking failed - the request's Referer does not match any trusted origins.", "bad_referer"},
		{newValueError(ErrCrossSite, "cross-site"), []error{ErrCrossSite}, `Sec-Fetch-Site checking failed - "cross-site" is not same-origin and the Origin is not trusted.`, "Sec-Fetch-Site checking failed - cross-origin request and the Origin is not trusted.", "cross_site"},
		{newError(ErrNoReferer, SourceNone), []error{ErrNoReferer}, "Referer checking failed - no Referer.", "Referer checking failed - no Referer.", "no_referer"},
		{newValueError(ErrInsecureReferer, "http://x"), []error{ErrInsecureReferer}, "Referer checking failed - Referer is insecure while host is secure.", "Referer checking failed - Referer is insecure while host is secure.", "insecure_referer"},
		{newValueError(ErrMalformedReferer, "x"), []error{ErrMalformedReferer}, "Referer checking failed - Referer is malformed.", "Referer checking failed - Referer is malformed.", "malformed_referer"},
		{newError(ErrTokenMissing, SourceNone), []error{ErrTokenMissing}, "CSRF token missing.", "CSRF token missing.", "token_missing"},
	}
	for _, tc := range cases {
		for _, target := range tc.is {
			if !errors.Is(tc.err, target) {
				t.Errorf("%v is not %v", tc.err, target)
			}
		}
		if tc.err.Reason() != tc.reason || tc.err.PublicReason() != tc.public || tc.err.Code() != tc.code {
			t.Errorf("got %q / %q / %q", tc.err.Reason(), tc.err.PublicReason(), tc.err.Code())
		}
		if tc.err.Error() != "csrfx: "+tc.public {
			t.Errorf("Error() = %q", tc.err.Error())
		}
	}
	if long := newValueError(ErrBadOrigin, strings.Repeat("x", 1000)); len(long.Value) > maxReportedValue+4 {
		t.Errorf("value not truncated: %d bytes", len(long.Value))
	}
	if errors.Is(newError(ErrBadTokenLength, SourceHeader), ErrBadCookie) {
		t.Error("a bad header token is not a bad cookie")
	}
}
