package csrfx

import (
	"fmt"

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
	return New(cfg)
}
