package authx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// Access control on routes and groups: Django's login_required, permission_required,
// user_passes_test and staff_member_required, as gin handlers made by methods of an Auth.
// Each is a route decorator placed before the view, on one route or a whole group:
//
//	r.GET("/profile/", auth.LoginRequired(), profile)
//	admin := r.Group("/admin", auth.StaffRequired())
//	admin.POST("/users/", auth.PermissionRequired("auth.add_user"), addUser)
//
// AccessRule is the long form (Django's decorator arguments); LoginRequired,
// PermissionRequired, UserPassesTest, StaffRequired and SuperuserRequired are the short
// ones. Every check answers the same way when it fails (Django's AccessMixin):
//
//   - an anonymous browser request is redirected to the login URL with the page it asked
//     for in "next", in Django's exact format (redirect_to_login);
//   - an anonymous API request gets 401 with a WWW-Authenticate challenge;
//   - a logged-in user who fails the check gets 403 (Django's function decorators send
//     them to the login page instead, which loops when the login page redirects
//     logged-in users; the class-based mixins answer 403, as djin does);
//   - with RaiseException, anonymous requests get 403 too.
//
// Inside a ginmw chain the 403 is an ErrPermissionDenied error, so the application's error
// handler (Django's handler403) renders it.

// AccessRule configures one access check. The zero value admits every logged-in user.
type AccessRule struct {
	// Test admits a logged-in user; nil admits all. Django: user_passes_test's test_func.
	Test func(c *gin.Context, u *User) bool
	// Permissions the user must all hold ("app_label.codename"; an active superuser holds
	// every one). Django: permission_required.
	Permissions []string
	// LoginURL overrides AuthConfig.LoginURL for this check. Django: login_url.
	LoginURL string
	// RedirectFieldName overrides AuthConfig.RedirectFieldName; "-" sends no next page.
	// Django: redirect_field_name (None).
	RedirectFieldName string
	// RaiseException answers 403 instead of redirecting anonymous users. Django:
	// raise_exception.
	RaiseException bool
}

// Access validates rule and returns its check as a route decorator.
func (a *Auth) Access(rule AccessRule) (gin.HandlerFunc, error) {
	for i, p := range rule.Permissions {
		if _, _, err := ParsePermission(p); err != nil {
			return nil, fmt.Errorf("authx: AccessRule.Permissions[%d]: %w", i, err)
		}
	}
	if rule.LoginURL != "" {
		if err := checkConfigURL(rule.LoginURL); err != nil {
			return nil, fmt.Errorf("authx: AccessRule.LoginURL: %v (got %q)", err, rule.LoginURL)
		}
	}
	if f := rule.RedirectFieldName; f != "" && f != "-" && !validFieldName(f) {
		return nil, fmt.Errorf("authx: AccessRule.RedirectFieldName: want ASCII letters, digits, '_' and '-' (got %q)", f)
	}
	check := &accessCheck{a: a, rule: rule}
	return check.handle, nil
}

// mustAccess is Access for the short forms, whose rules are valid by construction except
// for permission strings, which are start-up constants.
func (a *Auth) mustAccess(rule AccessRule) gin.HandlerFunc {
	h, err := a.Access(rule)
	if err != nil {
		panic(err)
	}
	return h
}

// LoginRequired admits logged-in users. Django: @login_required.
func (a *Auth) LoginRequired() gin.HandlerFunc { return a.mustAccess(AccessRule{}) }

// PermissionRequired admits logged-in users holding every one of perms
// ("app_label.codename"). Like regexp.MustCompile it panics on a malformed permission
// string, which is a constant of the program; use Access to get an error instead.
// Django: @permission_required.
func (a *Auth) PermissionRequired(perms ...string) gin.HandlerFunc {
	return a.mustAccess(AccessRule{Permissions: perms})
}

// UserPassesTest admits logged-in users for whom test returns true. Django:
// @user_passes_test.
func (a *Auth) UserPassesTest(test func(c *gin.Context, u *User) bool) gin.HandlerFunc {
	return a.mustAccess(AccessRule{Test: test})
}

// StaffRequired admits active staff members. Django: @staff_member_required.
func (a *Auth) StaffRequired() gin.HandlerFunc {
	return a.mustAccess(AccessRule{Test: func(_ *gin.Context, u *User) bool { return u.IsActive && u.IsStaff }})
}

// SuperuserRequired admits active superusers.
func (a *Auth) SuperuserRequired() gin.HandlerFunc {
	return a.mustAccess(AccessRule{Test: func(_ *gin.Context, u *User) bool { return u.IsActive && u.IsSuperuser }})
}

type accessCheck struct {
	a    *Auth
	rule AccessRule
}

func (ac *accessCheck) handle(c *gin.Context) {
	u, err := CurrentUserErr(c)
	if errors.Is(err, ErrNoAuthMiddleware) {
		// A protected route without the auth middleware would admit nobody forever; say so
		// loudly instead of redirecting in circles.
		ac.a.log.ErrorContext(c.Request.Context(), "authx: an access check ran without the auth middleware", "route", c.FullPath())
		deny(c, http.StatusInternalServerError, err)
		return
	}
	if u == nil {
		if ac.rule.RaiseException {
			deny(c, http.StatusForbidden, fmt.Errorf("%w: login required", ginmw.ErrPermissionDenied))
			return
		}
		ac.a.requireLogin(c, ac.rule.LoginURL, ac.rule.RedirectFieldName)
		return
	}
	ok, err := ac.allows(c, u)
	if err != nil {
		deny(c, http.StatusInternalServerError, fmt.Errorf("authx: checking permissions: %w", err))
		return
	}
	if !ok {
		deny(c, http.StatusForbidden, fmt.Errorf("%w: %s may not access %s", ginmw.ErrPermissionDenied, u.Username, c.FullPath()))
		return
	}
	c.Next()
}

func (ac *accessCheck) allows(c *gin.Context, u *User) (bool, error) {
	if ac.rule.Test != nil && !ac.rule.Test(c, u) {
		return false, nil
	}
	if len(ac.rule.Permissions) == 0 {
		return true, nil
	}
	return HasPerms(contextOf(c), ac.a.users.Store(), u, ac.rule.Permissions...)
}

func contextOf(c *gin.Context) context.Context { return c.Request.Context() }

// deny answers with an error status. Inside a ginmw chain it raises the error, so the
// chain's error handler (Django's handler403/handler500) writes the page; alone it writes
// ginmw's default error page.
func deny(c *gin.Context, status int, err error) {
	if ginmw.ResponseOf(c) != nil {
		_ = c.Error(&ginmw.StatusError{Status: status, Err: err})
		c.Abort()
		return
	}
	ginmw.DefaultErrorHandler(c, status, err)
	c.Abort()
}

// requireLogin answers an anonymous request that needs a login: 401 for API clients, else
// a redirect to the login page with the current page as next.
func (a *Auth) requireLogin(c *gin.Context, loginURL, field string) {
	if a.isAPI(c) {
		c.Header("WWW-Authenticate", a.wwwAuthenticate)
		c.Header("Cache-Control", "no-store")
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{
			"type": "about:blank", "title": "Unauthorized", "status": http.StatusUnauthorized,
			"detail": "Authentication credentials were not provided.",
		})
		return
	}
	if loginURL == "" {
		loginURL = a.loginURL
	}
	switch field {
	case "":
		field = a.redirectField
	case "-":
		field = ""
	}
	c.Redirect(http.StatusFound, RedirectToLogin(a.nextFor(c, loginURL), loginURL, field))
	c.Abort()
}

// nextFor is the page to come back to after login, as Django's user_passes_test builds it:
// the full path when the login page is on this site (same scheme and host, or relative),
// else the absolute URL.
func (a *Auth) nextFor(c *gin.Context, loginURL string) string {
	full := c.Request.URL.RequestURI()
	scheme, host := ginmw.Scheme(c), ginmw.Host(c)
	ls, lh := splitSchemeHost(loginURL)
	if (ls == "" || ls == scheme) && (lh == "" || lh == host) {
		return full
	}
	return scheme + "://" + host + full
}

// splitSchemeHost returns the scheme (lower-cased) and netloc of a URL, as Python's urlsplit
// does for the two first parts.
func splitSchemeHost(u string) (scheme, netloc string) {
	rest := u
	if i := strings.IndexByte(u, ':'); i > 0 && isScheme(u[:i]) {
		scheme, rest = strings.ToLower(u[:i]), u[i+1:]
	}
	if strings.HasPrefix(rest, "//") {
		netloc = rest[2:]
		if i := strings.IndexAny(netloc, "/?#"); i >= 0 {
			netloc = netloc[:i]
		}
	}
	return scheme, netloc
}

func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// RedirectToLogin returns the login URL with next set in its query string under field,
// exactly as Django's redirect_to_login builds it: an existing value of field is replaced
// in place, other parameters are kept in order, and every value is percent-encoded with only
// letters, digits, "_.-~" and "/" left as they are (QueryDict.urlencode(safe="/")), so
// "/login/?pretty=1" and "/a/b/" give "/login/?pretty=1&next=/a/b/". An empty field leaves
// the login URL unchanged.
func RedirectToLogin(next, loginURL, field string) string {
	if field == "" {
		return loginURL
	}
	base, fragment, hasFragment := strings.Cut(loginURL, "#")
	base, query, _ := strings.Cut(base, "?")
	var b strings.Builder
	b.WriteString(base)
	b.WriteByte('?')
	replaced, first := false, true
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unquotePlus(k), unquotePlus(v)
		if k == field {
			if replaced {
				continue // QueryDict.__setitem__ leaves a single value
			}
			v, replaced = next, true
		}
		if !first {
			b.WriteByte('&')
		}
		first = false
		b.WriteString(quote(k))
		b.WriteByte('=')
		b.WriteString(quote(v))
	}
	if !replaced {
		if !first {
			b.WriteByte('&')
		}
		b.WriteString(quote(field))
		b.WriteByte('=')
		b.WriteString(quote(next))
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(fragment)
	}
	return b.String()
}

// quote is Python's urllib.parse.quote(s, safe="/") on the UTF-8 bytes of s.
func quote(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_.-~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// unquotePlus is Python's unquote_plus: "+" is a space, valid %XX escapes are decoded and
// invalid ones kept as written; invalid UTF-8 becomes U+FFFD, as Python's errors="replace".
func unquotePlus(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return strings.ToValidUTF8(string(out), string(utf8.RuneError))
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// DefaultIsAPIRequest is the rule that sends 401 instead of a login redirect: the request
// carries an Authorization header (any scheme: the client authenticates itself, it is not a
// browser following links), or is an XMLHttpRequest (X-Requested-With), or its Accept header
// ranks JSON above HTML. Browsers navigating send Accept: text/html first and get the
// redirect.
func DefaultIsAPIRequest(c *gin.Context) bool {
	r := c.Request
	if r.Header.Get("Authorization") != "" || strings.EqualFold(r.Header.Get("X-Requested-With"), "XMLHttpRequest") {
		return true
	}
	return acceptsJSONFirst(r.Header.Get("Accept"))
}

// acceptsJSONFirst reports whether an Accept header ranks a JSON type above every HTML one.
func acceptsJSONFirst(accept string) bool {
	if accept == "" {
		return false
	}
	jsonQ, htmlQ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				q = parseQ(strings.TrimSpace(v))
			}
		}
		switch {
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			jsonQ = max(jsonQ, q)
		case mt == "text/html" || mt == "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > htmlQ
}

// parseQ reads a quality value (RFC 9110: 0 to 1 with at most three decimals); anything
// else counts as 0.
func parseQ(s string) float64 {
	if s == "" || len(s) > 5 {
		return 0
	}
	whole := s[0]
	if whole != '0' && whole != '1' {
		return 0
	}
	q := float64(whole - '0')
	if len(s) == 1 {
		return q
	}
	if s[1] != '.' {
		return 0
	}
	scale := 0.1
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || (whole == '1' && s[i] != '0') {
			return 0
		}
		q += float64(s[i]-'0') * scale
		scale /= 10
	}
	return q
}
