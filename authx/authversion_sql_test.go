package authx

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/djin-go/djin/internal/testenv"
)

func newSQLAuthVersionStore(t *testing.T, db *sql.DB, migrate bool) *SQLAuthVersionStore {
	t.Helper()
	s, err := NewSQLAuthVersionStore(SQLAuthVersionStoreConfig{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	if migrate {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate is not idempotent: %v", err)
		}
	}
	return s
}

func TestSQLAuthVersionStoreSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "auth.db")
	open := func() *sql.DB {
		db, err := OpenSQLite(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	store := newSQLAuthVersionStore(t, open(), true)
	runAuthVersionConformance(t, store, func() AuthVersionStore { return newSQLAuthVersionStore(t, open(), false) })
}

func TestSQLAuthVersionStorePostgres(t *testing.T) {
	db, schema := testenv.Postgres(t)
	store := newSQLAuthVersionStore(t, db, true)
	runAuthVersionConformance(t, store, func() AuthVersionStore {
		// Another pool on the same schema, as a second process opens it.
		dsn := testenv.DatabaseURL()
		if strings.Contains(dsn, "?") {
			dsn += "&search_path=" + schema
		} else {
			dsn += "?search_path=" + schema
		}
		other, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { other.Close() })
		s, err := NewSQLAuthVersionStore(SQLAuthVersionStoreConfig{DB: other})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// Before Migrate, reads fail with ErrNotMigrated: a missing table must not read as "nobody
// was ever bumped".
func TestSQLAuthVersionStoreBeforeMigrate(t *testing.T) {
	db := newSQLiteDB(t)
	s := newSQLAuthVersionStore(t, db, false)
	if _, err := s.AuthVersion(t.Context(), 1); !errors.Is(err, ErrNotMigrated) {
		t.Fatalf("AuthVersion before migrate: %v", err)
	}
	if _, err := s.BumpAuthVersion(t.Context(), 1); !errors.Is(err, ErrNotMigrated) {
		t.Fatalf("BumpAuthVersion before migrate: %v", err)
	}
}

func TestSQLAuthVersionStoreConfig(t *testing.T) {
	db := newSQLiteDB(t)
	for _, cfg := range []SQLAuthVersionStoreConfig{
		{},
		{DB: db, Table: "bad name; DROP TABLE auth_user"},
		{DB: db, Dialect: "oracle"},
	} {
		if _, err := NewSQLAuthVersionStore(cfg); err == nil {
			t.Errorf("accepted %+v", cfg)
		}
	}
	s, err := NewSQLAuthVersionStore(SQLAuthVersionStoreConfig{DB: db, Table: "my_versions"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BumpAuthVersion(t.Context(), 7); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT version FROM my_versions WHERE user_id = 7").Scan(&n); err != nil || n != 1 {
		t.Fatalf("row: %d %v", n, err)
	}
}

// The store beside a user table: a session logged in is ended by a bump recorded in SQL.
func TestLogoutEverywhereWithSQLVersions(t *testing.T) {
	db := newSQLiteDB(t)
	users := newSQLStoreOn(t, db, SQLStoreConfig{})
	versions := newSQLAuthVersionStore(t, db, true)
	f := newFixture(t, fixtureConfig{userStore: users, auth: AuthConfig{AuthVersions: versions}})
	c := f.client()
	c.mustLogin()
	if _, err := f.auth.LogoutEverywhere(t.Context(), f.user.ID); err != nil {
		t.Fatal(err)
	}
	if w := c.whoami(); w.User != "" {
		t.Fatalf("still logged in: %+v", w)
	}
}
