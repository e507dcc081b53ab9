package csrfx

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/djin-go/djin/ginmw"
)

// The settings-file entry "csrf" (Django: django.middleware.csrf.CsrfViewMiddleware):
//
//	middleware:
//	  - security
//	  - sessions
//	  - csrf:
//	      trusted_origins: ["https://*.example.com"]
//	      storage: session
//	      cookie_age: 8760h
//
// Options are Config's fields in snake_case. With storage: session, "sessions" must be
// listed above "csrf" (Django's ImproperlyConfigured, caught at start-up).
func init() { ginmw.Register("csrf", factory) }

func factory(fc *ginmw.FactoryContext) (any, error) {
	var cfg Config
	if err := fc.Decode(&cfg); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = fc.Env.Logger
	}
	if cfg.Storage == StorageSession {
		if err := fc.Require("sessions"); err != nil {
			return nil, fmt.Errorf("csrfx: storage: session: %w", err)
		}
	}
	if fc.Require("facts") != nil && len(cfg.Origins) == 0 {
		// Without the request facts, HTTPS is the socket's TLS state and the Host is not
		// validated: behind a TLS-terminating proxy the site's own Origin then fails.
		cfg.Logger.LogAttrs(context.Background(), slog.LevelWarn, "csrfx: csrf is listed without facts above it: "+
			"HTTPS is known only from the socket and the Host is not checked against allowed hosts; "+
			"list facts above csrf, or set origins")
	}
	return New(cfg)
}
