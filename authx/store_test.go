package authx

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// newStoreFunc opens an empty, migrated store with the given extra fields and clock.
type newStoreFunc func(t *testing.T, fields []ExtraField, now func() time.Time) Store

// conformanceFields are the extra fields the conformance suite declares: one of each type,
// nullable and not, with and without defaults; phone and avatar are the tutorial's.
var conformanceFields = []ExtraField{
	{Name: "phone", Type: ExtraInt},
	{Name: "avatar", Type: ExtraString, MaxLength: 32},
	{Name: "nickname", Type: ExtraString, Null: true},
	{Name: "score", Type: ExtraFloat, Default: 1.5},
	{Name: "verified", Type: ExtraBool},
	{Name: "birthday", Type: ExtraTime, Null: true},
}

var storeTestNow = time.Date(2024, 3, 4, 5, 6, 7, 123456789, time.UTC)

func storeTestClock() time.Time { return storeTestNow }

// runStoreConformance is the behaviour every Store must have; it runs on MemoryStore, SQLite
// and PostgreSQL, so that code tested on the memory store behaves the same in production.
func runStoreConformance(t *testing.T, newStore newStoreFunc) {
	plain := func(t *testing.T) Store { return newStore(t, nil, storeTestClock) }
	t.Run("CreateUserRoundTrip", func(t *testing.T) { testCreateUserRoundTrip(t, plain(t)) })
	t.Run("CreateUserDefaults", func(t *testing.T) { testCreateUserDefaults(t, plain(t)) })
	t.Run("UsernamesAreUniqueAndCaseSensitive", func(t *testing.T) { testUsernameUniqueness(t, plain(t)) })
	t.Run("ColumnConstraints", func(t *testing.T) { testColumnConstraints(t, plain(t)) })
	t.Run("NotFound", func(t *testing.T) { testUserNotFound(t, plain(t)) })
	t.Run("ListUsers", func(t *testing.T) { testListUsers(t, plain(t)) })
	t.Run("UpdateUser", func(t *testing.T) { testUpdateUser(t, plain(t)) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUser(t, plain(t)) })
	t.Run("SetPasswordHashAndLastLogin", func(t *testing.T) { testSingleColumnWrites(t, plain(t)) })
	t.Run("ReturnedUsersAreCopies", func(t *testing.T) { testReturnedCopies(t, plain(t)) })
	t.Run("ExtraFields", func(t *testing.T) { testExtraFields(t, newStore(t, conformanceFields, storeTestClock)) })
	t.Run("Permissions", func(t *testing.T) { testPermissions(t, plain(t)) })
	t.Run("Groups", func(t *testing.T) { testGroups(t, plain(t)) })
	t.Run("Links", func(t *testing.T) { testLinks(t, plain(t)) })
	t.Run("HasPermRules", func(t *testing.T) { testHasPermRules(t, plain(t)) })
	t.Run("ConcurrentCreateSameUsername", func(t *testing.T) { testConcurrentCreate(t, plain(t)) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceledContext(t, plain(t)) })
}

func mustCreate(t *testing.T, s Store, u *User) *User {
	t.Helper()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Username, err)
	}
	return u
}

func wantErrIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func sameUser(t *testing.T, got, want *User) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("user differs\n got: %#v\nwant: %#v\npasswords equal: %v", got, want, got.Password == want.Password)
	}
}

func testCreateUserRoundTrip(t *testing.T, s Store) {
	ctx := t.Context()
	login := time.Date(2025, 1, 2, 3, 4, 5, 999, time.FixedZone("X", 3600))
	u := &User{
		Password:    "pbkdf2_sha256$10000$kjVJaVz6qsnJ$5yPHw3rwJGECpUf70daLGhOrQ5+AMxIJdz1c3bqK1Rs=",
		LastLogin:   &login,
		IsSuperuser: true,
		Username:    "René.ᴮᴵᴳ@+-_",
		FirstName:   "Zoë",
		LastName:    "O'Brien \"quoted\" ; DROP TABLE auth_user; --",
		Email:       "rene@example.com",
		IsStaff:     true,
		IsActive:    true,
		DateJoined:  time.Date(2020, 2, 29, 23, 59, 59, 1500, time.UTC),
	}
	mustCreate(t, s, u)
	if u.ID <= 0 {
		t.Fatalf("ID = %d, want a positive id", u.ID)
	}
	if want := dbTime(login); !u.LastLogin.Equal(want) || u.LastLogin.Location() != time.UTC || u.LastLogin.Nanosecond()%1000 != 0 {
		t.Fatalf("LastLogin = %v, want %v in UTC with microsecond precision", u.LastLogin, want)
	}
	if u.DateJoined.Nanosecond() != 1000 {
		t.Fatalf("DateJoined = %v, want it truncated to the microsecond", u.DateJoined)
	}
	byID, err := s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, byID, u)
	byName, err := s.GetUserByUsername(ctx, u.Username)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, byName, u)

	second := mustCreate(t, s, &User{Username: "second"})
	if second.ID <= u.ID {
		t.Fatalf("second ID %d, want greater than %d", second.ID, u.ID)
	}
}

func testCreateUserDefaults(t *testing.T, s Store) {
	u := mustCreate(t, s, &User{Username: "plain"})
	got, err := s.GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.DateJoined.Equal(storeTestNow.Truncate(time.Microsecond)) {
		t.Fatalf("DateJoined = %v, want the store clock %v", got.DateJoined, storeTestNow)
	}
	if got.LastLogin != nil || got.IsActive || got.IsStaff || got.IsSuperuser || got.Extra != nil {
		t.Fatalf("zero fields not kept: %#v", got)
	}
	wantErrIs(t, s.CreateUser(t.Context(), &User{ID: 99, Username: "withid"}), ErrInvalidUser)
}

func testUsernameUniqueness(t *testing.T, s Store) {
	ctx := t.Context()
	mustCreate(t, s, &User{Username: "alice"})
	wantErrIs(t, s.CreateUser(ctx, &User{Username: "alice"}), ErrDuplicateUsername)
	// Django's username lookup and unique constraint are case-sensitive.
	mustCreate(t, s, &User{Username: "Alice"})
	if _, err := s.GetUserByUsername(ctx, "ALICE"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("lookup is not exact: %v", err)
	}
}

func testColumnConstraints(t *testing.T, s Store) {
	ctx := t.Context()
	yearZero := time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)
	long := func(n int) string { return strings.Repeat("é", n) }
	mustCreate(t, s, &User{Username: long(MaxUsernameLength), FirstName: long(MaxNameLength),
		LastName: long(MaxNameLength), Email: long(MaxEmailLength), Password: strings.Repeat("x", MaxPasswordLength)})
	for name, u := range map[string]*User{
		"empty username":      {Username: ""},
		"long username":       {Username: long(MaxUsernameLength + 1)},
		"long first name":     {Username: "a1", FirstName: long(MaxNameLength + 1)},
		"long last name":      {Username: "a2", LastName: long(MaxNameLength + 1)},
		"long email":          {Username: "a3", Email: long(MaxEmailLength + 1)},
		"long password":       {Username: "a4", Password: strings.Repeat("x", MaxPasswordLength+1)},
		"invalid UTF-8":       {Username: "bad\xff"},
		"NUL byte":            {Username: "nul\x00"},
		"NUL in email":        {Username: "a5", Email: "a\x00@example.com"},
		"undeclared extra":    {Username: "a6", Extra: Extra{"phone": 1}},
		"invalid UTF-8 email": {Username: "a7", Email: "\xc0@example.com"},
		"year 10000":          {Username: "a8", DateJoined: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"year 0 login":        {Username: "a9", LastLogin: &yearZero},
	} {
		if err := s.CreateUser(ctx, u); !errors.Is(err, ErrInvalidUser) {
			t.Errorf("%s: error = %v, want ErrInvalidUser", name, err)
		}
	}
	users, err := s.ListUsers(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 {
		t.Fatalf("%d users stored, want only the valid one", len(users))
	}
}

func testUserNotFound(t *testing.T, s Store) {
	ctx := t.Context()
	_, err := s.GetUser(ctx, 12345)
	wantErrIs(t, err, ErrUserNotFound)
	_, err = s.GetUserByUsername(ctx, "nobody")
	wantErrIs(t, err, ErrUserNotFound)
	_, err = s.GetUserByUsername(ctx, "bad\xff\x00")
	wantErrIs(t, err, ErrUserNotFound)
	wantErrIs(t, s.UpdateUser(ctx, &User{ID: 12345, Username: "ghost"}), ErrUserNotFound)
	wantErrIs(t, s.DeleteUser(ctx, 12345), ErrUserNotFound)
	wantErrIs(t, s.SetPasswordHash(ctx, 12345, "x"), ErrUserNotFound)
	wantErrIs(t, s.SetLastLogin(ctx, 12345, storeTestNow), ErrUserNotFound)
}

func testListUsers(t *testing.T, s Store) {
	ctx := t.Context()
	var ids []int64
	for i := range 5 {
		ids = append(ids, mustCreate(t, s, &User{Username: fmt.Sprintf("u%d", i)}).ID)
	}
	var got []int64
	after := int64(0)
	for {
		page, err := s.ListUsers(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, want at most 2", len(page))
		}
		for _, u := range page {
			got = append(got, u.ID)
		}
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, ids) {
		t.Fatalf("pages gave ids %v, want %v", got, ids)
	}
	if _, err := s.ListUsers(ctx, 0, 0); err == nil {
		t.Fatal("ListUsers with limit 0 succeeded")
	}
}

func testUpdateUser(t *testing.T, s Store) {
	ctx := t.Context()
	u := mustCreate(t, s, &User{Username: "before", IsActive: true})
	mustCreate(t, s, &User{Username: "taken"})
	u.Username, u.Email, u.FirstName, u.IsActive, u.IsStaff = "after", "a@b.example", "Ann", false, true
	if err := s.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetUserByUsername(ctx, "after")
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, u)
	if _, err := s.GetUserByUsername(ctx, "before"); !errors.Is(err, ErrUserNotFound) {
		t.Fatalf("old username still found: %v", err)
	}
	u.Username = "taken"
	wantErrIs(t, s.UpdateUser(ctx, u), ErrDuplicateUsername)
	u.Username = ""
	wantErrIs(t, s.UpdateUser(ctx, u), ErrInvalidUser)
	got, _ = s.GetUser(ctx, u.ID)
	if got.Username != "after" {
		t.Fatalf("failed update changed the row: %q", got.Username)
	}
}

func testDeleteUser(t *testing.T, s Store) {
	ctx := t.Context()
	u := mustCreate(t, s, &User{Username: "gone"})
	g := &Group{Name: "editors"}
	p := &Permission{Name: "Can vote", AppLabel: "polls", Model: "question", Codename: "vote"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := s.CreatePermission(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserToGroup(ctx, u.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserPermission(ctx, u.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.GetUser(ctx, u.ID)
	wantErrIs(t, err, ErrUserNotFound)
	wantErrIs(t, s.DeleteUser(ctx, u.ID), ErrUserNotFound)
	again := mustCreate(t, s, &User{Username: "gone"})
	if groups, _ := s.UserGroups(ctx, again.ID); len(groups) != 0 {
		t.Fatalf("new user inherited groups %v", groups)
	}
	if perms, _ := s.UserPermissions(ctx, u.ID); len(perms) != 0 {
		t.Fatalf("links of the deleted user remain: %v", perms)
	}
}

func testSingleColumnWrites(t *testing.T, s Store) {
	ctx := t.Context()
	u := mustCreate(t, s, &User{Username: "pw", Email: "pw@example.com", Password: "old"})
	if err := s.SetPasswordHash(ctx, u.ID, "pbkdf2_sha256$1$salt$hash"); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, s.SetPasswordHash(ctx, u.ID, strings.Repeat("x", MaxPasswordLength+1)), ErrInvalidUser)
	wantErrIs(t, s.SetLastLogin(ctx, u.ID, time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)), ErrInvalidUser)
	login := time.Date(2030, 1, 1, 0, 0, 0, 1999, time.Local)
	if err := s.SetLastLogin(ctx, u.ID, login); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := u.Clone()
	want.Password = "pbkdf2_sha256$1$salt$hash"
	ll := dbTime(login)
	want.LastLogin = &ll
	sameUser(t, got, want)
}

func testReturnedCopies(t *testing.T, s Store) {
	ctx := t.Context()
	u := mustCreate(t, s, &User{Username: "orig"})
	u.Username = "changed locally"
	got, _ := s.GetUser(ctx, u.ID)
	got.Email = "mutated@example.com"
	again, _ := s.GetUser(ctx, u.ID)
	if again.Username != "orig" || again.Email != "" {
		t.Fatalf("store shares memory with callers: %#v", again)
	}
}

func testExtraFields(t *testing.T, s Store) {
	ctx := t.Context()
	if got := s.ExtraFields(); len(got) != len(conformanceFields) || got[0].Name != "phone" {
		t.Fatalf("ExtraFields() = %v", got)
	}
	birthday := time.Date(1990, 5, 17, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))
	u := mustCreate(t, s, &User{Username: "with-extra", Extra: Extra{
		"phone":    13800138000, // an int: stored and returned as int64
		"avatar":   "avatars/x.png",
		"nickname": nil,
		"verified": true,
		"birthday": birthday,
	}})
	want := Extra{
		"phone": int64(13800138000), "avatar": "avatars/x.png", "nickname": nil,
		"score": 1.5, "verified": true, "birthday": dbTime(birthday),
	}
	if !reflect.DeepEqual(u.Extra, want) {
		t.Fatalf("Extra after create = %#v, want %#v", u.Extra, want)
	}
	got, err := s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, got, u)

	defaults := mustCreate(t, s, &User{Username: "defaults"})
	wantDefaults := Extra{"phone": int64(0), "avatar": "", "nickname": nil, "score": 1.5, "verified": false, "birthday": nil}
	if got, _ := s.GetUser(ctx, defaults.ID); !reflect.DeepEqual(got.Extra, wantDefaults) {
		t.Fatalf("defaults = %#v, want %#v", got.Extra, wantDefaults)
	}

	got.Extra["nickname"] = "Nick"
	got.Extra["phone"] = uint32(7)
	got.Extra["score"] = float32(2.5)
	if err := s.UpdateUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.GetUser(ctx, u.ID)
	if n, _ := again.Extra.Int("phone"); n != 7 || again.Extra["nickname"] != "Nick" || again.Extra["score"] != 2.5 {
		t.Fatalf("updated Extra = %#v", again.Extra)
	}

	for name, extra := range map[string]Extra{
		"wrong type":       {"phone": "13800138000"},
		"too long":         {"avatar": strings.Repeat("a", 33)},
		"nil in NOT NULL":  {"phone": nil},
		"undeclared":       {"age": 3},
		"NaN":              {"score": math.NaN()},
		"infinity":         {"score": math.Inf(1)},
		"uint64 overflow":  {"phone": uint64(math.MaxUint64)},
		"bool as int":      {"verified": 1},
		"time as string":   {"birthday": "1990-05-17"},
		"year 10000":       {"birthday": time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"NUL in text":      {"avatar": "a\x00b"},
		"invalid UTF-8":    {"nickname": "\xff"},
		"float for string": {"avatar": 1.0},
	} {
		err := s.CreateUser(ctx, &User{Username: "bad-" + strings.ReplaceAll(name, " ", "-"), Extra: extra})
		if !errors.Is(err, ErrInvalidUser) {
			t.Errorf("%s: error = %v, want ErrInvalidUser", name, err)
		}
	}
}

func testPermissions(t *testing.T, s Store) {
	ctx := t.Context()
	vote := &Permission{Name: "Can vote", AppLabel: "polls", Model: "question", Codename: "vote"}
	if err := s.CreatePermission(ctx, vote); err != nil {
		t.Fatal(err)
	}
	if vote.ID <= 0 {
		t.Fatalf("ID = %d", vote.ID)
	}
	// Same codename on another model of the same app: allowed by Django's unique_together.
	choiceVote := &Permission{Name: "Can vote on choices", AppLabel: "polls", Model: "choice", Codename: "vote"}
	if err := s.CreatePermission(ctx, choiceVote); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, s.CreatePermission(ctx, &Permission{Name: "dup", AppLabel: "polls", Model: "question", Codename: "vote"}), ErrDuplicatePermission)
	for name, p := range map[string]*Permission{
		"no app label":  {AppLabel: "", Model: "m", Codename: "c"},
		"no model":      {AppLabel: "a", Codename: "c"},
		"no codename":   {AppLabel: "a", Model: "m"},
		"dotted label":  {AppLabel: "a.b", Model: "m", Codename: "c"},
		"long codename": {AppLabel: "a", Model: "m", Codename: strings.Repeat("c", MaxCodenameLength+1)},
		"long name":     {AppLabel: "a", Model: "m", Codename: "c", Name: strings.Repeat("n", MaxPermissionNameLength+1)},
		"has id":        {ID: 5, AppLabel: "a", Model: "m", Codename: "c"},
	} {
		if err := s.CreatePermission(ctx, p); !errors.Is(err, ErrInvalidPermission) {
			t.Errorf("%s: error = %v, want ErrInvalidPermission", name, err)
		}
	}
	got, err := s.GetPermission(ctx, "polls.vote")
	if err != nil {
		t.Fatal(err)
	}
	if *got != *vote {
		t.Fatalf("GetPermission = %+v, want the lowest id %+v", got, vote)
	}
	_, err = s.GetPermission(ctx, "polls.missing")
	wantErrIs(t, err, ErrPermissionNotFound)
	_, err = s.GetPermission(ctx, "no-dot")
	wantErrIs(t, err, ErrInvalidPermission)
	all, err := s.ListPermissions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, []Permission{*vote, *choiceVote}) {
		t.Fatalf("ListPermissions = %+v", all)
	}
}

func testGroups(t *testing.T, s Store) {
	ctx := t.Context()
	g := &Group{Name: "editors"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, s.CreateGroup(ctx, &Group{Name: "editors"}), ErrDuplicateGroup)
	wantErrIs(t, s.CreateGroup(ctx, &Group{Name: ""}), ErrInvalidGroup)
	wantErrIs(t, s.CreateGroup(ctx, &Group{Name: strings.Repeat("g", MaxGroupNameLength+1)}), ErrInvalidGroup)
	wantErrIs(t, s.CreateGroup(ctx, &Group{ID: 3, Name: "x"}), ErrInvalidGroup)
	got, err := s.GetGroupByName(ctx, "editors")
	if err != nil || *got != *g {
		t.Fatalf("GetGroupByName = %+v, %v", got, err)
	}
	_, err = s.GetGroupByName(ctx, "Editors")
	wantErrIs(t, err, ErrGroupNotFound)
	_, err = s.GetGroupByName(ctx, "\xff")
	wantErrIs(t, err, ErrGroupNotFound)

	u := mustCreate(t, s, &User{Username: "member", IsActive: true})
	p := &Permission{AppLabel: "blog", Model: "post", Codename: "publish"}
	if err := s.CreatePermission(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGroupPermission(ctx, g.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserToGroup(ctx, u.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	wantErrIs(t, s.DeleteGroup(ctx, g.ID), ErrGroupNotFound)
	if groups, _ := s.UserGroups(ctx, u.ID); len(groups) != 0 {
		t.Fatalf("membership survived the group: %v", groups)
	}
	if perms, _ := s.GroupPermissions(ctx, u.ID); len(perms) != 0 {
		t.Fatalf("group permissions survived the group: %v", perms)
	}
	// The name is free again.
	if err := s.CreateGroup(ctx, &Group{Name: "editors"}); err != nil {
		t.Fatal(err)
	}
}

func testLinks(t *testing.T, s Store) {
	ctx := t.Context()
	u := mustCreate(t, s, &User{Username: "linked"})
	other := mustCreate(t, s, &User{Username: "other"})
	g1, g2 := &Group{Name: "b-group"}, &Group{Name: "a-group"}
	for _, g := range []*Group{g1, g2} {
		if err := s.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	perm := func(app, model, code string) *Permission {
		p := &Permission{AppLabel: app, Model: model, Codename: code}
		if err := s.CreatePermission(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	direct, shared, viaG1, viaG2 := perm("z", "m", "direct"), perm("a", "m", "shared"), perm("b", "m", "g1"), perm("b", "n", "g2")

	for range 2 { // adding twice is fine, as Django's add()
		for _, err := range []error{
			s.AddUserPermission(ctx, u.ID, direct.ID), s.AddUserPermission(ctx, u.ID, shared.ID),
			s.AddUserToGroup(ctx, u.ID, g1.ID), s.AddUserToGroup(ctx, u.ID, g2.ID),
			s.AddGroupPermission(ctx, g1.ID, viaG1.ID), s.AddGroupPermission(ctx, g1.ID, shared.ID),
			s.AddGroupPermission(ctx, g2.ID, viaG2.ID), s.AddGroupPermission(ctx, g2.ID, shared.ID),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	groups, err := s.UserGroups(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(groups, []Group{*g1, *g2}) {
		t.Fatalf("UserGroups = %v, want by id", groups)
	}
	userPerms, err := s.UserPermissions(ctx, u.ID)
	if err != nil || !reflect.DeepEqual(userPerms, []string{"a.shared", "z.direct"}) {
		t.Fatalf("UserPermissions = %v, %v", userPerms, err)
	}
	groupPerms, err := s.GroupPermissions(ctx, u.ID)
	if err != nil || !reflect.DeepEqual(groupPerms, []string{"a.shared", "b.g1", "b.g2"}) {
		t.Fatalf("GroupPermissions = %v, %v", groupPerms, err)
	}
	all, err := s.AllPermissions(ctx, u.ID)
	if err != nil || !reflect.DeepEqual(all, []string{"a.shared", "b.g1", "b.g2", "z.direct"}) {
		t.Fatalf("AllPermissions = %v, %v", all, err)
	}
	if p, _ := s.UserPermissions(ctx, other.ID); len(p) != 0 {
		t.Fatalf("other user has %v", p)
	}

	wantErrIs(t, s.AddUserToGroup(ctx, 999, g1.ID), ErrUserNotFound)
	wantErrIs(t, s.AddUserToGroup(ctx, u.ID, 999), ErrGroupNotFound)
	wantErrIs(t, s.AddUserPermission(ctx, 999, direct.ID), ErrUserNotFound)
	wantErrIs(t, s.AddUserPermission(ctx, u.ID, 999), ErrPermissionNotFound)
	wantErrIs(t, s.AddGroupPermission(ctx, 999, direct.ID), ErrGroupNotFound)
	wantErrIs(t, s.AddGroupPermission(ctx, g1.ID, 999), ErrPermissionNotFound)

	for range 2 { // removing a missing link is fine
		for _, err := range []error{
			s.RemoveUserPermission(ctx, u.ID, direct.ID), s.RemoveUserFromGroup(ctx, u.ID, g2.ID),
			s.RemoveGroupPermission(ctx, g1.ID, shared.ID),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	userPerms, _ = s.UserPermissions(ctx, u.ID)
	groupPerms, _ = s.GroupPermissions(ctx, u.ID)
	if !reflect.DeepEqual(userPerms, []string{"a.shared"}) || !reflect.DeepEqual(groupPerms, []string{"b.g1"}) {
		t.Fatalf("after removal: user %v, groups %v", userPerms, groupPerms)
	}
}

func testHasPermRules(t *testing.T, s Store) {
	ctx := t.Context()
	p := &Permission{AppLabel: "polls", Model: "question", Codename: "vote"}
	if err := s.CreatePermission(ctx, p); err != nil {
		t.Fatal(err)
	}
	g := &Group{Name: "voters"}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := s.AddGroupPermission(ctx, g.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	member := mustCreate(t, s, &User{Username: "member", IsActive: true})
	inactive := mustCreate(t, s, &User{Username: "inactive"})
	superuser := mustCreate(t, s, &User{Username: "root", IsActive: true, IsSuperuser: true})
	plain := mustCreate(t, s, &User{Username: "plain", IsActive: true})
	for _, u := range []*User{member, inactive} {
		if err := s.AddUserToGroup(ctx, u.ID, g.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		who  Principal
		perm string
		want bool
	}{
		{member, "polls.vote", true},
		{member, "polls.other", false},
		{inactive, "polls.vote", false},
		{superuser, "polls.vote", true},
		{superuser, "anything.at_all", true},
		{plain, "polls.vote", false},
		{AnonymousUser{}, "polls.vote", false},
		{(*User)(nil), "polls.vote", false},
	} {
		got, err := HasPerm(ctx, s, c.who, c.perm)
		if err != nil || got != c.want {
			t.Errorf("HasPerm(%v, %q) = %v, %v; want %v", c.who, c.perm, got, err, c.want)
		}
	}
	all, err := GetAllPermissions(ctx, s, superuser)
	if err != nil || !reflect.DeepEqual(all, []string{"polls.vote"}) {
		t.Fatalf("superuser GetAllPermissions = %v, %v", all, err)
	}
}

func testConcurrentCreate(t *testing.T, s Store) {
	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		other   []error
	)
	for range n {
		wg.Go(func() {
			err := s.CreateUser(context.Background(), &User{Username: "race"})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case !errors.Is(err, ErrDuplicateUsername):
				other = append(other, err)
			}
		})
	}
	wg.Wait()
	if created != 1 || len(other) > 0 {
		t.Fatalf("%d of %d concurrent creates succeeded (want 1); other errors: %v", created, n, other)
	}
}

func testCanceledContext(t *testing.T, s Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.CreateUser(ctx, &User{Username: "late"}); err == nil {
		t.Fatal("CreateUser with a canceled context succeeded")
	}
	if _, err := s.GetUser(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetUser with a canceled context: %v", err)
	}
}
