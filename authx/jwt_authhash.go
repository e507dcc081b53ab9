package authx

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"sync"
)

// jwtAuthHashSalt is the key salt of the "sah" claim: Django's session-auth-hash
// construction (SaltedHMAC of the encoded password) under a salt of its own.
const jwtAuthHashSalt = "djin.authx.jwt.JWT.auth_hash"

// jwtAuthHashLen is the length of the "sah" claim: 128 bits in unpadded base64url.
const jwtAuthHashLen = 22

// jwtAuthHasher computes the "sah" claim under one secret key: the first 128 bits of
// SaltedHMAC(jwtAuthHashSalt, u.Password, secret, "sha256"), in base64url. Like the
// session-auth hash it changes whenever the password hash does, so a password change
// revokes every token; being salted apart, it shows the token's holder neither the
// password hash nor the session's copy of the session-auth hash.
//
// The claim is checked on every request, so the keyed HMAC states are pooled rather than
// derived anew each time (TestJWTAuthHashIsSaltedHMAC ties the two together).
type jwtAuthHasher struct {
	pool sync.Pool // of *jwtMAC
}

type jwtMAC struct {
	mac hash.Hash
	in  []byte
	out [sha256.Size]byte
}

func newJWTAuthHasher(secret string) *jwtAuthHasher {
	key := sha256.Sum256([]byte(jwtAuthHashSalt + secret))
	h := &jwtAuthHasher{}
	h.pool.New = func() any { return &jwtMAC{mac: hmac.New(sha256.New, key[:])} }
	return h
}

// sum writes the claim for the encoded password into out.
func (h *jwtAuthHasher) sum(password string, out *[jwtAuthHashLen]byte) {
	m := h.pool.Get().(*jwtMAC)
	m.mac.Reset()
	m.in = append(m.in[:0], password...)
	m.mac.Write(m.in)
	sum := m.mac.Sum(m.out[:0])
	base64.RawURLEncoding.Encode(out[:], sum[:16])
	h.pool.Put(m)
}
