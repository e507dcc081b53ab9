package csrfx

import (
	"net/http"
	"strings"
)

// readSecretCookie finds the CSRF cookie among the request's Cookie headers without
// allocating (http.Request.Cookie allocates a *Cookie for every cookie it parses).
//
// Parsing follows net/http's readCookies (and so browsers' serialisation, A8): pairs split
// on ";", names compared exactly after trimming, values with optional double quotes and only
// cookie-octets. When several cookies share the name (an old cookie on another path, or a
// tossed one, gorilla/csrf#152), the first well-formed one wins; if none is well-formed, the
// first one is returned with its format error, so the failure names the real problem.
func readSecretCookie(h http.Header, name string) (value string, ferr formatError, found bool) {
	for _, line := range h["Cookie"] {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = trimCookieSpace(part)
			if part == "" {
				continue
			}
			n, v, _ := strings.Cut(part, "=")
			if trimCookieSpace(n) != name {
				continue
			}
			v, ok := cookieValue(v)
			if !ok {
				continue // net/http drops cookies with invalid octets: so do we.
			}
			f := checkFormat(v)
			if f == formatOK {
				return v, formatOK, true
			}
			if !found {
				value, ferr, found = v, f, true
			}
		}
	}
	return value, ferr, found
}

// trimCookieSpace is textproto.TrimString: ASCII space, tab, CR and LF on both ends.
func trimCookieSpace(s string) string {
	for len(s) > 0 && isCookieSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isCookieSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isCookieSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// cookieValue is net/http's parseCookieValue: optional surrounding double quotes, then
// only bytes 0x20–0x7e other than '"', ';' and '\'.
func cookieValue(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		if b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return "", false
		}
	}
	return raw, true
}

// cookieSpec is the compiled cookie configuration.
type cookieSpec struct {
	name     string // with the __Host- prefix when it applies
	maxAge   int    // seconds; 0 for a session cookie
	domain   string
	path     string
	secure   bool
	httpOnly bool
	sameSite http.SameSite
}

// setCookie is the Set-Cookie header value for secret.
func (s *cookieSpec) setCookie(secret string) string {
	c := http.Cookie{
		Name:     s.name,
		Value:    secret,
		MaxAge:   s.maxAge,
		Domain:   s.domain,
		Path:     s.path,
		Secure:   s.secure,
		HttpOnly: s.httpOnly,
		SameSite: s.sameSite,
	}
	return c.String()
}

// replaceSetCookie puts value as the only Set-Cookie for the cookie named name in h,
// keeping every other Set-Cookie. Writing the cookie twice in one response (a rotation after
// the response pass, Django test 23) must leave one cookie, the last one.
func replaceSetCookie(h http.Header, name, value string) {
	prefix := name + "="
	old := h["Set-Cookie"]
	kept := old[:0]
	for _, v := range old {
		if !strings.HasPrefix(v, prefix) {
			kept = append(kept, v)
		}
	}
	h["Set-Cookie"] = append(kept, value)
}

// addVary adds a token to the Vary header unless it is already listed (Django's
// patch_vary_headers): a response that depends on the cookie must not be served from a
// shared cache to another user.
func addVary(h http.Header, token string) {
	for _, line := range h["Vary"] {
		for _, v := range strings.Split(line, ",") {
			v = strings.TrimSpace(v)
			if v == "*" || strings.EqualFold(v, token) {
				return
			}
		}
	}
	h.Add("Vary", token)
}
