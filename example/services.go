package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for site.database: postgres://...
	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/authx"
)

// minSecretKeyLength is the shortest DJIN_SECRET_KEY accepted: 32 bytes, the strength of
// the HMAC keys derived from it.
const minSecretKeyLength = 32

// errSecretKey is a missing or weak DJIN_SECRET_KEY.
var errSecretKey = errors.New("example: DJIN_SECRET_KEY")

// secrets returns the secret key and its fallbacks. Django: SECRET_KEY and
// SECRET_KEY_FALLBACKS. The key signs session-auth hashes and tokens; the fallbacks are
// older keys still accepted while they rotate out (comma-separated in
// DJIN_SECRET_KEY_FALLBACKS). Without DJIN_SECRET_KEY, debug mode makes an ephemeral key
// (sessions and tokens die with the process) and release mode refuses to start.
func secrets(getenv func(string) string, debug bool, log *slog.Logger) (key string, fallbacks []string, err error) {
	key = getenv("DJIN_SECRET_KEY")
	switch {
	case key == "" && !debug:
		return "", nil, fmt.Errorf("%w: not set; release mode needs a secret of at least %d bytes (head -c 48 /dev/urandom | base64)", errSecretKey, minSecretKeyLength)
	case key == "":
		var b [32]byte
		_, _ = rand.Read(b[:])
		key = hex.EncodeToString(b[:])
		log.Warn("example: DJIN_SECRET_KEY is not set: using an ephemeral debug key; logins and tokens end when the process does")
	case len(key) < minSecretKeyLength:
		return "", nil, fmt.Errorf("%w: too short: want at least %d bytes (got %d)", errSecretKey, minSecretKeyLength, len(key))
	}
	for i, f := range strings.Split(getenv("DJIN_SECRET_KEY_FALLBACKS"), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if len(f) < minSecretKeyLength {
			return "", nil, fmt.Errorf("%w_FALLBACKS: entry %d is too short: want at least %d bytes (got %d)", errSecretKey, i+1, minSecretKeyLength, len(f))
		}
		fallbacks = append(fallbacks, f)
	}
	return key, fallbacks, nil
}

// openDatabase opens the site's database: the SQLite file dbPath, or PostgreSQL when
// site.database holds a URL. Django: DATABASES["default"].
func openDatabase(ctx context.Context, site siteSettings, dbPath string) (*sql.DB, error) {
	if site.Database == "" {
		return authx.OpenSQLite(dbPath)
	}
	db, err := sql.Open("pgx", site.Database)
	if err != nil {
		return nil, fmt.Errorf("example: site.database: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("example: site.database: PostgreSQL does not answer: %w", err)
	}
	return db, nil
}

// openRedis connects to site.redis, or returns nil when the settings name none.
func openRedis(ctx context.Context, site siteSettings) (*redis.Client, error) {
	if site.Redis == "" {
		return nil, nil
	}
	opt, err := redis.ParseURL(site.Redis)
	if err != nil {
		return nil, fmt.Errorf("example: site.redis: %w", err)
	}
	// The stores' per-call timeouts (ratelimit, JWT revocation) must reach the socket,
	// or a stalled Redis would hold requests for the client's 3 s read timeout.
	opt.ContextTimeoutEnabled = true
	client := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("example: site.redis: Redis does not answer: %w", err)
	}
	return client, nil
}
