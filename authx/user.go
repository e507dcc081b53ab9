package authx

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Column limits of Django's auth_user table (django/contrib/auth/models.py). Every store enforces
// them, so that memory, SQLite (which does not check varchar lengths) and PostgreSQL agree.
const (
	MaxUsernameLength = 150 // Django: AbstractUser.username max_length
	MaxNameLength     = 150 // Django: first_name, last_name max_length
	MaxEmailLength    = 254 // Django: EmailField default max_length
	MaxPasswordLength = 128 // Django: AbstractBaseUser.password max_length (the encoded hash)
)

// User is Django's AbstractUser: the columns of the auth_user table with Django's names and
// meanings, plus Extra for the columns an application adds (Django's custom user model).
//
// A User is a plain value: changing a field changes nothing until it is saved with
// UserStore.UpdateUser. The Password field holds the encoded hash (Django's format, e.g.
// "pbkdf2_sha256$…" or "argon2$…"), never the raw password; it is excluded from JSON and from
// String and slog output so that it does not leak into API responses or logs.
type User struct {
	ID          int64      `json:"id"`           // primary key; 0 until created
	Password    string     `json:"-"`            // the encoded hash (Django's format), never the raw password
	LastLogin   *time.Time `json:"last_login"`   // nil until the first login (a NULL column)
	IsSuperuser bool       `json:"is_superuser"` // has every permission while active
	Username    string     `json:"username"`     // unique, at most 150 characters, NFKC-normalised by UserManager
	FirstName   string     `json:"first_name"`   // at most 150 characters
	LastName    string     `json:"last_name"`    // at most 150 characters
	Email       string     `json:"email"`        // at most 254 characters; may be empty
	IsStaff     bool       `json:"is_staff"`     // may use the admin site (Django's meaning)
	IsActive    bool       `json:"is_active"`    // inactive users cannot log in and hold no permission
	DateJoined  time.Time  `json:"date_joined"`  // set at creation
	// Extra holds the application's own columns, keyed by column name, as declared by the
	// store's ExtraFields. A user read from a store has every declared field set (nil for
	// NULL); a missing key is written as the field's default.
	Extra Extra `json:"extra,omitempty"`
}

// Principal is who a request acts for: a *User after login, AnonymousUser otherwise.
// Django: request.user. A nil *User is anonymous too, so a forgotten nil check never grants access.
type Principal interface {
	// IsAuthenticated reports whether the principal is a logged-in user. Django: is_authenticated.
	IsAuthenticated() bool
	// IsAnonymous is the opposite of IsAuthenticated. Django: is_anonymous.
	IsAnonymous() bool
	// GetUsername returns the username, "" for the anonymous user. Django: get_username().
	GetUsername() string
}

var (
	_ Principal = (*User)(nil)
	_ Principal = AnonymousUser{}
)

// IsAuthenticated reports true for a non-nil user: a user loaded from a store is logged in
// as far as request code is concerned (IsActive is checked when authenticating).
func (u *User) IsAuthenticated() bool { return u != nil }

// IsAnonymous reports whether u is nil.
func (u *User) IsAnonymous() bool { return u == nil }

// GetUsername returns u.Username ("" for a nil user). Django: get_username().
func (u *User) GetUsername() string {
	if u == nil {
		return ""
	}
	return u.Username
}

// FullName returns the first and last name separated by a space, trimmed. Django: get_full_name().
func (u *User) FullName() string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// ShortName returns the first name. Django: get_short_name().
func (u *User) ShortName() string { return u.FirstName }

// String returns the username, as Django's __str__ does. It never includes the password hash.
func (u User) String() string { return u.Username }

// GoString prints u for %#v with the password hash redacted, so that debugging output does not
// leak it either.
func (u User) GoString() string {
	password := `""`
	if u.Password != "" {
		password = `"[redacted]"`
	}
	lastLogin := "nil"
	if u.LastLogin != nil {
		lastLogin = u.LastLogin.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("authx.User{ID:%d, Password:%s, LastLogin:%s, IsSuperuser:%t, Username:%q, FirstName:%q, "+
		"LastName:%q, Email:%q, IsStaff:%t, IsActive:%t, DateJoined:%s, Extra:%#v}",
		u.ID, password, lastLogin, u.IsSuperuser, u.Username, u.FirstName, u.LastName, u.Email,
		u.IsStaff, u.IsActive, u.DateJoined.Format(time.RFC3339Nano), u.Extra)
}

// LogValue makes slog record only the id and username of a user, never the password hash.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.Int64("id", u.ID), slog.String("username", u.Username))
}

// SetPassword hashes raw with h (nil means DefaultPasswordHashers()) and stores the encoded
// hash in u.Password. It does not validate the password and does not save the user: use
// UserManager.SetPassword for the validated, persisted change. Django: set_password().
func (u *User) SetPassword(h *PasswordHashers, raw string) error {
	if h == nil {
		h = DefaultPasswordHashers()
	}
	encoded, err := h.Make(raw)
	if err != nil {
		return fmt.Errorf("authx: set password: %w", err)
	}
	u.Password = encoded
	return nil
}

// CheckPassword reports whether raw matches u's password hash, and whether the hash should be
// upgraded to h's preferred algorithm or parameters (mustUpdate). h nil means
// DefaultPasswordHashers(). It saves nothing: UserManager.CheckPassword also persists the
// upgrade. An unusable password never matches. Django: check_password().
func (u *User) CheckPassword(h *PasswordHashers, raw string) (ok, mustUpdate bool, err error) {
	if h == nil {
		h = DefaultPasswordHashers()
	}
	return h.Check(raw, u.Password)
}

// SetUnusablePassword marks the user as having no password: nothing will match it, and
// HasUsablePassword reports false. Django: set_unusable_password().
func (u *User) SetUnusablePassword() { u.Password = UnusablePassword() }

// HasUsablePassword reports whether the stored hash is not an unusable password.
// Django: has_usable_password().
func (u *User) HasUsablePassword() bool { return IsPasswordUsable(u.Password) }

// Clone returns a deep copy of u: changing the copy's Extra or LastLogin leaves u unchanged.
func (u *User) Clone() *User {
	if u == nil {
		return nil
	}
	c := *u
	if u.LastLogin != nil {
		t := *u.LastLogin
		c.LastLogin = &t
	}
	if u.Extra != nil {
		c.Extra = make(Extra, len(u.Extra))
		for k, v := range u.Extra {
			c.Extra[k] = v
		}
	}
	return &c
}

// Attribute returns the text of a user attribute by its Django name ("username",
// "first_name", "last_name", "email") or an Extra string field, for validators that compare
// a password with the user's personal information.
func (u *User) Attribute(name string) (string, bool) {
	switch name {
	case "username":
		return u.Username, true
	case "first_name":
		return u.FirstName, true
	case "last_name":
		return u.LastName, true
	case "email":
		return u.Email, true
	}
	return u.Extra.String(name)
}

// AnonymousUser is the principal of a request nobody is logged in for. Django: AnonymousUser.
// Its methods mirror the User fields templates use, so "{{ .user.Username }}" and
// "{{ if .user.IsStaff }}" work for both.
type AnonymousUser struct{}

// IsAuthenticated reports false.
func (AnonymousUser) IsAuthenticated() bool { return false }

// IsAnonymous reports true.
func (AnonymousUser) IsAnonymous() bool { return true }

// GetUsername returns "".
func (AnonymousUser) GetUsername() string { return "" }

// Username returns "".
func (AnonymousUser) Username() string { return "" }

// ID returns 0, which no stored user has.
func (AnonymousUser) ID() int64 { return 0 }

// IsActive reports false.
func (AnonymousUser) IsActive() bool { return false }

// IsStaff reports false.
func (AnonymousUser) IsStaff() bool { return false }

// IsSuperuser reports false.
func (AnonymousUser) IsSuperuser() bool { return false }

// String returns "AnonymousUser", as Django's __str__ does.
func (AnonymousUser) String() string { return "AnonymousUser" }

// checkColumns enforces the auth_user column constraints every store shares and brings the
// Extra values to their canonical types (filling defaults for missing fields). Times are
// rounded to what the databases keep (UTC, microseconds).
func (u *User) checkColumns(fields []ExtraField) error {
	if u.Username == "" {
		return fmt.Errorf("%w: username must be set", ErrInvalidUser)
	}
	for _, c := range [...]struct {
		name  string
		value string
		max   int
	}{
		{"username", u.Username, MaxUsernameLength},
		{"first_name", u.FirstName, MaxNameLength},
		{"last_name", u.LastName, MaxNameLength},
		{"email", u.Email, MaxEmailLength},
		{"password", u.Password, MaxPasswordLength},
	} {
		if err := checkText(c.value, c.max); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidUser, c.name, err)
		}
	}
	if err := checkTime(u.DateJoined); err != nil {
		return fmt.Errorf("%w: date_joined: %v", ErrInvalidUser, err)
	}
	u.DateJoined = dbTime(u.DateJoined)
	if u.LastLogin != nil {
		if err := checkTime(*u.LastLogin); err != nil {
			return fmt.Errorf("%w: last_login: %v", ErrInvalidUser, err)
		}
		t := dbTime(*u.LastLogin)
		u.LastLogin = &t
	}
	extra, err := canonicalExtra(fields, u.Extra)
	if err != nil {
		return err
	}
	u.Extra = extra
	return nil
}

// checkText rejects what PostgreSQL would refuse or a varchar(max) would not hold, so that
// every store answers the same: invalid UTF-8, NUL bytes, and more than max characters
// (max 0 means unlimited).
func checkText(s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("contains a NUL byte")
	}
	if max > 0 && len(s) > max && utf8.RuneCountInString(s) > max {
		return fmt.Errorf("longer than %d characters", max)
	}
	return nil
}

// checkTime keeps times within Python's datetime range (years 1 to 9999), which Django can
// read and SQLite's text form can hold.
func checkTime(t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("year %d is outside 1 to 9999", y)
	}
	return nil
}

// dbTime is t as every store keeps it: UTC with microsecond precision (PostgreSQL's and
// Django's resolution).
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Extra holds a user's application-defined columns (Django: the fields a custom user model adds
// to AbstractUser), keyed by column name. Values have the Go type of their ExtraType: string,
// int64, bool, float64 or time.Time, or nil for NULL. Stores accept any Go integer for an
// ExtraInt and any float for an ExtraFloat, and hand back the canonical types.
type Extra map[string]any

// String returns the named string field and whether it is set and a string.
func (e Extra) String(name string) (string, bool) {
	s, ok := e[name].(string)
	return s, ok
}

// Int returns the named integer field and whether it is set and an integer.
func (e Extra) Int(name string) (int64, bool) { return asInt64(e[name]) }

// Bool returns the named boolean field and whether it is set and a bool.
func (e Extra) Bool(name string) (bool, bool) {
	b, ok := e[name].(bool)
	return b, ok
}

// Float returns the named floating-point field and whether it is set and a number.
func (e Extra) Float(name string) (float64, bool) {
	switch f := e[name].(type) {
	case float64:
		return f, true
	case float32:
		return float64(f), true
	}
	n, ok := asInt64(e[name])
	return float64(n), ok
}

// Time returns the named time field and whether it is set and a time.Time.
func (e Extra) Time(name string) (time.Time, bool) {
	t, ok := e[name].(time.Time)
	return t, ok
}

// ExtraType is the type of an application-defined user column.
type ExtraType int

// The column types an ExtraField can have, with their Go value type and SQL column type
// (as Django's model fields create them).
const (
	ExtraString ExtraType = iota + 1 // string; varchar(MaxLength), or text when MaxLength is 0 (CharField / TextField)
	ExtraInt                         // int64; bigint (BigIntegerField)
	ExtraBool                        // bool; boolean, "bool" on SQLite (BooleanField)
	ExtraFloat                       // float64; double precision, "real" on SQLite (FloatField)
	ExtraTime                        // time.Time; timestamp with time zone, "datetime" on SQLite (DateTimeField)
)

// String names the type as in Go ("string", "int64", ...).
func (t ExtraType) String() string {
	switch t {
	case ExtraString:
		return "string"
	case ExtraInt:
		return "int64"
	case ExtraBool:
		return "bool"
	case ExtraFloat:
		return "float64"
	case ExtraTime:
		return "time.Time"
	}
	return fmt.Sprintf("ExtraType(%d)", int(t))
}

// ExtraField declares one application column of the user table, the way a Django custom user
// model adds a field to AbstractUser. The tutorial's model
//
//	class Userinfo(AbstractUser):
//	    phone = models.BigIntegerField()
//	    avatar = models.CharField(max_length=32)
//
// is, in djin:
//
//	[]authx.ExtraField{
//		{Name: "phone", Type: authx.ExtraInt},
//		{Name: "avatar", Type: authx.ExtraString, MaxLength: 32},
//	}
//
// given to the store (SQLStoreConfig.ExtraFields, MemoryStoreConfig.ExtraFields); Migrate adds
// the missing columns to an existing table.
type ExtraField struct {
	// Name is the column name: ASCII letters, digits and underscores, not starting with a
	// digit, at most 63 bytes, and not one of Django's auth_user columns.
	Name string
	// Type is the column's type. Required.
	Type ExtraType
	// MaxLength bounds an ExtraString in characters (varchar(MaxLength)); 0 means unlimited
	// (text). It must be 0 for the other types. Django: max_length.
	MaxLength int
	// Null lets the column hold NULL (a nil value). Django: null=True.
	Null bool
	// Default is the value of users created without this field, and of existing rows when
	// Migrate adds the column. nil means the zero value of Type (NULL when Null is set).
	// Django: default.
	Default any
	// Required makes UserManager.CreateUser refuse a user without a value for the field, and
	// createsuperuser ask for it (a --<name> flag with --noinput). Django: REQUIRED_FIELDS.
	Required bool
	// Label names the field in messages and prompts; "" means Name with underscores as
	// spaces. Django: verbose_name.
	Label string
}

// DisplayName returns Label, or Name with underscores replaced by spaces.
func (f ExtraField) DisplayName() string {
	if f.Label != "" {
		return f.Label
	}
	return strings.ReplaceAll(f.Name, "_", " ")
}

// Parse converts text (a command-line flag or prompt answer) to the field's Go type: an
// integer, a float, a bool as strconv.ParseBool reads it, or an RFC 3339 time.
func (f ExtraField) Parse(text string) (any, error) {
	var (
		v   any
		err error
	)
	switch f.Type {
	case ExtraString:
		v = text
	case ExtraInt:
		v, err = strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	case ExtraBool:
		v, err = strconv.ParseBool(strings.TrimSpace(text))
	case ExtraFloat:
		v, err = strconv.ParseFloat(strings.TrimSpace(text), 64)
	case ExtraTime:
		v, err = time.Parse(time.RFC3339Nano, strings.TrimSpace(text))
	default:
		err = fmt.Errorf("unknown type %v", f.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: cannot read %q as %v", ErrInvalidUser, f.Name, text, f.Type)
	}
	return f.convert(v)
}

// convert brings v to the field's canonical Go type, checking what the column can hold.
func (f ExtraField) convert(v any) (any, error) {
	if v == nil {
		if f.Null {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: %s: nil in a NOT NULL column (set ExtraField.Null to allow it)", ErrInvalidUser, f.Name)
	}
	bad := func(why string) error {
		return fmt.Errorf("%w: %s: %s (got %T)", ErrInvalidUser, f.Name, why, v)
	}
	switch f.Type {
	case ExtraString:
		s, ok := v.(string)
		if !ok {
			return nil, bad("want a string")
		}
		if err := checkText(s, f.MaxLength); err != nil {
			return nil, bad(err.Error())
		}
		return s, nil
	case ExtraInt:
		n, ok := asInt64(v)
		if !ok {
			return nil, bad("want an integer that fits in int64")
		}
		return n, nil
	case ExtraBool:
		b, ok := v.(bool)
		if !ok {
			return nil, bad("want a bool")
		}
		return b, nil
	case ExtraFloat:
		var x float64
		switch n := v.(type) {
		case float64:
			x = n
		case float32:
			x = float64(n)
		default:
			i, ok := asInt64(v)
			if !ok {
				return nil, bad("want a number")
			}
			x = float64(i)
		}
		// SQLite stores NaN as NULL and PostgreSQL keeps it: refuse it so that every store agrees.
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, bad("NaN and infinities cannot be stored")
		}
		return x, nil
	case ExtraTime:
		t, ok := v.(time.Time)
		if !ok {
			return nil, bad("want a time.Time")
		}
		if err := checkTime(t); err != nil {
			return nil, bad(err.Error())
		}
		return dbTime(t), nil
	}
	return nil, bad(fmt.Sprintf("unknown type %v", f.Type))
}

// defaultValue is the value a user without the field gets.
func (f ExtraField) defaultValue() any {
	if f.Default != nil {
		return f.Default // canonical: checkExtraFields converted it
	}
	if f.Null {
		return nil
	}
	switch f.Type {
	case ExtraString:
		return ""
	case ExtraInt:
		return int64(0)
	case ExtraBool:
		return false
	case ExtraFloat:
		return float64(0)
	case ExtraTime:
		return time.Time{}
	}
	return nil
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// coreColumns are Django's auth_user columns, which an ExtraField may not reuse.
var coreColumns = map[string]bool{
	"id": true, "password": true, "last_login": true, "is_superuser": true, "username": true,
	"first_name": true, "last_name": true, "email": true, "is_staff": true, "is_active": true,
	"date_joined": true,
}

// checkExtraFields validates the declared fields (for a store's constructor) and returns a copy
// with canonical defaults.
func checkExtraFields(setting string, fields []ExtraField) ([]ExtraField, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	out := make([]ExtraField, len(fields))
	seen := make(map[string]bool, len(fields))
	for i, f := range fields {
		where := fmt.Sprintf("%s[%d]", setting, i)
		if !isIdent(f.Name) {
			return nil, fmt.Errorf("authx: %s.Name: want ASCII letters, digits and underscores, not starting with a digit, at most 63 bytes (got %q)", where, f.Name)
		}
		if coreColumns[f.Name] {
			return nil, fmt.Errorf("authx: %s.Name: %q is one of Django's auth_user columns", where, f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("authx: %s.Name: %q is declared twice", where, f.Name)
		}
		seen[f.Name] = true
		if f.Type < ExtraString || f.Type > ExtraTime {
			return nil, fmt.Errorf("authx: %s.Type: unknown type (got %d)", where, int(f.Type))
		}
		if f.MaxLength < 0 || (f.MaxLength > 0 && f.Type != ExtraString) {
			return nil, fmt.Errorf("authx: %s.MaxLength: only an ExtraString may have one, and it cannot be negative (got %d)", where, f.MaxLength)
		}
		if f.Default != nil {
			d, err := f.convert(f.Default)
			if err != nil {
				return nil, fmt.Errorf("authx: %s.Default: %w", where, err)
			}
			f.Default = d
		}
		out[i] = f
	}
	return out, nil
}

// canonicalExtra checks a user's Extra against the declared fields and returns a new map with
// every declared field set to its canonical value (or default); nil when none is declared.
func canonicalExtra(fields []ExtraField, in Extra) (Extra, error) {
	for name := range in {
		if !hasField(fields, name) {
			return nil, fmt.Errorf("%w: extra field %q is not declared in the store's ExtraFields", ErrInvalidUser, name)
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	out := make(Extra, len(fields))
	for _, f := range fields {
		v, ok := in[f.Name]
		if !ok {
			out[f.Name] = f.defaultValue()
			continue
		}
		c, err := f.convert(v)
		if err != nil {
			return nil, err
		}
		out[f.Name] = c
	}
	return out, nil
}

func hasField(fields []ExtraField, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}
