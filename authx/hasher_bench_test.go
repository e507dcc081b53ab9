package authx

import "testing"

// BenchmarkCheckPassword checks a correct password against a hash of each
// algorithm at its default cost: this is the price of one login. Run with a
// small count, e.g. -benchtime=5x.
func BenchmarkCheckPassword(b *testing.B) {
	h, err := NewPasswordHashers(HashersConfig{Algorithms: allBuiltinAlgorithms})
	if err != nil {
		b.Fatal(err)
	}
	const password = "correct horse battery staple"
	for _, hasher := range h.Hashers() {
		encoded, err := hasher.Encode(password)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(hasher.Algorithm(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, _, err := h.Check(password, encoded); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
}

// BenchmarkIdentifyHasher is the dispatch every check starts with.
func BenchmarkIdentifyHasher(b *testing.B) {
	h := DefaultPasswordHashers()
	const encoded = "pbkdf2_sha256$1500000$seasalt2$xWKIh704updzhxL+vMfPbhVsHljK62FyE988AtcoHU4="
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.IdentifyHasher(encoded); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaltedHMAC is Django's session-auth hash, which is computed on
// every authenticated request.
func BenchmarkSaltedHMAC(b *testing.B) {
	const encoded = "argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SaltedHMAC("django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash", encoded, "a-secret-key-of-fifty-characters-or-so-0123456789", "sha256"); err != nil {
			b.Fatal(err)
		}
	}
}
