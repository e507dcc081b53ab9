package ratelimit

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// Key says what a policy counts by: the client IP, the user, the route, a header, a route
// parameter, any function, or several of these at once (Compose). The zero Key is ByIP.
//
// Keys that a client can choose (a header, a parameter, a user name before login) can be
// missing; Policy.MissingKey then counts by the client IP or denies. A missing key never
// skips the limit. Key values are hashed before they reach a store.
type Key struct {
	parts []keyPart
}

type partKind uint8

const (
	partIP partKind = iota + 1
	partUser
	partRoute
	partHeader
	partParam
	partFunc
)

type keyPart struct {
	kind partKind
	name string                      // the header (canonical) or parameter name
	fn   func(c *gin.Context) string // ByUser and ByFunc
}

// ByIP counts by client IP address: the socket peer unless it is a trusted proxy (see
// clientip.go), never a forwarding header the client wrote. IPv6 addresses are grouped by
// network (/64 unless Config.IPv6Prefix says otherwise), because one host commonly holds a
// whole /64 and could otherwise rotate through 2^64 addresses. IPv4-mapped IPv6 addresses
// count as IPv4.
func ByIP() Key { return Key{parts: []keyPart{{kind: partIP}}} }

// ByUser counts by the user that user returns, for example the primary key of the logged-in
// user; ratelimit does not import authx, so the caller supplies the lookup. An empty string
// (an anonymous request) is a missing key: by default such requests count by client IP,
// like DRF's UserRateThrottle. A nil user takes Config.User.
func ByUser(user func(c *gin.Context) string) Key {
	return Key{parts: []keyPart{{kind: partUser, fn: user}}}
}

// ByRoute counts by the route template, c.FullPath() ("/doc/:id"), never the raw path, so
// a client cannot mint new keys by varying path parameters or adding junk to the path.
// Requests that matched no route share one key. Alone it makes one budget for the route
// shared by every client; Compose(ByRoute(), ByIP()) makes it per client.
func ByRoute() Key { return Key{parts: []keyPart{{kind: partRoute}}} }

// ByHeader counts by the value of a request header, such as an API key. The client writes
// headers, so a client can change its key at will: pair a header policy with an IP policy,
// or validate the header before the limiter. A missing header is a missing key.
func ByHeader(name string) Key {
	return Key{parts: []keyPart{{kind: partHeader, name: http.CanonicalHeaderKey(name)}}}
}

// ByParam counts by a route parameter, c.Param(name): per document on "/doc/:id", for
// example. An empty parameter is a missing key.
func ByParam(name string) Key { return Key{parts: []keyPart{{kind: partParam, name: name}}} }

// ByFunc counts by whatever fn returns. An empty string is a missing key.
func ByFunc(fn func(c *gin.Context) string) Key {
	return Key{parts: []keyPart{{kind: partFunc, fn: fn}}}
}

// Compose counts by all of keys together: Compose(ByRoute(), ByIP()) is per route and
// client, Compose(ByUser(name), ByIP()) per user and address (django-axes'
// [username, ip_address]). If any part is missing, the whole key is.
func Compose(keys ...Key) Key {
	var k Key
	for _, p := range keys {
		if len(p.parts) == 0 {
			p = ByIP()
		}
		k.parts = append(k.parts, p.parts...)
	}
	return k
}

// IsZero reports whether k is the zero Key, which counts by IP.
func (k Key) IsZero() bool { return len(k.parts) == 0 }

// String returns the settings form: "ip", "user", "route", "header:X-Api-Key", "param:id",
// "func", joined by "+".
func (k Key) String() string {
	if k.IsZero() {
		return "ip"
	}
	names := make([]string, len(k.parts))
	for i, p := range k.parts {
		switch p.kind {
		case partIP:
			names[i] = "ip"
		case partUser:
			names[i] = "user"
		case partRoute:
			names[i] = "route"
		case partHeader:
			names[i] = "header:" + p.name
		case partParam:
			names[i] = "param:" + p.name
		case partFunc:
			names[i] = "func"
		}
	}
	return strings.Join(names, "+")
}

// ParseKey reads the settings form of a Key: parts "ip", "user", "route",
// "header:<Name>" and "param:<name>", joined by "+" ("route+ip"). "user" counts by
// Config.User. Functions cannot be written in a settings file; use ByFunc in Go.
func ParseKey(s string) (Key, error) {
	var k Key
	for _, raw := range strings.Split(s, "+") {
		part := strings.TrimSpace(raw)
		kind, arg, hasArg := strings.Cut(part, ":")
		switch kind = strings.ToLower(kind); {
		case kind == "ip" && !hasArg:
			k.parts = append(k.parts, keyPart{kind: partIP})
		case kind == "user" && !hasArg:
			k.parts = append(k.parts, keyPart{kind: partUser})
		case kind == "route" && !hasArg:
			k.parts = append(k.parts, keyPart{kind: partRoute})
		case kind == "header" && validToken(arg):
			k.parts = append(k.parts, keyPart{kind: partHeader, name: http.CanonicalHeaderKey(arg)})
		case kind == "param" && arg != "" && !strings.ContainsAny(arg, " \t+:"):
			k.parts = append(k.parts, keyPart{kind: partParam, name: arg})
		default:
			return Key{}, fmt.Errorf("%w: key %q: cannot read %q; use ip, user, route, header:<Name> or param:<name>, joined by +", ErrInvalidConfig, s, part)
		}
	}
	return k, nil
}

// validToken reports whether s is a non-empty HTTP field name.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// MarshalText implements encoding.TextMarshaler. Keys holding functions have no settings
// form and fail.
func (k Key) MarshalText() ([]byte, error) {
	for _, p := range k.parts {
		if p.kind == partFunc || p.kind == partUser && p.fn != nil {
			return nil, fmt.Errorf("%w: key %q holds a Go function and has no settings form", ErrInvalidConfig, k)
		}
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseKey.
func (k *Key) UnmarshalText(text []byte) error {
	v, err := ParseKey(string(text))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// keyer builds key bytes for one policy. Every part is tagged and length-prefixed, so no
// two different combinations of values produce the same bytes.
type keyer struct {
	parts  []keyPart
	v4, v6 int // IP prefix lengths
}

const (
	tagFallback = 'F' // the client-IP key used in place of a missing one
	tagIPv4     = '4'
	tagIPv6     = '6'
	tagNoIP     = '0'
)

// appendKey appends c's key to dst; ok is false when a part is missing.
func (k *keyer) appendKey(dst []byte, c *gin.Context) (_ []byte, ok bool) {
	for i := range k.parts {
		p := &k.parts[i]
		var v string
		switch p.kind {
		case partIP:
			dst = k.appendIP(dst, clientIP(c))
			continue
		case partRoute:
			dst = append(dst, 'r')
			dst = appendString(dst, c.FullPath())
			continue
		case partUser:
			dst = append(dst, 'u')
			v = p.fn(c)
		case partHeader:
			dst = append(dst, 'h')
			if vs := c.Request.Header[p.name]; len(vs) > 0 {
				v = vs[0]
			}
		case partParam:
			dst = append(dst, 'p')
			v = c.Param(p.name)
		case partFunc:
			dst = append(dst, 'f')
			v = p.fn(c)
		}
		if v == "" {
			return dst, false
		}
		dst = appendString(dst, v)
	}
	return dst, true
}

// appendFallback appends the key that stands in for a missing one: the client IP, tagged
// so that it cannot equal any real key.
func (k *keyer) appendFallback(dst []byte, c *gin.Context) []byte {
	return k.appendIP(append(dst, tagFallback), clientIP(c))
}

func (k *keyer) appendIP(dst []byte, a netip.Addr) []byte {
	a = a.Unmap()
	switch {
	case a.Is4():
		if k.v4 < 32 {
			a = netip.PrefixFrom(a, k.v4).Masked().Addr()
		}
		b := a.As4()
		return append(append(dst, tagIPv4), b[:]...)
	case a.Is6():
		if k.v6 < 128 {
			a = netip.PrefixFrom(a.WithZone(""), k.v6).Masked().Addr()
		}
		b := a.As16()
		return append(append(dst, tagIPv6), b[:]...)
	}
	return append(dst, tagNoIP)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}
