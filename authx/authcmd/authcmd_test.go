package authcmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djin-go/djin/authx"
)

// run runs a command with stdin text and environment variables, returning its output.
func run(t *testing.T, env Env, stdin string, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	env.Stdin = strings.NewReader(stdin)
	env.Stdout, env.Stderr = &out, &errOut
	env.Getenv = func(k string) string { return vars[k] }
	err = Run(t.Context(), args, env)
	return out.String(), errOut.String(), err
}

func memoryUsers(t *testing.T, fields ...authx.ExtraField) *authx.UserManager {
	t.Helper()
	store, err := authx.NewMemoryStore(authx.MemoryStoreConfig{ExtraFields: fields})
	if err != nil {
		t.Fatal(err)
	}
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	return users
}

func getUser(t *testing.T, users *authx.UserManager, username string) *authx.User {
	t.Helper()
	u, err := users.Store().GetUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatalf("user %q: %v", username, err)
	}
	return u
}

func checkPassword(t *testing.T, users *authx.UserManager, u *authx.User, password string) {
	t.Helper()
	if ok, err := users.CheckPassword(context.Background(), u, password); err != nil || !ok {
		t.Fatalf("password %q does not check for %s: %v", password, u.Username, err)
	}
}

const goodPassword = "correct horse battery"

func TestCreateSuperuserNoInput(t *testing.T) {
	users := memoryUsers(t)
	out, _, err := run(t, Env{Users: users}, "", map[string]string{"DJIN_SUPERUSER_PASSWORD": goodPassword},
		"createsuperuser", "--username", "admin", "--email", "admin@EXAMPLE.com", "--noinput")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Superuser created successfully.") || strings.Contains(out, goodPassword) {
		t.Fatalf("stdout = %q", out)
	}
	u := getUser(t, users, "admin")
	if !u.IsSuperuser || !u.IsStaff || !u.IsActive || u.Email != "admin@example.com" {
		t.Fatalf("%#v", u)
	}
	checkPassword(t, users, u, goodPassword)
}

// Django's --noinput without DJANGO_SUPERUSER_PASSWORD creates the user with an unusable password.
func TestCreateSuperuserNoInputWithoutPassword(t *testing.T) {
	users := memoryUsers(t)
	out, _, err := run(t, Env{Users: users}, "", nil, "createsuperuser", "--noinput", "--username=admin", "--email=a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "no usable password") {
		t.Fatalf("stdout = %q", out)
	}
	if getUser(t, users, "admin").HasUsablePassword() {
		t.Fatal("usable password")
	}
}

func TestCreateSuperuserNoInputFromEnvironment(t *testing.T) {
	users := memoryUsers(t)
	_, _, err := run(t, Env{Users: users}, "", map[string]string{
		"DJIN_SUPERUSER_USERNAME": "envadmin", "DJIN_SUPERUSER_EMAIL": "env@example.com", "DJIN_SUPERUSER_PASSWORD": goodPassword,
	}, "createsuperuser", "--no-input")
	if err != nil {
		t.Fatal(err)
	}
	checkPassword(t, users, getUser(t, users, "envadmin"), goodPassword)
}

func TestCreateSuperuserNoInputErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		vars   map[string]string
		args   []string
		want   error
		stderr string
	}{
		{"no username", nil, []string{"--email", "a@example.com"}, ErrUsage, ""},
		{"no email", nil, []string{"--username", "x"}, ErrUsage, ""},
		{"invalid username", nil, []string{"--username", "o'connell", "--email", "a@example.com"}, ErrFailed, "Error: Enter a valid username."},
		{"taken username", nil, []string{"--username", "taken", "--email", "a@example.com"}, ErrFailed, "Error: A user with that username already exists."},
		{"invalid email", nil, []string{"--username", "x", "--email", "nope"}, ErrFailed, "Error: Enter a valid email address."},
		{"weak password", map[string]string{"DJIN_SUPERUSER_PASSWORD": "12345678"}, []string{"--username", "x", "--email", "a@example.com"}, ErrFailed, "Error: This password is too common.\nError: This password is entirely numeric."},
		{"extra argument", nil, []string{"--username", "x", "--email", "a@example.com", "extra"}, ErrUsage, ""},
		{"bad flag", nil, []string{"--bogus"}, ErrUsage, "flag provided but not defined"},
		{"unknown field", nil, []string{"--username", "x", "--email", "a@example.com", "--field", "age=3"}, ErrUsage, ""},
		{"malformed field", nil, []string{"--username", "x", "--email", "a@example.com", "--field", "age"}, ErrUsage, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			users := memoryUsers(t)
			if _, err := users.CreateUser(t.Context(), authx.UserParams{Username: "taken"}); err != nil {
				t.Fatal(err)
			}
			_, stderr, err := run(t, Env{Users: users}, "", c.vars, append([]string{"createsuperuser", "--noinput"}, c.args...)...)
			if !errors.Is(err, c.want) {
				t.Fatalf("error = %v, want %v", err, c.want)
			}
			if !strings.Contains(stderr, c.stderr) {
				t.Fatalf("stderr = %q, want %q", stderr, c.stderr)
			}
			if all, _ := users.Store().ListUsers(t.Context(), 0, 10); len(all) != 1 {
				t.Fatalf("%d users, want only the existing one", len(all))
			}
		})
	}
}

func TestCreateSuperuserNoInputSkipValidation(t *testing.T) {
	users := memoryUsers(t)
	_, _, err := run(t, Env{Users: users}, "", map[string]string{"DJIN_SUPERUSER_PASSWORD": "admin"},
		"createsuperuser", "--noinput", "--username", "admin", "--email", "a@example.com", "--skip-password-validation")
	if err != nil {
		t.Fatal(err)
	}
	checkPassword(t, users, getUser(t, users, "admin"), "admin")
}

func TestCreateSuperuserRequiredExtraField(t *testing.T) {
	phone := authx.ExtraField{Name: "phone", Type: authx.ExtraInt, Required: true}
	base := []string{"createsuperuser", "--noinput", "--username", "q1mi", "--email", "123@qq.com"}

	users := memoryUsers(t, phone)
	if _, _, err := run(t, Env{Users: users}, "", nil, base...); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "--field phone=VALUE") {
		t.Fatalf("missing field: %v", err)
	}
	if _, _, err := run(t, Env{Users: users}, "", nil, append(base, "--field", "phone=abc")...); !errors.Is(err, ErrUsage) {
		t.Fatalf("bad value: %v", err)
	}
	if _, _, err := run(t, Env{Users: users}, "", map[string]string{"DJIN_SUPERUSER_PHONE": "x"}, base...); !errors.Is(err, ErrUsage) {
		t.Fatalf("bad env value: %v", err)
	}
	if _, _, err := run(t, Env{Users: users}, "", nil, append(base, "--field", "phone=13800138000")...); err != nil {
		t.Fatal(err)
	}
	if n, _ := getUser(t, users, "q1mi").Extra.Int("phone"); n != 13800138000 {
		t.Fatalf("phone = %d", n)
	}

	users = memoryUsers(t, phone)
	if _, _, err := run(t, Env{Users: users}, "", map[string]string{"DJIN_SUPERUSER_PHONE": "42"}, base...); err != nil {
		t.Fatal(err)
	}
	if n, _ := getUser(t, users, "q1mi").Extra.Int("phone"); n != 42 {
		t.Fatalf("phone = %d", n)
	}
}

func TestCreateSuperuserInteractive(t *testing.T) {
	users := memoryUsers(t, authx.ExtraField{Name: "phone", Type: authx.ExtraInt, Required: true})
	stdin := strings.Join([]string{
		"o'connell", // invalid username: asked again
		"alice",
		"not-an-email", // asked again
		"alice@example.com",
		"", "13800138000", // blank required field: asked again
		"one", "two", // mismatch
		" ", " ", // blank
		"12345678", "12345678", "n", // refused by the validators, not bypassed
		goodPassword, goodPassword,
	}, "\n") + "\n"
	out, errOut, err := run(t, Env{Users: users}, stdin, nil, "createsuperuser")
	if err != nil {
		t.Fatalf("%v\nstderr: %s", err, errOut)
	}
	for _, want := range []string{"Username: ", "Email address: ", "Phone: ", "Password: ", "Password (again): ",
		"Bypass password validation and create user anyway? [y/N]: ", "Superuser created successfully."} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	for _, want := range []string{"Error: Enter a valid username.", "Error: Enter a valid email address.", "Error: This field cannot be blank.",
		"Error: Your passwords didn't match.", "Error: Blank passwords aren't allowed.", "Error: This password is too common."} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(out+errOut, goodPassword) {
		t.Fatal("the password was echoed")
	}
	u := getUser(t, users, "alice")
	if !u.IsSuperuser || u.Email != "alice@example.com" {
		t.Fatalf("%#v", u)
	}
	checkPassword(t, users, u, goodPassword)
}

func TestCreateSuperuserInteractiveBypass(t *testing.T) {
	users := memoryUsers(t)
	_, _, err := run(t, Env{Users: users}, "admin\nadmin@example.com\nadmin\nadmin\ny\n", nil, "createsuperuser")
	if err != nil {
		t.Fatal(err)
	}
	checkPassword(t, users, getUser(t, users, "admin"), "admin")
}

func TestCreateSuperuserInteractiveDefaultUsernameAndFlags(t *testing.T) {
	users := memoryUsers(t)
	stdin := "\n" + goodPassword + "\n" + goodPassword + "\n"
	out, _, err := run(t, Env{Users: users}, stdin, map[string]string{"USER": "Bob"}, "createsuperuser", "--email", "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Username (leave blank to use 'bob'): ") || strings.Contains(out, "Email address:") {
		t.Fatalf("stdout = %q", out)
	}
	getUser(t, users, "bob")

	// A taken default is not offered; a bad --username is reported and asked again.
	out, errOut, err := run(t, Env{Users: users}, "carol\n\n"+goodPassword+"\n"+goodPassword+"\n", map[string]string{"USER": "bob"},
		"createsuperuser", "--username", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "A user with that username already exists.") || !strings.Contains(out, "Username: ") {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}
	getUser(t, users, "carol")
}

func TestCreateSuperuserInteractiveEndOfInput(t *testing.T) {
	users := memoryUsers(t)
	for _, stdin := range []string{"", "alice\n", "alice\nalice@example.com\n", "alice\nalice@example.com\n" + goodPassword + "\n"} {
		_, _, err := run(t, Env{Users: users}, stdin, nil, "createsuperuser")
		if !errors.Is(err, ErrAborted) {
			t.Fatalf("stdin %q: error = %v, want ErrAborted", stdin, err)
		}
	}
	if all, _ := users.Store().ListUsers(t.Context(), 0, 10); len(all) != 0 {
		t.Fatal("a user was created from incomplete input")
	}
}

func TestAnswerLimitsAndLineEndings(t *testing.T) {
	users := memoryUsers(t)
	_, _, err := run(t, Env{Users: users}, strings.Repeat("a", maxAnswer+10)+"\n", nil, "createsuperuser")
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("huge answer: %v", err)
	}
	// Windows line endings, and a last line without one.
	_, _, err = run(t, Env{Users: users}, "dave\r\n\r\n"+goodPassword+"\r\n"+goodPassword, nil, "createsuperuser")
	if err != nil {
		t.Fatal(err)
	}
	checkPassword(t, users, getUser(t, users, "dave"), goodPassword)
}

func TestChangePassword(t *testing.T) {
	users := memoryUsers(t)
	if _, err := users.CreateUser(t.Context(), authx.UserParams{Username: "joe", Password: "an old password"}); err != nil {
		t.Fatal(err)
	}
	stdin := "a\nb\n12345678\n12345678\n" + goodPassword + "\n" + goodPassword + "\n"
	out, errOut, err := run(t, Env{Users: users}, stdin, nil, "changepassword", "joe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Changing password for user 'joe'") || !strings.Contains(out, "Password changed successfully for user 'joe'") {
		t.Fatalf("stdout = %q", out)
	}
	if !strings.Contains(errOut, "Passwords do not match. Please try again.") || !strings.Contains(errOut, "This password is too common.") {
		t.Fatalf("stderr = %q", errOut)
	}
	checkPassword(t, users, getUser(t, users, "joe"), goodPassword)
}

func TestChangePasswordGivesUpAfterThreeAttempts(t *testing.T) {
	users := memoryUsers(t)
	if _, err := users.CreateUser(t.Context(), authx.UserParams{Username: "joe", Password: "an old password"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := run(t, Env{Users: users}, "a\nb\nc\nd\n \n \n"+goodPassword+"\n"+goodPassword+"\n", map[string]string{"USER": "joe"}, "changepassword")
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "aborting password change for user 'joe' after 3 attempts") {
		t.Fatalf("error = %v", err)
	}
	checkPassword(t, users, getUser(t, users, "joe"), "an old password")
}

func TestChangePasswordErrors(t *testing.T) {
	users := memoryUsers(t)
	if _, _, err := run(t, Env{Users: users}, "", nil, "changepassword", "ghost"); !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "user 'ghost' does not exist") {
		t.Fatalf("unknown user: %v", err)
	}
	if _, _, err := run(t, Env{Users: users}, "", nil, "changepassword"); !errors.Is(err, ErrUsage) {
		t.Fatalf("no username: %v", err)
	}
	if _, _, err := run(t, Env{Users: users}, "", nil, "changepassword", "a", "b"); !errors.Is(err, ErrUsage) {
		t.Fatalf("two usernames: %v", err)
	}
	if _, err := users.CreateUser(t.Context(), authx.UserParams{Username: "joe"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, Env{Users: users}, goodPassword+"\n", nil, "changepassword", "joe"); !errors.Is(err, ErrAborted) {
		t.Fatalf("end of input: %v", err)
	}
}

// noMigrations hides the memory store's Migrate: a store without a schema.
type noMigrations struct{ authx.Store }

func TestMigrate(t *testing.T) {
	out, _, err := run(t, Env{Users: memoryUsers(t)}, "", nil, "migrate")
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("%q %v", out, err)
	}
	plain, err := authx.NewUserManager(authx.UserManagerConfig{Store: noMigrations{authx.DefaultMemoryStore()}})
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, Env{Users: plain}, "", nil, "migrate")
	if err != nil || !strings.Contains(out, "No migrations") {
		t.Fatalf("%q %v", out, err)
	}
	if _, _, err := run(t, Env{Users: memoryUsers(t)}, "", nil, "migrate", "extra"); !errors.Is(err, ErrUsage) {
		t.Fatalf("argument: %v", err)
	}
}

// The example program's use: -db chooses the SQLite file, migrate then createsuperuser
// --noinput, and the user is in the database for the next process.
func TestCommandsOnSQLiteWithProgramFlags(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "example.db")
	fields := []authx.ExtraField{{Name: "phone", Type: authx.ExtraInt}, {Name: "avatar", Type: authx.ExtraString, MaxLength: 32}}
	env := func() (Env, *string) {
		path := new(string)
		return Env{
			Program: "example",
			Flags:   func(fs *flag.FlagSet) { fs.StringVar(path, "db", "example.db", "SQLite database file") },
			Open: func(ctx context.Context) (*authx.UserManager, error) {
				db, err := authx.OpenSQLite(*path)
				if err != nil {
					return nil, err
				}
				t.Cleanup(func() { db.Close() })
				store, err := authx.NewSQLStore(authx.SQLStoreConfig{DB: db, ExtraFields: fields})
				if err != nil {
					return nil, err
				}
				return authx.NewUserManager(authx.UserManagerConfig{Store: store})
			},
		}, path
	}
	e, _ := env()
	out, _, err := run(t, e, "", nil, "migrate", "-db", dbPath)
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	e, _ = env()
	_, errOut, err := run(t, e, "", map[string]string{"DJIN_SUPERUSER_PASSWORD": goodPassword},
		"createsuperuser", "-db", dbPath, "--username", "admin", "--email", "admin@example.com", "--field", "avatar=a.png", "--noinput")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	e, _ = env()
	if _, _, err := run(t, e, "", nil, "migrate", "-db", dbPath); err != nil {
		t.Fatalf("second migrate: %v", err)
	}

	db, err := authx.OpenSQLite(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := authx.NewSQLStore(authx.SQLStoreConfig{DB: db, ExtraFields: fields})
	if err != nil {
		t.Fatal(err)
	}
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	u := getUser(t, users, "admin")
	if !u.IsSuperuser || u.Extra["avatar"] != "a.png" {
		t.Fatalf("%#v", u)
	}
	checkPassword(t, users, u, goodPassword)
}

func TestCreateSuperuserBeforeMigrateSaysSo(t *testing.T) {
	db, err := authx.OpenSQLite(filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := authx.NewSQLStore(authx.SQLStoreConfig{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: store})
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, err := run(t, Env{Users: users}, "", nil, "createsuperuser", "--noinput", "--username", "a", "--email", "a@example.com")
	if !errors.Is(err, authx.ErrNotMigrated) || !errors.Is(err, ErrFailed) || errOut != "" {
		t.Fatalf("error = %v, stderr = %q: want a hint to run migrate", err, errOut)
	}
}

func TestRunDispatch(t *testing.T) {
	users := memoryUsers(t)
	if _, errOut, err := run(t, Env{Users: users}, "", nil); !errors.Is(err, ErrUsage) || !strings.Contains(errOut, "Usage: manage <command>") {
		t.Fatalf("no command: %v %q", err, errOut)
	}
	if _, _, err := run(t, Env{Users: users}, "", nil, "runserver"); !errors.Is(err, ErrUsage) {
		t.Fatalf("unknown command: %v", err)
	}
	out, _, err := run(t, Env{Users: users, Program: "example"}, "", nil, "help")
	if err != nil || !strings.Contains(out, "Usage: example <command>") || !strings.Contains(out, "changepassword") {
		t.Fatalf("help: %q %v", out, err)
	}
	if _, errOut, err := run(t, Env{Users: users}, "", nil, "createsuperuser", "-h"); err != nil || !strings.Contains(errOut, "-noinput") {
		t.Fatalf("-h: %v %q", err, errOut)
	}
	if _, _, err := run(t, Env{}, "", nil, "migrate"); err == nil || !strings.Contains(err.Error(), "Env.Users or Env.Open") {
		t.Fatalf("no users: %v", err)
	}
	openErr := errors.New("cannot open")
	if _, _, err := run(t, Env{Open: func(context.Context) (*authx.UserManager, error) { return nil, openErr }}, "", nil, "migrate"); !errors.Is(err, openErr) {
		t.Fatalf("open error: %v", err)
	}
	for _, name := range []string{"migrate", "createsuperuser", "changepassword", "help"} {
		if !IsCommand(name) {
			t.Errorf("IsCommand(%q) = false", name)
		}
	}
	if IsCommand("runserver") {
		t.Error("IsCommand(runserver)")
	}
}
