package csrfx

import (
	"net/http"
	"net/url"
	"strings"
)

// gate is the origin layer: Fetch Metadata, then Origin, then Django's strict HTTPS
// Referer rule. It only reads headers and the facts it is given, so it is a pure function
// of its inputs and is tested as one.
type gate struct {
	trusted *originSet
	// own, when set (Config.Origins), replaces the origin derived from scheme and Host.
	own *originSet
	// refererDomain is Django's CSRF_COOKIE_DOMAIN (or SESSION_COOKIE_DOMAIN) for the
	// Referer fallback: a leading "." matches the domain and its subdomains.
	refererDomain string
	// allowNoHeaders keeps net/http.CrossOriginProtection's rule for requests with neither
	// Sec-Fetch-Site nor Origin: allow, even on HTTPS (the OriginOnly preset).
	allowNoHeaders bool
	// lenientFetchSite lets unknown Sec-Fetch-Site values fall through to the Origin and
	// Referer checks (OWASP's advice) instead of failing closed (Go's behaviour).
	lenientFetchSite bool
	// localhost trusts http(s)://localhost|127.0.0.1|[::1] on any port; the caller sets it
	// per request, only in debug mode.
	localhost bool
}

// check applies the origin layer to an unsafe request. secure says whether the request
// reached the application over HTTPS and host is its validated Host (both request facts:
// never r.URL.Scheme, A1). It returns nil or an *Error, and allocates only on failure.
func (g *gate) check(h http.Header, secure bool, host string) *Error {
	switch site := firstHeader(h, "Sec-Fetch-Site"); site {
	case "":
		// An older browser or not a browser: fall through to Origin.
	case "same-origin", "none":
		// The browser vouches for the request ("none" is a user-initiated navigation).
		return nil
	case "same-site", "cross-site":
		if g.trustedOrigin(firstHeader(h, "Origin")) {
			return nil
		}
		return newValueError(ErrCrossSite, site)
	default:
		if !g.lenientFetchSite {
			if g.trustedOrigin(firstHeader(h, "Origin")) {
				return nil
			}
			return newValueError(ErrCrossSite, site)
		}
	}

	if vals, ok := h["Origin"]; ok {
		origin := ""
		if len(vals) > 0 {
			origin = vals[0]
		}
		if g.sameOrigin(origin, secure, host) || g.trustedOrigin(origin) {
			return nil
		}
		return newValueError(ErrBadOrigin, origin)
	}

	if g.allowNoHeaders || !secure {
		// Plain HTTP has no Referer rule (Django): a network attacker could forge any
		// header anyway, and the token still applies.
		return nil
	}
	return g.checkReferer(h, host)
}

// sameOrigin reports whether origin is the request's own origin: the scheme the request
// arrived with, and its host and port.
func (g *gate) sameOrigin(origin string, secure bool, host string) bool {
	if g.own != nil {
		return g.own.contains(origin)
	}
	scheme, oh, op, ok := splitOrigin(origin)
	if !ok {
		return false
	}
	want := "http"
	if secure {
		want = "https"
	}
	if !asciiEqualFold(scheme, want) {
		return false
	}
	rh, rp, ok := splitHostPort(host)
	if !ok || !asciiEqualFold(oh, rh) {
		return false
	}
	return samePort(want, op, rp)
}

// trustedOrigin reports whether origin is in TrustedOrigins (or a development origin).
func (g *gate) trustedOrigin(origin string) bool {
	if origin == "" {
		return false
	}
	scheme, host, port, ok := splitOrigin(origin)
	if !ok {
		return false
	}
	if g.localhost && isLocalhost(scheme, host) {
		return true
	}
	return g.trusted != nil && g.trusted.containsParts(origin, scheme, host, port)
}

// checkReferer is Django's _check_referer, for HTTPS requests without an Origin: a network
// attacker who can forge http://example.com pages must not be able to post to
// https://example.com, so the Referer must be https and name a trusted origin.
func (g *gate) checkReferer(h http.Header, host string) *Error {
	vals, ok := h["Referer"]
	if !ok || len(vals) == 0 {
		return newError(ErrNoReferer, SourceNone)
	}
	ref := vals[0]
	u, err := url.Parse(ref)
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return newValueError(ErrMalformedReferer, ref)
	}
	if u.User != nil {
		// Browsers strip user info from Referer; "https://evil@victim/" is a forgery
		// meant to fool host-only parsing.
		return newValueError(ErrMalformedReferer, ref)
	}
	if u.Scheme != "https" {
		return newValueError(ErrInsecureReferer, ref)
	}
	rh, rp, ok := splitHostPort(u.Host)
	if !ok {
		return newValueError(ErrMalformedReferer, ref)
	}
	refOrigin := "https://" + u.Host
	if g.trustedOrigin(refOrigin) || g.own != nil && g.own.contains(refOrigin) {
		return nil
	}
	if g.refererDomain != "" {
		// Django: the cookie domain, with the server's port when it is not 80/443.
		_, serverPort, _ := splitHostPort(host)
		if serverPort == "443" || serverPort == "80" {
			serverPort = ""
		}
		if rp == serverPort && refererDomainMatch(rh, g.refererDomain) {
			return nil
		}
	}
	// Django checks the own host only when no cookie domain is set; checking it always
	// accepts nothing that is not the request's own origin.
	if hh, hp, ok := splitHostPort(host); g.own == nil && ok && asciiEqualFold(rh, hh) && samePort("https", rp, hp) {
		return nil
	}
	return newValueError(ErrBadReferer, ref)
}

// refererDomainMatch is Django's is_same_domain for the cookie-domain rule.
func refererDomainMatch(host, pattern string) bool {
	if d, ok := strings.CutPrefix(pattern, "."); ok {
		return domainMatch(host, d)
	}
	return asciiEqualFold(host, pattern)
}

// firstHeader returns the first value of a header by its canonical key, without the
// canonicalisation (and allocation) http.Header.Get does for non-canonical keys.
func firstHeader(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}
