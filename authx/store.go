package authx

import (
	"context"
	"errors"
	"time"
)

// Errors of the user and permission stores. Every store wraps them with context; test with
// errors.Is.
var (
	// ErrUserNotFound: no user has that id or username.
	ErrUserNotFound = errors.New("authx: user not found")
	// ErrDuplicateUsername: another user already has that username (auth_user.username is unique).
	ErrDuplicateUsername = errors.New("authx: a user with that username already exists")
	// ErrInvalidUser: a user value breaks a column constraint (empty or too long username,
	// invalid UTF-8, an undeclared or mistyped Extra field, ...).
	ErrInvalidUser = errors.New("authx: invalid user")
	// ErrGroupNotFound: no group has that id or name.
	ErrGroupNotFound = errors.New("authx: group not found")
	// ErrDuplicateGroup: another group already has that name (auth_group.name is unique).
	ErrDuplicateGroup = errors.New("authx: a group with that name already exists")
	// ErrInvalidGroup: a group name is empty, too long or not valid text.
	ErrInvalidGroup = errors.New("authx: invalid group")
	// ErrPermissionNotFound: no permission matches.
	ErrPermissionNotFound = errors.New("authx: permission not found")
	// ErrDuplicatePermission: the content type already has a permission with that codename.
	ErrDuplicatePermission = errors.New("authx: a permission with that codename already exists for the content type")
	// ErrInvalidPermission: a permission string is not "app_label.codename", or a permission
	// value breaks a column constraint.
	ErrInvalidPermission = errors.New("authx: invalid permission")
	// ErrNotMigrated: the store's tables do not exist yet; run Migrate (the migrate command).
	ErrNotMigrated = errors.New("authx: the auth tables do not exist; run migrate")
	// ErrSchema: an existing table lacks a column the store needs.
	ErrSchema = errors.New("authx: the database schema does not match")
)

// UserStore keeps users. Implementations: MemoryStore (tests), SQLStore (SQLite and
// PostgreSQL, in Django's auth_user table). All methods are safe for concurrent use.
//
// Stores do not hash or validate passwords; they keep the encoded hash they are given.
// UserManager is the layer that creates users by Django's rules.
type UserStore interface {
	// ExtraFields returns the application columns the store was configured with.
	ExtraFields() []ExtraField
	// CreateUser inserts u and sets u.ID. u.ID must be 0. A zero DateJoined becomes the
	// current time. On success u holds what was stored (UTC times with microsecond
	// precision, Extra filled with defaults). Errors: ErrDuplicateUsername, ErrInvalidUser.
	CreateUser(ctx context.Context, u *User) error
	// GetUser returns the user with that id, or ErrUserNotFound.
	GetUser(ctx context.Context, id int64) (*User, error)
	// GetUserByUsername returns the user whose username is exactly username (case-sensitive,
	// as Django's default lookup), or ErrUserNotFound.
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	// ListUsers returns up to limit users with an id greater than afterID, by increasing id
	// (keyset pagination: pass the last id of a page to get the next one).
	ListUsers(ctx context.Context, afterID int64, limit int) ([]*User, error)
	// UpdateUser writes every column of u (Django: save()). Errors: ErrUserNotFound,
	// ErrDuplicateUsername, ErrInvalidUser.
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes the user and its group and permission links, or ErrUserNotFound.
	DeleteUser(ctx context.Context, id int64) error
	// SetPasswordHash writes only the password column (Django: save(update_fields=["password"])),
	// which is what a hash upgrade on login needs. encoded is an already encoded hash.
	SetPasswordHash(ctx context.Context, id int64, encoded string) error
	// SetLastLogin writes only the last_login column (Django: update_last_login).
	SetLastLogin(ctx context.Context, id int64, t time.Time) error
}

// PermissionStore keeps Django's groups and permissions (auth_group, auth_permission,
// django_content_type and the link tables). Adding a link that exists already is not an
// error, as with Django's many-to-many add(); a link to a missing user, group or permission is
// ErrUserNotFound, ErrGroupNotFound or ErrPermissionNotFound.
type PermissionStore interface {
	// CreatePermission inserts p, creating its content type (AppLabel, Model) when missing, and
	// sets p.ID. Errors: ErrDuplicatePermission, ErrInvalidPermission.
	CreatePermission(ctx context.Context, p *Permission) error
	// GetPermission returns the permission named "app_label.codename", or
	// ErrPermissionNotFound. When two models of one app share a codename (which Django allows),
	// the one with the lowest id is returned; both grant the same permission string.
	GetPermission(ctx context.Context, perm string) (*Permission, error)
	// ListPermissions returns every permission, by id.
	ListPermissions(ctx context.Context) ([]Permission, error)
	// CreateGroup inserts g and sets g.ID. Errors: ErrDuplicateGroup, ErrInvalidGroup.
	CreateGroup(ctx context.Context, g *Group) error
	// GetGroupByName returns the group with exactly that name, or ErrGroupNotFound.
	GetGroupByName(ctx context.Context, name string) (*Group, error)
	// DeleteGroup removes the group and its links, or ErrGroupNotFound.
	DeleteGroup(ctx context.Context, id int64) error
	// AddGroupPermission grants a permission to a group.
	AddGroupPermission(ctx context.Context, groupID, permissionID int64) error
	// RemoveGroupPermission revokes a permission from a group; a missing link is not an error.
	RemoveGroupPermission(ctx context.Context, groupID, permissionID int64) error
	// AddUserToGroup makes a user a member of a group.
	AddUserToGroup(ctx context.Context, userID, groupID int64) error
	// RemoveUserFromGroup ends a membership; a missing link is not an error.
	RemoveUserFromGroup(ctx context.Context, userID, groupID int64) error
	// AddUserPermission grants a permission to a user directly.
	AddUserPermission(ctx context.Context, userID, permissionID int64) error
	// RemoveUserPermission revokes a direct permission; a missing link is not an error.
	RemoveUserPermission(ctx context.Context, userID, permissionID int64) error
	// UserGroups returns the user's groups, by id.
	UserGroups(ctx context.Context, userID int64) ([]Group, error)
	// UserPermissions returns the "app_label.codename" strings granted to the user directly,
	// sorted and without duplicates. Django: ModelBackend.get_user_permissions (without the
	// is_active and superuser rules, which HasPerm applies).
	UserPermissions(ctx context.Context, userID int64) ([]string, error)
	// GroupPermissions returns the "app_label.codename" strings the user holds through its
	// groups, sorted and without duplicates. Django: ModelBackend.get_group_permissions.
	GroupPermissions(ctx context.Context, userID int64) ([]string, error)
	// AllPermissions returns the union of UserPermissions and GroupPermissions, sorted and
	// without duplicates, in one round trip: what HasPerm reads. Django:
	// ModelBackend.get_all_permissions (without the is_active and superuser rules).
	AllPermissions(ctx context.Context, userID int64) ([]string, error)
}

// Store is a UserStore and a PermissionStore over the same data, what UserManager and the
// access decorators need. MemoryStore and SQLStore implement it.
type Store interface {
	UserStore
	PermissionStore
}

// Migrator is implemented by stores whose schema must be created before use. Migrate is
// idempotent: it creates what is missing and leaves existing tables and rows alone.
type Migrator interface {
	Migrate(ctx context.Context) error
}
