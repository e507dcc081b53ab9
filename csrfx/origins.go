package csrfx

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// An origin is "scheme://host[:port]" (RFC 6454): what browsers put in the Origin header.
// csrfx compares origins as (scheme, host, port) with the host compared ASCII
// case-insensitively and an absent port meaning the scheme's default (443 for https, 80
// for http), so "https://Example.com:443" and "https://example.com" are the same origin.
// It never compares hosts alone: "http://example.com" is not "https://example.com" (A2).

// originSet is a compiled TrustedOrigins list.
type originSet struct {
	exact map[string]struct{} // canonical "scheme://host[:port]" (lowercase, default port dropped)
	wild  []wildcardOrigin
	list  []string // canonical entries in configuration order, for logs
}

// wildcardOrigin is Django's "https://*.example.com": the domain itself and every
// subdomain, for one scheme and one port.
type wildcardOrigin struct {
	scheme string // lowercase
	domain string // lowercase, without the "*."
	port   string // "" for the scheme's default port
}

// errBadOrigin is what parseTrustedOrigin wraps, so config errors can say which entry.
var errBadOrigin = errors.New("not a valid origin")

// compileOrigins validates and compiles a list of origins; field names it in errors.
func compileOrigins(field string, entries []string) (*originSet, error) {
	s := &originSet{exact: make(map[string]struct{}, len(entries))}
	for i, e := range entries {
		canon, w, err := parseTrustedOrigin(e)
		if err != nil {
			return nil, fmt.Errorf("%w: Config.%s[%d]: %w (got %q)", ErrConfig, field, i, err, e)
		}
		if w != nil {
			s.wild = append(s.wild, *w)
		} else {
			s.exact[canon] = struct{}{}
		}
		s.list = append(s.list, canon)
	}
	return s, nil
}

// ParseOrigin validates one trusted-origin entry and returns its canonical form: a
// lowercase "scheme://host[:port]" with the default port dropped, or Django's wildcard
// "https://*.example.com". It rejects what Django's check 4_0.E001 and
// net/http.CrossOriginProtection.AddTrustedOrigin reject (a missing scheme or host, a
// path, query or fragment) and more: "null", user info, bare hosts, non-ASCII hosts,
// wildcards anywhere but the leftmost label, and wildcards over a single label ("*.com").
func ParseOrigin(s string) (string, error) {
	canon, _, err := parseTrustedOrigin(s)
	return canon, err
}

func parseTrustedOrigin(s string) (canon string, w *wildcardOrigin, err error) {
	switch {
	case s == "":
		return "", nil, fmt.Errorf("%w: empty", errBadOrigin)
	case strings.EqualFold(s, "null"):
		return "", nil, fmt.Errorf("%w: \"null\" is the origin of sandboxed and privacy-sensitive contexts, and can never be trusted", errBadOrigin)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return "", nil, fmt.Errorf("%w: spaces, control and non-ASCII characters are not allowed (use the punycode form of international names)", errBadOrigin)
		}
	}
	schemeEnd := strings.Index(s, "://")
	if schemeEnd < 0 {
		return "", nil, fmt.Errorf("%w: a scheme is required, as in \"https://%s\" (a bare host would match every scheme)", errBadOrigin, s)
	}
	scheme := strings.ToLower(s[:schemeEnd])
	if !validScheme(scheme) {
		return "", nil, fmt.Errorf("%w: bad scheme %q", errBadOrigin, s[:schemeEnd])
	}
	hostport := s[schemeEnd+3:]
	if i := strings.IndexAny(hostport, "/?#"); i >= 0 {
		return "", nil, fmt.Errorf("%w: an origin has no path, query or fragment (not even a trailing slash)", errBadOrigin)
	}
	if strings.Contains(hostport, "@") {
		return "", nil, fmt.Errorf("%w: user info is not allowed", errBadOrigin)
	}
	host, port, ok := splitHostPort(hostport)
	if !ok || host == "" {
		return "", nil, fmt.Errorf("%w: a host is required and the port must be a number from 1 to 65535", errBadOrigin)
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return "", nil, fmt.Errorf("%w: port %q is not a number from 1 to 65535", errBadOrigin, port)
		}
	}
	host = strings.ToLower(host)
	port = dropDefaultPort(scheme, port)
	wildcard := strings.HasPrefix(host, "*.")
	if wildcard {
		host = host[2:]
	}
	if strings.Contains(host, "*") {
		return "", nil, fmt.Errorf("%w: a wildcard is only allowed as the leftmost label, as in \"https://*.example.com\"", errBadOrigin)
	}
	if err := validHost(host, wildcard); err != nil {
		return "", nil, err
	}
	if wildcard && scheme != "http" && scheme != "https" {
		return "", nil, fmt.Errorf("%w: wildcards are only allowed for http and https", errBadOrigin)
	}
	canon = scheme + "://"
	if wildcard {
		canon += "*."
		w = &wildcardOrigin{scheme: scheme, domain: host, port: port}
	}
	canon += host
	if port != "" {
		canon += ":" + port
	}
	return canon, w, nil
}

func validScheme(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// validHost accepts a lowercase DNS name, an IPv4 address or a bracketed IPv6 address.
func validHost(host string, wildcard bool) error {
	if strings.HasPrefix(host, "[") {
		if wildcard {
			return fmt.Errorf("%w: a wildcard cannot cover an IP address", errBadOrigin)
		}
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return fmt.Errorf("%w: bad IPv6 address %s", errBadOrigin, host)
		}
		return nil
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if wildcard || !a.Is4() {
			return fmt.Errorf("%w: a wildcard cannot cover an IP address, and IPv6 addresses need brackets", errBadOrigin)
		}
		return nil
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return fmt.Errorf("%w: host %q has an empty or over-long label", errBadOrigin, host)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: host %q has a character outside [a-z0-9-_]", errBadOrigin, host)
			}
		}
	}
	if wildcard && len(labels) < 2 && host != "localhost" {
		return fmt.Errorf("%w: \"*.%s\" would trust every site under a top-level domain", errBadOrigin, host)
	}
	return nil
}

// splitHostPort splits "host", "host:port", "[v6]" or "[v6]:port" without allocating.
// ok is false when the shape is wrong (an unbracketed colon in the host, a non-numeric or
// empty port after a colon, characters that cannot appear in an authority).
func splitHostPort(hp string) (host, port string, ok bool) {
	if hp == "" {
		return "", "", false
	}
	for i := 0; i < len(hp); i++ {
		switch c := hp[i]; {
		case c <= ' ' || c >= 0x7f, c == '/', c == '\\', c == '?', c == '#', c == '@':
			return "", "", false
		}
	}
	if hp[0] == '[' {
		end := strings.IndexByte(hp, ']')
		if end < 0 {
			return "", "", false
		}
		host, rest := hp[:end+1], hp[end+1:]
		if rest == "" {
			return host, "", true
		}
		if rest[0] != ':' || !allDigits(rest[1:]) {
			return "", "", false
		}
		return host, rest[1:], true
	}
	i := strings.IndexByte(hp, ':')
	if i < 0 {
		return hp, "", true
	}
	if !allDigits(hp[i+1:]) {
		return "", "", false
	}
	return hp[:i], hp[i+1:], true
}

func allDigits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// splitOrigin splits a serialized origin into its parts without allocating.
func splitOrigin(origin string) (scheme, host, port string, ok bool) {
	i := strings.Index(origin, "://")
	if i <= 0 {
		return "", "", "", false
	}
	host, port, ok = splitHostPort(origin[i+3:])
	if !ok || host == "" {
		return "", "", "", false
	}
	return origin[:i], host, port, true
}

func dropDefaultPort(scheme, port string) string {
	if port == "443" && strings.EqualFold(scheme, "https") || port == "80" && strings.EqualFold(scheme, "http") {
		return ""
	}
	return port
}

// samePort compares two ports of the same scheme, an empty port meaning the default.
func samePort(scheme, a, b string) bool {
	return dropDefaultPort(scheme, a) == dropDefaultPort(scheme, b)
}

// asciiEqualFold compares ASCII case-insensitively. strings.EqualFold would also fold
// Unicode (the Kelvin sign K equals "k"), which has no place in host names.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func hasUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// contains reports whether origin is trusted. It allocates only for origins that are not
// already in canonical form, which browsers never send.
func (s *originSet) contains(origin string) bool {
	if s == nil || len(s.exact) == 0 && len(s.wild) == 0 {
		return false
	}
	scheme, host, port, ok := splitOrigin(origin)
	if !ok {
		return false
	}
	return s.containsParts(origin, scheme, host, port)
}

// containsParts is contains for an origin already split; raw is the original string, used
// as the map key when it is already canonical.
func (s *originSet) containsParts(raw, scheme, host, port string) bool {
	if len(s.exact) > 0 {
		key := raw
		if canonPort := dropDefaultPort(scheme, port); canonPort != port || hasUpperASCII(raw) || raw == "" {
			key = strings.ToLower(scheme) + "://" + strings.ToLower(host)
			if canonPort != "" {
				key += ":" + canonPort
			}
		}
		if _, ok := s.exact[key]; ok {
			return true
		}
	}
	for i := range s.wild {
		if s.wild[i].matches(scheme, host, port) {
			return true
		}
	}
	return false
}

// matches is Django's is_same_domain on (scheme, host, port): the domain itself or any
// subdomain of it, with the same scheme and port.
func (w *wildcardOrigin) matches(scheme, host, port string) bool {
	if !asciiEqualFold(scheme, w.scheme) || !samePort(w.scheme, port, w.port) {
		return false
	}
	return domainMatch(host, w.domain)
}

// domainMatch reports whether host is domain or a subdomain of it (ASCII case-insensitive).
func domainMatch(host, domain string) bool {
	if asciiEqualFold(host, domain) {
		return true
	}
	n := len(host) - len(domain)
	return n > 1 && host[n-1] == '.' && asciiEqualFold(host[n:], domain)
}

// isLocalhost reports whether an origin is http(s) on localhost, 127.0.0.1 or [::1], any
// port: the development origins that Config.TrustLocalhostInDebug trusts.
func isLocalhost(scheme, host string) bool {
	if !asciiEqualFold(scheme, "http") && !asciiEqualFold(scheme, "https") {
		return false
	}
	return asciiEqualFold(host, "localhost") || host == "127.0.0.1" || host == "[::1]"
}
