package authx

import (
	"errors"
	"strings"
	"testing"
)

func newBCryptForTest(t *testing.T, sha256 bool, cost int) *BCryptHasher {
	t.Helper()
	newHasher := NewBCryptHasher
	if sha256 {
		newHasher = NewBCryptSHA256Hasher
	}
	h, err := newHasher(BCryptConfig{Cost: cost})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var abc123x12 = strings.Repeat("abc123", 12)

// TestBCryptSHA256PasslibVectors: Django's bcrypt_sha256 hashes from passlib,
// including the truncation regression (inputs differing past 72 bytes hash
// differently).
func TestBCryptSHA256PasslibVectors(t *testing.T) {
	runHashVectors(t, newBCryptForTest(t, true, 0), []hashVector{
		{"blank", "", "", "bcrypt_sha256$$2a$06$/3OeRpbOf8/l6nPPRdZPp.nRiyYqPobEZGdNRBWihQhiFDh1ws1tu", false},
		{"letmein", letmein, "", "bcrypt_sha256$$2a$08$NDjSAIcas.EcoxCRiArvT.MkNiPYVhrsrnJsRkLueZOoV1bsQqlmC", false},
		{"upass_table", upassTable, "", "bcrypt_sha256$$2a$06$kCXUnRFQptGg491siDKNTu8RxjBGSjALHRuvhPYNFsa4Ea5d9M48u", false},
		{"72", abc123x12, "", "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61OySmyXA8FoY4PjGizjE1QSDfuL5MXNni", false},
		{"72+qwr", abc123x12 + "qwr", "", "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61Ocy0BEz1RK6xslSNi8PlaLX2pe7x/KQG", false},
		{"72+xyz", abc123x12 + "xyz", "", "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61OvY2zoRVUa2Pugv2ExVOUT2YmhvxUFUa", false},
	})
	h := newBCryptForTest(t, true, 0)
	verifyExpect(t, h, abc123x12, "bcrypt_sha256$$2a$06$Tg/oYyZTyAf.Nb3qSgN61Ocy0BEz1RK6xslSNi8PlaLX2pe7x/KQG", false)
}

func TestBCryptPasslibVectors(t *testing.T) {
	runHashVectors(t, newBCryptForTest(t, false, 0), []hashVector{
		{"blank", "", "", "bcrypt$$2a$06$DCq7YPn5Rq63x1Lad4cll.TV4S6ytwfsfvkgY8jIucDrjc8deX1s.", false},
		{"alphabet", "abcdefghijklmnopqrstuvwxyz", "", "bcrypt$$2a$10$fVH8e28OQRj9tqiDXs1e1uxpsjN0c7II7YPKXua2NAKYvM6iQk7dq", false},
		{"upass_table", upassTable, "", "bcrypt$$2a$05$Z17AXnnlpzddNUvnC6cZNOSwMA/8oNiKnHTHTwLlBijfucQQlHjaG", false},
	})
}

// TestBCryptReadsEveryMinorVersionItWrites: Python writes $2b$, x/crypto
// writes $2a$; for these inputs they are the same computation.
func TestBCryptReadsEveryMinorVersionItWrites(t *testing.T) {
	h := newBCryptForTest(t, false, 4)
	const v = "bcrypt$$2a$05$Z17AXnnlpzddNUvnC6cZNOSwMA/8oNiKnHTHTwLlBijfucQQlHjaG"
	for _, minor := range []string{"$2a$", "$2b$", "$2y$"} {
		verifyExpect(t, h, upassTable, strings.Replace(v, "$2a$", minor, 1), true)
	}
	encoded, err := h.Encode("letmein")
	if err != nil || !strings.HasPrefix(encoded, "bcrypt$$2b$04$") || len(encoded) != len("bcrypt$")+60 {
		t.Errorf("Encode = %q, %v; want Django's bcrypt$$2b$04$ form", encoded, err)
	}
}

// TestBCryptDefaultCost is Django's test_bcrypt_sha256 at cost 12.
func TestBCryptDefaultCost(t *testing.T) {
	skipSlowHash(t)
	h := newBCryptForTest(t, true, 0)
	encoded, err := h.Encode(letmein)
	if err != nil || !strings.HasPrefix(encoded, "bcrypt_sha256$$2b$12$") {
		t.Fatalf("Encode = %q, %v", encoded, err)
	}
	verifyExpect(t, h, letmein, encoded, true)
	verifyExpect(t, h, letmein+"z", encoded, false)
}

// TestBCryptSHA256DoesNotTruncate is the "password truncation no longer
// works" part of Django's test_bcrypt_sha256.
func TestBCryptSHA256DoesNotTruncate(t *testing.T) {
	h := newBCryptForTest(t, true, 4)
	password := "VSK0UYV6FFQVZ0KG88DYN9WADAADZO1CTSIVDJUNZSUML6IBX7LN7ZS3R5JGB3RGZ7VI7G7DJQ9NI8BQFSRPTG6UWTTVESA5ZPUN"
	encoded, err := h.Encode(password)
	if err != nil {
		t.Fatal(err)
	}
	verifyExpect(t, h, password, encoded, true)
	verifyExpect(t, h, password[:72], encoded, false)
}

// TestBCryptRefusesLongPasswordsOnVerify: x/crypto's CompareHashAndPassword
// would accept any password sharing the first 72 bytes (golang/go#36546).
func TestBCryptRefusesLongPasswordsOnVerify(t *testing.T) {
	h := newBCryptForTest(t, false, 4)
	a72 := strings.Repeat("a", 72)
	encoded, err := h.Encode(a72)
	if err != nil {
		t.Fatal(err)
	}
	verifyExpect(t, h, a72, encoded, true)
	for _, long := range []string{a72 + "a", a72 + "anything else"} {
		ok, err := h.Verify(long, encoded)
		if ok || !errors.Is(err, ErrPasswordTooLong) {
			t.Errorf("Verify(%d bytes) = %v, %v; want ErrPasswordTooLong", len(long), ok, err)
		}
	}
	if _, err := h.Encode(a72 + "a"); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("Encode(73 bytes) err = %v, want ErrPasswordTooLong", err)
	}
}

// TestBCryptUpgrade is Django's test_bcrypt_upgrade and the salt checks.
func TestBCryptUpgrade(t *testing.T) {
	for _, sha := range []bool{true, false} {
		old := newBCryptForTest(t, sha, 4)
		encoded, _ := old.Encode("letmein")
		if old.MustUpdate(encoded) {
			t.Errorf("%s: a fresh hash must not need an update (bcrypt salts are always strong)", old.Algorithm())
		}
		current := newBCryptForTest(t, sha, 5)
		verifyExpect(t, current, "letmein", encoded, true)
		if !current.MustUpdate(encoded) {
			t.Errorf("%s: cost 4 must be updated when the hasher uses 5", old.Algorithm())
		}
	}
}

// TestBCryptHardenRuntime is Django's test_bcrypt_harden_runtime: from cost 4
// to 6 the work grows fourfold, so three more computations run.
func TestBCryptHardenRuntime(t *testing.T) {
	encoded, _ := newBCryptForTest(t, false, 4).Encode("letmein")
	h := newBCryptForTest(t, false, 6)
	data, extra := h.hardenRounds(encoded)
	if extra != 3 || data != strings.TrimPrefix(encoded, "bcrypt$") {
		t.Errorf("hardenRounds = %q, %d; want the stored hash and 3", data, extra)
	}
	if _, extra := newBCryptForTest(t, false, 4).hardenRounds(encoded); extra != 0 {
		t.Errorf("same cost: %d extra rounds", extra)
	}
	if _, extra := newBCryptForTest(t, false, 4).hardenRounds("bcrypt$$2b$05$" + strings.Repeat("a", 53)); extra != 0 {
		t.Errorf("higher stored cost: %d extra rounds", extra)
	}
	h.HardenRuntime("wrong_password", encoded)
	h.HardenRuntime(strings.Repeat("x", 100), encoded) // refused input: no work, no panic
	h.HardenRuntime("wrong_password", "bcrypt$garbage")
}

func TestBCryptRefusesMaliciousHashes(t *testing.T) {
	h, err := NewBCryptHasher(BCryptConfig{Cost: 4, MaxCost: 6})
	if err != nil {
		t.Fatal(err)
	}
	const body = "Z17AXnnlpzddNUvnC6cZNOSwMA/8oNiKnHTHTwLlBijfucQQlHjaG"
	expectHashErrors(t, h, ErrUnsafeHashParameters,
		"bcrypt$$2b$07$"+body, "bcrypt$$2b$31$"+body, "bcrypt$$2b$99$"+body,
		"bcrypt$$2b$03$"+body, "bcrypt$$2b$00$"+body,
	)
	expectHashErrors(t, h, ErrUnsupportedHash, "bcrypt$$2x$05$"+body)
	expectHashErrors(t, h, ErrMalformedHash,
		"bcrypt$$2c$05$"+body,
		"bcrypt$$3a$05$"+body,
		"bcrypt$$2$05$"+body+"a",
		"bcrypt$2b$05$"+body+"a",
		"bcrypt$$2b$5$"+body+"a",
		"bcrypt$$2b$+5$"+body,
		"bcrypt$$2b$0a$"+body,
		"bcrypt$$2b$05$"+body[1:],
		"bcrypt$$2b$05$"+body+"a",
		"bcrypt$$2b$05$"+body[:52]+"!",
		"bcrypt$$2b$05$"+body[:52]+"$",
		"bcrypt_sha256$$2b$05$"+body,
		"bcrypt$$2b$05"+body+"$",
	)
}

func TestBCryptConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg   BCryptConfig
		field string
	}{
		{BCryptConfig{Cost: 3}, "Cost"},
		{BCryptConfig{Cost: 32}, "Cost"},
		{BCryptConfig{Cost: -1}, "Cost"},
		{BCryptConfig{Cost: 10, MaxCost: 9}, "MaxCost"},
		{BCryptConfig{MaxCost: 32}, "MaxCost"},
	} {
		_, err := NewBCryptSHA256Hasher(c.cfg)
		expectConfigError(t, err, "BCryptConfig."+c.field)
	}
	if h := newBCryptForTest(t, true, 0); h.Cost() != 12 || h.maxCost != 16 {
		t.Errorf("defaults: cost %d, max %d; want Django's 12 and 16", h.Cost(), h.maxCost)
	}
}

func TestBCryptSummary(t *testing.T) {
	h := newBCryptForTest(t, true, 4)
	sum, err := h.Summary("bcrypt_sha256$$2a$08$NDjSAIcas.EcoxCRiArvT.MkNiPYVhrsrnJsRkLueZOoV1bsQqlmC")
	want := []SummaryField{
		{"algorithm", "bcrypt_sha256"}, {"work factor", "8"},
		{"salt", "NDjSAI" + strings.Repeat("*", 16)}, {"checksum", "MkNiPY" + strings.Repeat("*", 25)},
	}
	expectSummary(t, sum, err, want...)
}
