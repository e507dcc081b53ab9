package ginmw

import (
	"fmt"
	"net/netip"
	"strings"
)

// debugAllowedHosts is what an empty AllowedHosts means in debug mode: Django allows
// localhost, its subdomains and the loopback literals so that `runserver` works out of the box.
var debugAllowedHosts = []string{".localhost", "127.0.0.1", "[::1]"}

// hostPatterns is a compiled Django ALLOWED_HOSTS list. Matching never allocates: request
// hosts are compared as substrings of the lowercased header, IPv6 literals as parsed addresses
// so that "[::1]" and "[0:0:0:0:0:0:0:1]" are the same host.
type hostPatterns struct {
	any      bool
	names    []string     // exact names and IPv4 literals, lowercased, without a trailing dot
	suffixes []string     // ".example.com" forms, lowercased, with the leading dot
	ipv6     []netip.Addr // "[2001:db8::1]" forms
}

// compileHostPatterns validates an AllowedHosts list. Django accepts any string and silently
// never matches a mistyped entry; djin rejects at start-up the entries that cannot match what
// a browser sends (ports, schemes, "*.example.com", bare IPv6), naming the fix.
func compileHostPatterns(field string, list []string) (hostPatterns, error) {
	var p hostPatterns
	for i, raw := range list {
		bad := func(why string) error {
			return fmt.Errorf("ginmw: %s[%d]: %s (got %q)", field, i, why, raw)
		}
		e := strings.ToLower(raw)
		switch {
		case e == "":
			return p, bad("empty entry")
		case e != strings.TrimSpace(e):
			return p, bad("surrounding white space")
		case e == "*":
			p.any = true
			continue
		case strings.Contains(e, "*"):
			return p, bad(`wildcards are written ".example.com" (the domain and its subdomains) or "*" (any host)`)
		case strings.Contains(e, "/"):
			return p, bad("an allowed host is a host name, not a URL or a network")
		}
		if e[0] == '[' {
			if !strings.HasSuffix(e, "]") {
				return p, bad("allowed hosts have no port")
			}
			a, err := netip.ParseAddr(e[1 : len(e)-1])
			if err != nil || !a.Is6() || a.Zone() != "" {
				return p, bad("not an IPv6 address literal")
			}
			p.ipv6 = append(p.ipv6, a)
			continue
		}
		if strings.Contains(e, ":") {
			if a, err := netip.ParseAddr(e); err == nil && a.Is6() {
				return p, bad(fmt.Sprintf("IPv6 literals are written in brackets, as in the Host header: %q", "["+raw+"]"))
			}
			return p, bad("allowed hosts have no port; any port of an allowed host is accepted")
		}
		suffix := e[0] == '.'
		name := strings.TrimPrefix(e, ".")
		name = strings.TrimSuffix(name, ".")
		if !validDomainName(name) {
			for j := 0; j < len(name); j++ {
				if name[j] >= 0x80 {
					return p, bad("international names are written in their ASCII (punycode) form, e.g. xn--4ca9at.com")
				}
			}
			return p, bad("not a valid host name (letters, digits, '-' and '.' only)")
		}
		if suffix {
			p.suffixes = append(p.suffixes, "."+name)
		} else {
			p.names = append(p.names, name)
		}
	}
	return p, nil
}

// allows reports whether domain, as returned by splitHost, matches a pattern
// (Django's validate_host and is_same_domain).
func (p *hostPatterns) allows(domain string) bool {
	if p.any {
		return true
	}
	if domain != "" && domain[0] == '[' {
		a, err := netip.ParseAddr(domain[1 : len(domain)-1])
		if err != nil {
			return false
		}
		for _, q := range p.ipv6 {
			if q == a {
				return true
			}
		}
		return false
	}
	for _, n := range p.names {
		if n == domain {
			return true
		}
	}
	for _, s := range p.suffixes {
		if strings.HasSuffix(domain, s) || domain == s[1:] {
			return true
		}
	}
	return false
}

// empty reports whether no host at all is allowed.
func (p *hostPatterns) empty() bool {
	return !p.any && len(p.names) == 0 && len(p.suffixes) == 0 && len(p.ipv6) == 0
}

// splitHost splits a lowercased Host header value into its domain and port, the way
// Django's split_domain_port does after host_validation_re accepted it, and reports whether
// the value is well formed. The domain loses one trailing dot ("example.com." is
// "example.com"); an IPv6 literal keeps its brackets. djin is stricter than Django's regular
// expression in three ways: DNS labels must be non-empty and at most 63 bytes, the port is at
// most 65535, and a bracketed literal must really be an IPv6 address.
func splitHost(host string) (domain, port string, ok bool) {
	if host == "" || len(host) > 261 { // 253-byte name + ":65535", with room for a trailing dot
		return "", "", false
	}
	rest := ""
	if host[0] == '[' {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", "", false
		}
		inner := host[1:end]
		if !isIPv6LiteralText(inner) {
			return "", "", false
		}
		if a, err := netip.ParseAddr(inner); err != nil || !a.Is6() {
			return "", "", false
		}
		domain, rest = host[:end+1], host[end+1:]
	} else {
		domain = host
		if i := strings.IndexByte(host, ':'); i >= 0 {
			domain, rest = host[:i], host[i:]
		}
		domain = strings.TrimSuffix(domain, ".")
		if !validDomainName(domain) {
			return "", "", false
		}
	}
	if rest != "" {
		if rest[0] != ':' || !validPort(rest[1:]) {
			return "", "", false
		}
		port = rest[1:]
	}
	return domain, port, true
}

// isIPv6LiteralText is the character check of Django's `\[[a-f0-9]*:[a-f0-9.:]+\]`: it keeps
// zones ("%eth0") and anything netip would accept beyond plain hex, dots and colons out.
func isIPv6LiteralText(s string) bool {
	colon := false
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == ':':
			colon = true
		case b == '.', b >= '0' && b <= '9', b >= 'a' && b <= 'f':
		default:
			return false
		}
	}
	return colon
}

// validDomainName reports whether s is a lowercase host name: ASCII letters, digits, '-' and
// '.', non-empty labels of at most 63 bytes, at most 253 bytes in all.
func validDomainName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '-':
		default:
			return false
		}
		label++
		if label > 63 {
			return false
		}
	}
	return label > 0
}

// validPort reports whether s is a decimal port number, 0 to 65535.
func validPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n <= 65535
}
