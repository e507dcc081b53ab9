package authx

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxURLLength is the longest URL, in characters, that URLHasAllowedHostAndScheme accepts.
// Django: MAX_URL_LENGTH.
const MaxURLLength = 2048

// URLHasAllowedHostAndScheme reports whether u is a safe redirect target: a relative URL,
// or an absolute one whose host (with any userinfo, exactly as written) is in allowedHosts
// and whose scheme is http or https (https only when requireHTTPS). It is a port of
// Django's url_has_allowed_host_and_scheme and passes Django's test cases.
//
// A true answer does not make u safe to echo into HTML; it makes it safe to redirect to.
func URLHasAllowedHostAndScheme(u string, allowedHosts []string, requireHTTPS bool) bool {
	u = strings.TrimSpace(u)
	if u == "" {
		return false
	}
	// Browsers treat a backslash as a slash in paths, but it may be part of userinfo: both
	// readings must be safe.
	return hasAllowedHostAndScheme(u, allowedHosts, requireHTTPS) &&
		hasAllowedHostAndScheme(strings.ReplaceAll(u, `\`, "/"), allowedHosts, requireHTTPS)
}

func hasAllowedHostAndScheme(u string, allowedHosts []string, requireHTTPS bool) bool {
	if strings.HasPrefix(u, "///") || utf8.RuneCountInString(u) > MaxURLLength {
		return false
	}
	if r, _ := utf8.DecodeRuneInString(u); r == utf8.RuneError || unicode.Is(unicode.C, r) {
		// A leading control character is ignored by browsers, so "\x08//evil.com" would
		// leave the site.
		return false
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	netloc := p.Host
	if p.User != nil {
		netloc = p.User.String() + "@" + p.Host
	}
	if p.Scheme != "" && netloc == "" {
		// "http:///evil.com", "http:999999999", "javascript:..." — opaque or host-less.
		return false
	}
	scheme := p.Scheme
	if scheme == "" && netloc != "" {
		scheme = "http" // "//host/path" inherits the page's scheme; assume the weaker one
	}
	if netloc != "" && !slices.Contains(allowedHosts, netloc) {
		return false
	}
	switch scheme {
	case "":
		return true
	case "https":
		return true
	case "http":
		return !requireHTTPS
	}
	return false
}

// SafeRedirect returns next when it passes URLHasAllowedHostAndScheme, else fallback.
// A path that starts with "//" is escaped to "/%2F..." so no browser reads it as a host
// (Django's escape_leading_slashes, CVE-2018-14574).
func SafeRedirect(next string, allowedHosts []string, requireHTTPS bool, fallback string) string {
	next = strings.TrimSpace(next)
	if !URLHasAllowedHostAndScheme(next, allowedHosts, requireHTTPS) {
		return fallback
	}
	if strings.HasPrefix(next, "//") && !strings.Contains(next, "://") {
		if p, err := url.Parse(next); err == nil && p.Host != "" && slices.Contains(allowedHosts, p.Host) {
			return next // a scheme-relative URL to an allowed host
		}
		return "/%2F" + strings.TrimLeft(next, "/")
	}
	return next
}
