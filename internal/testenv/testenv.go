// Package testenv finds the PostgreSQL and Redis servers that djin's tests run against.
//
// Tests reach the servers through DATABASE_URL and REDIS_URL (defaults on 127.0.0.1). When a
// server does not answer, the test is skipped with a message that says how to provide one,
// unless DJIN_REQUIRE_SERVICES=1 is set (as CI does), in which case the test fails: a missing
// service must never turn a CI run green by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/redis/go-redis/v9"
)

// DefaultDatabaseURL is used when DATABASE_URL is unset.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DefaultRedisURL is used when REDIS_URL is unset.
const DefaultRedisURL = "redis://127.0.0.1:6379/0"

// Required reports whether DJIN_REQUIRE_SERVICES asks for missing services to fail tests.
func Required() bool { return os.Getenv("DJIN_REQUIRE_SERVICES") == "1" }

// Unavailable skips t, or fails it when services are required, explaining what is missing.
func Unavailable(t testing.TB, service string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is not reachable (%v); start it or set its URL (DATABASE_URL / REDIS_URL)", service, err)
	if Required() {
		t.Fatalf("DJIN_REQUIRE_SERVICES=1: %s", msg)
	}
	t.Skip(msg)
}

// DatabaseURL returns DATABASE_URL or its default.
func DatabaseURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return DefaultDatabaseURL
}

// RedisURL returns REDIS_URL or its default.
func RedisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return DefaultRedisURL
}

// UniqueName returns prefix followed by random hex, for a schema or key prefix that no
// concurrent test shares.
func UniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Postgres opens the test PostgreSQL database in a fresh schema of its own, dropped when the
// test ends, and returns the handle and the schema name. Every connection of the returned
// pool has its search_path set to that schema.
func Postgres(t testing.TB) (*sql.DB, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", DatabaseURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		Unavailable(t, "PostgreSQL", err)
		return nil, ""
	}
	schema := UniqueName("djin_test_")
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("testenv: create schema: %v", err)
	}
	db, err := sql.Open("pgx", withSearchPath(DatabaseURL(), schema))
	if err != nil {
		admin.Close()
		t.Fatalf("testenv: open: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	return db, schema
}

func withSearchPath(url, schema string) string {
	sep := "?"
	for i := 0; i < len(url); i++ {
		if url[i] == '?' {
			sep = "&"
			break
		}
	}
	return url + sep + "search_path=" + schema
}

// RedisOptions returns the options of a client of the test Redis server, with
// ContextTimeoutEnabled set as djin's Redis stores require (their per-call timeouts then
// reach the socket).
func RedisOptions(t testing.TB) *redis.Options {
	t.Helper()
	opt, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatalf("testenv: REDIS_URL: %v", err)
	}
	opt.ContextTimeoutEnabled = true
	return opt
}

// OtherRedisClient returns a client of its own to the test Redis server, as a second
// instance of an application has; it is closed when the test ends. Use the prefix that
// Redis returned, so that its keys are cleaned up too.
func OtherRedisClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(RedisOptions(t))
	t.Cleanup(func() { c.Close() })
	return c
}

// Redis connects to the test Redis server and returns a client and a key prefix unique to
// this test; every key under the prefix is deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opt := RedisOptions(t)
	client := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		Unavailable(t, "Redis", err)
		return nil, ""
	}
	prefix := UniqueName("djintest:") + ":"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		// Hash-tagged keys ({prefix}...) are cleaned too.
		iter = client.Scan(ctx, 0, "{"+prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		client.Close()
	})
	return client, prefix
}

// StalledServer listens on a loopback port that accepts connections, reads what arrives
// and never answers: a server that has hung (stopped, swapping, partitioned away), which a
// client's timeouts must cut short. It returns the address; the listener and its
// connections close when the test ends.
func StalledServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: StalledServer: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// StalledRedis returns a client of a Redis that never answers (StalledServer), with
// one-minute socket timeouts and ContextTimeoutEnabled, closed when the test ends: the
// timeout of the store under test is then the only thing that can end its calls.
func StalledRedis(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: StalledServer(t), MaxRetries: -1,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// Finishes runs f and returns its result, failing the test if f has not returned within
// limit: a liveness bound for calls that must not hang, not a measure of speed.
func Finishes[T any](t testing.TB, limit time.Duration, what string, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(limit):
		t.Fatalf("%s did not return within %v", what, limit)
		panic("unreachable")
	}
}
