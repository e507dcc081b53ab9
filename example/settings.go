package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/djin-go/djin/ginmw"
)

// errSettings marks a settings file the example cannot use.
var errSettings = errors.New("example: bad settings")

// siteSettings is the example's own section of the settings file, "site:". Django: the part
// of settings.py that is not MIDDLEWARE (DATABASES, CACHES, AUTH_USER_MODEL...).
type siteSettings struct {
	// Database is where users (and, with the db session engine, sessions) live: empty for
	// the SQLite file named by -db, or a postgres:// URL. Django: DATABASES["default"].
	Database string `yaml:"database"`

	// Redis is a redis:// URL; when set, the client is offered to the middlewares as the
	// "redis" service (sessions, limits and token revocation shared by every instance).
	// Django: CACHES.
	Redis string `yaml:"redis"`

	// RedisPrefix starts every Redis key the example itself writes, so that several sites
	// can share one server. Empty means "djin:".
	RedisPrefix string `yaml:"redis_prefix"`
}

// embeddedSettings is settings.yaml as built into the program, used when the default file
// is not on disk, so that the binary runs from any directory.
//
//go:embed settings.yaml
var embeddedSettings []byte

// loadSettings reads the settings file with ${VAR} and ${VAR:-default} replaced from the
// environment, the way a Django settings.py reads os.environ, and decodes the site section.
// An empty path means the embedded settings.yaml.
func loadSettings(path string, getenv func(string) string) (*ginmw.Settings, siteSettings, error) {
	var site siteSettings
	raw, name := embeddedSettings, "settings.yaml (embedded)"
	if path != "" {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			return nil, site, fmt.Errorf("%w: %v", errSettings, err)
		}
		name = path
	}
	path = name
	data, err := expandEnv(raw, getenv)
	if err != nil {
		return nil, site, fmt.Errorf("%w: %s: %v", errSettings, path, err)
	}
	settings, err := ginmw.ParseSettings(data, path)
	if err != nil {
		return nil, site, err
	}
	if err := settings.Section("site", &site); err != nil {
		return nil, site, err
	}
	if site.Database != "" && !strings.HasPrefix(site.Database, "postgres://") && !strings.HasPrefix(site.Database, "postgresql://") {
		// The URL may hold a password: never repeat it.
		return nil, site, fmt.Errorf("%w: %s: site.database: want a postgres:// URL, or nothing for the -db SQLite file", errSettings, path)
	}
	if site.Redis != "" && !strings.HasPrefix(site.Redis, "redis://") && !strings.HasPrefix(site.Redis, "rediss://") {
		return nil, site, fmt.Errorf("%w: %s: site.redis: want a redis:// or rediss:// URL", errSettings, path)
	}
	if site.RedisPrefix == "" {
		site.RedisPrefix = "djin:"
	}
	return settings, site, nil
}

// envRef matches ${NAME} and ${NAME:-default}. Only this form is expanded, so a "$" anywhere
// else in the file (a regular expression, a password pattern) stays as written.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandEnv replaces ${NAME} with the variable's value and ${NAME:-default} with the value or,
// when the variable is unset or empty, the default. An unset variable without a default is an
// error that names it: a missing DATABASE_URL must stop the start, not become "". Comments
// are left alone, so that a line commented out never needs its variables.
func expandEnv(data []byte, getenv func(string) string) ([]byte, error) {
	var missing []string
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, line := range lines {
		code := line[:commentStart(line)]
		lines[i] = append(envRef.ReplaceAllFunc(code, func(ref []byte) []byte {
			m := envRef.FindSubmatch(ref)
			name := string(m[1])
			if v := getenv(name); v != "" {
				return []byte(v)
			}
			if m[2] != nil {
				return m[3]
			}
			missing = append(missing, name)
			return nil
		}), line[len(code):]...)
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, fmt.Errorf("environment variable %s is not set and has no default (write ${%[1]s:-default} for one)", missing[0])
	default:
		return nil, fmt.Errorf("environment variables %s are not set and have no defaults", strings.Join(missing, ", "))
	}
	return bytes.Join(lines, nil), nil
}

// commentStart returns where a YAML comment begins in line: a "#" at the start or after a
// space or tab, outside a quoted scalar; len(line) when there is none.
func commentStart(line []byte) int {
	var quote byte
	for i, b := range line {
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case (b == '"' || b == '\'') && (i == 0 || bytes.IndexByte([]byte(" \t[{,:"), line[i-1]) >= 0):
			quote = b // a quote opens a scalar only where one can start (not in "it's")
		case b == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return i
		}
	}
	return len(line)
}

// defaultSettingsPath is example/settings.yaml when the program runs from the repository
// root (go run ./example), so that edits to the file take effect; elsewhere it is "", the
// copy embedded at build time.
func defaultSettingsPath() string {
	const p = "example/settings.yaml"
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}
