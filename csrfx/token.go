package csrfx

import (
	"crypto/rand"
	"crypto/subtle"
)

// Django's token format (django/middleware/csrf.py, Django ≥ 4.1), copied exactly so that
// Django's test vectors, Django-served pages and Django-era JavaScript keep working.
const (
	// SecretLength is the length of the secret kept in the cookie or session
	// (Django: CSRF_SECRET_LENGTH).
	SecretLength = 32
	// TokenLength is the length of a masked token put in forms and headers
	// (Django: CSRF_TOKEN_LENGTH).
	TokenLength = 2 * SecretLength

	// allowedChars is Django's CSRF_ALLOWED_CHARS: ascii_letters + digits, in that order.
	// The order matters: masking adds character indexes modulo 62.
	allowedChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	numChars     = len(allowedChars)
)

// charIndex maps a byte to its index in allowedChars, or -1 for every other byte, so the
// format check and unmasking are table lookups with no branches on secret data.
var charIndex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < numChars; i++ {
		t[allowedChars[i]] = int8(i)
	}
	return t
}()

// randomChars fills dst with characters drawn uniformly from allowedChars.
//
// Bytes ≥ 248 are discarded: 248 is the largest multiple of 62 below 256, so the modulo
// that follows is unbiased.
func randomChars(dst []byte) {
	var buf [80]byte
	for n := 0; n < len(dst); {
		// crypto/rand.Read never fails on supported platforms (it aborts the program
		// instead), so there is no error to handle here.
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if b >= 248 {
				continue
			}
			dst[n] = allowedChars[int(b)%numChars]
			n++
			if n == len(dst) {
				return
			}
		}
	}
}

// newSecret returns a fresh 32-character secret (about 190 bits of entropy), Django's
// _get_new_csrf_string.
func newSecret() string {
	var b [SecretLength]byte
	randomChars(b[:])
	return string(b[:])
}

// maskSecret returns a fresh 64-character token for secret: a random 32-character mask
// followed by the secret with each character shifted by the mask's (Django's
// _mask_cipher_secret). Every call gives a different token for the same secret, so a
// token repeated in compressed responses leaks nothing (BREACH).
//
// secret must be a valid 32-character secret.
func maskSecret(secret string) string {
	var b [TokenLength]byte
	randomChars(b[:SecretLength])
	for i := 0; i < SecretLength; i++ {
		s := int(charIndex[secret[i]])
		m := int(charIndex[b[i]])
		b[SecretLength+i] = allowedChars[(s+m)%numChars]
	}
	return string(b[:])
}

// unmaskInto writes the secret hidden in token into dst (Django's _unmask_cipher_token).
// token must be a well-formed 64-character token (see checkFormat).
func unmaskInto(dst *[SecretLength]byte, token string) {
	for i := 0; i < SecretLength; i++ {
		m := int(charIndex[token[i]])
		c := int(charIndex[token[SecretLength+i]])
		dst[i] = allowedChars[(c-m+numChars)%numChars]
	}
}

// unmask returns the secret hidden in a well-formed 64-character token.
func unmask(token string) string {
	var b [SecretLength]byte
	unmaskInto(&b, token)
	return string(b[:])
}

// formatError is the reason a token or secret is malformed, or nil.
type formatError int

const (
	formatOK formatError = iota
	formatBadLength
	formatBadChars
)

// checkFormat is Django's _check_token_format: the length must be 32 or 64 and every byte
// must be in [a-zA-Z0-9]. It runs before anything else touches the value, so a hostile
// cookie or token can never reach unmasking, comparison or a template (A9).
func checkFormat(token string) formatError {
	if len(token) != SecretLength && len(token) != TokenLength {
		return formatBadLength
	}
	bad := 0
	for i := 0; i < len(token); i++ {
		bad |= int(charIndex[token[i]]) >> 7 // -1 >> 7 == -1, any index >> 7 == 0
	}
	if bad != 0 {
		return formatBadChars
	}
	return formatOK
}

// secretOf returns the secret a well-formed value stands for: the value itself when it is
// a bare 32-character secret, the unmasked secret when it is a 64-character token (a
// legacy masked cookie from Django < 4.1, or a masked session value).
func secretOf(v string) string {
	if len(v) == TokenLength {
		return unmask(v)
	}
	return v
}

// tokenMatches reports whether a well-formed token (masked or bare) stands for secret,
// a well-formed 32-character secret, in constant time (Django's _does_token_match). Both
// arguments must have passed checkFormat; a wrong length is a programming error and
// reports false.
func tokenMatches(token, secret string) bool {
	if len(secret) != SecretLength {
		return false
	}
	var want [SecretLength]byte
	copy(want[:], secret)
	return tokenMatchesBytes(token, &want)
}

// tokenMatchesBytes is tokenMatches against a secret already in a fixed array, so that the
// request path compares without allocating.
func tokenMatchesBytes(token string, secret *[SecretLength]byte) bool {
	var got [SecretLength]byte
	switch len(token) {
	case TokenLength:
		unmaskInto(&got, token)
	case SecretLength:
		copy(got[:], token)
	default:
		return false
	}
	return subtle.ConstantTimeCompare(got[:], secret[:]) == 1
}
