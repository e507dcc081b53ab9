package authx

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// ErrPasswordRejected is matched (errors.Is) by every password validation failure.
var ErrPasswordRejected = errors.New("authx: the password does not meet the requirements")

// PasswordValidator checks a candidate password, as the entries of Django's
// AUTH_PASSWORD_VALIDATORS do. Implementations must be safe for concurrent use.
type PasswordValidator interface {
	// Validate returns nil when password is acceptable for user, else an error saying why,
	// preferably a *PasswordValidationError. user may be nil (no user exists yet).
	Validate(password string, user *User) error
	// HelpText tells users what the rule asks, for forms.
	HelpText() string
}

// PasswordChangeObserver is implemented by validators that want to know when a password was
// changed, for example to keep a password history. UserManager.SetPassword calls it after
// the new hash is stored. Django: password_changed().
type PasswordChangeObserver interface {
	PasswordChanged(password string, user *User)
}

// PasswordValidationError is one reason a password was refused, with Django's error code,
// English message and parameters.
type PasswordValidationError struct {
	Code    string         // Django's code: "password_too_short", "password_too_common", ...
	Message string         // for the user, e.g. "This password is too common."
	Params  map[string]any // the values in the message, e.g. {"min_length": 8}
}

// Error returns the message, fit to show in a form.
func (e *PasswordValidationError) Error() string { return e.Message }

// Is makes every validation failure match ErrPasswordRejected.
func (e *PasswordValidationError) Is(target error) bool { return target == ErrPasswordRejected }

// PasswordValidationErrors is every reason a password was refused, in validator order.
// ValidatePassword returns it. Django: ValidationError with an error_list.
type PasswordValidationErrors []*PasswordValidationError

// Error joins the messages.
func (e PasswordValidationErrors) Error() string {
	return "authx: password rejected: " + strings.Join(e.Messages(), " ")
}

// Messages returns the message of each failure, for a form.
func (e PasswordValidationErrors) Messages() []string {
	msgs := make([]string, len(e))
	for i, v := range e {
		msgs[i] = v.Message
	}
	return msgs
}

// Is matches ErrPasswordRejected.
func (e PasswordValidationErrors) Is(target error) bool { return target == ErrPasswordRejected }

// Unwrap exposes each failure to errors.As.
func (e PasswordValidationErrors) Unwrap() []error {
	errs := make([]error, len(e))
	for i, v := range e {
		errs[i] = v
	}
	return errs
}

// ValidatePassword runs every validator on password and returns nil, or a
// PasswordValidationErrors holding every failure (not only the first), so that a form can
// show them all. user may be nil. Django: validate_password().
func ValidatePassword(password string, user *User, validators []PasswordValidator) error {
	var errs PasswordValidationErrors
	for _, v := range validators {
		err := v.Validate(password, user)
		if err == nil {
			continue
		}
		var one *PasswordValidationError
		var many PasswordValidationErrors
		switch {
		case errors.As(err, &many):
			errs = append(errs, many...)
		case errors.As(err, &one):
			errs = append(errs, one)
		default:
			errs = append(errs, &PasswordValidationError{Code: "invalid", Message: err.Error()})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// PasswordHelpTexts returns the help text of each validator. Django:
// password_validators_help_texts().
func PasswordHelpTexts(validators []PasswordValidator) []string {
	texts := make([]string, len(validators))
	for i, v := range validators {
		texts[i] = v.HelpText()
	}
	return texts
}

// PasswordHelpTextHTML returns the help texts as an HTML list, escaped, or "" for no
// validators. Django: password_validators_help_text_html().
func PasswordHelpTextHTML(validators []PasswordValidator) template.HTML {
	if len(validators) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("<ul>")
	for _, v := range validators {
		b.WriteString("<li>" + template.HTMLEscapeString(v.HelpText()) + "</li>")
	}
	b.WriteString("</ul>")
	return template.HTML(b.String()) // #nosec G203 -- every piece is escaped above
}

// DefaultPasswordValidators returns Django's four validators with their default settings, in
// the order of Django's project template: user-attribute similarity, minimum length 8,
// common passwords, entirely numeric.
func DefaultPasswordValidators() []PasswordValidator {
	return []PasswordValidator{
		UserAttributeSimilarityValidator{},
		MinimumLengthValidator{},
		CommonPasswordValidator{},
		NumericPasswordValidator{},
	}
}

// settingsChecker is implemented by validators whose settings can be wrong; NewUserManager
// calls it so that a bad setting fails at start-up rather than on the first password.
type settingsChecker interface{ Check() error }

// MinimumLengthValidator refuses passwords shorter than MinLength characters (Unicode code
// points, as Django counts). Django: MinimumLengthValidator.
type MinimumLengthValidator struct {
	// MinLength is the least number of characters; 0 means 8. Django: min_length.
	MinLength int
}

func (v MinimumLengthValidator) min() int {
	if v.MinLength == 0 {
		return 8
	}
	return v.MinLength
}

// Check reports a negative MinLength.
func (v MinimumLengthValidator) Check() error {
	if v.MinLength < 0 {
		return fmt.Errorf("authx: MinimumLengthValidator.MinLength: must not be negative (got %d)", v.MinLength)
	}
	return nil
}

// Validate implements PasswordValidator.
func (v MinimumLengthValidator) Validate(password string, _ *User) error {
	if err := v.Check(); err != nil {
		return err
	}
	n := v.min()
	if utf8.RuneCountInString(password) >= n {
		return nil
	}
	return &PasswordValidationError{
		Code:    "password_too_short",
		Message: fmt.Sprintf("This password is too short. It must contain at least %d %s.", n, pluralize(n, "character")),
		Params:  map[string]any{"min_length": n},
	}
}

// HelpText implements PasswordValidator.
func (v MinimumLengthValidator) HelpText() string {
	n := v.min()
	return fmt.Sprintf("Your password must contain at least %d %s.", n, pluralize(n, "character"))
}

func pluralize(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// DefaultUserAttributes are the user attributes UserAttributeSimilarityValidator compares
// with by default. Django: DEFAULT_USER_ATTRIBUTES.
var DefaultUserAttributes = []string{"username", "first_name", "last_name", "email"}

// UserAttributeSimilarityValidator refuses passwords too similar to the user's own details
// (username, names, email, or any Extra string field named in Attributes). Similarity is
// Python's difflib SequenceMatcher.quick_ratio, as in Django, and values far shorter than
// the password are skipped without comparing (Django's CVE-2021-45115 fix), so the cost stays
// linear in the password length. Django: UserAttributeSimilarityValidator.
type UserAttributeSimilarityValidator struct {
	// Attributes are the user attributes to compare with (User.Attribute names); nil means
	// DefaultUserAttributes. Django: user_attributes.
	Attributes []string
	// MaxSimilarity is the similarity (0.1 to 1) from which a password is refused; 0 means
	// 0.7. Django: max_similarity.
	MaxSimilarity float64
}

func (v UserAttributeSimilarityValidator) max() float64 {
	if v.MaxSimilarity == 0 {
		return 0.7
	}
	return v.MaxSimilarity
}

// Check reports a MaxSimilarity below 0.1, which would refuse nearly every password.
func (v UserAttributeSimilarityValidator) Check() error {
	if v.MaxSimilarity != 0 && v.MaxSimilarity < 0.1 {
		return fmt.Errorf("authx: UserAttributeSimilarityValidator.MaxSimilarity: max_similarity must be at least 0.1 (got %v)", v.MaxSimilarity)
	}
	return nil
}

// attributeLabels are Django's verbose names of the AbstractUser fields.
var attributeLabels = map[string]string{
	"username": "username", "first_name": "first name", "last_name": "last name", "email": "email address",
}

// Validate implements PasswordValidator.
func (v UserAttributeSimilarityValidator) Validate(password string, user *User) error {
	if err := v.Check(); err != nil {
		return err
	}
	if user == nil {
		return nil
	}
	attrs := v.Attributes
	if attrs == nil {
		attrs = DefaultUserAttributes
	}
	maxSim := v.max()
	pw := []rune(strings.ToLower(password))
	for _, name := range attrs {
		value, ok := user.Attribute(name)
		if !ok || value == "" {
			continue
		}
		lower := strings.ToLower(value)
		// Django compares each \W+-separated part and the whole value.
		parts := append(splitNonWord(lower), lower)
		for _, part := range parts {
			p := []rune(part)
			if exceedsMaximumLengthRatio(len(pw), maxSim, len(p)) {
				continue
			}
			if quickRatio(pw, p) >= maxSim {
				label, ok := attributeLabels[name]
				if !ok {
					label = strings.ReplaceAll(name, "_", " ")
				}
				return &PasswordValidationError{
					Code:    "password_too_similar",
					Message: "The password is too similar to the " + label + ".",
					Params:  map[string]any{"verbose_name": label},
				}
			}
		}
	}
	return nil
}

// HelpText implements PasswordValidator.
func (UserAttributeSimilarityValidator) HelpText() string {
	return "Your password can’t be too similar to your other personal information."
}

// splitNonWord is Python's re.split(r"\W+", s): the runs of word characters, with an empty
// piece before a leading or after a trailing separator.
func splitNonWord(s string) []string {
	var parts []string
	start, inSep := 0, false
	for i, r := range s {
		switch sep := isNotWordRune(r); {
		case sep && !inSep:
			parts = append(parts, s[start:i])
			inSep = true
		case !sep && inSep:
			start = i
			inSep = false
		}
	}
	if inSep {
		return append(parts, "")
	}
	return append(parts, s[start:])
}

// isNotWordRune is the complement of Python's \w for str patterns: letters, numbers and "_".
func isNotWordRune(r rune) bool {
	return !(unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_')
}

// exceedsMaximumLengthRatio is Django's shortcut: a value at most a tenth of the password's
// length cannot reach max similarity, so it is not compared (quick_ratio ≤ 2/length ratio).
func exceedsMaximumLengthRatio(pwLen int, maxSimilarity float64, valueLen int) bool {
	lengthBoundSimilarity := maxSimilarity / 2 * float64(pwLen)
	return pwLen >= 10*valueLen && float64(valueLen) < lengthBoundSimilarity
}

// quickRatio is difflib.SequenceMatcher(a=a, b=b).quick_ratio(): twice the size of the
// multiset intersection of the characters over the total length (1 when both are empty).
func quickRatio(a, b []rune) float64 {
	if len(a)+len(b) == 0 {
		return 1
	}
	avail := make(map[rune]int, len(b))
	for _, r := range b {
		avail[r]++
	}
	matches := 0
	for _, r := range a {
		if avail[r] > 0 {
			matches++
		}
		avail[r]--
	}
	return 2 * float64(matches) / float64(len(a)+len(b))
}

// CommonPasswordValidator refuses passwords found (lower-cased and trimmed) in a list of
// common passwords. Django: CommonPasswordValidator.
type CommonPasswordValidator struct {
	// Passwords is the list; nil means DefaultCommonPasswords(). Load another one (Django's
	// own common-passwords.txt.gz works as it is) with LoadPasswordList. Django:
	// password_list_path.
	Passwords *PasswordList
}

// Validate implements PasswordValidator.
func (v CommonPasswordValidator) Validate(password string, _ *User) error {
	list := v.Passwords
	if list == nil {
		list = DefaultCommonPasswords()
	}
	if !list.Contains(password) {
		return nil
	}
	return &PasswordValidationError{Code: "password_too_common", Message: "This password is too common."}
}

// HelpText implements PasswordValidator.
func (CommonPasswordValidator) HelpText() string {
	return "Your password can’t be a commonly used password."
}

// NumericPasswordValidator refuses passwords made only of digits. Django:
// NumericPasswordValidator.
type NumericPasswordValidator struct{}

// Validate implements PasswordValidator.
func (NumericPasswordValidator) Validate(password string, _ *User) error {
	if password == "" || strings.IndexFunc(password, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 {
		return nil
	}
	return &PasswordValidationError{Code: "password_entirely_numeric", Message: "This password is entirely numeric."}
}

// HelpText implements PasswordValidator.
func (NumericPasswordValidator) HelpText() string {
	return "Your password can’t be entirely numeric."
}

// PasswordList is a set of common passwords, compared lower-cased and trimmed.
type PasswordList struct {
	set map[string]struct{}
}

// commonPasswordsText is djin's list of common passwords; see DefaultCommonPasswords.
//
//go:embed common-passwords.txt
var commonPasswordsText []byte

var defaultCommonPasswords = sync.OnceValue(func() *PasswordList {
	l, err := LoadPasswordList(bytes.NewReader(commonPasswordsText))
	if err != nil {
		panic("authx: embedded common-passwords.txt: " + err.Error()) // a build defect, caught by the tests
	}
	return l
})

// DefaultCommonPasswords returns the list embedded in djin (common-passwords.txt, about 6,100
// entries): the passwords that head public breach-frequency rankings and their most frequent
// digit and year variants. Django ships 20,000 (django/contrib/auth/common-passwords.txt.gz);
// for the same coverage, load that file with LoadPasswordList. Parsed once, on first use.
func DefaultCommonPasswords() *PasswordList { return defaultCommonPasswords() }

// maxPasswordListLine bounds one line of a password list, so that a corrupt file fails
// cleanly instead of growing a buffer without limit.
const maxPasswordListLine = 4096

// LoadPasswordList reads a password list: one password per line, plain UTF-8 text or gzip
// (detected from the data, so Django's common-passwords.txt.gz can be used as it is). Lines are
// trimmed and lower-cased; empty lines are skipped.
func LoadPasswordList(r io.Reader) (*PasswordList, error) {
	br := bufio.NewReader(r)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("authx: password list: %w", err)
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxPasswordListLine)
	l := &PasswordList{set: map[string]struct{}{}}
	for line := 1; sc.Scan(); line++ {
		if !utf8.Valid(sc.Bytes()) {
			return nil, fmt.Errorf("authx: password list: line %d is not valid UTF-8", line)
		}
		if pw := normalizeListEntry(sc.Text()); pw != "" {
			l.set[pw] = struct{}{}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("authx: password list: %w", err)
	}
	return l, nil
}

func normalizeListEntry(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Contains reports whether password, lower-cased and trimmed, is in the list.
func (l *PasswordList) Contains(password string) bool {
	_, ok := l.set[normalizeListEntry(password)]
	return ok
}

// Len returns the number of passwords in the list.
func (l *PasswordList) Len() int { return len(l.set) }
