package authx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver OpenSQLite uses
)

// SQLStoreConfig configures an SQLStore. Only DB is required: the zero value of every other
// field gives Django's own table and column names, so an existing Django database works as it is.
type SQLStoreConfig struct {
	// DB is the database: SQLite through modernc.org/sqlite (driver "sqlite"; open it with
	// OpenSQLite, or set a busy timeout yourself, or concurrent writes fail with "database is
	// locked") or PostgreSQL through github.com/jackc/pgx/v5/stdlib (driver "pgx"). SQLite
	// times are read as UTC, as Django writes them: do not set the driver's _loc parameter.
	// Required.
	DB *sql.DB
	// Dialect is DialectSQLite or DialectPostgres; "" detects it from DB's driver.
	Dialect string
	// Table is the user table; "" means "auth_user". A Django custom user model lives in
	// "<app_label>_<model>", e.g. "app01_userinfo". Django: AUTH_USER_MODEL.
	Table string
	// UserGroupsTable links users to groups; "" means Table + "_groups" (Django's name for the
	// groups many-to-many of the user model, "auth_user_groups" by default).
	UserGroupsTable string
	// UserPermissionsTable links users to permissions; "" means Table + "_user_permissions".
	UserPermissionsTable string
	// UserColumn is the user column of the two link tables; "" means "user_id". For a Django
	// custom user model it is the lower-case model name + "_id", e.g. "userinfo_id".
	UserColumn string
	// ExtraFields declares the application's own columns of the user table (see ExtraField);
	// Migrate adds the missing ones.
	ExtraFields []ExtraField
	// Now stamps DateJoined of users created without one; nil means time.Now.
	Now func() time.Time
}

// SQLStore is a Store in Django's tables (auth_user, auth_group, auth_permission,
// django_content_type and the link tables) over database/sql, for SQLite and PostgreSQL. Its
// rows are the ones Django reads and writes: times in Django's format, booleans as Django
// stores them, Django's column names. Call Migrate once (the migrate command) to create
// missing tables and columns. It is safe for concurrent use.
type SQLStore struct {
	db     *sql.DB
	d      dialect
	fields []ExtraField
	now    func() time.Time
	t      sqlTables
	q      sqlQueries
}

var (
	_ Store    = (*SQLStore)(nil)
	_ Migrator = (*SQLStore)(nil)
)

// sqlTables are the table and column names the store uses; all checked identifiers.
type sqlTables struct {
	user, userGroups, userPerms, userCol string
}

// Django's fixed table names for the permission side.
const (
	contentTypeTable = "django_content_type"
	permissionTable  = "auth_permission"
	groupTable       = "auth_group"
	groupPermsTable  = "auth_group_permissions"
)

// userColumns are Django's auth_user columns in table order; the store reads and writes them
// in this order, followed by the extra fields.
var userColumns = []string{
	"id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
	"email", "is_staff", "is_active", "date_joined",
}

// NewSQLStore validates cfg and returns a store. It does not touch the database: call Migrate
// to create the tables.
func NewSQLStore(cfg SQLStoreConfig) (*SQLStore, error) {
	if cfg.DB == nil {
		return nil, errors.New("authx: SQLStoreConfig.DB: required")
	}
	d, err := resolveDialect(cfg.DB, cfg.Dialect)
	if err != nil {
		return nil, err
	}
	t := sqlTables{
		user:       orDefault(cfg.Table, "auth_user"),
		userGroups: cfg.UserGroupsTable,
		userPerms:  cfg.UserPermissionsTable,
		userCol:    orDefault(cfg.UserColumn, "user_id"),
	}
	t.userGroups = orDefault(t.userGroups, t.user+"_groups")
	t.userPerms = orDefault(t.userPerms, t.user+"_user_permissions")
	for _, c := range [...]struct{ setting, value string }{
		{"Table", t.user}, {"UserGroupsTable", t.userGroups},
		{"UserPermissionsTable", t.userPerms}, {"UserColumn", t.userCol},
	} {
		if !isIdent(c.value) {
			return nil, fmt.Errorf("authx: SQLStoreConfig.%s: want ASCII letters, digits and underscores, not starting with a digit, at most 63 bytes (got %q)", c.setting, c.value)
		}
	}
	fields, err := checkExtraFields("SQLStoreConfig.ExtraFields", cfg.ExtraFields)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &SQLStore{db: cfg.DB, d: d, fields: fields, now: now, t: t}
	s.q = buildQueries(d, t, fields)
	return s, nil
}

// OpenSQLite opens the SQLite database file at path (created when missing) with the settings
// a web application wants from SQLite: write-ahead logging, a 5-second busy timeout instead
// of immediate "database is locked" errors, foreign keys enforced, and transactions that take
// the write lock up front. ":memory:" gives a private in-memory database (one connection, so
// that every query sees it).
func OpenSQLite(path string) (*sql.DB, error) {
	if path == "" || strings.Contains(path, "?") {
		return nil, fmt.Errorf("authx: OpenSQLite: want a file path without '?' (got %q)", path)
	}
	pragmas := "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_txlock=immediate"
	if path != ":memory:" {
		pragmas += "&_pragma=journal_mode(WAL)"
	}
	// A plain name, not a "file:" URI: SQLite then takes the path literally (no %-decoding),
	// and the driver strips and applies the parameters after '?'.
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("authx: OpenSQLite: %w", err)
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("authx: OpenSQLite %s: %w", path, err)
	}
	return db, nil
}

// DB returns the database handle the store uses.
func (s *SQLStore) DB() *sql.DB { return s.db }

// Dialect returns DialectSQLite or DialectPostgres.
func (s *SQLStore) Dialect() string { return s.d.name }

// ExtraFields returns the declared application columns.
func (s *SQLStore) ExtraFields() []ExtraField { return slices.Clone(s.fields) }

// sqlQueries are built once from checked identifiers; only values travel as arguments.
type sqlQueries struct {
	insertUser, userByID, userByUsername, listUsers, updateUser, deleteUser string
	deleteUserGroups, deleteUserPerms, setPassword, setLastLogin            string

	insertContentType, contentTypeID, insertPerm, permByName, listPerms string
	insertGroup, groupByName, deleteGroup, deleteGroupPerms             string
	deleteGroupMembers, userGroups, userPerms, groupPermsOfUser         string
	allPermsOfUser                                                      string

	linkGroupPerm, unlinkGroupPerm, linkUserGroup, unlinkUserGroup string
	linkUserPerm, unlinkUserPerm                                   string
	userExists, groupExists, permExists                            string
}

func buildQueries(d dialect, t sqlTables, fields []ExtraField) sqlQueries {
	cols := make([]string, 0, len(userColumns)+len(fields))
	for _, c := range userColumns {
		cols = append(cols, quoteIdent(c))
	}
	for _, f := range fields {
		cols = append(cols, quoteIdent(f.Name))
	}
	user := quoteIdent(t.user)
	selectUser := "SELECT " + strings.Join(cols, ", ") + " FROM " + user
	writable := cols[1:] // every column but id
	sets := make([]string, len(writable))
	for i, c := range writable {
		sets[i] = c + " = ?"
	}
	placeholders := strings.TrimSuffix(strings.Repeat("?, ", len(writable)), ", ")
	ug, up, uc := quoteIdent(t.userGroups), quoteIdent(t.userPerms), quoteIdent(t.userCol)
	perm := `SELECT p."id", p."name", ct."app_label", ct."model", p."codename" FROM "auth_permission" p ` +
		`JOIN "django_content_type" ct ON ct."id" = p."content_type_id"`
	// link inserts a pair only when both ends exist (SQLite does not enforce foreign keys
	// unless asked to), and does nothing when the pair is there already.
	link := func(table, a, b, aTable, bTable string) string {
		return "INSERT INTO " + table + " (" + a + `, ` + b + ") SELECT CAST(? AS bigint), CAST(? AS bigint) " +
			"WHERE EXISTS (SELECT 1 FROM " + aTable + ` WHERE "id" = ?) AND EXISTS (SELECT 1 FROM ` + bTable + ` WHERE "id" = ?) ` +
			"ON CONFLICT DO NOTHING"
	}
	unlink := func(table, a, b string) string {
		return "DELETE FROM " + table + " WHERE " + a + " = ? AND " + b + " = ?"
	}
	q := sqlQueries{
		insertUser:       "INSERT INTO " + user + " (" + strings.Join(writable, ", ") + ") VALUES (" + placeholders + `) RETURNING "id"`,
		userByID:         selectUser + ` WHERE "id" = ?`,
		userByUsername:   selectUser + ` WHERE "username" = ?`,
		listUsers:        selectUser + ` WHERE "id" > ? ORDER BY "id" LIMIT ?`,
		updateUser:       "UPDATE " + user + " SET " + strings.Join(sets, ", ") + ` WHERE "id" = ?`,
		deleteUser:       "DELETE FROM " + user + ` WHERE "id" = ?`,
		deleteUserGroups: "DELETE FROM " + ug + " WHERE " + uc + " = ?",
		deleteUserPerms:  "DELETE FROM " + up + " WHERE " + uc + " = ?",
		setPassword:      "UPDATE " + user + ` SET "password" = ? WHERE "id" = ?`,
		setLastLogin:     "UPDATE " + user + ` SET "last_login" = ? WHERE "id" = ?`,

		insertContentType: `INSERT INTO "django_content_type" ("app_label", "model") VALUES (?, ?) ON CONFLICT DO NOTHING`,
		contentTypeID:     `SELECT "id" FROM "django_content_type" WHERE "app_label" = ? AND "model" = ?`,
		insertPerm:        `INSERT INTO "auth_permission" ("name", "content_type_id", "codename") VALUES (?, ?, ?) RETURNING "id"`,
		permByName:        perm + ` WHERE ct."app_label" = ? AND p."codename" = ? ORDER BY p."id" LIMIT 1`,
		listPerms:         perm + ` ORDER BY p."id"`,

		insertGroup:        `INSERT INTO "auth_group" ("name") VALUES (?) RETURNING "id"`,
		groupByName:        `SELECT "id", "name" FROM "auth_group" WHERE "name" = ?`,
		deleteGroup:        `DELETE FROM "auth_group" WHERE "id" = ?`,
		deleteGroupPerms:   `DELETE FROM "auth_group_permissions" WHERE "group_id" = ?`,
		deleteGroupMembers: "DELETE FROM " + ug + ` WHERE "group_id" = ?`,
		userGroups: `SELECT g."id", g."name" FROM "auth_group" g JOIN ` + ug + ` ug ON ug."group_id" = g."id" ` +
			"WHERE ug." + uc + ` = ? ORDER BY g."id"`,
		userPerms: perm + " JOIN " + up + ` up ON up."permission_id" = p."id" WHERE up.` + uc + " = ?",
		groupPermsOfUser: perm + ` JOIN "auth_group_permissions" gp ON gp."permission_id" = p."id" ` +
			"JOIN " + ug + ` ug ON ug."group_id" = gp."group_id" WHERE ug.` + uc + " = ?",

		linkGroupPerm:   link(`"auth_group_permissions"`, `"group_id"`, `"permission_id"`, `"auth_group"`, `"auth_permission"`),
		unlinkGroupPerm: unlink(`"auth_group_permissions"`, `"group_id"`, `"permission_id"`),
		linkUserGroup:   link(ug, uc, `"group_id"`, user, `"auth_group"`),
		unlinkUserGroup: unlink(ug, uc, `"group_id"`),
		linkUserPerm:    link(up, uc, `"permission_id"`, user, `"auth_permission"`),
		unlinkUserPerm:  unlink(up, uc, `"permission_id"`),
		userExists:      "SELECT 1 FROM " + user + ` WHERE "id" = ?`,
		groupExists:     `SELECT 1 FROM "auth_group" WHERE "id" = ?`,
		permExists:      `SELECT 1 FROM "auth_permission" WHERE "id" = ?`,
	}
	q.allPermsOfUser = q.userPerms + " UNION " + q.groupPermsOfUser
	for _, p := range []*string{
		&q.insertUser, &q.userByID, &q.userByUsername, &q.listUsers, &q.updateUser, &q.deleteUser,
		&q.deleteUserGroups, &q.deleteUserPerms, &q.setPassword, &q.setLastLogin,
		&q.insertContentType, &q.contentTypeID, &q.insertPerm, &q.permByName, &q.listPerms,
		&q.insertGroup, &q.groupByName, &q.deleteGroup, &q.deleteGroupPerms, &q.deleteGroupMembers,
		&q.userGroups, &q.userPerms, &q.groupPermsOfUser, &q.allPermsOfUser, &q.linkGroupPerm, &q.unlinkGroupPerm,
		&q.linkUserGroup, &q.unlinkUserGroup, &q.linkUserPerm, &q.unlinkUserPerm,
		&q.userExists, &q.groupExists, &q.permExists,
	} {
		*p = d.rebind(*p)
	}
	return q
}

// userArgs are the values of every user column but id, in userColumns order, then the extras.
func (s *SQLStore) userArgs(u *User) []any {
	args := make([]any, 0, len(userColumns)-1+len(s.fields)+1)
	var lastLogin any
	if u.LastLogin != nil {
		lastLogin = s.d.timeArg(*u.LastLogin)
	}
	args = append(args, u.Password, lastLogin, u.IsSuperuser, u.Username, u.FirstName, u.LastName,
		u.Email, u.IsStaff, u.IsActive, s.d.timeArg(u.DateJoined))
	for _, f := range s.fields {
		args = append(args, s.d.extraArg(u.Extra[f.Name]))
	}
	return args
}

type rowScanner interface{ Scan(dest ...any) error }

func (s *SQLStore) scanUser(row rowScanner) (*User, error) {
	var (
		u                     User
		lastLogin, dateJoined timeValue
	)
	extras := make([]extraValue, len(s.fields))
	dest := []any{&u.ID, &u.Password, &lastLogin, &u.IsSuperuser, &u.Username, &u.FirstName,
		&u.LastName, &u.Email, &u.IsStaff, &u.IsActive, &dateJoined}
	for i := range s.fields {
		extras[i].f = &s.fields[i]
		dest = append(dest, &extras[i])
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if lastLogin.valid {
		u.LastLogin = &lastLogin.t
	}
	u.DateJoined = dateJoined.t
	if len(extras) > 0 {
		u.Extra = make(Extra, len(extras))
		for _, e := range extras {
			u.Extra[e.f.Name] = e.v
		}
	}
	return &u, nil
}

// CreateUser implements UserStore.
func (s *SQLStore) CreateUser(ctx context.Context, u *User) error {
	row, err := newUserRow(u, s.fields, s.now)
	if err != nil {
		return err
	}
	err = s.db.QueryRowContext(ctx, s.q.insertUser, s.userArgs(row)...).Scan(&row.ID)
	if err != nil {
		return s.userWriteError(ctx, "create user", row, err)
	}
	*u = *row
	return nil
}

// GetUser implements UserStore.
func (s *SQLStore) GetUser(ctx context.Context, id int64) (*User, error) {
	u, err := s.scanUser(s.db.QueryRowContext(ctx, s.q.userByID, id))
	return u, notFound(err, ErrUserNotFound, "get user", fmt.Sprintf("id %d", id))
}

// GetUserByUsername implements UserStore.
func (s *SQLStore) GetUserByUsername(ctx context.Context, username string) (*User, error) {
	if checkText(username, 0) != nil {
		// PostgreSQL refuses such text with a protocol error; no user can have it anyway.
		return nil, fmt.Errorf("%w: %q", ErrUserNotFound, username)
	}
	u, err := s.scanUser(s.db.QueryRowContext(ctx, s.q.userByUsername, username))
	return u, notFound(err, ErrUserNotFound, "get user", fmt.Sprintf("%q", username))
}

// notFound maps sql.ErrNoRows to the sentinel and wraps other errors with the operation.
func notFound(err, sentinel error, op, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %s", sentinel, what)
	}
	return fmt.Errorf("authx: %s: %w", op, schemaError(err))
}

// ListUsers implements UserStore.
func (s *SQLStore) ListUsers(ctx context.Context, afterID int64, limit int) ([]*User, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.q.listUsers, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("authx: list users: %w", schemaError(err))
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := s.scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("authx: list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authx: list users: %w", err)
	}
	return out, nil
}

// UpdateUser implements UserStore.
func (s *SQLStore) UpdateUser(ctx context.Context, u *User) error {
	row := u.Clone()
	if err := row.checkColumns(s.fields); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q.updateUser, append(s.userArgs(row), row.ID)...)
	if err != nil {
		return s.userWriteError(ctx, "update user", row, err)
	}
	if err := affectedOne(res, nil, ErrUserNotFound, "update user", row.ID); err != nil {
		return err
	}
	*u = *row
	return nil
}

// userWriteError explains a failed insert or update of row. A unique violation is
// ErrDuplicateUsername only when another user does hold the username: the table may carry
// other unique constraints (an application's unique column, or an id sequence behind rows
// inserted by hand), and those must not be reported as a taken username.
func (s *SQLStore) userWriteError(ctx context.Context, op string, row *User, err error) error {
	if isUniqueViolation(err) {
		other, getErr := s.GetUserByUsername(ctx, row.Username)
		if getErr == nil && other.ID != row.ID {
			return fmt.Errorf("%w: %q", ErrDuplicateUsername, row.Username)
		}
	}
	return fmt.Errorf("authx: %s: %w", op, schemaError(err))
}

// affectedOne turns "no row changed" into the not-found sentinel.
func affectedOne(res sql.Result, err, sentinel error, op string, id int64) error {
	if err != nil {
		return fmt.Errorf("authx: %s: %w", op, schemaError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("authx: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: id %d", sentinel, id)
	}
	return nil
}

// DeleteUser implements UserStore. Like Django's ORM, it removes the user's group and
// permission links first; rows of other tables that reference the user (for example
// django_admin_log) make the delete fail if the database enforces their foreign keys.
func (s *SQLStore) DeleteUser(ctx context.Context, id int64) error {
	return s.inTx(ctx, "delete user", func(tx *sql.Tx) error {
		for _, q := range []string{s.q.deleteUserGroups, s.q.deleteUserPerms} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.q.deleteUser, id)
		return affectedOne(res, err, ErrUserNotFound, "delete user", id)
	})
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *SQLStore) inTx(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("authx: %s: %w", op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		if isSentinel(err) {
			return err
		}
		return fmt.Errorf("authx: %s: %w", op, schemaError(err))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authx: %s: %w", op, schemaError(err))
	}
	return nil
}

// isSentinel reports errors that already say what went wrong in the store's own terms.
func isSentinel(err error) bool {
	for _, s := range []error{ErrUserNotFound, ErrGroupNotFound, ErrPermissionNotFound,
		ErrDuplicatePermission, ErrDuplicateGroup, ErrDuplicateUsername, ErrNotMigrated, ErrSchema} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// SetPasswordHash implements UserStore.
func (s *SQLStore) SetPasswordHash(ctx context.Context, id int64, encoded string) error {
	if err := checkPasswordHash(encoded); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q.setPassword, encoded, id)
	return affectedOne(res, err, ErrUserNotFound, "set password", id)
}

// SetLastLogin implements UserStore.
func (s *SQLStore) SetLastLogin(ctx context.Context, id int64, t time.Time) error {
	if err := checkLastLogin(t); err != nil {
		return err
	}
	res, err := s.db.ExecContext(ctx, s.q.setLastLogin, s.d.timeArg(t), id)
	return affectedOne(res, err, ErrUserNotFound, "set last login", id)
}

// CreatePermission implements PermissionStore.
func (s *SQLStore) CreatePermission(ctx context.Context, p *Permission) error {
	if err := checkPermission(p); err != nil {
		return err
	}
	var id int64
	err := s.inTx(ctx, "create permission", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.insertContentType, p.AppLabel, p.Model); err != nil {
			return err
		}
		var ct int64
		if err := tx.QueryRowContext(ctx, s.q.contentTypeID, p.AppLabel, p.Model).Scan(&ct); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, s.q.insertPerm, p.Name, ct, p.Codename).Scan(&id)
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: %s.%s %q", ErrDuplicatePermission, p.AppLabel, p.Model, p.Codename)
		}
		return err
	})
	if err != nil {
		return err
	}
	p.ID = id
	return nil
}

func scanPermission(row rowScanner) (Permission, error) {
	var p Permission
	err := row.Scan(&p.ID, &p.Name, &p.AppLabel, &p.Model, &p.Codename)
	return p, err
}

// GetPermission implements PermissionStore.
func (s *SQLStore) GetPermission(ctx context.Context, perm string) (*Permission, error) {
	appLabel, codename, err := ParsePermission(perm)
	if err != nil {
		return nil, err
	}
	p, err := scanPermission(s.db.QueryRowContext(ctx, s.q.permByName, appLabel, codename))
	if err != nil {
		return nil, notFound(err, ErrPermissionNotFound, "get permission", fmt.Sprintf("%q", perm))
	}
	return &p, nil
}

// ListPermissions implements PermissionStore.
func (s *SQLStore) ListPermissions(ctx context.Context) ([]Permission, error) {
	return queryAll(ctx, s.db, "list permissions", s.q.listPerms, scanPermission)
}

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *sql.DB, op, query string, scan func(rowScanner) (T, error), args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("authx: %s: %w", op, schemaError(err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("authx: %s: %w", op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authx: %s: %w", op, err)
	}
	return out, nil
}

// CreateGroup implements PermissionStore.
func (s *SQLStore) CreateGroup(ctx context.Context, g *Group) error {
	if err := checkGroup(g); err != nil {
		return err
	}
	var id int64
	err := s.db.QueryRowContext(ctx, s.q.insertGroup, g.Name).Scan(&id)
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: %q", ErrDuplicateGroup, g.Name)
	}
	if err != nil {
		return fmt.Errorf("authx: create group: %w", schemaError(err))
	}
	g.ID = id
	return nil
}

func scanGroup(row rowScanner) (Group, error) {
	var g Group
	err := row.Scan(&g.ID, &g.Name)
	return g, err
}

// GetGroupByName implements PermissionStore.
func (s *SQLStore) GetGroupByName(ctx context.Context, name string) (*Group, error) {
	if checkText(name, 0) != nil {
		return nil, fmt.Errorf("%w: %q", ErrGroupNotFound, name)
	}
	g, err := scanGroup(s.db.QueryRowContext(ctx, s.q.groupByName, name))
	if err != nil {
		return nil, notFound(err, ErrGroupNotFound, "get group", fmt.Sprintf("%q", name))
	}
	return &g, nil
}

// DeleteGroup implements PermissionStore.
func (s *SQLStore) DeleteGroup(ctx context.Context, id int64) error {
	return s.inTx(ctx, "delete group", func(tx *sql.Tx) error {
		for _, q := range []string{s.q.deleteGroupPerms, s.q.deleteGroupMembers} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.q.deleteGroup, id)
		return affectedOne(res, err, ErrGroupNotFound, "delete group", id)
	})
}

// link inserts a link row; when nothing was inserted it tells a missing end (an error) from a
// link that exists already (fine).
func (s *SQLStore) link(ctx context.Context, query string, from, to int64, fromExists, toExists string, fromErr, toErr error) error {
	res, err := s.db.ExecContext(ctx, query, from, to, from, to)
	if err != nil {
		return fmt.Errorf("authx: link: %w", schemaError(err))
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	for _, end := range [...]struct {
		query    string
		id       int64
		sentinel error
	}{{fromExists, from, fromErr}, {toExists, to, toErr}} {
		var one int
		err := s.db.QueryRowContext(ctx, end.query, end.id).Scan(&one)
		if err != nil {
			return notFound(err, end.sentinel, "link", fmt.Sprintf("id %d", end.id))
		}
	}
	return nil
}

func (s *SQLStore) unlink(ctx context.Context, query string, from, to int64) error {
	if _, err := s.db.ExecContext(ctx, query, from, to); err != nil {
		return fmt.Errorf("authx: unlink: %w", schemaError(err))
	}
	return nil
}

// AddGroupPermission implements PermissionStore.
func (s *SQLStore) AddGroupPermission(ctx context.Context, groupID, permissionID int64) error {
	return s.link(ctx, s.q.linkGroupPerm, groupID, permissionID, s.q.groupExists, s.q.permExists, ErrGroupNotFound, ErrPermissionNotFound)
}

// RemoveGroupPermission implements PermissionStore.
func (s *SQLStore) RemoveGroupPermission(ctx context.Context, groupID, permissionID int64) error {
	return s.unlink(ctx, s.q.unlinkGroupPerm, groupID, permissionID)
}

// AddUserToGroup implements PermissionStore.
func (s *SQLStore) AddUserToGroup(ctx context.Context, userID, groupID int64) error {
	return s.link(ctx, s.q.linkUserGroup, userID, groupID, s.q.userExists, s.q.groupExists, ErrUserNotFound, ErrGroupNotFound)
}

// RemoveUserFromGroup implements PermissionStore.
func (s *SQLStore) RemoveUserFromGroup(ctx context.Context, userID, groupID int64) error {
	return s.unlink(ctx, s.q.unlinkUserGroup, userID, groupID)
}

// AddUserPermission implements PermissionStore.
func (s *SQLStore) AddUserPermission(ctx context.Context, userID, permissionID int64) error {
	return s.link(ctx, s.q.linkUserPerm, userID, permissionID, s.q.userExists, s.q.permExists, ErrUserNotFound, ErrPermissionNotFound)
}

// RemoveUserPermission implements PermissionStore.
func (s *SQLStore) RemoveUserPermission(ctx context.Context, userID, permissionID int64) error {
	return s.unlink(ctx, s.q.unlinkUserPerm, userID, permissionID)
}

// UserGroups implements PermissionStore.
func (s *SQLStore) UserGroups(ctx context.Context, userID int64) ([]Group, error) {
	return queryAll(ctx, s.db, "user groups", s.q.userGroups, scanGroup, userID)
}

// UserPermissions implements PermissionStore.
func (s *SQLStore) UserPermissions(ctx context.Context, userID int64) ([]string, error) {
	return s.permNames(ctx, "user permissions", s.q.userPerms, userID)
}

// GroupPermissions implements PermissionStore.
func (s *SQLStore) GroupPermissions(ctx context.Context, userID int64) ([]string, error) {
	return s.permNames(ctx, "group permissions", s.q.groupPermsOfUser, userID)
}

// AllPermissions implements PermissionStore.
func (s *SQLStore) AllPermissions(ctx context.Context, userID int64) ([]string, error) {
	return s.permNames(ctx, "all permissions", s.q.allPermsOfUser, userID, userID)
}

func (s *SQLStore) permNames(ctx context.Context, op, query string, userID ...any) ([]string, error) {
	perms, err := queryAll(ctx, s.db, op, query, scanPermission, userID...)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(perms))
	for i, p := range perms {
		names[i] = p.String()
	}
	return sortedUnique(names), nil
}

// Migrate creates the tables Django's contrib.auth and contenttypes migrations create, with
// Django's column types and index names, when they are missing, and adds the declared
// ExtraFields missing from the user table. It is idempotent, runs in one transaction, and
// leaves an existing Django database as it is. It fails with ErrSchema when an existing user
// table lacks one of Django's columns.
//
// Migrate does not record rows in django_migrations: to hand a djin-created database to
// Django, run "manage.py migrate --fake-initial".
func (s *SQLStore) Migrate(ctx context.Context) error {
	return s.inTx(ctx, "migrate", func(tx *sql.Tx) error {
		if s.d.name == DialectPostgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLockKey)); err != nil {
				return err
			}
		}
		for _, td := range s.d.authTables(s.t) {
			for _, stmt := range s.d.createStatements(td) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", td.name, err)
				}
			}
		}
		have, err := tableColumns(ctx, tx, s.d, s.t.user)
		if err != nil {
			return err
		}
		var missing []string
		for _, c := range userColumns {
			if !have[c] {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("%w: table %q has no column %s", ErrSchema, s.t.user, strings.Join(missing, ", "))
		}
		for _, f := range s.fields {
			if have[f.Name] {
				continue
			}
			if _, err := tx.ExecContext(ctx, s.d.addColumnStatement(s.t.user, f)); err != nil {
				return fmt.Errorf("add column %q: %w", f.Name, err)
			}
		}
		return nil
	})
}

// tableColumns returns the set of column names of table.
func tableColumns(ctx context.Context, tx *sql.Tx, d dialect, table string) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, d.columnsQuery(), table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		have[name] = true
	}
	return have, rows.Err()
}
