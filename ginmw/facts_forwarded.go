package ginmw

import (
	"net/netip"
	"strings"
)

// maxProxyHops bounds the right-to-left walk through X-Forwarded-For and Forwarded. A real
// deployment has a handful of proxies; the bound keeps a header stuffed with trusted-looking
// addresses from costing more than a few microseconds.
const maxProxyHops = 64

// hopWalker iterates over the comma-separated entries of one header, right to left, across
// all its lines (the last line is the one the nearest proxy wrote). Splitting from the right
// on commas is deliberate: everything the walk relies on was written by trusted proxies and
// holds no quoted commas, while the client-written part on the left may hold anything,
// including an unbalanced quote that would derail a left-to-right parser.
type hopWalker struct {
	lines []string
	line  int
	rest  string
}

func newHopWalker(lines []string) hopWalker {
	w := hopWalker{lines: lines, line: len(lines) - 1}
	if w.line >= 0 {
		w.rest = lines[w.line]
	}
	return w
}

// next returns the next non-empty entry, trimmed, or false at the left end.
func (w *hopWalker) next() (string, bool) {
	for {
		for w.rest == "" {
			w.line--
			if w.line < 0 {
				return "", false
			}
			w.rest = w.lines[w.line]
		}
		entry := w.rest
		if i := strings.LastIndexByte(w.rest, ','); i >= 0 {
			entry, w.rest = w.rest[i+1:], w.rest[:i]
		} else {
			w.rest = ""
		}
		if entry = trimOWS(entry); entry != "" {
			return entry, true
		}
	}
}

// lastEntry is the right-most entry of a header such as X-Forwarded-Proto: the value the
// nearest proxy, the one djin trusts, wrote.
func lastEntry(lines []string) string {
	w := newHopWalker(lines)
	e, _ := w.next()
	return e
}

// trimOWS removes the optional white space (spaces and tabs) HTTP allows around list items.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// parseHop parses one proxy-chain address: "192.0.2.1", "2001:db8::1", "192.0.2.1:4711",
// "[2001:db8::1]" or "[2001:db8::1]:4711" (the forms X-Forwarded-For and RFC 7239 "for="
// use). IPv4-mapped IPv6 becomes IPv4 and zones are dropped, so that one client has one
// address whatever way it is written.
func parseHop(s string) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		if rest := s[end+1:]; rest != "" && (rest[0] != ':' || !validPort(rest[1:])) {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(s[1:end])
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return normalizeAddr(a), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return normalizeAddr(a), true
	}
	// "192.0.2.1:4711": only IPv4 may carry an unbracketed port.
	if i := strings.IndexByte(s, ':'); i > 0 && validPort(s[i+1:]) {
		if a, err := netip.ParseAddr(s[:i]); err == nil && a.Is4() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// normalizeAddr makes the forms of one address compare equal: ::ffff:192.0.2.1 is
// 192.0.2.1, and a zone says nothing about who the client is.
func normalizeAddr(a netip.Addr) netip.Addr {
	return a.Unmap().WithZone("")
}

// forwardedElement is one comma-separated element of an RFC 7239 Forwarded header.
// proto and host are raw (unquoted) parameter values, "" when absent.
type forwardedElement struct {
	forAddr netip.Addr
	forOK   bool // for= names an IP address (not "unknown", an obfuscated name, or absent)
	proto   string
	host    string
}

// parseForwardedElement parses `for=192.0.2.60;proto=http;by=203.0.113.43`. Parameter
// names are case-insensitive; a parameter may appear once. Quoted values may not hold
// escapes, which no address, scheme or host needs.
func parseForwardedElement(s string) (forwardedElement, bool) {
	var e forwardedElement
	var seen [3]bool
	for s != "" {
		pair := s
		if i := strings.IndexByte(s, ';'); i >= 0 {
			pair, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if pair = trimOWS(pair); pair == "" {
			continue
		}
		eq := strings.IndexByte(pair, '=')
		if eq <= 0 {
			return e, false
		}
		name, value := pair[:eq], pair[eq+1:]
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if value == "" || strings.ContainsAny(value, "\"\\ \t,") {
			return e, false
		}
		idx := -1
		switch {
		case strings.EqualFold(name, "for"):
			idx = 0
			e.forAddr, e.forOK = parseHop(value)
		case strings.EqualFold(name, "proto"):
			idx = 1
			e.proto = value
		case strings.EqualFold(name, "host"):
			idx = 2
			e.host = value
		case strings.EqualFold(name, "by"):
		default:
			if !isToken(name) {
				return e, false
			}
		}
		if idx >= 0 {
			if seen[idx] {
				return e, false
			}
			seen[idx] = true
		}
	}
	return e, true
}

// isToken reports whether s is an RFC 9110 token (a parameter name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(b)) {
			return false
		}
	}
	return true
}
