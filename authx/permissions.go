package authx

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Column limits of Django's permission tables.
const (
	MaxGroupNameLength      = 150 // Django: Group.name max_length
	MaxPermissionNameLength = 255 // Django: Permission.name max_length
	MaxCodenameLength       = 100 // Django: Permission.codename max_length
	MaxContentTypeLength    = 100 // Django: ContentType.app_label and model max_length
)

// Permission is one row of Django's auth_permission with its content type (django_content_type)
// folded in. Its string form, "app_label.codename", is what HasPerm and PermissionRequired take.
type Permission struct {
	ID       int64  `json:"id"`        // primary key; 0 until created
	Name     string `json:"name"`      // human-readable, e.g. "Can add user"
	AppLabel string `json:"app_label"` // the content type's app, e.g. "auth"
	Model    string `json:"model"`     // the content type's model, lower-case, e.g. "user"
	Codename string `json:"codename"`  // e.g. "add_user"
}

// String returns "app_label.codename".
func (p Permission) String() string { return p.AppLabel + "." + p.Codename }

// Group is a row of Django's auth_group: a named set of permissions users can belong to.
type Group struct {
	ID   int64  `json:"id"`   // primary key; 0 until created
	Name string `json:"name"` // unique, at most 150 characters
}

// ParsePermission splits a permission string "app_label.codename" at its first dot, as Django
// does. Both parts must be non-empty and fit their columns.
func ParsePermission(perm string) (appLabel, codename string, err error) {
	appLabel, codename, ok := strings.Cut(perm, ".")
	if !ok || appLabel == "" || codename == "" {
		return "", "", fmt.Errorf("%w: want \"app_label.codename\" (got %q)", ErrInvalidPermission, perm)
	}
	if checkText(appLabel, MaxContentTypeLength) != nil || checkText(codename, MaxCodenameLength) != nil {
		return "", "", fmt.Errorf("%w: %q is too long or not valid text", ErrInvalidPermission, perm)
	}
	return appLabel, codename, nil
}

// checkPermission enforces the permission column constraints every store shares.
func checkPermission(p *Permission) error {
	if p.ID != 0 {
		return fmt.Errorf("%w: a new permission must have ID 0 (got %d)", ErrInvalidPermission, p.ID)
	}
	for _, c := range [...]struct {
		name, value string
		max         int
		required    bool
	}{
		{"app_label", p.AppLabel, MaxContentTypeLength, true},
		{"model", p.Model, MaxContentTypeLength, true},
		{"codename", p.Codename, MaxCodenameLength, true},
		{"name", p.Name, MaxPermissionNameLength, false},
	} {
		if c.required && c.value == "" {
			return fmt.Errorf("%w: %s must be set", ErrInvalidPermission, c.name)
		}
		if err := checkText(c.value, c.max); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidPermission, c.name, err)
		}
	}
	if strings.Contains(p.AppLabel, ".") {
		// "app.label.codename" would be read back as app "app" and codename "label.codename".
		return fmt.Errorf("%w: app_label cannot contain a dot (got %q)", ErrInvalidPermission, p.AppLabel)
	}
	return nil
}

// checkGroup enforces the group column constraints every store shares.
func checkGroup(g *Group) error {
	if g.ID != 0 {
		return fmt.Errorf("%w: a new group must have ID 0 (got %d)", ErrInvalidGroup, g.ID)
	}
	if g.Name == "" {
		return fmt.Errorf("%w: name must be set", ErrInvalidGroup)
	}
	if err := checkText(g.Name, MaxGroupNameLength); err != nil {
		return fmt.Errorf("%w: name: %v", ErrInvalidGroup, err)
	}
	return nil
}

// activeUser returns the user behind p when permission rules can grant it anything: Django's
// ModelBackend gives no permission to anonymous or inactive users.
func activeUser(p Principal) *User {
	u, ok := p.(*User)
	if !ok || u == nil || !u.IsActive {
		return nil
	}
	return u
}

// HasPerm reports whether p holds the permission "app_label.codename". Django's rules: an
// active superuser has every permission; an inactive or anonymous user has none; anyone else
// has the permissions granted directly or through a group. A malformed perm is an
// ErrInvalidPermission error (and false). Django: User.has_perm.
func HasPerm(ctx context.Context, s PermissionStore, p Principal, perm string) (bool, error) {
	return HasPerms(ctx, s, p, perm)
}

// HasPerms reports whether p holds every one of perms (true for none), with at most one
// store read (none for superusers, inactive and anonymous users). Django: User.has_perms.
func HasPerms(ctx context.Context, s PermissionStore, p Principal, perms ...string) (bool, error) {
	for _, perm := range perms {
		if _, _, err := ParsePermission(perm); err != nil {
			return false, err
		}
	}
	u := activeUser(p)
	switch {
	case len(perms) == 0:
		return true, nil
	case u == nil:
		return false, nil
	case u.IsSuperuser:
		return true, nil
	}
	held, err := s.AllPermissions(ctx, u.ID)
	if err != nil {
		return false, err
	}
	for _, perm := range perms {
		if !slices.Contains(held, perm) {
			return false, nil
		}
	}
	return true, nil
}

// HasModulePerms reports whether p holds any permission of the app appLabel (an active
// superuser always does). Django: User.has_module_perms.
func HasModulePerms(ctx context.Context, s PermissionStore, p Principal, appLabel string) (bool, error) {
	u := activeUser(p)
	if u == nil {
		return false, nil
	}
	if u.IsSuperuser {
		return true, nil
	}
	held, err := s.AllPermissions(ctx, u.ID)
	if err != nil {
		return false, err
	}
	prefix := appLabel + "."
	for _, perm := range held {
		if strings.HasPrefix(perm, prefix) {
			return true, nil
		}
	}
	return false, nil
}

// GetAllPermissions returns the permission strings p holds, sorted: every permission in the
// store for an active superuser, none for an inactive or anonymous user.
// Django: User.get_all_permissions.
func GetAllPermissions(ctx context.Context, s PermissionStore, p Principal) ([]string, error) {
	u := activeUser(p)
	if u == nil {
		return nil, nil
	}
	if !u.IsSuperuser {
		return s.AllPermissions(ctx, u.ID)
	}
	all, err := s.ListPermissions(ctx)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	for i, perm := range all {
		names[i] = perm.String()
	}
	return sortedUnique(names), nil
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}
