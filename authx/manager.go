package authx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// UserFieldError says what is wrong with one field of a user being created, in words fit to
// show next to that field in a form. It matches ErrInvalidUser with errors.Is, or the wrapped
// Err when there is one (ErrDuplicateUsername for a taken username).
type UserFieldError struct {
	Field   string // the column: "username", "email", "first_name", or an ExtraField name
	Code    string // Django's code: "required", "invalid", "max_length", "unique"
	Message string // Django's message, e.g. "Enter a valid email address."
	Err     error  // the sentinel behind it, if not ErrInvalidUser
}

// Error implements error.
func (e *UserFieldError) Error() string { return "authx: " + e.Field + ": " + e.Message }

// Is matches ErrInvalidUser, or Err when set.
func (e *UserFieldError) Is(target error) bool {
	if e.Err != nil {
		return errors.Is(e.Err, target)
	}
	return target == ErrInvalidUser
}

// NormalizeUsername applies Unicode NFKC normalisation, so that look-alike compatibility
// characters (the ohm sign Ω, full-width letters, ...) cannot make a second "admin".
// Django: AbstractBaseUser.normalize_username.
func NormalizeUsername(username string) string { return norm.NFKC.String(username) }

// NormalizeEmail lower-cases the domain part of an address (the local part is case-sensitive
// by the RFCs) and trims surrounding space; text without "@" is returned unchanged.
// Django: BaseUserManager.normalize_email.
func NormalizeEmail(email string) string {
	trimmed := strings.TrimSpace(email)
	at := strings.LastIndexByte(trimmed, '@')
	if at < 0 {
		return email
	}
	return trimmed[:at] + "@" + strings.ToLower(trimmed[at+1:])
}

const usernameMessage = "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."

// ValidateUnicodeUsername accepts usernames made of letters and numbers of any script and
// the characters @ . + - _ (Django: UnicodeUsernameValidator, r"^[\w.@+-]+\Z"). It returns a
// *UserFieldError.
func ValidateUnicodeUsername(username string) error {
	return validateUsername(username, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })
}

// ValidateASCIIUsername accepts only ASCII letters and digits and @ . + - _ (Django:
// ASCIIUsernameValidator). It returns a *UserFieldError.
func ValidateASCIIUsername(username string) error {
	return validateUsername(username, func(r rune) bool {
		return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
	})
}

func validateUsername(username string, alnum func(rune) bool) error {
	if username == "" || !utf8.ValidString(username) ||
		strings.IndexFunc(username, func(r rune) bool { return !alnum(r) && !strings.ContainsRune("_.@+-", r) }) >= 0 {
		return &UserFieldError{Field: "username", Code: "invalid", Message: usernameMessage}
	}
	return nil
}

// Django's EmailValidator patterns (django/core/validators.py): a dot-atom or quoted local
// part, and a domain of letter-digit-hyphen labels (internationalised ones included).
var (
	emailUserRe = regexp.MustCompile("(?i)^(?:[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*" +
		`|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-\[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$`)
	emailDomainRe = regexp.MustCompile(`(?i)^(?:[a-z0-9\x{a1}-\x{ffff}](?:[a-z0-9\x{a1}-\x{ffff}-]{0,61}[a-z0-9\x{a1}-\x{ffff}])?\.)+` +
		`[a-z0-9\x{a1}-\x{ffff}-]{2,63}$`)
)

// ValidateEmail accepts the addresses Django's EmailValidator accepts: at most 320
// characters, a dot-atom or quoted local part, and a domain name, "localhost", or an IP
// literal in brackets. It returns a *UserFieldError.
func ValidateEmail(email string) error {
	bad := &UserFieldError{Field: "email", Code: "invalid", Message: "Enter a valid email address."}
	at := strings.LastIndexByte(email, '@')
	if at < 0 || len(email) > 320 || !utf8.ValidString(email) {
		return bad
	}
	user, domain := email[:at], email[at+1:]
	if !emailUserRe.MatchString(user) {
		return bad
	}
	switch {
	case domain == "localhost":
		return nil
	case strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]"):
		literal := strings.TrimPrefix(domain[1:len(domain)-1], "IPv6:")
		if addr, err := netip.ParseAddr(literal); err == nil && addr.Zone() == "" {
			return nil
		}
		return bad
	case emailDomainRe.MatchString(domain) && !strings.HasSuffix(domain, "-"):
		return nil
	}
	return bad
}

// UserManagerConfig configures a UserManager. Only Store is required; the zero value of the
// other fields gives Django's behaviour with its four default password validators.
type UserManagerConfig struct {
	// Store keeps the users. Required.
	Store Store
	// Hashers hashes and checks passwords; nil means DefaultPasswordHashers().
	// Django: PASSWORD_HASHERS.
	Hashers *PasswordHashers
	// PasswordValidators check new passwords in CreateUser and SetPassword. nil means
	// DefaultPasswordValidators(); an empty, non-nil slice turns validation off.
	// Django: AUTH_PASSWORD_VALIDATORS.
	PasswordValidators []PasswordValidator
	// UsernameValidator checks a (normalised) username; nil means ValidateUnicodeUsername.
	// Django: AbstractUser.username_validator.
	UsernameValidator func(username string) error
	// Now is the clock for DateJoined and LastLogin; nil means time.Now.
	Now func() time.Time
	// Logger receives warnings (a failed hash upgrade); nil means slog.Default(). Passwords and
	// hashes are never logged.
	Logger *slog.Logger
}

// UserManager creates users and changes passwords by Django's rules (Django: UserManager and
// the password methods of AbstractBaseUser that save). It holds the password hashers and
// validators, so request code and commands share one policy. It is safe for concurrent use.
//
// The split with User: User's SetPassword and CheckPassword take the hashers as an argument
// and only touch the value (no I/O, no validation); the UserManager methods of the same names
// validate, hash with the manager's hashers and save the password column, and CheckPassword
// re-hashes outdated hashes on success. Request code (Authenticate, a password-change view)
// uses the manager; the User methods are for code that saves users itself.
type UserManager struct {
	store      Store
	hashers    *PasswordHashers
	validators []PasswordValidator
	username   func(string) error
	now        func() time.Time
	log        *slog.Logger
}

// NewUserManager validates cfg and returns a manager.
func NewUserManager(cfg UserManagerConfig) (*UserManager, error) {
	if cfg.Store == nil {
		return nil, errors.New("authx: UserManagerConfig.Store: required")
	}
	m := &UserManager{
		store:      cfg.Store,
		hashers:    cfg.Hashers,
		validators: cfg.PasswordValidators,
		username:   cfg.UsernameValidator,
		now:        cfg.Now,
		log:        cfg.Logger,
	}
	if m.hashers == nil {
		m.hashers = DefaultPasswordHashers()
	}
	if m.validators == nil {
		m.validators = DefaultPasswordValidators()
	}
	for i, v := range m.validators {
		if v == nil {
			return nil, fmt.Errorf("authx: UserManagerConfig.PasswordValidators[%d]: nil", i)
		}
		if c, ok := v.(settingsChecker); ok {
			if err := c.Check(); err != nil {
				return nil, fmt.Errorf("authx: UserManagerConfig.PasswordValidators[%d]: %w", i, err)
			}
		}
	}
	if m.username == nil {
		m.username = ValidateUnicodeUsername
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	return m, nil
}

// Store returns the store the manager writes to.
func (m *UserManager) Store() Store { return m.store }

// Hashers returns the password hashers the manager uses.
func (m *UserManager) Hashers() *PasswordHashers { return m.hashers }

// PasswordValidators returns the validators new passwords must pass.
func (m *UserManager) PasswordValidators() []PasswordValidator { return m.validators }

// UserParams describes a user to create. The zero value of each field is Django's default:
// an active user that is neither staff nor superuser, without a usable password.
type UserParams struct {
	Username  string // normalised with NormalizeUsername; required
	Email     string // normalised with NormalizeEmail; optional
	Password  string // the raw password; "" gives an unusable password (Django: password=None)
	FirstName string // at most 150 characters
	LastName  string // at most 150 characters
	IsStaff   bool   // Django's is_staff
	// IsSuperuser grants every permission (while the user is active).
	IsSuperuser bool
	// Inactive creates the user with IsActive false (Django's is_active defaults to true).
	Inactive bool
	// Extra sets application columns; missing ones get their ExtraField default.
	Extra Extra
	// SkipPasswordValidation stores Password even if the validators refuse it: createsuperuser's
	// "Bypass password validation and create user anyway?". Leave it false for
	// anything a request can reach.
	SkipPasswordValidation bool
}

// CreateUser creates a user by Django's create_user rules: the username is NFKC-normalised and
// required, the email's domain lower-cased, the password hashed (or unusable when empty), and
// DateJoined set to now. Beyond Django's create_user, it also validates what Django leaves to
// forms: the username (UsernameValidator and length), the email address, required extra fields
// and the password (the validators, with the new user's attributes). Every problem is reported
// at once, as errors joined from *UserFieldError values and a PasswordValidationErrors;
// a taken username is a *UserFieldError matching ErrDuplicateUsername.
func (m *UserManager) CreateUser(ctx context.Context, p UserParams) (*User, error) {
	u := &User{
		Username:    NormalizeUsername(p.Username),
		Email:       NormalizeEmail(p.Email),
		FirstName:   p.FirstName,
		LastName:    p.LastName,
		IsStaff:     p.IsStaff,
		IsSuperuser: p.IsSuperuser,
		IsActive:    !p.Inactive,
		DateJoined:  m.now(),
		Extra:       p.Extra,
	}
	errs := m.checkNewUser(ctx, u)
	if p.Password != "" && !p.SkipPasswordValidation {
		if err := ValidatePassword(p.Password, u, m.validators); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if p.Password == "" {
		u.SetUnusablePassword()
	} else if err := u.SetPassword(m.hashers, p.Password); err != nil {
		return nil, err
	}
	if err := m.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, ErrDuplicateUsername) {
			return nil, duplicateUsername(err)
		}
		return nil, err
	}
	return u, nil
}

func duplicateUsername(err error) error {
	return &UserFieldError{Field: "username", Code: "unique", Message: "A user with that username already exists.", Err: err}
}

// CreateSuperuser creates a user with IsStaff and IsSuperuser set, by the rules of CreateUser.
// (Django refuses is_staff=False or is_superuser=False here; in Go the fields are simply
// forced.) Django: create_superuser.
func (m *UserManager) CreateSuperuser(ctx context.Context, p UserParams) (*User, error) {
	p.IsStaff, p.IsSuperuser = true, true
	return m.CreateUser(ctx, p)
}

// CheckUsername normalises username (NFKC) and checks it as CreateUser would: set, at most
// 150 characters, accepted by the UsernameValidator and not taken. It returns the normalised
// username, or a *UserFieldError (matching ErrDuplicateUsername when taken), or a store error.
// The createsuperuser command uses it to ask again before asking for a password.
func (m *UserManager) CheckUsername(ctx context.Context, username string) (string, error) {
	username = NormalizeUsername(username)
	switch {
	case username == "":
		return "", &UserFieldError{Field: "username", Code: "required", Message: "The given username must be set"}
	case utf8.RuneCountInString(username) > MaxUsernameLength:
		return "", maxLengthError("username", username, MaxUsernameLength)
	}
	if err := m.username(username); err != nil {
		return "", err
	}
	_, err := m.store.GetUserByUsername(ctx, username)
	switch {
	case err == nil:
		return "", duplicateUsername(ErrDuplicateUsername)
	case !errors.Is(err, ErrUserNotFound):
		return "", err
	}
	return username, nil
}

// checkNewUser collects the field errors of a user about to be created.
func (m *UserManager) checkNewUser(ctx context.Context, u *User) []error {
	var errs []error
	if _, err := m.CheckUsername(ctx, u.Username); err != nil {
		var fe *UserFieldError
		if !errors.As(err, &fe) {
			return []error{err}
		}
		errs = append(errs, err)
	}
	if u.Email != "" {
		if utf8.RuneCountInString(u.Email) > MaxEmailLength {
			errs = append(errs, maxLengthError("email", u.Email, MaxEmailLength))
		} else if err := ValidateEmail(u.Email); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range [...]struct{ name, value string }{{"first_name", u.FirstName}, {"last_name", u.LastName}} {
		if utf8.RuneCountInString(f.value) > MaxNameLength {
			errs = append(errs, maxLengthError(f.name, f.value, MaxNameLength))
		}
	}
	for _, f := range m.store.ExtraFields() {
		if v, ok := u.Extra[f.Name]; f.Required && (!ok || v == nil || v == "") {
			errs = append(errs, &UserFieldError{Field: f.Name, Code: "required", Message: "This field is required."})
		}
	}
	return errs
}

func maxLengthError(field, value string, max int) error {
	return &UserFieldError{Field: field, Code: "max_length",
		Message: fmt.Sprintf("Ensure this value has at most %d characters (it has %d).", max, utf8.RuneCountInString(value))}
}

// ValidatePassword checks raw against the manager's validators for user u (which may be nil).
func (m *UserManager) ValidatePassword(raw string, u *User) error {
	return ValidatePassword(raw, u, m.validators)
}

// PasswordHelpTexts returns the help text of each of the manager's validators, for forms.
func (m *UserManager) PasswordHelpTexts() []string { return PasswordHelpTexts(m.validators) }

// SetPassword validates raw for u, hashes it, stores only the password column and updates
// u.Password, then tells validators implementing PasswordChangeObserver. A refused password is a
// PasswordValidationErrors (errors.Is ErrPasswordRejected) and changes nothing.
//
// The new hash changes the user's session auth hash, which logs out the user's other
// sessions (Django's behaviour); the session making the change stays logged in if it stores
// the new hash (Django: update_session_auth_hash).
func (m *UserManager) SetPassword(ctx context.Context, u *User, raw string) error {
	if err := m.ValidatePassword(raw, u); err != nil {
		return err
	}
	encoded, err := m.hashers.Make(raw)
	if err != nil {
		return fmt.Errorf("authx: set password: %w", err)
	}
	if err := m.store.SetPasswordHash(ctx, u.ID, encoded); err != nil {
		return err
	}
	u.Password = encoded
	for _, v := range m.validators {
		if o, ok := v.(PasswordChangeObserver); ok {
			o.PasswordChanged(raw, u)
		}
	}
	return nil
}

// SetUnusablePassword stores an unusable password for u: nothing will log in as u with a
// password until one is set again. Django: set_unusable_password() and save().
func (m *UserManager) SetUnusablePassword(ctx context.Context, u *User) error {
	encoded := UnusablePassword()
	if err := m.store.SetPasswordHash(ctx, u.ID, encoded); err != nil {
		return err
	}
	u.Password = encoded
	return nil
}

// CheckPassword reports whether raw is u's password. When it is and the stored hash uses an
// outdated algorithm or parameters, the password is re-hashed with the preferred hasher and
// only the password column is saved (Django's check_password setter), so upgrades happen at
// login without a password change. A failed upgrade is logged and does not fail the check.
// It does not look at IsActive: authentication does.
func (m *UserManager) CheckPassword(ctx context.Context, u *User, raw string) (bool, error) {
	ok, mustUpdate, err := m.hashers.Check(raw, u.Password)
	if err != nil || !ok {
		return false, err
	}
	if mustUpdate {
		m.upgradeHash(ctx, u, raw)
	}
	return true, nil
}

func (m *UserManager) upgradeHash(ctx context.Context, u *User, raw string) {
	encoded, err := m.hashers.Make(raw)
	if err == nil {
		err = m.store.SetPasswordHash(ctx, u.ID, encoded)
	}
	if err != nil {
		m.log.WarnContext(ctx, "authx: password hash upgrade failed; the old hash stays",
			slog.Int64("user_id", u.ID), slog.String("error", err.Error()))
		return
	}
	u.Password = encoded
}

// UpdateLastLogin sets u.LastLogin to now and saves only that column. Login calls it, as
// Django's update_last_login receiver of user_logged_in does.
func (m *UserManager) UpdateLastLogin(ctx context.Context, u *User) error {
	now := dbTime(m.now())
	if err := m.store.SetLastLogin(ctx, u.ID, now); err != nil {
		return err
	}
	u.LastLogin = &now
	return nil
}
