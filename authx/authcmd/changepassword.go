package authcmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/djin-go/djin/authx"
)

// maxPasswordAttempts is how many times changepassword asks before giving up, as Django's.
const maxPasswordAttempts = 3

func runChangePassword(s *session, args []string) error {
	fs := s.flags("changepassword")
	if err := s.start(fs, args); err != nil {
		return finish(err)
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: changepassword takes one username (got %q)", ErrUsage, fs.Args())
	}
	username := fs.Arg(0)
	if username == "" {
		username = s.getenv("USER")
	}
	if username == "" {
		return fmt.Errorf("%w: changepassword needs a username", ErrUsage)
	}
	u, err := s.users.Store().GetUserByUsername(s.ctx, authx.NormalizeUsername(username))
	if errors.Is(err, authx.ErrUserNotFound) {
		return fmt.Errorf("%w: user '%s' does not exist", ErrFailed, username)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Changing password for user '%s'\n", u.Username)
	for range maxPasswordAttempts {
		p1, p2, err := s.askTwice()
		if err != nil {
			return err
		}
		if p1 != p2 {
			fmt.Fprintln(s.stderr, "Passwords do not match. Please try again.")
			continue
		}
		if strings.TrimSpace(p1) == "" {
			fmt.Fprintln(s.stderr, "Blank passwords aren't allowed.")
			continue
		}
		err = s.users.SetPassword(s.ctx, u, p1)
		if errors.Is(err, authx.ErrPasswordRejected) {
			fmt.Fprintln(s.stderr, strings.Join(messages(err), "\n"))
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(s.stdout, "Password changed successfully for user '%s'\n", u.Username)
		return nil
	}
	return fmt.Errorf("%w: aborting password change for user '%s' after %d attempts", ErrFailed, u.Username, maxPasswordAttempts)
}
