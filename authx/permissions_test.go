package authx

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParsePermission(t *testing.T) {
	for perm, want := range map[string][2]string{
		"polls.vote":         {"polls", "vote"},
		"auth.add_user":      {"auth", "add_user"},
		"app.code.with.dots": {"app", "code.with.dots"}, // Django splits at the first dot
		"ünïcode.perm_ñame":  {"ünïcode", "perm_ñame"},
		"a." + strings.Repeat("c", MaxCodenameLength): {"a", strings.Repeat("c", MaxCodenameLength)},
	} {
		app, code, err := ParsePermission(perm)
		if err != nil || app != want[0] || code != want[1] {
			t.Errorf("ParsePermission(%q) = %q, %q, %v", perm, app, code, err)
		}
	}
	for _, perm := range []string{"", "nodot", ".vote", "polls.", "a\xff.b", "a." + strings.Repeat("c", MaxCodenameLength+1), strings.Repeat("a", MaxContentTypeLength+1) + ".b"} {
		if _, _, err := ParsePermission(perm); !errors.Is(err, ErrInvalidPermission) {
			t.Errorf("ParsePermission(%q) error = %v", perm, err)
		}
	}
	if (Permission{AppLabel: "polls", Codename: "vote"}).String() != "polls.vote" {
		t.Fatal("String")
	}
}

// permFixture is a store with one user holding polls.vote directly and polls.close through a
// group, and an application label "blog" the user holds nothing in.
func permFixture(t *testing.T) (Store, *User) {
	t.Helper()
	s := newMemoryStore(t, nil, storeTestClock)
	ctx := t.Context()
	u := mustCreate(t, s, &User{Username: "editor", IsActive: true})
	vote := &Permission{AppLabel: "polls", Model: "question", Codename: "vote"}
	closeQ := &Permission{AppLabel: "polls", Model: "question", Codename: "close"}
	publish := &Permission{AppLabel: "blog", Model: "post", Codename: "publish"}
	for _, p := range []*Permission{vote, closeQ, publish} {
		if err := s.CreatePermission(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	g := &Group{Name: "closers"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{s.AddUserPermission(ctx, u.ID, vote.ID), s.AddGroupPermission(ctx, g.ID, closeQ.ID), s.AddUserToGroup(ctx, u.ID, g.ID)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return s, u
}

func TestHasPerms(t *testing.T) {
	s, u := permFixture(t)
	ctx := t.Context()
	for _, c := range []struct {
		perms []string
		want  bool
	}{
		{[]string{"polls.vote"}, true},
		{[]string{"polls.vote", "polls.close"}, true},
		{[]string{"polls.vote", "blog.publish"}, false},
		{nil, true},
	} {
		if got, err := HasPerms(ctx, s, u, c.perms...); err != nil || got != c.want {
			t.Errorf("HasPerms(%v) = %v, %v", c.perms, got, err)
		}
	}
	if _, err := HasPerms(ctx, s, AnonymousUser{}, "polls.vote", "broken"); !errors.Is(err, ErrInvalidPermission) {
		t.Fatalf("a malformed permission is reported even for anonymous users: %v", err)
	}
	ok, err := HasPerm(ctx, s, u, "nodot")
	if ok || !errors.Is(err, ErrInvalidPermission) {
		t.Fatalf("HasPerm(nodot) = %v, %v", ok, err)
	}
}

func TestHasModulePerms(t *testing.T) {
	s, u := permFixture(t)
	ctx := t.Context()
	for app, want := range map[string]bool{"polls": true, "blog": false, "pol": false} {
		if got, err := HasModulePerms(ctx, s, u, app); err != nil || got != want {
			t.Errorf("HasModulePerms(%q) = %v, %v", app, got, err)
		}
	}
	root := &User{ID: 999, IsActive: true, IsSuperuser: true}
	if ok, _ := HasModulePerms(ctx, s, root, "anything"); !ok {
		t.Fatal("active superuser")
	}
	if ok, _ := HasModulePerms(ctx, s, AnonymousUser{}, "polls"); ok {
		t.Fatal("anonymous")
	}
}

func TestGetAllPermissions(t *testing.T) {
	s, u := permFixture(t)
	ctx := t.Context()
	got, err := GetAllPermissions(ctx, s, u)
	if err != nil || !reflect.DeepEqual(got, []string{"polls.close", "polls.vote"}) {
		t.Fatalf("%v %v", got, err)
	}
	root := &User{ID: 999, IsActive: true, IsSuperuser: true}
	if got, _ := GetAllPermissions(ctx, s, root); !reflect.DeepEqual(got, []string{"blog.publish", "polls.close", "polls.vote"}) {
		t.Fatalf("superuser: %v", got)
	}
	inactiveRoot := &User{ID: 999, IsSuperuser: true}
	if got, _ := GetAllPermissions(ctx, s, inactiveRoot); got != nil {
		t.Fatalf("inactive superuser: %v", got)
	}
	if ok, _ := HasPerm(ctx, s, inactiveRoot, "polls.vote"); ok {
		t.Fatal("an inactive superuser has permissions")
	}
}

// A store failure is an error, never a silent "no permission" or "yes".
func TestHasPermStoreErrors(t *testing.T) {
	s, u := permFixture(t)
	broken := brokenPermStore{s}
	if ok, err := HasPerm(t.Context(), broken, u, "polls.vote"); ok || err == nil {
		t.Fatalf("%v %v", ok, err)
	}
	if _, err := GetAllPermissions(t.Context(), broken, &User{IsActive: true, IsSuperuser: true}); err == nil {
		t.Fatal("superuser listing hid the error")
	}
}

type brokenPermStore struct{ Store }

var errPermStoreDown = errors.New("connection reset")

func (brokenPermStore) AllPermissions(context.Context, int64) ([]string, error) {
	return nil, errPermStoreDown
}
func (brokenPermStore) ListPermissions(context.Context) ([]Permission, error) {
	return nil, errPermStoreDown
}

// HasPerm answers from memory after one store round trip; its allocations stay bounded.
func TestHasPermAllocations(t *testing.T) {
	s, u := permFixture(t)
	ctx := context.Background()
	root := &User{IsActive: true, IsSuperuser: true}
	if n := testing.AllocsPerRun(100, func() { _, _ = HasPerm(ctx, s, root, "polls.vote") }); n != 0 {
		t.Fatalf("superuser HasPerm allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = HasPerm(ctx, s, u, "polls.vote") }); n > 20 {
		t.Fatalf("HasPerm allocates %v times", n)
	}
}

func FuzzParsePermission(f *testing.F) {
	for _, s := range []string{"polls.vote", ".", "a.b.c", "", "\xff.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, perm string) {
		app, code, err := ParsePermission(perm)
		if err != nil {
			return
		}
		if app+"."+code != perm || strings.Contains(app, ".") || app == "" || code == "" {
			t.Fatalf("%q → %q, %q", perm, app, code)
		}
	})
}
