package authx

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// MemoryStoreConfig configures a MemoryStore. The zero value is a store of Django's plain
// auth_user columns that reads the clock with time.Now.
type MemoryStoreConfig struct {
	// ExtraFields declares the application's own user columns (see ExtraField).
	ExtraFields []ExtraField
	// Now stamps DateJoined of users created without one; nil means time.Now.
	Now func() time.Time
}

// MemoryStore is a Store held in process memory, for tests and examples: it enforces the same
// constraints and returns the same errors as SQLStore (the shared conformance suite checks
// it), but its data ends with the process. It is safe for concurrent use.
type MemoryStore struct {
	fields []ExtraField
	now    func() time.Time

	mu         sync.RWMutex
	users      map[int64]*User
	byUsername map[string]int64
	perms      map[int64]*Permission
	groups     map[int64]*Group
	userGroups map[int64]map[int64]bool // user → groups
	userPerms  map[int64]map[int64]bool // user → permissions
	groupPerms map[int64]map[int64]bool // group → permissions
	lastID     struct{ user, perm, group int64 }
}

var (
	_ Store    = (*MemoryStore)(nil)
	_ Migrator = (*MemoryStore)(nil)
)

// NewMemoryStore validates cfg and returns an empty store.
func NewMemoryStore(cfg MemoryStoreConfig) (*MemoryStore, error) {
	fields, err := checkExtraFields("MemoryStoreConfig.ExtraFields", cfg.ExtraFields)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{
		fields:     fields,
		now:        now,
		users:      map[int64]*User{},
		byUsername: map[string]int64{},
		perms:      map[int64]*Permission{},
		groups:     map[int64]*Group{},
		userGroups: map[int64]map[int64]bool{},
		userPerms:  map[int64]map[int64]bool{},
		groupPerms: map[int64]map[int64]bool{},
	}, nil
}

// DefaultMemoryStore is NewMemoryStore(MemoryStoreConfig{}); it cannot fail.
func DefaultMemoryStore() *MemoryStore {
	s, _ := NewMemoryStore(MemoryStoreConfig{})
	return s
}

// Migrate does nothing: a memory store needs no schema. It lets code call Migrate on any store.
func (s *MemoryStore) Migrate(ctx context.Context) error { return ctx.Err() }

// ExtraFields returns the declared application columns.
func (s *MemoryStore) ExtraFields() []ExtraField { return slices.Clone(s.fields) }

// CreateUser implements UserStore.
func (s *MemoryStore) CreateUser(ctx context.Context, u *User) error {
	row, err := newUserRow(u, s.fields, s.now)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, taken := s.byUsername[row.Username]; taken {
		return fmt.Errorf("%w: %q", ErrDuplicateUsername, row.Username)
	}
	s.lastID.user++
	row.ID = s.lastID.user
	s.users[row.ID] = row
	s.byUsername[row.Username] = row.ID
	*u = *row.Clone()
	return nil
}

// GetUser implements UserStore.
func (s *MemoryStore) GetUser(ctx context.Context, id int64) (*User, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return nil, fmt.Errorf("%w: id %d", ErrUserNotFound, id)
	}
	return u.Clone(), nil
}

// GetUserByUsername implements UserStore.
func (s *MemoryStore) GetUserByUsername(ctx context.Context, username string) (*User, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	id, ok := s.byUsername[username]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUserNotFound, username)
	}
	return s.users[id].Clone(), nil
}

// ListUsers implements UserStore.
func (s *MemoryStore) ListUsers(ctx context.Context, afterID int64, limit int) ([]*User, error) {
	if err := checkLimit(limit); err != nil {
		return nil, err
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	ids := slices.Sorted(maps.Keys(s.users))
	var out []*User
	for _, id := range ids {
		if id > afterID && len(out) < limit {
			out = append(out, s.users[id].Clone())
		}
	}
	return out, nil
}

// UpdateUser implements UserStore.
func (s *MemoryStore) UpdateUser(ctx context.Context, u *User) error {
	row := u.Clone()
	if err := row.checkColumns(s.fields); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	old, ok := s.users[row.ID]
	if !ok {
		return fmt.Errorf("%w: id %d", ErrUserNotFound, row.ID)
	}
	if other, taken := s.byUsername[row.Username]; taken && other != row.ID {
		return fmt.Errorf("%w: %q", ErrDuplicateUsername, row.Username)
	}
	delete(s.byUsername, old.Username)
	s.byUsername[row.Username] = row.ID
	s.users[row.ID] = row
	*u = *row.Clone()
	return nil
}

// DeleteUser implements UserStore.
func (s *MemoryStore) DeleteUser(ctx context.Context, id int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return fmt.Errorf("%w: id %d", ErrUserNotFound, id)
	}
	delete(s.byUsername, u.Username)
	delete(s.users, id)
	delete(s.userGroups, id)
	delete(s.userPerms, id)
	return nil
}

// SetPasswordHash implements UserStore.
func (s *MemoryStore) SetPasswordHash(ctx context.Context, id int64, encoded string) error {
	if err := checkPasswordHash(encoded); err != nil {
		return err
	}
	return s.updateUser(ctx, id, func(u *User) { u.Password = encoded })
}

// SetLastLogin implements UserStore.
func (s *MemoryStore) SetLastLogin(ctx context.Context, id int64, t time.Time) error {
	if err := checkLastLogin(t); err != nil {
		return err
	}
	t = dbTime(t)
	return s.updateUser(ctx, id, func(u *User) { u.LastLogin = &t })
}

func (s *MemoryStore) updateUser(ctx context.Context, id int64, set func(*User)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return fmt.Errorf("%w: id %d", ErrUserNotFound, id)
	}
	set(u)
	return nil
}

// CreatePermission implements PermissionStore.
func (s *MemoryStore) CreatePermission(ctx context.Context, p *Permission) error {
	if err := checkPermission(p); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, q := range s.perms {
		if q.AppLabel == p.AppLabel && q.Model == p.Model && q.Codename == p.Codename {
			return fmt.Errorf("%w: %s.%s %q", ErrDuplicatePermission, p.AppLabel, p.Model, p.Codename)
		}
	}
	s.lastID.perm++
	row := *p
	row.ID = s.lastID.perm
	s.perms[row.ID] = &row
	p.ID = row.ID
	return nil
}

// GetPermission implements PermissionStore.
func (s *MemoryStore) GetPermission(ctx context.Context, perm string) (*Permission, error) {
	appLabel, codename, err := ParsePermission(perm)
	if err != nil {
		return nil, err
	}
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var found *Permission
	for _, p := range s.perms {
		if p.AppLabel == appLabel && p.Codename == codename && (found == nil || p.ID < found.ID) {
			found = p
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: %q", ErrPermissionNotFound, perm)
	}
	p := *found
	return &p, nil
}

// ListPermissions implements PermissionStore.
func (s *MemoryStore) ListPermissions(ctx context.Context) ([]Permission, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	out := make([]Permission, 0, len(s.perms))
	for _, id := range slices.Sorted(maps.Keys(s.perms)) {
		out = append(out, *s.perms[id])
	}
	return out, nil
}

// CreateGroup implements PermissionStore.
func (s *MemoryStore) CreateGroup(ctx context.Context, g *Group) error {
	if err := checkGroup(g); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	for _, h := range s.groups {
		if h.Name == g.Name {
			return fmt.Errorf("%w: %q", ErrDuplicateGroup, g.Name)
		}
	}
	s.lastID.group++
	row := *g
	row.ID = s.lastID.group
	s.groups[row.ID] = &row
	g.ID = row.ID
	return nil
}

// GetGroupByName implements PermissionStore.
func (s *MemoryStore) GetGroupByName(ctx context.Context, name string) (*Group, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	for _, g := range s.groups {
		if g.Name == name {
			c := *g
			return &c, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrGroupNotFound, name)
}

// DeleteGroup implements PermissionStore.
func (s *MemoryStore) DeleteGroup(ctx context.Context, id int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.groups[id]; !ok {
		return fmt.Errorf("%w: id %d", ErrGroupNotFound, id)
	}
	delete(s.groups, id)
	delete(s.groupPerms, id)
	for _, groups := range s.userGroups {
		delete(groups, id)
	}
	return nil
}

// AddGroupPermission implements PermissionStore.
func (s *MemoryStore) AddGroupPermission(ctx context.Context, groupID, permissionID int64) error {
	return s.link(ctx, s.groupPerms, groupID, permissionID, s.hasGroup, s.hasPerm)
}

// RemoveGroupPermission implements PermissionStore.
func (s *MemoryStore) RemoveGroupPermission(ctx context.Context, groupID, permissionID int64) error {
	return s.unlink(ctx, s.groupPerms, groupID, permissionID)
}

// AddUserToGroup implements PermissionStore.
func (s *MemoryStore) AddUserToGroup(ctx context.Context, userID, groupID int64) error {
	return s.link(ctx, s.userGroups, userID, groupID, s.hasUser, s.hasGroup)
}

// RemoveUserFromGroup implements PermissionStore.
func (s *MemoryStore) RemoveUserFromGroup(ctx context.Context, userID, groupID int64) error {
	return s.unlink(ctx, s.userGroups, userID, groupID)
}

// AddUserPermission implements PermissionStore.
func (s *MemoryStore) AddUserPermission(ctx context.Context, userID, permissionID int64) error {
	return s.link(ctx, s.userPerms, userID, permissionID, s.hasUser, s.hasPerm)
}

// RemoveUserPermission implements PermissionStore.
func (s *MemoryStore) RemoveUserPermission(ctx context.Context, userID, permissionID int64) error {
	return s.unlink(ctx, s.userPerms, userID, permissionID)
}

func (s *MemoryStore) hasUser(id int64) error {
	if _, ok := s.users[id]; !ok {
		return fmt.Errorf("%w: id %d", ErrUserNotFound, id)
	}
	return nil
}

func (s *MemoryStore) hasGroup(id int64) error {
	if _, ok := s.groups[id]; !ok {
		return fmt.Errorf("%w: id %d", ErrGroupNotFound, id)
	}
	return nil
}

func (s *MemoryStore) hasPerm(id int64) error {
	if _, ok := s.perms[id]; !ok {
		return fmt.Errorf("%w: id %d", ErrPermissionNotFound, id)
	}
	return nil
}

// link adds from→to to a link table after checking both ends exist (what the SQL store's
// foreign keys guarantee).
func (s *MemoryStore) link(ctx context.Context, table map[int64]map[int64]bool, from, to int64, fromExists, toExists func(int64) error) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if err := fromExists(from); err != nil {
		return err
	}
	if err := toExists(to); err != nil {
		return err
	}
	if table[from] == nil {
		table[from] = map[int64]bool{}
	}
	table[from][to] = true
	return nil
}

func (s *MemoryStore) unlink(ctx context.Context, table map[int64]map[int64]bool, from, to int64) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(table[from], to)
	return nil
}

// UserGroups implements PermissionStore.
func (s *MemoryStore) UserGroups(ctx context.Context, userID int64) ([]Group, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []Group
	for _, id := range slices.Sorted(maps.Keys(s.userGroups[userID])) {
		out = append(out, *s.groups[id])
	}
	return out, nil
}

// UserPermissions implements PermissionStore.
func (s *MemoryStore) UserPermissions(ctx context.Context, userID int64) ([]string, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	return s.permNames(s.userPerms[userID], nil), nil
}

// GroupPermissions implements PermissionStore.
func (s *MemoryStore) GroupPermissions(ctx context.Context, userID int64) ([]string, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var names []string
	for groupID := range s.userGroups[userID] {
		names = s.permNames(s.groupPerms[groupID], names)
	}
	return sortedUnique(names), nil
}

// AllPermissions implements PermissionStore.
func (s *MemoryStore) AllPermissions(ctx context.Context, userID int64) ([]string, error) {
	if err := s.rlock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	names := s.permNames(s.userPerms[userID], nil)
	for groupID := range s.userGroups[userID] {
		names = s.permNames(s.groupPerms[groupID], names)
	}
	return names, nil
}

func (s *MemoryStore) permNames(ids map[int64]bool, names []string) []string {
	for id := range ids {
		names = append(names, s.perms[id].String())
	}
	return sortedUnique(names)
}

// rlock takes the read lock unless ctx is done (the SQL store fails on a done context too).
func (s *MemoryStore) rlock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	return nil
}

// lock takes the write lock unless ctx is done.
func (s *MemoryStore) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	return nil
}

// newUserRow is the row CreateUser stores for u, after the checks every store shares.
func newUserRow(u *User, fields []ExtraField, now func() time.Time) (*User, error) {
	if u.ID != 0 {
		return nil, fmt.Errorf("%w: a new user must have ID 0 (got %d)", ErrInvalidUser, u.ID)
	}
	row := u.Clone()
	if row.DateJoined.IsZero() {
		row.DateJoined = now()
	}
	if err := row.checkColumns(fields); err != nil {
		return nil, err
	}
	return row, nil
}

func checkPasswordHash(encoded string) error {
	if err := checkText(encoded, MaxPasswordLength); err != nil {
		return fmt.Errorf("%w: password: %v", ErrInvalidUser, err)
	}
	return nil
}

func checkLastLogin(t time.Time) error {
	if err := checkTime(t); err != nil {
		return fmt.Errorf("%w: last_login: %v", ErrInvalidUser, err)
	}
	return nil
}

func checkLimit(limit int) error {
	if limit <= 0 {
		return fmt.Errorf("authx: ListUsers: limit must be positive (got %d)", limit)
	}
	return nil
}
