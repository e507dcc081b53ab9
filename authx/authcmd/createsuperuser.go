package authcmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/djin-go/djin/authx"
)

// fieldValues collects repeated --field name=value flags.
type fieldValues map[string]string

// String implements flag.Value.
func (f fieldValues) String() string { return "" }

// Set implements flag.Value.
func (f fieldValues) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want name=value (got %q)", v)
	}
	f[name] = value
	return nil
}

// superuser is what createsuperuser gathers before creating the user.
type superuser struct {
	username, email, password string
	extra                     authx.Extra
	skipValidation            bool
}

func runCreateSuperuser(s *session, args []string) error {
	fs := s.flags("createsuperuser")
	username := fs.String("username", "", "the superuser's username (env DJIN_SUPERUSER_USERNAME with --noinput)")
	email := fs.String("email", "", "the superuser's email address (env DJIN_SUPERUSER_EMAIL with --noinput)")
	var noinput bool
	fs.BoolVar(&noinput, "noinput", false, "ask nothing; the password comes from DJIN_SUPERUSER_PASSWORD")
	fs.BoolVar(&noinput, "no-input", false, "same as --noinput")
	skip := fs.Bool("skip-password-validation", false, "store the password even if the password validators refuse it")
	given := fieldValues{}
	fs.Var(given, "field", "an application field of the user, as name=value (repeatable; env DJIN_SUPERUSER_<NAME> with --noinput)")
	if err := s.start(fs, args); err != nil {
		return finish(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: createsuperuser takes no arguments (got %q)", ErrUsage, fs.Args())
	}
	extra, err := s.parseFields(given)
	if err != nil {
		return err
	}
	su := &superuser{extra: extra, skipValidation: *skip}
	if noinput {
		err = s.gatherNoInput(su, *username, *email)
	} else {
		err = s.gatherInteractive(su, *username, *email)
	}
	if err != nil {
		return err
	}
	_, err = s.users.CreateSuperuser(s.ctx, authx.UserParams{
		Username: su.username, Email: su.email, Password: su.password, Extra: su.extra,
		SkipPasswordValidation: su.skipValidation,
	})
	if err != nil {
		return s.refused(err)
	}
	if su.password == "" {
		fmt.Fprintln(s.stdout, "The superuser has no usable password; set one with changepassword.")
	}
	fmt.Fprintln(s.stdout, "Superuser created successfully.")
	return nil
}

// refused reports why the superuser cannot be created: field and password problems as
// Django's "Error: …" lines, anything else (a store failure) in the returned error only.
func (s *session) refused(err error) error {
	if isUserMistake(err) {
		s.report(messages(err))
	}
	return fmt.Errorf("%w: the superuser was not created: %w", ErrFailed, err)
}

// isUserMistake reports errors the operator can fix by answering differently.
func isUserMistake(err error) bool {
	var field *authx.UserFieldError
	return errors.As(err, &field) || errors.Is(err, authx.ErrPasswordRejected)
}

// parseFields reads the --field values against the store's declared extra fields.
func (s *session) parseFields(given fieldValues) (authx.Extra, error) {
	fields := s.users.Store().ExtraFields()
	extra := authx.Extra{}
	for name, text := range given {
		f, ok := findField(fields, name)
		if !ok {
			return nil, fmt.Errorf("%w: --field %s: the user model has no such field", ErrUsage, name)
		}
		v, err := f.Parse(text)
		if err != nil {
			return nil, fmt.Errorf("%w: --field %s: %v", ErrUsage, name, err)
		}
		extra[name] = v
	}
	return extra, nil
}

func findField(fields []authx.ExtraField, name string) (authx.ExtraField, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return authx.ExtraField{}, false
}

// gatherNoInput takes everything from flags and the environment, as Django's --noinput does.
func (s *session) gatherNoInput(su *superuser, username, email string) error {
	if username == "" {
		username = s.getenv("DJIN_SUPERUSER_USERNAME")
	}
	if username == "" {
		return fmt.Errorf("%w: You must use --username with --noinput", ErrUsage)
	}
	normalized, err := s.users.CheckUsername(s.ctx, username)
	if err != nil {
		return s.refused(err)
	}
	su.username = normalized
	if email == "" {
		email = s.getenv("DJIN_SUPERUSER_EMAIL")
	}
	if email == "" {
		return fmt.Errorf("%w: You must use --email with --noinput", ErrUsage)
	}
	su.email = email
	for _, f := range s.users.Store().ExtraFields() {
		if _, ok := su.extra[f.Name]; ok || !f.Required {
			continue
		}
		text := s.getenv("DJIN_SUPERUSER_" + strings.ToUpper(f.Name))
		if text == "" {
			return fmt.Errorf("%w: You must use --field %s=VALUE with --noinput", ErrUsage, f.Name)
		}
		v, err := f.Parse(text)
		if err != nil {
			return fmt.Errorf("%w: DJIN_SUPERUSER_%s: %v", ErrUsage, strings.ToUpper(f.Name), err)
		}
		su.extra[f.Name] = v
	}
	su.password = s.getenv("DJIN_SUPERUSER_PASSWORD")
	return nil
}

// gatherInteractive asks for what the flags did not give, as Django's createsuperuser does.
func (s *session) gatherInteractive(su *superuser, username, email string) error {
	if err := s.askUsername(su, username); err != nil {
		return err
	}
	if err := s.askEmail(su, email); err != nil {
		return err
	}
	for _, f := range s.users.Store().ExtraFields() {
		if _, ok := su.extra[f.Name]; ok || !f.Required {
			continue
		}
		for {
			text, err := s.in.line(capitalize(f.DisplayName()) + ": ")
			if err != nil {
				return err
			}
			if strings.TrimSpace(text) == "" {
				s.report([]string{"This field cannot be blank."})
				continue
			}
			v, err := f.Parse(text)
			if err != nil {
				s.report([]string{fmt.Sprintf("Enter a valid %s.", f.DisplayName())})
				continue
			}
			su.extra[f.Name] = v
			break
		}
	}
	return s.askNewPassword(su)
}

func (s *session) askUsername(su *superuser, given string) error {
	if given != "" {
		normalized, err := s.users.CheckUsername(s.ctx, given)
		if err == nil {
			su.username = normalized
			return nil
		}
		if !isUserMistake(err) {
			return err
		}
		s.report(messages(err))
	}
	def := s.defaultUsername()
	prompt := "Username: "
	if def != "" {
		prompt = fmt.Sprintf("Username (leave blank to use '%s'): ", def)
	}
	for {
		answer, err := s.in.line(prompt)
		if err != nil {
			return err
		}
		if answer == "" {
			if def == "" {
				s.report([]string{"This field cannot be blank."})
				continue
			}
			answer = def
		}
		normalized, err := s.users.CheckUsername(s.ctx, answer)
		if err != nil {
			if !isUserMistake(err) {
				return err
			}
			s.report(messages(err))
			continue
		}
		su.username = normalized
		return nil
	}
}

// defaultUsername is the login name of the operator when it would make a valid, free username
// (Django: get_default_username).
func (s *session) defaultUsername() string {
	for _, key := range []string{"USER", "LOGNAME", "USERNAME"} {
		if name := s.getenv(key); name != "" {
			if normalized, err := s.users.CheckUsername(s.ctx, strings.ToLower(name)); err == nil {
				return normalized
			}
			return ""
		}
	}
	return ""
}

func (s *session) askEmail(su *superuser, given string) error {
	if given != "" {
		if err := authx.ValidateEmail(authx.NormalizeEmail(given)); err == nil {
			su.email = given
			return nil
		}
		s.report([]string{"Enter a valid email address."})
	}
	for {
		answer, err := s.in.line("Email address: ")
		if err != nil {
			return err
		}
		if answer != "" && authx.ValidateEmail(authx.NormalizeEmail(answer)) != nil {
			s.report([]string{"Enter a valid email address."})
			continue
		}
		su.email = answer
		return nil
	}
}

// askNewPassword asks twice until both answers match, are not blank, and pass the validators
// or the operator chooses to bypass them.
func (s *session) askNewPassword(su *superuser) error {
	candidate := &authx.User{Username: su.username, Email: su.email, Extra: su.extra}
	for {
		p1, p2, err := s.askTwice()
		if err != nil {
			return err
		}
		switch {
		case p1 != p2:
			s.report([]string{"Your passwords didn't match."})
			continue
		case strings.TrimSpace(p1) == "":
			s.report([]string{"Blank passwords aren't allowed."})
			continue
		}
		if err := s.users.ValidatePassword(p1, candidate); err != nil && !su.skipValidation {
			s.report(messages(err))
			bypass, err := s.in.yes("Bypass password validation and create user anyway? [y/N]: ")
			if err != nil {
				return err
			}
			if !bypass {
				continue
			}
			su.skipValidation = true
		}
		su.password = p1
		return nil
	}
}

func (s *session) askTwice() (string, string, error) {
	p1, err := s.in.password("Password: ")
	if err != nil {
		return "", "", err
	}
	p2, err := s.in.password("Password (again): ")
	return p1, p2, err
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
