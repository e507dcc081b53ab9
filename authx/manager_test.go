package authx

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

func newTestUserManager(t *testing.T, cfg UserManagerConfig) *UserManager {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = newMemoryStore(t, nil, storeTestClock)
	}
	if cfg.Now == nil {
		cfg.Now = storeTestClock
	}
	m, err := NewUserManager(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fieldError(t *testing.T, err error, field, code string) *UserFieldError {
	t.Helper()
	for _, e := range unjoin(err) {
		var fe *UserFieldError
		if errors.As(e, &fe) && fe.Field == field && fe.Code == code {
			return fe
		}
	}
	t.Fatalf("error %v has no %s error on %q", err, code, field)
	return nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// The tests below port django/tests/auth_tests/test_models.py (UserManagerTestCase,
// AbstractBaseUserTests, IsActiveTestCase) and test_validators.py (UsernameValidatorsTests).

func TestCreateUser(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "user", Email: "normal@normal.com"})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "normal@normal.com" || u.Username != "user" || u.HasUsablePassword() {
		t.Fatalf("%#v", u)
	}
	if !u.IsActive || u.IsStaff || u.IsSuperuser || u.LastLogin != nil || !u.DateJoined.Equal(dbTime(storeTestNow)) {
		t.Fatalf("Django's defaults not applied: %#v", u)
	}
	stored, err := m.Store().GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, stored, u)
}

func TestCreateUserIsStaff(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "user", Email: "normal@normal.com", IsStaff: true})
	if err != nil || !u.IsStaff || u.IsSuperuser {
		t.Fatalf("%#v, %v", u, err)
	}
}

func TestCreateUserWithoutEmail(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "user"})
	if err != nil || u.Email != "" {
		t.Fatalf("%#v, %v", u, err)
	}
}

func TestCreateUserEmptyUsername(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	_, err := m.CreateUser(t.Context(), UserParams{Username: ""})
	fe := fieldError(t, err, "username", "required")
	if fe.Message != "The given username must be set" || !errors.Is(err, ErrInvalidUser) {
		t.Fatalf("%v", err)
	}
}

func TestCreateUserInactive(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "off", Inactive: true})
	if err != nil || u.IsActive {
		t.Fatalf("%#v, %v", u, err)
	}
}

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"normal@DOMAIN.COM":            "normal@domain.com",
		`Abc\@DEF@EXAMPLE.com`:         `Abc\@DEF@example.com`,         // RFC 3696: "@" may be in the local part
		`email\ with_whitespace@D.COM`: `email\ with_whitespace@d.com`, // test_..._with_whitespace
		"  Mixed.Case@Example.ORG \n":  "Mixed.Case@example.org",
		"no-at-sign  ":                 "no-at-sign  ", // returned unchanged, as Django does
		"":                             "",
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

// AbstractBaseUserTests.test_clean_normalize_username.
func TestNormalizeUsername(t *testing.T) {
	ohm := "iamthe\u2126" // OHM SIGN
	got := NormalizeUsername(ohm)
	if got == ohm || got != "iamthe\u03a9" { // GREEK CAPITAL LETTER OMEGA
		t.Fatalf("NormalizeUsername(%q) = %q", ohm, got)
	}
	if NormalizeUsername("ａｄｍｉｎ") != "admin" {
		t.Fatal("full-width letters not folded")
	}
	m := newTestUserManager(t, UserManagerConfig{})
	if _, err := m.CreateUser(t.Context(), UserParams{Username: "admin"}); err != nil {
		t.Fatal(err)
	}
	_, err := m.CreateUser(t.Context(), UserParams{Username: "ａｄｍｉｎ"})
	if !errors.Is(err, ErrDuplicateUsername) {
		t.Fatalf("a full-width look-alike of an existing username was created: %v", err)
	}
}

func TestCreateSuperuser(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{PasswordValidators: []PasswordValidator{}})
	// Django raises ValueError when is_staff or is_superuser is passed False; here they are forced.
	u, err := m.CreateSuperuser(t.Context(), UserParams{Username: "super", Email: "super@example.com", Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if !u.IsStaff || !u.IsSuperuser || !u.IsActive || !u.HasUsablePassword() {
		t.Fatalf("%#v", u)
	}
	if ok, _, err := u.CheckPassword(m.Hashers(), "secret"); err != nil || !ok {
		t.Fatalf("password does not check: %v %v", ok, err)
	}
}

func TestCreateUserReportsEveryProblemAtOnce(t *testing.T) {
	store := newMemoryStore(t, []ExtraField{{Name: "phone", Type: ExtraInt, Required: true}}, storeTestClock)
	m := newTestUserManager(t, UserManagerConfig{Store: store})
	_, err := m.CreateUser(t.Context(), UserParams{
		Username: "o'connell", Email: "not-an-email", Password: "12345678",
		FirstName: strings.Repeat("f", MaxNameLength+1),
	})
	fe := fieldError(t, err, "username", "invalid")
	if fe.Message != "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters." {
		t.Fatal(fe.Message)
	}
	if fieldError(t, err, "email", "invalid").Message != "Enter a valid email address." {
		t.Fatal("email message")
	}
	if fieldError(t, err, "first_name", "max_length").Message != "Ensure this value has at most 150 characters (it has 151)." {
		t.Fatal("max_length message")
	}
	fieldError(t, err, "phone", "required")
	if !errors.Is(err, ErrPasswordRejected) || !errors.Is(err, ErrInvalidUser) {
		t.Fatalf("%v", err)
	}
	if users, _ := store.ListUsers(t.Context(), 0, 10); len(users) != 0 {
		t.Fatal("a refused user was stored")
	}
}

func TestCreateUserLimits(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	_, err := m.CreateUser(t.Context(), UserParams{Username: strings.Repeat("é", MaxUsernameLength+1)})
	fieldError(t, err, "username", "max_length")
	_, err = m.CreateUser(t.Context(), UserParams{Username: "u", Email: strings.Repeat("a", 250) + "@b.cd"})
	fieldError(t, err, "email", "max_length")
}

func TestCreateUserPasswordValidatedAgainstTheNewUser(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	_, err := m.CreateUser(t.Context(), UserParams{Username: "margaretha", Password: "margaretha1"})
	var errs PasswordValidationErrors
	if !errors.As(err, &errs) || errs[0].Code != "password_too_similar" {
		t.Fatalf("%v", err)
	}
	u, err := m.CreateUser(t.Context(), UserParams{Username: "margaretha", Password: "margaretha1", SkipPasswordValidation: true})
	if err != nil || !u.HasUsablePassword() {
		t.Fatalf("bypass: %v", err)
	}
}

func TestCreateUserDuplicate(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	if _, err := m.CreateUser(t.Context(), UserParams{Username: "dup"}); err != nil {
		t.Fatal(err)
	}
	_, err := m.CreateUser(t.Context(), UserParams{Username: "dup"})
	fe := fieldError(t, err, "username", "unique")
	if fe.Message != "A user with that username already exists." || !errors.Is(err, ErrDuplicateUsername) || errors.Is(err, ErrInvalidUser) {
		t.Fatalf("%v", err)
	}
}

// A store that reports the duplicate only on insert (a concurrent creation) gives the same error.
func TestCreateUserDuplicateFoundByTheStore(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{Store: raceStore{newMemoryStore(t, nil, storeTestClock)}})
	_, err := m.CreateUser(t.Context(), UserParams{Username: "late"})
	fieldError(t, err, "username", "unique")
}

type raceStore struct{ Store }

func (raceStore) CreateUser(context.Context, *User) error { return ErrDuplicateUsername }

func TestCreateUserExtraFields(t *testing.T) {
	store := newMemoryStore(t, []ExtraField{{Name: "phone", Type: ExtraInt, Required: true}, {Name: "avatar", Type: ExtraString, MaxLength: 32}}, storeTestClock)
	m := newTestUserManager(t, UserManagerConfig{Store: store})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "q1mi", Extra: Extra{"phone": 13800138000}})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := u.Extra.Int("phone"); n != 13800138000 || u.Extra["avatar"] != "" {
		t.Fatalf("%#v", u.Extra)
	}
	_, err = m.CreateUser(t.Context(), UserParams{Username: "bad", Extra: Extra{"phone": 1, "avatar": 5}})
	if !errors.Is(err, ErrInvalidUser) {
		t.Fatalf("%v", err)
	}
}

// UsernameValidatorsTests.test_unicode_validator and test_ascii_validator.
func TestUsernameValidators(t *testing.T) {
	for _, c := range []struct {
		name     string
		validate func(string) error
		valid    []string
		invalid  []string
	}{
		{"unicode", ValidateUnicodeUsername,
			[]string{"joe", "René", "ᴮᴵᴳᴮᴵᴿᴰ", "أحمد"},
			[]string{"o'connell", "عبد ال", "zerowidth\u200bspace", "nonbreaking\u00a0space", "en\u2013dash", "trailingnewline\u000a", "", "bad\xff"}},
		{"ascii", ValidateASCIIUsername,
			[]string{"glenn", "GLEnN", "jean-marc"},
			[]string{"o'connell", "Éric", "jean marc", "أحمد", "trailingnewline\n"}},
	} {
		for _, v := range c.valid {
			if err := c.validate(v); err != nil {
				t.Errorf("%s: %q refused: %v", c.name, v, err)
			}
		}
		for _, v := range c.invalid {
			if err := c.validate(v); !errors.Is(err, ErrInvalidUser) {
				t.Errorf("%s: %q accepted (%v)", c.name, v, err)
			}
		}
	}
}

func TestCustomUsernameValidator(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{UsernameValidator: ValidateASCIIUsername})
	_, err := m.CreateUser(t.Context(), UserParams{Username: "Éric"})
	fieldError(t, err, "username", "invalid")
}

// A selection of django/tests/validators/tests.py's EmailValidator cases.
func TestValidateEmail(t *testing.T) {
	valid := []string{
		"email@here.com", "weirder-email@here.and.there.com", "email@[127.0.0.1]", "email@[2001:dB8::1]",
		"email@[2001:dB8:0:0:0:0:0:1]", "email@[::fffF:127.0.0.1]", "example@valid-----hyphens.com",
		"example@valid-with-hyphens.com", "test@domain.with.idn.tld.उदाहरण.परीक्षा", "email@localhost",
		`"test@test"@example.com`, "example@atm." + strings.Repeat("a", 63), "example@" + strings.Repeat("a", 63) + ".atm",
		"\"\\\t\"@here.com", "o'connell+tag@example.co.uk",
	}
	invalid := []string{
		"", "abc", "abc@", "abc@bar", "a @x.cz", "abc@.com", "something@@somewhere.com", "email@127.0.0.1",
		"email@[127.0.0.256]", "email@[2001:db8::12345]", "email@[2001:db8:0:0:0:0:1]", "email@[::ffff:127.0.0.256]",
		"email@[2001:dg8::1]", "email@[::fTzF:127.0.0.1]", "example@invalid-.com", "example@-invalid.com",
		"example@invalid.com-", "example@inv-.alid-.com", "example@inv-.-alid.com",
		"test@example.com\n\n<script src=\"x.js\">", "\"\\\n\"@here.com", "trailingdot@shouldfail.com.",
		"example@" + strings.Repeat("a", 64) + ".com", "example@atm." + strings.Repeat("a", 64), "a\n@b.com",
		"email@[fe80::1%eth0]", strings.Repeat("a", 310) + "@example.com", "bad\xff@example.com",
	}
	for _, e := range valid {
		if err := ValidateEmail(e); err != nil {
			t.Errorf("%q refused", e)
		}
	}
	for _, e := range invalid {
		if err := ValidateEmail(e); err == nil {
			t.Errorf("%q accepted", e)
		}
	}
}

func TestSetPassword(t *testing.T) {
	observer := &recordingObserver{}
	m := newTestUserManager(t, UserManagerConfig{PasswordValidators: []PasswordValidator{MinimumLengthValidator{}, observer}})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "changer"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.SetPassword(t.Context(), u, "short")
	if !errors.Is(err, ErrPasswordRejected) || u.HasUsablePassword() || observer.calls != 0 {
		t.Fatalf("a refused password changed something: %v", err)
	}
	if err := m.SetPassword(t.Context(), u, "long enough password"); err != nil {
		t.Fatal(err)
	}
	stored, _ := m.Store().GetUser(t.Context(), u.ID)
	if stored.Password != u.Password {
		t.Fatal("the stored hash differs from the user's")
	}
	if ok, err := m.CheckPassword(t.Context(), stored, "long enough password"); err != nil || !ok {
		t.Fatalf("CheckPassword: %v %v", ok, err)
	}
	if observer.calls != 1 || observer.password != "long enough password" || observer.user != u {
		t.Fatalf("observer: %+v", observer)
	}
	if err := m.SetPassword(t.Context(), &User{ID: 999, Username: "ghost"}, "long enough password"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("missing user: %v", err)
	}
}

type recordingObserver struct {
	calls    int
	password string
	user     *User
}

func (*recordingObserver) Validate(string, *User) error { return nil }
func (*recordingObserver) HelpText() string             { return "" }
func (o *recordingObserver) PasswordChanged(password string, user *User) {
	o.calls++
	o.password, o.user = password, user
}

func TestSetUnusablePassword(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{PasswordValidators: []PasswordValidator{}})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "locked", Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetUnusablePassword(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	stored, _ := m.Store().GetUser(t.Context(), u.ID)
	if stored.HasUsablePassword() || u.HasUsablePassword() {
		t.Fatal("password still usable")
	}
	if ok, _ := m.CheckPassword(t.Context(), stored, "pw"); ok {
		t.Fatal("the old password still works")
	}
}

// weakPBKDF2Hash is a valid pbkdf2_sha256 hash with far fewer iterations than any preferred hasher:
// checking it must report that it needs an upgrade.
func weakPBKDF2Hash(t *testing.T, password string) string {
	t.Helper()
	const salt, iterations = "weaksaltweaksaltweaksa", 1000
	dk, err := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, 32)
	if err != nil {
		t.Fatal(err)
	}
	return "pbkdf2_sha256$" + strconv.Itoa(iterations) + "$" + salt + "$" + base64.StdEncoding.EncodeToString(dk)
}

func TestCheckPasswordUpgradesTheHash(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	old := weakPBKDF2Hash(t, "lètmein")
	u := mustCreate(t, m.Store(), &User{Username: "legacy", Password: old, IsActive: true})
	if ok, err := m.CheckPassword(t.Context(), u, "wrong"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	if stored, _ := m.Store().GetUser(t.Context(), u.ID); stored.Password != old {
		t.Fatal("a wrong password upgraded the hash")
	}
	ok, err := m.CheckPassword(t.Context(), u, "lètmein")
	if err != nil || !ok {
		t.Fatalf("right password: %v %v", ok, err)
	}
	stored, _ := m.Store().GetUser(t.Context(), u.ID)
	if stored.Password == old || stored.Password != u.Password {
		t.Fatal("the hash was not upgraded and saved")
	}
	if ok, _, _ := m.Hashers().Check("lètmein", stored.Password); !ok {
		t.Fatal("the upgraded hash does not verify")
	}
	if ok, mustUpdate, _ := m.Hashers().Check("lètmein", stored.Password); !ok || mustUpdate {
		t.Fatal("the upgraded hash still needs an upgrade")
	}
}

func TestCheckPasswordUpgradeFailureIsLoggedNotFatal(t *testing.T) {
	var logs bytes.Buffer
	store := failingPasswordStore{newMemoryStore(t, nil, storeTestClock)}
	m := newTestUserManager(t, UserManagerConfig{Store: store, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	old := weakPBKDF2Hash(t, "lètmein")
	u := mustCreate(t, store, &User{Username: "legacy", Password: old})
	ok, err := m.CheckPassword(t.Context(), u, "lètmein")
	if err != nil || !ok {
		t.Fatalf("%v %v", ok, err)
	}
	if u.Password != old {
		t.Fatal("the user holds a hash that was not saved")
	}
	out := logs.String()
	if !strings.Contains(out, "upgrade failed") || strings.Contains(out, "lètmein") || strings.Contains(out, old) {
		t.Fatalf("log = %q", out)
	}
}

type failingPasswordStore struct{ Store }

func (failingPasswordStore) SetPasswordHash(context.Context, int64, string) error {
	return errors.New("disk full")
}

func TestUpdateLastLogin(t *testing.T) {
	m := newTestUserManager(t, UserManagerConfig{})
	u, err := m.CreateUser(t.Context(), UserParams{Username: "visitor"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.UpdateLastLogin(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	stored, _ := m.Store().GetUser(t.Context(), u.ID)
	if stored.LastLogin == nil || !stored.LastLogin.Equal(dbTime(storeTestNow)) || !u.LastLogin.Equal(*stored.LastLogin) {
		t.Fatalf("LastLogin = %v / %v", stored.LastLogin, u.LastLogin)
	}
}

func TestNewUserManagerConfigErrors(t *testing.T) {
	store := newMemoryStore(t, nil, nil)
	for _, c := range []struct {
		cfg  UserManagerConfig
		want string
	}{
		{UserManagerConfig{}, "UserManagerConfig.Store"},
		{UserManagerConfig{Store: store, PasswordValidators: []PasswordValidator{nil}}, "PasswordValidators[0]"},
		{UserManagerConfig{Store: store, PasswordValidators: []PasswordValidator{UserAttributeSimilarityValidator{MaxSimilarity: 0.05}}}, "PasswordValidators[0]"},
		{UserManagerConfig{Store: store, PasswordValidators: []PasswordValidator{MinimumLengthValidator{MinLength: -3}}}, "MinLength"},
	} {
		if _, err := NewUserManager(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewUserManager(%+v) = %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	m, err := NewUserManager(UserManagerConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.PasswordValidators()) != 4 || m.Hashers() == nil || len(m.PasswordHelpTexts()) != 4 {
		t.Fatal("defaults not applied")
	}
	if err := m.ValidatePassword("password", nil); !errors.Is(err, ErrPasswordRejected) {
		t.Fatal("default validators do not refuse \"password\"")
	}
}

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"a@b.co", `"x y"@[::1]`, "a@localhost", "@", "a@[IPv6:::1]", "x@-a.bc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, email string) {
		if ValidateEmail(email) == nil && (!strings.Contains(email, "@") || len(email) > 320) {
			t.Fatalf("accepted %q", email)
		}
		_ = NormalizeEmail(email)
	})
}

func FuzzNormalizeAndValidateUsername(f *testing.F) {
	for _, s := range []string{"joe", "iamthe\u2126", "ａｄｍｉｎ", "o'connell", "\u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, username string) {
		n := NormalizeUsername(username)
		if NormalizeUsername(n) != n {
			t.Fatalf("NFKC is not idempotent on %q", username)
		}
		if ValidateUnicodeUsername(n) == nil && strings.ContainsAny(n, " '\"<>\n\x00") {
			t.Fatalf("accepted %q", n)
		}
	})
}
