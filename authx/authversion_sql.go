package authx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// DefaultAuthVersionTable is the table SQLAuthVersionStore uses when its config names none.
const DefaultAuthVersionTable = "djin_user_auth_version"

// SQLAuthVersionStoreConfig configures an SQLAuthVersionStore. Only DB is required.
type SQLAuthVersionStoreConfig struct {
	// DB is the database, SQLite (modernc.org/sqlite) or PostgreSQL (pgx), usually the
	// one holding auth_user. Required.
	DB *sql.DB
	// Dialect is DialectSQLite or DialectPostgres; "" detects it from DB's driver.
	Dialect string
	// Table is the table name; "" means DefaultAuthVersionTable.
	Table string
}

// SQLAuthVersionStore keeps auth versions in a table of two columns, user_id (the primary
// key) and version; a user without a row is at version 0, so the table only holds users
// that were ever bumped. Call Migrate once (the migrate command) to create the table. It is
// safe for concurrent use, across processes too: a bump is one atomic upsert.
//
// The table has no foreign key to auth_user, so it works beside a Django-managed user
// table without a Django migration; a deleted user's row is harmless (ids are not reused).
type SQLAuthVersionStore struct {
	db                *sql.DB
	table             string
	get, bump, create string
}

var (
	_ AuthVersionStore = (*SQLAuthVersionStore)(nil)
	_ Migrator         = (*SQLAuthVersionStore)(nil)
)

// NewSQLAuthVersionStore validates cfg and returns the store. It does not touch the
// database.
func NewSQLAuthVersionStore(cfg SQLAuthVersionStoreConfig) (*SQLAuthVersionStore, error) {
	if cfg.DB == nil {
		return nil, errors.New("authx: SQLAuthVersionStoreConfig.DB: required")
	}
	d, err := resolveDialect(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, fmt.Errorf("authx: SQLAuthVersionStoreConfig: %w", err)
	}
	table := orDefault(cfg.Table, DefaultAuthVersionTable)
	if !isIdent(table) {
		return nil, fmt.Errorf("authx: SQLAuthVersionStoreConfig.Table: want ASCII letters, digits and underscores, not starting with a digit, at most 63 bytes (got %q)", table)
	}
	t := quoteIdent(table)
	s := &SQLAuthVersionStore{db: cfg.DB, table: table}
	s.get = d.rebind("SELECT version FROM " + t + " WHERE user_id = ?")
	// One statement, atomic on both databases: concurrent bumps each get their own
	// version, and the first bump of a user creates the row.
	s.bump = d.rebind("INSERT INTO " + t + " (user_id, version) VALUES (?, 1) " +
		"ON CONFLICT (user_id) DO UPDATE SET version = " + t + ".version + 1 RETURNING version")
	s.create = "CREATE TABLE IF NOT EXISTS " + t + " (user_id bigint NOT NULL PRIMARY KEY, version bigint NOT NULL)"
	return s, nil
}

// Migrate creates the table when it does not exist. It is idempotent.
func (s *SQLAuthVersionStore) Migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, s.create); err != nil {
		return fmt.Errorf("authx: migrate %s: %w", s.table, err)
	}
	return nil
}

// AuthVersion returns the user's version, 0 for a user never bumped. Before Migrate it
// fails with ErrNotMigrated: a missing table must not pass for "nobody was ever bumped".
func (s *SQLAuthVersionStore) AuthVersion(ctx context.Context, userID int64) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, s.get, userID).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("authx: auth version of user %d: %w", userID, schemaError(err))
	}
	return v, nil
}

// BumpAuthVersion increments the user's version and returns the new one.
func (s *SQLAuthVersionStore) BumpAuthVersion(ctx context.Context, userID int64) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, s.bump, userID).Scan(&v); err != nil {
		return 0, fmt.Errorf("authx: bump the auth version of user %d: %w", userID, schemaError(err))
	}
	return v, nil
}
