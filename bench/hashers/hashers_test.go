package hashers

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/djin-go/djin/authx"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

const password = "correct horse battery staple"

var algorithms = []string{
	authx.AlgorithmArgon2, authx.AlgorithmPBKDF2SHA256, authx.AlgorithmPBKDF2SHA1,
	authx.AlgorithmBCryptSHA256, authx.AlgorithmBCrypt, authx.AlgorithmScrypt, authx.AlgorithmMD5,
}

// fixture holds the hashers and one encoded password per algorithm, made once per process:
// encoding costs as much as checking.
var fixture = sync.OnceValues(func() (*authx.PasswordHashers, map[string]string) {
	h, err := authx.NewPasswordHashers(authx.HashersConfig{Algorithms: algorithms})
	if err != nil {
		panic(err) // a valid configuration
	}
	encoded := map[string]string{}
	for _, a := range algorithms {
		hasher, err := h.Hasher(a)
		if err != nil {
			panic(err)
		}
		if encoded[a], err = hasher.Encode(password); err != nil {
			panic(err)
		}
	}
	return h, encoded
})

var errMalformed = errors.New("malformed encoded password")

// direct checks password against a Django-format encoded value with the primitive alone:
// what an application would write without authx.
func direct(password, encoded string) (bool, error) {
	algorithm, rest, _ := strings.Cut(encoded, "$")
	switch algorithm {
	case authx.AlgorithmArgon2:
		return directArgon2(password, rest)
	case authx.AlgorithmPBKDF2SHA256:
		return directPBKDF2(sha256.New, password, rest)
	case authx.AlgorithmPBKDF2SHA1:
		return directPBKDF2(sha1.New, password, rest)
	case authx.AlgorithmBCryptSHA256:
		sum := sha256.Sum256([]byte(password))
		return bcrypt.CompareHashAndPassword([]byte(rest), []byte(hex.EncodeToString(sum[:]))) == nil, nil
	case authx.AlgorithmBCrypt:
		return bcrypt.CompareHashAndPassword([]byte(rest), []byte(password)) == nil, nil
	case authx.AlgorithmScrypt:
		return directScrypt(password, rest)
	case authx.AlgorithmMD5:
		salt, want, ok := strings.Cut(rest, "$")
		if !ok {
			return false, errMalformed
		}
		sum := md5.Sum([]byte(salt + password))
		return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(want)) == 1, nil
	}
	return false, fmt.Errorf("unknown algorithm %q", algorithm)
}

// directArgon2 reads argon2id$v=19$m=…,t=…,p=…$salt$hash (unpadded base64).
func directArgon2(password, rest string) (bool, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 || parts[0] != "argon2id" {
		return false, errMalformed
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, err
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[3])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[4])
	if err := errors.Join(err1, err2); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// directPBKDF2 reads iterations$salt$hash (padded base64).
func directPBKDF2(h func() hash.Hash, password, rest string) (bool, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return false, errMalformed
	}
	iter, err := strconv.Atoi(parts[0])
	if err != nil {
		return false, err
	}
	want, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil {
		return false, err
	}
	got, err := pbkdf2.Key(h, password, []byte(parts[1]), iter, len(want))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// directScrypt reads N$salt$r$p$hash (padded base64).
func directScrypt(password, rest string) (bool, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 5 {
		return false, errMalformed
	}
	n, err1 := strconv.Atoi(parts[0])
	r, err2 := strconv.Atoi(parts[2])
	p, err3 := strconv.Atoi(parts[3])
	want, err4 := base64.StdEncoding.DecodeString(parts[4])
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return false, err
	}
	got, err := scrypt.Key([]byte(password), []byte(parts[1]), n, r, p, len(want))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// BenchmarkCheckPassword checks the right password once per iteration.
func BenchmarkCheckPassword(b *testing.B) {
	h, encoded := fixture()
	for _, a := range algorithms {
		enc := encoded[a]
		b.Run("alg="+a, func(b *testing.B) {
			b.Run("impl=djin", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ok, _, err := h.Check(password, enc); !ok || err != nil {
						b.Fatal(ok, err)
					}
				}
			})
			b.Run("impl=direct", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ok, err := direct(password, enc); !ok || err != nil {
						b.Fatal(ok, err)
					}
				}
			})
		})
	}
}

// TestDirectMatchesAuthx: the direct checks read authx's encoded values and refuse a wrong
// password, so the benchmark compares the same verification.
func TestDirectMatchesAuthx(t *testing.T) {
	if testing.Short() {
		t.Skip("a check costs a quarter of a second per algorithm")
	}
	h, encoded := fixture()
	for _, a := range algorithms {
		for _, pw := range []string{password, "wrong password"} {
			want, _, err := h.Check(pw, encoded[a])
			if err != nil {
				t.Fatal(a, err)
			}
			got, err := direct(pw, encoded[a])
			if err != nil || got != want {
				t.Errorf("%s, %q: direct %v (%v), authx %v", a, pw, got, err, want)
			}
		}
	}
}
