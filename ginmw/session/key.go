package session

import "crypto/rand"

// KeyLength is the length of a session key: 40 characters of [a-z0-9], about 206 bits of
// randomness. Django's keys are 32 characters of the same alphabet (165 bits); djin uses the
// full varchar(40) of Django's session_key column so that a key is never shorter than 190
// bits, and keeps Django's alphabet so that keys need no escaping anywhere (cookies, URLs,
// Redis, SQL).
const KeyLength = 40

const keyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewKey returns a fresh random session key read from crypto/rand. Stores that do not make
// their own keys (every store of this package) are given keys made here.
func NewKey() string {
	// Rejection sampling keeps every character uniform: 252 is the largest multiple of 36
	// below 256, so bytes 252..255 are dropped rather than folded onto the first letters.
	var buf [KeyLength + KeyLength/2]byte
	out := make([]byte, 0, KeyLength)
	for len(out) < KeyLength {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails since Go 1.24
		for _, b := range buf {
			if b >= 252 {
				continue
			}
			out = append(out, keyAlphabet[b%36])
			if len(out) == KeyLength {
				break
			}
		}
	}
	return string(out)
}

// ValidKey reports whether s has the shape of a key made by NewKey. Stores check it before
// any I/O, so a forged or truncated cookie never reaches the database, and a key chosen by a
// client can never be adopted (session fixation): a well-formed key that the store does not
// hold loads as no session, and the next save makes a new key.
func ValidKey(s string) bool {
	if len(s) != KeyLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
