package session_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/ginmw/session/sessiontest"
	"github.com/djin-go/djin/internal/testenv"
)

var testKeys = [][]byte{[]byte("0123456789abcdef0123456789abcdef-first"), []byte("0123456789abcdef0123456789abcdef-second")}

// Harnesses for every store of the package, shared by the conformance suite, the middleware
// tests and the benchmarks.

func memoryHarness() sessiontest.Harness {
	return sessiontest.Harness{ServerSide: true, New: func(t *testing.T, now func() time.Time) (session.Store, func() session.Store) {
		s, err := session.NewMemoryStore(session.MemoryStoreConfig{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s, nil
	}}
}

func cookieHarness() sessiontest.Harness {
	return sessiontest.Harness{New: func(t *testing.T, now func() time.Time) (session.Store, func() session.Store) {
		mk := func() session.Store {
			s, err := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		return mk(), mk
	}}
}

func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newSQLStore(t testing.TB, db *sql.DB, now func() time.Time) *session.SQLStore {
	t.Helper()
	s, err := session.NewSQLStore(session.SQLStoreConfig{DB: db, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func sqliteHarness() sessiontest.Harness {
	return sessiontest.Harness{ServerSide: true, New: func(t *testing.T, now func() time.Time) (session.Store, func() session.Store) {
		path := filepath.Join(t.TempDir(), "sessions.db")
		s := newSQLStore(t, openSQLite(t, path), now)
		return s, func() session.Store { return newSQLStore(t, openSQLite(t, path), now) }
	}}
}

func postgresHarness() sessiontest.Harness {
	return sessiontest.Harness{ServerSide: true, New: func(t *testing.T, now func() time.Time) (session.Store, func() session.Store) {
		db, schema := testenv.Postgres(t)
		s := newSQLStore(t, db, now)
		return s, func() session.Store {
			// Another pool on the same schema: what a second process opens.
			other, err := sql.Open("pgx", testenv.DatabaseURL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { other.Close() })
			st, err := session.NewSQLStore(session.SQLStoreConfig{DB: other, Table: schema + "." + session.DefaultTable, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	}}
}

func redisHarness() sessiontest.Harness {
	return sessiontest.Harness{ServerSide: true, New: func(t *testing.T, now func() time.Time) (session.Store, func() session.Store) {
		client, prefix := testenv.Redis(t)
		mk := func(c redis.UniversalClient) session.Store {
			s, err := session.NewRedisStore(session.RedisStoreConfig{Client: c, Prefix: prefix, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		return mk(client), func() session.Store {
			return mk(testenv.OtherRedisClient(t)) // a client of its own, as another process has
		}
	}}
}

var harnesses = []struct {
	name string
	h    sessiontest.Harness
}{
	{"memory", memoryHarness()},
	{"cookie", cookieHarness()},
	{"sqlite", sqliteHarness()},
	{"postgres", postgresHarness()},
	{"redis", redisHarness()},
}

func TestStoreConformance(t *testing.T) {
	for _, tc := range harnesses {
		t.Run(tc.name, func(t *testing.T) { sessiontest.Run(t, tc.h) })
	}
}

func TestNewKeyShapeAndUniqueness(t *testing.T) {
	seen := map[string]bool{}
	counts := map[byte]int{}
	for i := 0; i < 2000; i++ {
		k := session.NewKey()
		if !session.ValidKey(k) {
			t.Fatalf("NewKey() = %q is not a valid key", k)
		}
		if seen[k] {
			t.Fatalf("NewKey() repeated %q", k)
		}
		seen[k] = true
		for j := 0; j < len(k); j++ {
			counts[k[j]]++
		}
	}
	// 80,000 characters over 36 symbols: every symbol appears, none is favoured grossly
	// (a modulo bias would give the first four letters 1/64 more; this only catches gross
	// errors such as a missing symbol or a constant key).
	if len(counts) != 36 {
		t.Fatalf("keys use %d distinct characters; want 36", len(counts))
	}
	for c, n := range counts {
		if n < 1800 || n > 2700 {
			t.Errorf("character %q appears %d times in 80000; want about 2222", c, n)
		}
	}
}

func TestValidKey(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"abcdefghijklmnopqrstuvwxyz0123456789abcd", true},
		{"abcdefghijklmnopqrstuvwxyz0123456789abc", false},
		{"abcdefghijklmnopqrstuvwxyz0123456789abcde", false},
		{"Abcdefghijklmnopqrstuvwxyz0123456789abcd", false},
		{"abcdefghijklmnopqrstuvwxyz0123456789abc-", false},
		{"abcdefghijklmnopqrstuvwxyz0123456789abc\x00", false},
		{"", false},
	} {
		if got := session.ValidKey(tc.in); got != tc.want {
			t.Errorf("ValidKey(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}

func TestCookieStoreConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  session.CookieStoreConfig
	}{
		{"no keys", session.CookieStoreConfig{}},
		{"short key", session.CookieStoreConfig{Keys: [][]byte{[]byte("secret")}}},
		{"short second key", session.CookieStoreConfig{Keys: [][]byte{testKeys[0], []byte("old")}}},
		{"tiny max size", session.CookieStoreConfig{Keys: testKeys, MaxCookieSize: 10}},
	} {
		if _, err := session.NewCookieStore(tc.cfg); err == nil {
			t.Errorf("%s: NewCookieStore accepted %+v", tc.name, tc.cfg)
		}
	}
}

func TestCookieStoreKeyRotation(t *testing.T) {
	ctx := context.Background()
	old, _ := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys[1:]})
	rotated, _ := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys})
	retired, _ := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys[:1]})
	key := session.NewKey()
	value, err := old.Create(ctx, key, []byte("data"), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if k, data, err := rotated.Load(ctx, value); err != nil || k != key || string(data) != "data" {
		t.Fatalf("a cookie sealed with the old key must open after rotation: %q %q %v", k, data, err)
	}
	newValue, _ := rotated.Update(ctx, key, []byte("data"), time.Now().Add(time.Hour))
	if _, _, err := old.Load(ctx, newValue); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("the first key must seal new cookies; the old-key-only store opened one: %v", err)
	}
	if _, _, err := retired.Load(ctx, value); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("a retired key must no longer open cookies: %v", err)
	}
}

func TestCookieStoreHidesContents(t *testing.T) {
	s, _ := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys})
	secret := []byte("user-42-secret-marker")
	v1, _ := s.Create(context.Background(), session.NewKey(), secret, time.Now().Add(time.Hour))
	v2, _ := s.Create(context.Background(), session.NewKey(), secret, time.Now().Add(time.Hour))
	if bytes.Contains([]byte(v1), []byte("user")) || v1 == v2 {
		t.Fatalf("sealed values must be encrypted and randomised: %q %q", v1, v2)
	}
}

func TestCookieStoreRefusesOversizedSession(t *testing.T) {
	s, _ := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys})
	_, err := s.Create(context.Background(), session.NewKey(), bytes.Repeat([]byte("x"), 4000), time.Now().Add(time.Hour))
	if !errors.Is(err, session.ErrTooLarge) {
		t.Fatalf("Create(4000 bytes) = %v; want ErrTooLarge", err)
	}
	v, err := s.Create(context.Background(), session.NewKey(), bytes.Repeat([]byte("x"), 2000), time.Now().Add(time.Hour))
	if err != nil || len(v) > session.DefaultMaxCookieSize {
		t.Fatalf("Create(2000 bytes) = %d bytes, %v", len(v), err)
	}
}

func TestSQLStoreConfigErrors(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "x.db"))
	for _, cfg := range []session.SQLStoreConfig{
		{},
		{DB: db, Dialect: "mysql"},
		{DB: db, Table: `django_session"; DROP TABLE users; --`},
		{DB: db, Table: "a.b.c"},
		{DB: db, CleanupInterval: -time.Second},
	} {
		if _, err := session.NewSQLStore(cfg); err == nil {
			t.Errorf("NewSQLStore accepted %+v", cfg)
		}
	}
}

func TestSQLStoreTableIsDjangos(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "x.db"))
	newSQLStore(t, db, nil)
	newSQLStore(t, db, nil) // Migrate is idempotent
	var ddl string
	if err := db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'django_session'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	want := `CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`
	if ddl != want {
		t.Fatalf("table:\n got %s\nwant %s", ddl, want)
	}
	var index string
	if err := db.QueryRow(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'django_session' AND sql IS NOT NULL`).Scan(&index); err != nil || index != "django_session_expire_date_a5c62663" {
		t.Fatalf("index = %q, %v", index, err)
	}
}

func TestSQLStoreOnAnExistingDjangoTable(t *testing.T) {
	// The table exactly as Django's migration creates it on SQLite, with a Django row in it.
	db := openSQLite(t, filepath.Join(t.TempDir(), "x.db"))
	for _, q := range []string{
		`CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)`,
		`CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")`,
		`INSERT INTO django_session VALUES ('1ye7vb4hq8itt9yzp8mqvnfn8o3ek4ht', '.eJxVjDsOwjAQBe_iGln-rBObkp4zWOvdNQ6gRMqnQtwdIqWA9s3Me6mM21rztsicB1Zn5dTpdytIDxl3wHccb5OmaVznoehd0Qdd9HVieV4O9--g4lK_dU3J-tCEPDBAkuIadegcSk8RxHhCTBDA9wE7ZxilWIrF-jag4-pA3h_eazgw:1rD7aH:abc', '2099-01-01 00:00:00.000000')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s := newSQLStore(t, db, nil)
	ctx := context.Background()
	key := session.NewKey()
	if _, err := s.Create(ctx, key, []byte("djin"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, data, err := s.Load(ctx, key); err != nil || string(data) != "djin" {
		t.Fatalf("Load = %q, %v", data, err)
	}
	// Django's key is 32 characters: never a djin key, so never queried.
	if _, _, err := s.Load(ctx, "1ye7vb4hq8itt9yzp8mqvnfn8o3ek4ht"); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("a Django session key must load as no session: %v", err)
	}
}

func TestSQLStoreUndecodableRowIsNoSession(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "x.db"))
	s := newSQLStore(t, db, nil)
	key := session.NewKey()
	if _, err := db.Exec(`INSERT INTO django_session VALUES (?, '.eJx:not base64!', '2099-01-01 00:00:00.000000')`, key); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(context.Background(), key); !errors.Is(err, session.ErrNoSession) {
		t.Fatalf("Load(corrupt row) = %v; want ErrNoSession", err)
	}
}

func TestSQLStoreOutageIsErrStore(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "x.db"))
	s := newSQLStore(t, db, nil)
	db.Close()
	if _, _, err := s.Load(context.Background(), session.NewKey()); !errors.Is(err, session.ErrStore) {
		t.Fatalf("Load on a closed database = %v; want ErrStore", err)
	}
	if _, err := s.Create(context.Background(), session.NewKey(), nil, time.Now().Add(time.Hour)); !errors.Is(err, session.ErrStore) {
		t.Fatalf("Create on a closed database = %v; want ErrStore", err)
	}
}

func TestSQLStoreBackgroundCleanup(t *testing.T) {
	db := openSQLite(t, filepath.Join(t.TempDir(), "x.db"))
	clock := sessiontest.NewClock()
	s := newSQLStore(t, db, clock.Now)
	if _, err := s.Create(context.Background(), session.NewKey(), nil, clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	bg, err := session.NewSQLStore(session.SQLStoreConfig{DB: db, Now: clock.Now, CleanupInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Polling for the goroutine's effect, not timing it: the loop ends as soon as the row
	// is gone, and the test deadline bounds it.
	for {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM django_session`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	bg.Stop()
	bg.Stop() // idempotent
	s.Stop()  // no goroutine: no-op
}

func TestRedisStoreSetsTTL(t *testing.T) {
	client, prefix := testenv.Redis(t)
	s, err := session.NewRedisStore(session.RedisStoreConfig{Client: client, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	key := session.NewKey()
	if _, err := s.Create(context.Background(), key, []byte("x"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	ttl, err := client.TTL(context.Background(), prefix+key).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Fatalf("TTL = %v, %v; want about 1h", ttl, err)
	}
	if _, err := session.NewRedisStore(session.RedisStoreConfig{}); err == nil {
		t.Fatal("NewRedisStore accepted a nil client")
	}
}

func TestRedisStoreOutageIsErrStore(t *testing.T) {
	client := deadRedis()
	defer client.Close()
	s, err := session.NewRedisStore(session.RedisStoreConfig{Client: client})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(context.Background(), session.NewKey()); !errors.Is(err, session.ErrStore) {
		t.Fatalf("Load with Redis down = %v; want ErrStore", err)
	}
}

// TestRedisStoreTimesOutAStalledServer: a Redis that accepts connections and never
// answers costs a session load the store's Timeout, not the client's one-minute
// ReadTimeout, and the load fails with ErrStore. A client that ignores context deadlines
// is refused.
func TestRedisStoreTimesOutAStalledServer(t *testing.T) {
	deaf := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer deaf.Close()
	if _, err := session.NewRedisStore(session.RedisStoreConfig{Client: deaf}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
		t.Fatalf("a client that ignores context deadlines: %v", err)
	}
	if _, err := session.NewRedisStore(session.RedisStoreConfig{Client: deadRedis(), Timeout: -1}); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("a negative timeout: %v", err)
	}
	s, err := session.NewRedisStore(session.RedisStoreConfig{Client: testenv.StalledRedis(t), Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	err = testenv.Finishes(t, 20*time.Second, "a session load from a stalled Redis", func() error {
		_, _, err := s.Load(context.Background(), session.NewKey())
		return err
	})
	if !errors.Is(err, session.ErrStore) {
		t.Fatalf("a stalled Redis: %v, want ErrStore", err)
	}
}

// deadRedis returns a client for a port nothing listens on: a Redis outage.
func deadRedis() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1, DialTimeout: 50 * time.Millisecond, ContextTimeoutEnabled: true})
}

// The cookie is the most exposed input: whatever a client sends, Load answers a session or
// ErrNoSession, never another error and never a panic.
func FuzzCookieStoreLoad(f *testing.F) {
	s, err := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys})
	if err != nil {
		f.Fatal(err)
	}
	sealed, _ := s.Create(context.Background(), session.NewKey(), []byte(`{"a":"1"}`), time.Now().Add(time.Hour))
	for _, seed := range []string{"", "AQ", sealed, sealed[:len(sealed)/2], sealed + "==", "\x00\xff", strings.Repeat("A", 4001)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, value string) {
		key, _, err := s.Load(context.Background(), value)
		switch {
		case err == nil:
			if !session.ValidKey(key) {
				t.Fatalf("opened a cookie with key %q", key)
			}
		case !errors.Is(err, session.ErrNoSession):
			t.Fatalf("Load = %v; want nil or ErrNoSession", err)
		}
	})
}

func TestMemoryStoreIsBounded(t *testing.T) {
	s, err := session.NewMemoryStore(session.MemoryStoreConfig{MaxSessions: 50})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 500; i++ {
		if _, err := s.Create(ctx, session.NewKey(), []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n > 50 {
		t.Fatalf("memory store holds %d sessions; bound is 50", n)
	}
	if _, err := session.NewMemoryStore(session.MemoryStoreConfig{MaxSessions: -1}); err == nil {
		t.Fatal("a negative bound must be refused")
	}
}

func TestMemoryStoreEvictsExpiredFirst(t *testing.T) {
	clock := sessiontest.NewClock()
	s, _ := session.NewMemoryStore(session.MemoryStoreConfig{MaxSessions: 10, Now: clock.Now})
	ctx := context.Background()
	for i := 0; i < 9; i++ {
		s.Create(ctx, session.NewKey(), nil, clock.Now().Add(time.Minute))
	}
	keep := session.NewKey()
	s.Create(ctx, keep, nil, clock.Now().Add(time.Hour))
	clock.Advance(2 * time.Minute)
	for i := 0; i < 5; i++ {
		if _, err := s.Create(ctx, session.NewKey(), nil, clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Load(ctx, keep); err != nil {
		t.Fatalf("a live session was evicted while expired ones were there: %v", err)
	}
}
