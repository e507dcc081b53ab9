package session

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"
)

// DefaultTable is the table of Django's database sessions.
const DefaultTable = "django_session"

// SQL dialects understood by SQLStore.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// SQLStoreConfig configures an SQLStore.
type SQLStoreConfig struct {
	// DB is the application's database. Required. SQLite (modernc.org/sqlite, driver
	// "sqlite") and PostgreSQL (pgx, driver "pgx"; lib/pq works too) are supported.
	DB *sql.DB

	// Dialect is DialectSQLite or DialectPostgres. Empty means detect it from DB's driver,
	// which works for modernc.org/sqlite, mattn/go-sqlite3, pgx and lib/pq.
	Dialect string

	// Table is the session table, optionally schema-qualified ("auth.django_session").
	// Empty means DefaultTable.
	Table string

	// CleanupInterval, when positive, starts a goroutine that deletes expired rows at that
	// interval until Stop is called. Zero means no goroutine: call Cleanup from a cron job,
	// as Django's clearsessions command is run.
	CleanupInterval time.Duration

	// Logger receives cleanup failures; nil means slog.Default().
	Logger *slog.Logger

	// Now is the clock that decides expiry; nil means time.Now. The database clock is never
	// used, so the application and the store agree on when a session ends.
	Now func() time.Time
}

// SQLStore keeps sessions in a table shaped like Django's django_session (session_key
// varchar(40) primary key, session_data text, expire_date timestamp, an index on
// expire_date). Django: SESSION_ENGINE = "django.contrib.sessions.backends.db".
//
// The table layout is Django's, the contents are not: session_data holds the Serializer's
// output in base64, whereas Django writes its own signed and compressed JSON
// ("<payload>:<timestamp>:<signature>", signed with SECRET_KEY). Django's rows do not load
// here (their 32-character keys are not valid djin keys, so they are never even queried) and
// Django cannot read djin's rows, so a djin application and a Django one must not share the
// table; a migrated application starts with empty sessions and users log in again.
type SQLStore struct {
	db                                       *sql.DB
	sqlite                                   bool
	qLoad, qCreate, qUpdate, qDelete, qClean string
	ddl                                      []string
	now                                      func() time.Time
	logger                                   *slog.Logger

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

var (
	_ Store   = (*SQLStore)(nil)
	_ Cleaner = (*SQLStore)(nil)
)

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// NewSQLStore validates cfg and returns the store. It does no I/O: run Migrate once (at every
// start is fine) to create the table.
func NewSQLStore(cfg SQLStoreConfig) (*SQLStore, error) {
	if cfg.DB == nil {
		return nil, errors.New("session: SQLStoreConfig.DB: a *sql.DB is required")
	}
	dialect := cfg.Dialect
	if dialect == "" {
		dialect = detectDialect(cfg.DB)
		if dialect == "" {
			return nil, fmt.Errorf("session: SQLStoreConfig.Dialect: cannot tell the dialect of driver %T; set %q or %q", cfg.DB.Driver(), DialectSQLite, DialectPostgres)
		}
	}
	if dialect != DialectSQLite && dialect != DialectPostgres {
		return nil, fmt.Errorf("session: SQLStoreConfig.Dialect: must be %q or %q (got %q)", DialectSQLite, DialectPostgres, dialect)
	}
	table := cfg.Table
	if table == "" {
		table = DefaultTable
	}
	if !tableName.MatchString(table) {
		return nil, fmt.Errorf("session: SQLStoreConfig.Table: must be an identifier, optionally schema-qualified (got %q)", table)
	}
	if cfg.CleanupInterval < 0 {
		return nil, fmt.Errorf("session: SQLStoreConfig.CleanupInterval: must not be negative (got %s)", cfg.CleanupInterval)
	}
	s := &SQLStore{db: cfg.DB, sqlite: dialect == DialectSQLite, now: nowFunc(cfg.Now), logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.buildQueries(table)
	if cfg.CleanupInterval > 0 {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.cleanupLoop(cfg.CleanupInterval)
	}
	return s, nil
}

func detectDialect(db *sql.DB) string {
	t := reflect.TypeOf(db.Driver())
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	switch {
	case strings.Contains(pkg, "sqlite"):
		return DialectSQLite
	case strings.Contains(pkg, "pgx"), strings.Contains(pkg, "lib/pq"):
		return DialectPostgres
	}
	return ""
}

func (s *SQLStore) buildQueries(table string) {
	quoted := quoteIdent(table)
	index := "django_session_expire_date_a5c62663" // Django's name, so a Django-made table is recognised
	if table != DefaultTable {
		index = table + "_expire_date"
	}
	timeType := "timestamp with time zone"
	if s.sqlite {
		timeType = "datetime"
	}
	on := quoted
	if schema, name, ok := strings.Cut(table, "."); ok {
		index = name + "_expire_date"
		if s.sqlite {
			// SQLite qualifies the index, not the table it is on.
			index, on = schema+"."+index, quoteIdent(name)
		}
	}
	s.ddl = []string{
		`CREATE TABLE IF NOT EXISTS ` + quoted + ` ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" ` + timeType + ` NOT NULL)`,
		`CREATE INDEX IF NOT EXISTS ` + quoteIdent(index) + ` ON ` + on + ` ("expire_date")`,
	}
	p := func(n int) string {
		if s.sqlite {
			return "?"
		}
		return fmt.Sprintf("$%d", n)
	}
	s.qLoad = `SELECT "session_data" FROM ` + quoted + ` WHERE "session_key" = ` + p(1) + ` AND "expire_date" > ` + p(2)
	s.qCreate = `INSERT INTO ` + quoted + ` ("session_key", "session_data", "expire_date") VALUES (` + p(1) + `, ` + p(2) + `, ` + p(3) + `) ON CONFLICT ("session_key") DO NOTHING`
	s.qUpdate = `UPDATE ` + quoted + ` SET "session_data" = ` + p(1) + `, "expire_date" = ` + p(2) + ` WHERE "session_key" = ` + p(3)
	s.qDelete = `DELETE FROM ` + quoted + ` WHERE "session_key" = ` + p(1)
	s.qClean = `DELETE FROM ` + quoted + ` WHERE "expire_date" < ` + p(1)
}

func quoteIdent(name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = `"` + p + `"`
	}
	return strings.Join(parts, ".")
}

// Migrate creates the table and its index when they do not exist (Django: manage.py migrate
// for django.contrib.sessions). It is idempotent.
func (s *SQLStore) Migrate(ctx context.Context) error {
	for _, q := range s.ddl {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%w: migrate: %w", ErrStore, err)
		}
	}
	return nil
}

// sqliteTime is Django's text layout for datetimes in SQLite. The fixed width keeps text
// comparison in the same order as time, which the expiry checks rely on.
const sqliteTime = "2006-01-02 15:04:05.000000"

func (s *SQLStore) timeArg(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.sqlite {
		return t.Format(sqliteTime)
	}
	return t
}

// Load reads an unexpired row.
func (s *SQLStore) Load(ctx context.Context, value string) (string, []byte, error) {
	if !ValidKey(value) {
		return "", nil, ErrNoSession
	}
	var text string
	err := s.db.QueryRowContext(ctx, s.qLoad, value, s.timeArg(s.now())).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNoSession
	}
	if err != nil {
		return "", nil, fmt.Errorf("%w: load: %w", ErrStore, err)
	}
	data, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		// A row this store did not write (a Django row under a valid-looking key, a manual
		// edit): treat it as no session rather than fail every request of that user.
		return "", nil, ErrNoSession
	}
	return value, data, nil
}

// Create inserts a row; an existing key is ErrKeyExists.
func (s *SQLStore) Create(ctx context.Context, key string, data []byte, expires time.Time) (string, error) {
	res, err := s.db.ExecContext(ctx, s.qCreate, key, base64.StdEncoding.EncodeToString(data), s.timeArg(expires))
	if err != nil {
		return "", fmt.Errorf("%w: create: %w", ErrStore, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("%w: create: %w", ErrStore, err)
	} else if n == 0 {
		return "", ErrKeyExists
	}
	return key, nil
}

// Update rewrites a row; a missing row is ErrNoSession.
func (s *SQLStore) Update(ctx context.Context, key string, data []byte, expires time.Time) (string, error) {
	res, err := s.db.ExecContext(ctx, s.qUpdate, base64.StdEncoding.EncodeToString(data), s.timeArg(expires), key)
	if err != nil {
		return "", fmt.Errorf("%w: update: %w", ErrStore, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return "", fmt.Errorf("%w: update: %w", ErrStore, err)
	} else if n == 0 {
		return "", ErrNoSession
	}
	return key, nil
}

// Delete removes a row.
func (s *SQLStore) Delete(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.qDelete, key); err != nil {
		return fmt.Errorf("%w: delete: %w", ErrStore, err)
	}
	return nil
}

// Cleanup deletes expired rows (Django: manage.py clearsessions).
func (s *SQLStore) Cleanup(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.qClean, s.timeArg(s.now()))
	if err != nil {
		return 0, fmt.Errorf("%w: cleanup: %w", ErrStore, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("%w: cleanup: %w", ErrStore, err)
	}
	return n, nil
}

func (s *SQLStore) cleanupLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), max(every, time.Minute))
			if _, err := s.Cleanup(ctx); err != nil {
				s.logger.Error("session: cleanup of expired sessions failed", "err", err)
			}
			cancel()
		}
	}
}

// Stop ends the cleanup goroutine started by CleanupInterval and waits for it. It is safe to
// call more than once, and does nothing when no goroutine was started. It does not close DB.
func (s *SQLStore) Stop() {
	if s.stop == nil {
		return
	}
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
}
