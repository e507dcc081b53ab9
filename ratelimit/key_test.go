package ratelimit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestParseKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ip", "ip"},
		{"IP", "ip"},
		{"user", "user"},
		{"route", "route"},
		{"route+ip", "route+ip"},
		{" route + ip ", "route+ip"},
		{"header:x-api-key", "header:X-Api-Key"},
		{"param:id+ip", "param:id+ip"},
		{"user+ip", "user+ip"},
	} {
		k, err := ParseKey(tc.in)
		if err != nil || k.String() != tc.want {
			t.Errorf("%q: %q %v", tc.in, k, err)
		}
	}
	for _, bad := range []string{"", "cookie:sid", "header:", "header:bad name", "param:", "ip:4", "route+", "func"} {
		if _, err := ParseKey(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := Compose(ByRoute(), ByFunc(func(*gin.Context) string { return "x" })).MarshalText(); err == nil {
		t.Error("a key with a function marshals")
	}
	if b, err := Compose(ByRoute(), ByHeader("x-a")).MarshalText(); err != nil || string(b) != "route+header:X-A" {
		t.Errorf("%q %v", b, err)
	}
	if (Key{}).String() != "ip" || !(Key{}).IsZero() {
		t.Error("zero key")
	}
}

// keyBytes builds the key bytes k produces for a request.
func keyBytes(k Key, r *http.Request, params gin.Params) (string, bool) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = r
	c.Params = params
	kr := keyer{parts: k.parts, v4: 32, v6: 64}
	b, ok := kr.appendKey(nil, c)
	return string(b), ok
}

func TestKeysNeverCollideAcrossParts(t *testing.T) {
	// Every part is tagged and length-prefixed: shifting text from one part to the next,
	// or a header that spells an address, gives a different key.
	k := Compose(ByHeader("A"), ByHeader("B"))
	r1 := httptest.NewRequest("GET", "/", nil)
	r1.Header.Set("A", "ab")
	r1.Header.Set("B", "c")
	r2 := httptest.NewRequest("GET", "/", nil)
	r2.Header.Set("A", "a")
	r2.Header.Set("B", "bc")
	k1, _ := keyBytes(k, r1, nil)
	k2, _ := keyBytes(k, r2, nil)
	if k1 == k2 {
		t.Fatal("ab|c and a|bc collide")
	}
	r3 := httptest.NewRequest("GET", "/", nil)
	r3.RemoteAddr = "192.0.2.1:1"
	ipKey, _ := keyBytes(ByIP(), r3, nil)
	r3.Header.Set("A", ipKey)
	hdrKey, _ := keyBytes(ByHeader("A"), r3, nil)
	if ipKey == hdrKey {
		t.Fatal("a header value equal to the IP key bytes collides with the IP key")
	}
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = r3
	kr := keyer{parts: ByIP().parts, v4: 32, v6: 64}
	if string(kr.appendFallback(nil, c)) == ipKey {
		t.Fatal("the fallback key for a missing key equals the IP key")
	}
}

func TestKeyParts(t *testing.T) {
	r := httptest.NewRequest("GET", "/doc/7", nil)
	r.RemoteAddr = "[2001:db8::1%eth0]:80"
	r.Header.Set("X-Api-Key", "k")
	got, ok := keyBytes(ByIP(), r, nil)
	if !ok || got != string(append([]byte{tagIPv6}, []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}...)) {
		t.Fatalf("zoned IPv6 key %x", got)
	}
	if _, ok := keyBytes(ByParam("id"), r, nil); ok {
		t.Fatal("a missing parameter is present")
	}
	if _, ok := keyBytes(ByParam("id"), r, gin.Params{{Key: "id", Value: "7"}}); !ok {
		t.Fatal("a present parameter is missing")
	}
	if _, ok := keyBytes(ByHeader("x-api-key"), r, nil); !ok {
		t.Fatal("header lookup is not case-insensitive")
	}
	r.RemoteAddr = "not an address"
	if got, ok := keyBytes(ByIP(), r, nil); !ok || got != string([]byte{tagNoIP}) {
		t.Fatalf("unparseable peer: %x %v", got, ok)
	}
}
