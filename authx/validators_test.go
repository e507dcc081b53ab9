package authx

import (
	"bytes"
	"compress/gzip"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// The tests below port django/tests/auth_tests/test_validators.py (main), case by case.

func validationErrors(t *testing.T, err error) PasswordValidationErrors {
	t.Helper()
	var errs PasswordValidationErrors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v (%T) is not a PasswordValidationErrors", err, err)
	}
	if !errors.Is(err, ErrPasswordRejected) {
		t.Fatalf("error %v does not match ErrPasswordRejected", err)
	}
	return errs
}

func validateOne(t *testing.T, v PasswordValidator, password string, user *User) *PasswordValidationError {
	t.Helper()
	err := v.Validate(password, user)
	var e *PasswordValidationError
	if !errors.As(err, &e) {
		t.Fatalf("Validate(%q) = %v, want a *PasswordValidationError", password, err)
	}
	if !errors.Is(err, ErrPasswordRejected) {
		t.Fatalf("Validate(%q) error does not match ErrPasswordRejected", password)
	}
	return e
}

// PasswordValidationTest.test_validate_password, with Django's test settings
// (CommonPasswordValidator, MinimumLengthValidator(min_length=12)).
func TestValidatePasswordReportsEveryFailure(t *testing.T) {
	validators := []PasswordValidator{CommonPasswordValidator{}, MinimumLengthValidator{MinLength: 12}}
	if err := ValidatePassword("sufficientlylong", nil, validators); err != nil {
		t.Fatal(err)
	}
	tooShort := "This password is too short. It must contain at least 12 characters."
	errs := validationErrors(t, ValidatePassword("django4242", nil, validators))
	if !reflect.DeepEqual(errs.Messages(), []string{tooShort}) || errs[0].Code != "password_too_short" {
		t.Fatalf("django4242: %v", errs.Messages())
	}
	errs = validationErrors(t, ValidatePassword("password", nil, validators))
	if !reflect.DeepEqual(errs.Messages(), []string{"This password is too common.", tooShort}) || errs[0].Code != "password_too_common" {
		t.Fatalf("password: %v", errs.Messages())
	}
	if err := ValidatePassword("password", nil, nil); err != nil {
		t.Fatalf("no validators: %v", err)
	}
	var one *PasswordValidationError
	if !errors.As(ValidatePassword("password", nil, validators), &one) || one.Code != "password_too_common" {
		t.Fatal("errors.As does not reach the individual failures")
	}
}

// A custom validator may return any error; it is kept, with its text, as a failure.
func TestValidatePasswordKeepsCustomErrors(t *testing.T) {
	errs := validationErrors(t, ValidatePassword("x", nil, []PasswordValidator{funcValidator(func(string) error {
		return errors.New("Must contain a dragon.")
	})}))
	if errs[0].Message != "Must contain a dragon." || errs[0].Code != "invalid" {
		t.Fatalf("%+v", errs[0])
	}
	if !strings.HasPrefix(errs.Error(), "authx: password rejected: ") {
		t.Fatalf("Error() = %q", errs.Error())
	}
}

type funcValidator func(string) error

func (f funcValidator) Validate(pw string, _ *User) error { return f(pw) }
func (funcValidator) HelpText() string                    { return "Must contain &" }

// test_password_validators_help_texts and _help_text_html(_escaping).
func TestPasswordHelpTexts(t *testing.T) {
	validators := []PasswordValidator{CommonPasswordValidator{}, MinimumLengthValidator{MinLength: 12}}
	texts := PasswordHelpTexts(validators)
	if len(texts) != 2 || !strings.Contains(texts[1], "12 characters") {
		t.Fatalf("%v", texts)
	}
	if len(PasswordHelpTexts(nil)) != 0 {
		t.Fatal("help texts without validators")
	}
	html := string(PasswordHelpTextHTML(validators))
	if strings.Count(html, "<li>") != 2 || !strings.Contains(html, "12 characters") {
		t.Fatalf("%s", html)
	}
	if got := PasswordHelpTextHTML([]PasswordValidator{funcValidator(nil)}); got != "<ul><li>Must contain &amp;</li></ul>" {
		t.Fatalf("escaping: %s", got)
	}
	if PasswordHelpTextHTML(nil) != "" {
		t.Fatal("HTML without validators")
	}
}

// MinimumLengthValidatorTest.
func TestMinimumLengthValidator(t *testing.T) {
	if err := (MinimumLengthValidator{}).Validate("12345678", nil); err != nil {
		t.Fatal(err)
	}
	if err := (MinimumLengthValidator{MinLength: 3}).Validate("123", nil); err != nil {
		t.Fatal(err)
	}
	e := validateOne(t, MinimumLengthValidator{}, "1234567", nil)
	if e.Message != "This password is too short. It must contain at least 8 characters." ||
		e.Code != "password_too_short" || e.Params["min_length"] != 8 {
		t.Fatalf("%+v", e)
	}
	e = validateOne(t, MinimumLengthValidator{MinLength: 3}, "12", nil)
	if e.Message != "This password is too short. It must contain at least 3 characters." || e.Params["min_length"] != 3 {
		t.Fatalf("%+v", e)
	}
	e = validateOne(t, MinimumLengthValidator{MinLength: 1}, "", nil)
	if e.Message != "This password is too short. It must contain at least 1 character." {
		t.Fatalf("singular: %q", e.Message)
	}
	// Characters, not bytes: eight accented letters are 16 bytes but 8 characters.
	if err := (MinimumLengthValidator{}).Validate("éééééééé", nil); err != nil {
		t.Fatal(err)
	}
	if err := (MinimumLengthValidator{}).Validate("ééééééé", nil); err == nil {
		t.Fatal("7 characters (14 bytes) accepted")
	}
	if got := (MinimumLengthValidator{}).HelpText(); got != "Your password must contain at least 8 characters." {
		t.Fatal(got)
	}
	if err := (MinimumLengthValidator{MinLength: -1}).Check(); err == nil {
		t.Fatal("negative MinLength accepted")
	}
	if err := (MinimumLengthValidator{MinLength: -1}).Validate("anything at all", nil); err == nil {
		t.Fatal("a misconfigured validator accepted a password")
	}
}

// UserAttributeSimilarityValidatorTest.test_validate.
func TestUserAttributeSimilarityValidator(t *testing.T) {
	user := &User{Username: "testclient", Email: "testclient@example.com", FirstName: "Test", LastName: "Client"}
	if err := (UserAttributeSimilarityValidator{}).Validate("testclient", nil); err != nil {
		t.Fatal(err)
	}
	e := validateOne(t, UserAttributeSimilarityValidator{}, "testclient", user)
	if e.Message != "The password is too similar to the username." || e.Code != "password_too_similar" {
		t.Fatalf("%+v", e)
	}
	if e := validateOne(t, UserAttributeSimilarityValidator{}, "example.com", user); e.Message != "The password is too similar to the email address." {
		t.Fatal(e.Message)
	}
	e = validateOne(t, UserAttributeSimilarityValidator{Attributes: []string{"first_name"}, MaxSimilarity: 0.3}, "testclient", user)
	if e.Message != "The password is too similar to the first name." {
		t.Fatal(e.Message)
	}
	// max_similarity=1 doesn't allow passwords that are identical to the attribute's value.
	e = validateOne(t, UserAttributeSimilarityValidator{Attributes: []string{"first_name"}, MaxSimilarity: 1}, user.FirstName, user)
	if e.Message != "The password is too similar to the first name." {
		t.Fatal(e.Message)
	}
	// Very low max_similarity is rejected.
	err := (UserAttributeSimilarityValidator{MaxSimilarity: 0.09}).Check()
	if err == nil || !strings.Contains(err.Error(), "max_similarity must be at least 0.1") {
		t.Fatalf("Check() = %v", err)
	}
	if err := (UserAttributeSimilarityValidator{Attributes: []string{"first_name"}}).Validate("testclient", user); err != nil {
		t.Fatal(err)
	}
	if got := (UserAttributeSimilarityValidator{}).HelpText(); got != "Your password can’t be too similar to your other personal information." {
		t.Fatal(got)
	}
}

// test_validate_property's point in Go: any attribute User.Attribute resolves is compared,
// including an application's extra string fields.
func TestUserAttributeSimilarityValidatorExtraField(t *testing.T) {
	user := &User{Username: "u", Extra: Extra{"pet_name": "foobar"}}
	e := validateOne(t, UserAttributeSimilarityValidator{Attributes: []string{"pet_name"}}, "foobar", user)
	if e.Message != "The password is too similar to the pet name." {
		t.Fatal(e.Message)
	}
	if err := (UserAttributeSimilarityValidator{Attributes: []string{"missing"}}).Validate("foobar", user); err != nil {
		t.Fatal(err)
	}
}

// The CVE-2021-45115 shortcut: a value much shorter than the password is not compared.
func TestUserAttributeSimilarityLengthShortcut(t *testing.T) {
	user := &User{Username: "ab"}
	long := strings.Repeat("ab", 100)
	if err := (UserAttributeSimilarityValidator{}).Validate(long, user); err != nil {
		t.Fatalf("a 200-character password was compared with a 2-character username: %v", err)
	}
}

func TestQuickRatioMatchesDifflib(t *testing.T) {
	// Values from Python: SequenceMatcher(a=a, b=b).quick_ratio().
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"testclient", "testclient", 1},
		{"abcd", "bcde", 0.75},
		{"aab", "abb", 2.0 * 2 / 6},
		{"a", strings.Repeat("a", 10), 2.0 / 11},
		{"", "", 1},
		{"abc", "", 0},
		{"ééx", "xé", 2.0 * 2 / 5},
	} {
		if got := quickRatio([]rune(c.a), []rune(c.b)); got != c.want {
			t.Errorf("quickRatio(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestSplitNonWordMatchesPythonReSplit(t *testing.T) {
	// Values from Python: re.split(r"\W+", s).
	for s, want := range map[string][]string{
		"testclient@example.com": {"testclient", "example", "com"},
		"":                       {""},
		"@a":                     {"", "a"},
		"a@@b--":                 {"a", "b", ""},
		"jean_marc 42":           {"jean_marc", "42"},
		"zoë.o'brien":            {"zoë", "o", "brien"},
	} {
		if got := splitNonWord(s); !reflect.DeepEqual(got, want) {
			t.Errorf("splitNonWord(%q) = %q, want %q", s, got, want)
		}
	}
}

// CommonPasswordValidatorTest.
func TestCommonPasswordValidator(t *testing.T) {
	if err := (CommonPasswordValidator{}).Validate("a-safe-password", nil); err != nil {
		t.Fatal(err)
	}
	e := validateOne(t, CommonPasswordValidator{}, "godzilla", nil)
	if e.Message != "This password is too common." || e.Code != "password_too_common" {
		t.Fatalf("%+v", e)
	}
	// Compared lower-cased and trimmed, as Django does.
	validateOne(t, CommonPasswordValidator{}, "  PassWord ", nil)
	if got := (CommonPasswordValidator{}).HelpText(); got != "Your password can’t be a commonly used password." {
		t.Fatal(got)
	}
}

// test_validate_custom_list, with the list given as plain text and as gzip (Django's own file
// format).
func TestCommonPasswordValidatorCustomList(t *testing.T) {
	const text = "from-my-custom-list\n  Mixed-Case  \n\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	for name, data := range map[string][]byte{"plain": []byte(text), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			list, err := LoadPasswordList(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if list.Len() != 2 {
				t.Fatalf("Len() = %d, want 2", list.Len())
			}
			v := CommonPasswordValidator{Passwords: list}
			if err := v.Validate("a-safe-password", nil); err != nil {
				t.Fatal(err)
			}
			if e := validateOne(t, v, "from-my-custom-list", nil); e.Code != "password_too_common" {
				t.Fatal(e.Code)
			}
			validateOne(t, v, "mixed-case", nil)
		})
	}
}

func TestLoadPasswordListRejectsBadInput(t *testing.T) {
	for name, data := range map[string][]byte{
		"invalid UTF-8": []byte("ok\n\xff\xfe\n"),
		"broken gzip":   {0x1f, 0x8b, 0x08, 0x00, 0x01},
		"huge line":     bytes.Repeat([]byte("a"), maxPasswordListLine+1),
	} {
		if _, err := LoadPasswordList(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// test_validate_django_supplied_file, for djin's embedded list: every entry is lower-case
// and trimmed (or it could never match), and the list is of a useful size.
func TestEmbeddedCommonPasswords(t *testing.T) {
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(string(commonPasswordsText), "\n"), "\n") {
		if line == "" || line != normalizeListEntry(line) || !utf8.ValidString(line) {
			t.Fatalf("line %d %q is not a lower-case, trimmed password", i+1, line)
		}
		if seen[line] {
			t.Fatalf("line %d %q is a duplicate", i+1, line)
		}
		seen[line] = true
	}
	if n := DefaultCommonPasswords().Len(); n != len(seen) || n < 5000 {
		t.Fatalf("embedded list has %d passwords (file lines %d)", n, len(seen))
	}
}

// NumericPasswordValidatorTest.
func TestNumericPasswordValidator(t *testing.T) {
	if err := (NumericPasswordValidator{}).Validate("a-safe-password", nil); err != nil {
		t.Fatal(err)
	}
	e := validateOne(t, NumericPasswordValidator{}, "42424242", nil)
	if e.Message != "This password is entirely numeric." || e.Code != "password_entirely_numeric" {
		t.Fatalf("%+v", e)
	}
	validateOne(t, NumericPasswordValidator{}, "٤٢٤٢٤٢٤٢", nil) // Arabic-Indic digits: str.isdigit() too
	if err := (NumericPasswordValidator{}).Validate("", nil); err != nil {
		t.Fatal("the empty password is not numeric (\"\".isdigit() is False)")
	}
	if got := (NumericPasswordValidator{}).HelpText(); got != "Your password can’t be entirely numeric." {
		t.Fatal(got)
	}
}

func TestDefaultPasswordValidators(t *testing.T) {
	v := DefaultPasswordValidators()
	if len(v) != 4 {
		t.Fatalf("%d validators", len(v))
	}
	user := &User{Username: "jdoe", Email: "jdoe@example.com"}
	for pw, codes := range map[string][]string{
		"correct horse battery": nil,
		"12345678":              {"password_too_common", "password_entirely_numeric"},
		"jdoe1":                 {"password_too_similar", "password_too_short"},
		"4815":                  {"password_too_short", "password_entirely_numeric"},
	} {
		err := ValidatePassword(pw, user, v)
		var got []string
		if err != nil {
			for _, e := range validationErrors(t, err) {
				got = append(got, e.Code)
			}
		}
		if !reflect.DeepEqual(got, codes) {
			t.Errorf("%q: codes %v, want %v", pw, got, codes)
		}
	}
}

func FuzzUserAttributeSimilarity(f *testing.F) {
	f.Add("testclient", "testclient@example.com")
	f.Add("", "@")
	f.Add("ǅǈ\u0130", "İstanbul")
	f.Fuzz(func(t *testing.T, password, attr string) {
		user := &User{Username: attr, Email: attr, FirstName: attr}
		err := (UserAttributeSimilarityValidator{}).Validate(password, user)
		if err != nil && !errors.Is(err, ErrPasswordRejected) {
			t.Fatalf("unexpected error kind: %v", err)
		}
		if password != "" && strings.EqualFold(password, attr) && err == nil {
			t.Fatalf("password equal to the username was accepted: %q", password)
		}
	})
}

func FuzzLoadPasswordList(f *testing.F) {
	f.Add([]byte("password\nGodzilla\n"))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := LoadPasswordList(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, line := range strings.Split(string(data), "\n") {
			if pw := normalizeListEntry(line); pw != "" && !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && !l.Contains(line) {
				t.Fatalf("%q loaded but not contained", line)
			}
		}
	})
}

func BenchmarkValidatePassword(b *testing.B) {
	validators := DefaultPasswordValidators()
	user := &User{Username: "margaretha", FirstName: "Margaretha", LastName: "Zelle", Email: "mata.hari@example.com"}
	DefaultCommonPasswords() // parsed once, outside the measurement
	for name, pw := range map[string]string{"good": "correct horse battery staple", "long": strings.Repeat("x9", 2048)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = ValidatePassword(pw, user, validators)
			}
		})
	}
}
