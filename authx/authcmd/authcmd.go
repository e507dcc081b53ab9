package authcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/djin-go/djin/authx"
)

// Errors of Run, usable with errors.Is.
var (
	// ErrUsage: the command line is wrong (unknown command, bad flag, missing argument). The
	// usage has been written to Env.Stderr; programs usually exit with status 2.
	ErrUsage = errors.New("authcmd: usage error")
	// ErrAborted: the input ended before a question was answered (Django: "Operation cancelled.").
	ErrAborted = errors.New("authcmd: operation cancelled: the input ended")
	// ErrFailed: the command could not do its work for a reason already explained on
	// Env.Stderr or in the error text (a taken username, a refused password, ...).
	ErrFailed = errors.New("authcmd: command failed")
)

// Env is what the commands act on and talk through. Programs pass their os values; tests pass
// buffers and a map-backed Getenv.
type Env struct {
	// Users is the user manager the commands act on. Required unless Open is set.
	Users *authx.UserManager
	// Open builds the user manager once the command line is parsed, for programs whose own
	// flags (see Flags) choose the database. Used when Users is nil.
	Open func(ctx context.Context) (*authx.UserManager, error)
	// Flags registers the program's own flags (such as -db) on every command's flag set.
	Flags func(fs *flag.FlagSet)
	// Program names the program in usage messages; "" means "manage".
	Program string
	// Stdin answers the questions; nil means os.Stdin.
	Stdin io.Reader
	// Stdout receives questions and results; nil means os.Stdout.
	Stdout io.Writer
	// Stderr receives errors and usage; nil means os.Stderr.
	Stderr io.Writer
	// Getenv reads the environment (DJIN_SUPERUSER_*, USER); nil means os.Getenv.
	Getenv func(key string) string
}

// commands maps each command to its runner and one-line usage.
var commands = map[string]struct {
	run   func(*session, []string) error
	usage string
}{
	"migrate":         {runMigrate, "migrate                       create or update the auth tables"},
	"createsuperuser": {runCreateSuperuser, "createsuperuser [--username U] [--email E] [--field NAME=VALUE] [--noinput] [--skip-password-validation]"},
	"changepassword":  {runChangePassword, "changepassword [username]     change a user's password"},
}

// IsCommand reports whether name is one of the commands Run knows, so that a program can
// dispatch to Run before starting its server.
func IsCommand(name string) bool {
	_, ok := commands[name]
	return ok || name == "help"
}

// Run runs the command args[0] with the arguments args[1:]: migrate, createsuperuser,
// changepassword or help. It never calls os.Exit; it returns nil on success, or an error
// matching ErrUsage, ErrAborted or ErrFailed, or the store's error.
func Run(ctx context.Context, args []string, env Env) error {
	s := newSession(ctx, env)
	if len(args) == 0 {
		s.usage(s.stderr)
		return fmt.Errorf("%w: no command given", ErrUsage)
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" {
		s.usage(s.stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		s.usage(s.stderr)
		return fmt.Errorf("%w: unknown command %q", ErrUsage, name)
	}
	return cmd.run(s, args[1:])
}

// session is one run of a command: the environment with its defaults filled in.
type session struct {
	ctx            context.Context
	env            Env
	stdout, stderr io.Writer
	getenv         func(string) string
	in             *prompter
	users          *authx.UserManager
}

func newSession(ctx context.Context, env Env) *session {
	s := &session{ctx: ctx, env: env, stdout: env.Stdout, stderr: env.Stderr, getenv: env.Getenv}
	if s.stdout == nil {
		s.stdout = os.Stdout
	}
	if s.stderr == nil {
		s.stderr = os.Stderr
	}
	if s.getenv == nil {
		s.getenv = os.Getenv
	}
	stdin := env.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	s.in = newPrompter(stdin, s.stdout)
	return s
}

func (s *session) program() string {
	if s.env.Program != "" {
		return s.env.Program
	}
	return "manage"
}

func (s *session) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s <command> [flags]\n\nCommands:\n", s.program())
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range commands {
			if !yield(n) {
				return
			}
		}
	}) {
		fmt.Fprintf(w, "  %s\n", commands[name].usage)
	}
}

// flags returns a flag set for a command with the program's own flags registered.
func (s *session) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(s.program()+" "+name, flag.ContinueOnError)
	fs.SetOutput(s.stderr)
	if s.env.Flags != nil {
		s.env.Flags(fs)
	}
	return fs
}

// parse parses args; a help request is reported as errHelp so that the command returns nil.
func (s *session) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return nil
}

var errHelp = errors.New("help requested")

// open resolves the user manager once the flags are known.
func (s *session) open() error {
	switch {
	case s.env.Users != nil:
		s.users = s.env.Users
	case s.env.Open != nil:
		users, err := s.env.Open(s.ctx)
		if err != nil {
			return fmt.Errorf("authcmd: open: %w", err)
		}
		if users == nil {
			return errors.New("authcmd: Env.Open returned no user manager")
		}
		s.users = users
	default:
		return errors.New("authcmd: Env.Users or Env.Open: required")
	}
	return nil
}

// start parses a command's flags and opens the user manager.
func (s *session) start(fs *flag.FlagSet, args []string) error {
	if err := s.parse(fs, args); err != nil {
		return err
	}
	return s.open()
}

// finish turns the help request into success.
func finish(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func runMigrate(s *session, args []string) error {
	fs := s.flags("migrate")
	if err := s.start(fs, args); err != nil {
		return finish(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: migrate takes no arguments (got %q)", ErrUsage, fs.Args())
	}
	m, ok := s.users.Store().(authx.Migrator)
	if !ok {
		fmt.Fprintln(s.stdout, "No migrations: this store needs no schema.")
		return nil
	}
	fmt.Fprintln(s.stdout, "Operations to perform:\n  Apply all migrations: auth, contenttypes\nRunning migrations...")
	if err := m.Migrate(s.ctx); err != nil {
		return err
	}
	fmt.Fprintln(s.stdout, "  OK")
	return nil
}

// messages flattens what CreateUser and SetPassword return into lines for the operator.
func messages(err error) []string {
	switch e := err.(type) {
	case authx.PasswordValidationErrors: // before the join case: it unwraps to its parts too
		return e.Messages()
	case *authx.UserFieldError:
		if e.Field == "username" || e.Field == "email" {
			return []string{e.Message}
		}
		return []string{e.Field + ": " + e.Message}
	case interface{ Unwrap() []error }:
		var out []string
		for _, part := range e.Unwrap() {
			out = append(out, messages(part)...)
		}
		return out
	}
	return []string{err.Error()}
}

// report writes each message as "Error: …" on stderr, Django's form.
func (s *session) report(msgs []string) {
	for _, m := range msgs {
		fmt.Fprintln(s.stderr, "Error: "+strings.TrimPrefix(m, "Error: "))
	}
}
