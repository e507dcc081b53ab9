// Command example is the Django tutorials' site rebuilt on djin: login, register, index,
// home, set_password and logout over a custom user model with phone and avatar; the
// tutorials' login middleware with its whitelist and the blacklisted /black/; their
// throttle (3 requests per 10 seconds per IP); their MD1 and MD2 middlewares printing the
// hook order; CSRF with an AJAX post; and a JSON API with bearer tokens.
//
//	go run ./example                       # http://127.0.0.1:8000/ with an SQLite file, example.db
//	go run ./example -addr :9000 -db /tmp/site.db -settings example/settings.yaml
//	go run ./example migrate               # Django: python manage.py migrate
//	DJIN_SUPERUSER_PASSWORD=... go run ./example createsuperuser --username admin --email a@example.com --noinput
//
// settings.yaml is Django's settings.py: its middleware list is MIDDLEWARE, and commenting
// a line out switches that feature off. settings.multi.yaml runs several instances on
// PostgreSQL and Redis. Start with routes.go (urls.py), then views.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/authx/authcmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, authcmd.ErrUsage), errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("example: usage")

// run is main without the process: the command line, the environment and the standard
// streams come in, so that tests run the real program in-process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	if len(args) > 0 && authcmd.IsCommand(args[0]) {
		return command(ctx, args, getenv, stdin, stdout, stderr, logger)
	}
	fs := flag.NewFlagSet("example", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on")
	debugAddr := fs.String("debug-addr", "", "loopback address for /debug/vars and /debug/pprof/ (off when empty)")
	o := siteFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "example: unknown command %q; commands: migrate, createsuperuser, changepassword\n", fs.Arg(0))
		return errUsage
	}
	o.Getenv, o.Logger = getenv, logger
	s, err := newSite(ctx, *o)
	if err != nil {
		return err
	}
	defer s.Close()
	if *debugAddr != "" {
		dl, err := serveDebug(*debugAddr, logger)
		if err != nil {
			return fmt.Errorf("-debug-addr: %w", err)
		}
		defer dl.Close()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	logger.Info("example: listening", "url", "http://"+ln.Addr().String()+"/", "settings", s.settings.File, "debug", s.settings.Debug)
	return serve(ctx, ln, s, logger)
}

// siteFlags registers the flags the server and the commands share.
func siteFlags(fs *flag.FlagSet) *options {
	o := &options{}
	fs.StringVar(&o.DB, "db", "example.db", "SQLite database file (created and migrated on start)")
	fs.StringVar(&o.Settings, "settings", defaultSettingsPath(), "settings file, Django's settings.py (empty: the built-in settings.yaml)")
	return o
}

// command runs a manage.py-style command: migrate, createsuperuser or changepassword, on
// the database the settings and -db choose, exactly as the server would open it.
func command(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, logger *slog.Logger) error {
	var o *options
	var s *site
	defer func() {
		if s != nil {
			s.Close()
		}
	}()
	return authcmd.Run(ctx, args, authcmd.Env{
		Program: "example",
		Flags:   func(fs *flag.FlagSet) { o = siteFlags(fs) },
		Open: func(ctx context.Context) (*authx.UserManager, error) {
			var err error
			o.Getenv, o.Logger = getenv, logger
			s, err = openBase(ctx, *o)
			if err != nil {
				return nil, err
			}
			return s.users, nil
		},
		Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv,
	})
}

// serve answers on ln until ctx ends (Ctrl-C, SIGTERM), then lets the requests in flight
// finish. The timeouts bound what a slow or idle client can hold.
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	logger.Info("example: shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
