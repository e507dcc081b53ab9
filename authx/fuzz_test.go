package authx

import (
	"errors"
	"strings"
	"testing"
)

// fuzzSeeds are stored values from every format, well-formed and not.
var fuzzSeeds = []string{
	"pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=",
	"pbkdf2_sha1$30000$seasalt2$pMzU1zNPcydf6wjnJFbiVKwgULc=",
	"pbkdf2_sha256$0$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=",
	"argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
	"argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw",
	"argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg",
	"argon2$argon2id$v=19$m=0,t=0,p=0$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q",
	"bcrypt_sha256$$2a$06$/3OeRpbOf8/l6nPPRdZPp.nRiyYqPobEZGdNRBWihQhiFDh1ws1tu",
	"bcrypt$$2a$05$Z17AXnnlpzddNUvnC6cZNOSwMA/8oNiKnHTHTwLlBijfucQQlHjaG",
	"bcrypt$$2b$31$Z17AXnnlpzddNUvnC6cZNOSwMA/8oNiKnHTHTwLlBijfucQQlHjaG",
	"scrypt$16$seasalt$8$1$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==",
	"scrypt$4611686018427387904$seasalt$8$1$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==",
	"md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3",
	"md5$$5f4dcc3b5aa765d61d8327deb882cf99",
	"sha1$$5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8",
	"5f4dcc3b5aa765d61d8327deb882cf99",
	"!abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
	"", "$", "$$$$$", "lolcat$salt$hash", "lètmein_badencoded",
}

// knownHashError reports whether err is one of the documented outcomes of
// a bad stored value or password.
func knownHashError(err error) bool {
	for _, sentinel := range []error{ErrUnknownHasher, ErrMalformedHash, ErrUnsafeHashParameters, ErrUnsupportedHash, ErrPasswordTooLong} {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}

// FuzzIdentifyHasher: identification and every read-only hasher method on
// arbitrary stored values never panic and agree with each other.
func FuzzIdentifyHasher(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	h := cheapPasswordHashers(f)
	f.Fuzz(func(t *testing.T, encoded string) {
		hasher, err := h.IdentifyHasher(encoded)
		if (hasher == nil) == (err == nil) {
			t.Fatalf("IdentifyHasher(%q) = %v, %v", encoded, hasher, err)
		}
		if !IsPasswordUsable(encoded) {
			if !errors.Is(err, ErrUnusablePassword) {
				t.Fatalf("unusable %q: err = %v", encoded, err)
			}
			return
		}
		if err != nil {
			if !knownHashError(err) {
				t.Fatalf("IdentifyHasher(%q): undocumented error %v", encoded, err)
			}
			return
		}
		if name := hasher.Algorithm(); !strings.HasPrefix(encoded, name+"$") {
			t.Fatalf("%q identified as %s", encoded, name)
		}
		sum, sumErr := hasher.(Summarizer).Summary(encoded)
		mustUpdate := hasher.MustUpdate(encoded)
		if sumErr == nil && len(sum) == 0 {
			t.Fatal("empty summary")
		}
		if sumErr != nil && (!mustUpdate || !knownHashError(sumErr)) {
			t.Fatalf("unreadable %q: MustUpdate %v, Summary err %v", encoded, mustUpdate, sumErr)
		}
	})
}

// FuzzCheckPassword: Check on arbitrary passwords and stored values never
// panics, never reports an update without a match or a match with an error,
// never verifies an unusable password, and any hash Make writes verifies.
func FuzzCheckPassword(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add("lètmein", s)
		f.Add("", s)
	}
	f.Add("secret", "argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q")
	h := cheapPasswordHashers(f)
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, mustUpdate, err := h.Check(password, encoded)
		switch {
		case err != nil && (ok || mustUpdate):
			t.Fatalf("Check = %v, %v, %v", ok, mustUpdate, err)
		case mustUpdate && !ok:
			t.Fatal("update flagged without a match")
		case err != nil && !knownHashError(err):
			t.Fatalf("undocumented error %v", err)
		case !IsPasswordUsable(encoded) && (ok || err != nil):
			t.Fatalf("unusable password: %v, %v", ok, err)
		}
		made, err := h.Make(password)
		if err != nil {
			if !errors.Is(err, ErrPasswordTooLong) {
				t.Fatal(err)
			}
			return
		}
		if ok, mustUpdate, err := h.Check(password, made); !ok || mustUpdate || err != nil {
			t.Fatalf("Make(%q) = %q does not verify: %v, %v, %v", password, made, ok, mustUpdate, err)
		}
	})
}
