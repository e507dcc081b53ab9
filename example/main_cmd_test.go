package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/authx/authcmd"
)

// The command line of ARCHITECTURE.md §3: migrate and createsuperuser --noinput on the -db
// file, then the server on -addr.

func runExample(t *testing.T, env testEnv, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, env.get, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestMigrateAndCreateSuperuserCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cmd.db")
	out, errOut, err := runExample(t, testEnv{}, "migrate", "-db", db, "-settings", "settings.yaml")
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("migrate: %v\n%s%s", err, out, errOut)
	}
	env := testEnv{"DJIN_SUPERUSER_PASSWORD": "a long enough superuser password"}
	out, errOut, err = runExample(t, env, "createsuperuser", "--username", "admin", "--email", "admin@example.com", "--noinput", "-db", db, "-settings", "settings.yaml")
	if err != nil {
		t.Fatalf("createsuperuser: %v\n%s%s", err, out, errOut)
	}
	s, err := openBase(t.Context(), options{Settings: "settings.yaml", DB: db, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.userStore.GetUserByUsername(t.Context(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !u.IsSuperuser || !u.IsStaff || u.Email != "admin@example.com" {
		t.Errorf("superuser: %+v", u)
	}
	if ok, err := s.users.CheckPassword(t.Context(), u, "a long enough superuser password"); !ok || err != nil {
		t.Errorf("the password from DJIN_SUPERUSER_PASSWORD does not check: %v %v", ok, err)
	}
	// Django refuses a second user of the same name; so does the command.
	_, _, err = runExample(t, env, "createsuperuser", "--username", "admin", "--email", "admin@example.com", "--noinput", "-db", db, "-settings", "settings.yaml")
	if !errors.Is(err, authcmd.ErrFailed) {
		t.Errorf("a second admin: %v, want authcmd.ErrFailed", err)
	}
}

func TestCommandLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  testEnv
		want string
	}{
		{[]string{"-nope"}, nil, "flag provided but not defined"},
		{[]string{"runserver"}, nil, `unknown command "runserver"`},
		{[]string{"-settings", "no-such.yaml"}, nil, "no-such.yaml"},
		{[]string{"-settings", "settings.multi.yaml"}, testEnv{}, "DATABASE_URL, REDIS_URL are not set"},
		{[]string{"-settings", "testdata/release.yaml", "-db", filepath.Join(t.TempDir(), "x.db")}, testEnv{}, "DJIN_SECRET_KEY: not set"},
		{[]string{"-settings", "testdata/release.yaml", "-db", filepath.Join(t.TempDir(), "x.db")}, testEnv{"DJIN_SECRET_KEY": "short"}, "too short"},
		{[]string{"-settings", "testdata/unknown.yaml", "-db", filepath.Join(t.TempDir(), "x.db")}, nil, `unknown middleware "no_such_middleware"`},
		{[]string{"-addr", "256.0.0.1:1", "-db", filepath.Join(t.TempDir(), "x.db"), "-settings", "settings.yaml"}, nil, "256.0.0.1"},
	} {
		_, errOut, err := runExample(t, tc.env, tc.args...)
		if err == nil {
			t.Errorf("example %q: no error", tc.args)
			continue
		}
		if msg := err.Error() + errOut; !strings.Contains(msg, tc.want) {
			t.Errorf("example %q: %q, want it to mention %q", tc.args, msg, tc.want)
		}
	}
}

func TestServeAnswersThenShutsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestSite(t, siteOpts{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, s, quietLogger()) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/index/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusFound {
		t.Errorf("GET /index/ over TCP: %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	case <-time.After(15 * time.Second): // a bound on a hang, not a timing assertion
		t.Fatal("serve did not return after its context ended")
	}
}
