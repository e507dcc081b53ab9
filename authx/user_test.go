package authx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
)

const userTestHash = "pbkdf2_sha256$10000$kjVJaVz6qsnJ$5yPHw3rwJGECpUf70daLGhOrQ5+AMxIJdz1c3bqK1Rs="

// The password hash must not leave through JSON, fmt or slog: an /api/me/ handler that
// serialises the user, or a log line that prints it, would otherwise hand it out.
func TestUserNeverShowsItsPasswordHash(t *testing.T) {
	u := &User{ID: 7, Username: "ada", Password: userTestHash, Email: "ada@example.com"}
	js, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("login", "user", u, "value", *u)
	for name, out := range map[string]string{
		"json": string(js), "%v": fmt.Sprintf("%v", u), "%+v": fmt.Sprintf("%+v", *u),
		"%s":  fmt.Sprintf("%s", u), //lint:ignore S1025 the %s verb itself is what is tested
		"%#v": fmt.Sprintf("%#v", u), "slog": logs.String(),
	} {
		if strings.Contains(out, "pbkdf2") {
			t.Errorf("%s output contains the hash: %s", name, out)
		}
	}
	if !strings.Contains(string(js), `"username":"ada"`) || !strings.Contains(logs.String(), `"username":"ada"`) {
		t.Fatalf("json %s / log %s", js, logs.String())
	}
}

func TestUserAndAnonymousPrincipals(t *testing.T) {
	var nilUser *User
	for _, c := range []struct {
		p             Principal
		authenticated bool
		username      string
	}{
		{&User{Username: "ada"}, true, "ada"},
		{AnonymousUser{}, false, ""},
		{nilUser, false, ""},
	} {
		if c.p.IsAuthenticated() != c.authenticated || c.p.IsAnonymous() == c.authenticated || c.p.GetUsername() != c.username {
			t.Errorf("%#v: authenticated %v, anonymous %v, username %q", c.p, c.p.IsAuthenticated(), c.p.IsAnonymous(), c.p.GetUsername())
		}
	}
	a := AnonymousUser{}
	if a.Username() != "" || a.ID() != 0 || a.IsActive() || a.IsStaff() || a.IsSuperuser() || a.String() != "AnonymousUser" {
		t.Fatal("AnonymousUser template helpers")
	}
}

func TestUserNames(t *testing.T) {
	u := &User{FirstName: "Ada", LastName: "Lovelace"}
	if u.FullName() != "Ada Lovelace" || u.ShortName() != "Ada" {
		t.Fatal(u.FullName())
	}
	if (&User{LastName: "Solo"}).FullName() != "Solo" {
		t.Fatal("FullName not trimmed")
	}
}

func TestUserPasswordMethods(t *testing.T) {
	u := &User{Username: "u"}
	if err := u.SetPassword(nil, "lètmein"); err != nil {
		t.Fatal(err)
	}
	if !u.HasUsablePassword() {
		t.Fatal("usable after SetPassword")
	}
	if ok, _, err := u.CheckPassword(nil, "lètmein"); !ok || err != nil {
		t.Fatalf("%v %v", ok, err)
	}
	if ok, _, _ := u.CheckPassword(nil, "letmein"); ok {
		t.Fatal("wrong password matched")
	}
	u.SetUnusablePassword()
	if u.HasUsablePassword() || !strings.HasPrefix(u.Password, "!") {
		t.Fatalf("%q", u.Password)
	}
	if ok, _, _ := u.CheckPassword(DefaultPasswordHashers(), u.Password); ok {
		t.Fatal("the unusable marker matched itself")
	}
}

func TestUserCloneIsDeep(t *testing.T) {
	ll := time.Now()
	u := &User{Username: "u", LastLogin: &ll, Extra: Extra{"phone": int64(1)}}
	c := u.Clone()
	c.Extra["phone"] = int64(2)
	*c.LastLogin = ll.Add(time.Hour)
	if u.Extra["phone"] != int64(1) || !u.LastLogin.Equal(ll) {
		t.Fatal("Clone shares memory")
	}
	if (*User)(nil).Clone() != nil {
		t.Fatal("nil clone")
	}
}

func TestUserAttribute(t *testing.T) {
	u := &User{Username: "u", FirstName: "f", LastName: "l", Email: "e", Extra: Extra{"nick": "n", "phone": int64(3)}}
	for name, want := range map[string]string{"username": "u", "first_name": "f", "last_name": "l", "email": "e", "nick": "n"} {
		if got, ok := u.Attribute(name); !ok || got != want {
			t.Errorf("Attribute(%q) = %q, %v", name, got, ok)
		}
	}
	for _, name := range []string{"phone", "password", "missing"} {
		if _, ok := u.Attribute(name); ok {
			t.Errorf("Attribute(%q) answered", name)
		}
	}
}

func TestExtraAccessors(t *testing.T) {
	when := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	e := Extra{"s": "x", "i": 5, "i64": int64(6), "b": true, "f": 1.5, "f32": float32(0.5), "t": when, "nil": nil}
	if v, ok := e.String("s"); !ok || v != "x" {
		t.Error("String")
	}
	if v, ok := e.Int("i"); !ok || v != 5 {
		t.Error("Int from int")
	}
	if v, ok := e.Int("i64"); !ok || v != 6 {
		t.Error("Int")
	}
	if v, ok := e.Bool("b"); !ok || !v {
		t.Error("Bool")
	}
	if v, ok := e.Float("f"); !ok || v != 1.5 {
		t.Error("Float")
	}
	if v, ok := e.Float("f32"); !ok || v != 0.5 {
		t.Error("Float from float32")
	}
	if v, ok := e.Float("i"); !ok || v != 5 {
		t.Error("Float from int")
	}
	if v, ok := e.Time("t"); !ok || !v.Equal(when) {
		t.Error("Time")
	}
	for _, name := range []string{"nil", "missing"} {
		if _, ok := e.String(name); ok {
			t.Errorf("String(%q) answered", name)
		}
		if _, ok := e.Int(name); ok {
			t.Errorf("Int(%q) answered", name)
		}
		if _, ok := e.Float(name); ok {
			t.Errorf("Float(%q) answered", name)
		}
	}
	if _, ok := e.Int("s"); ok {
		t.Error("Int of a string")
	}
	var none Extra
	if _, ok := none.Bool("b"); ok {
		t.Error("nil Extra answered")
	}
}

func TestExtraFieldParse(t *testing.T) {
	for _, c := range []struct {
		f    ExtraField
		in   string
		want any
	}{
		{ExtraField{Name: "s", Type: ExtraString}, " keep spaces ", " keep spaces "},
		{ExtraField{Name: "i", Type: ExtraInt}, " 13800138000 ", int64(13800138000)},
		{ExtraField{Name: "b", Type: ExtraBool}, "true", true},
		{ExtraField{Name: "f", Type: ExtraFloat}, "2.5", 2.5},
		{ExtraField{Name: "t", Type: ExtraTime}, "2020-01-02T03:04:05.0000019+02:00", time.Date(2020, 1, 2, 1, 4, 5, 1000, time.UTC)},
	} {
		got, err := c.f.Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s.Parse(%q) = %#v, %v; want %#v", c.f.Name, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		f  ExtraField
		in string
	}{
		{ExtraField{Name: "i", Type: ExtraInt}, "12a"},
		{ExtraField{Name: "b", Type: ExtraBool}, "yes please"},
		{ExtraField{Name: "f", Type: ExtraFloat}, "NaN"},
		{ExtraField{Name: "t", Type: ExtraTime}, "yesterday"},
		{ExtraField{Name: "s", Type: ExtraString, MaxLength: 2}, "abc"},
		{ExtraField{Name: "x"}, "1"},
	} {
		if _, err := c.f.Parse(c.in); !errors.Is(err, ErrInvalidUser) {
			t.Errorf("%s.Parse(%q) error = %v", c.f.Name, c.in, err)
		}
	}
}

func TestExtraFieldDisplayNameAndTypeNames(t *testing.T) {
	if (ExtraField{Name: "phone_number"}).DisplayName() != "phone number" || (ExtraField{Name: "x", Label: "Phone"}).DisplayName() != "Phone" {
		t.Fatal("DisplayName")
	}
	for typ, want := range map[ExtraType]string{ExtraString: "string", ExtraInt: "int64", ExtraBool: "bool", ExtraFloat: "float64", ExtraTime: "time.Time", 0: "ExtraType(0)"} {
		if typ.String() != want {
			t.Errorf("%d.String() = %q", typ, typ.String())
		}
	}
}

func TestExtraIntConversions(t *testing.T) {
	f := ExtraField{Name: "n", Type: ExtraInt}
	for _, v := range []any{int8(-1), int16(2), int32(3), 4, int64(5), uint8(6), uint16(7), uint32(8), uint(9), uint64(10)} {
		if _, err := f.convert(v); err != nil {
			t.Errorf("%T: %v", v, err)
		}
	}
	for _, v := range []any{uint64(math.MaxInt64) + 1, uint(math.MaxUint64), 1.0, "1", true} {
		if _, err := f.convert(v); err == nil {
			t.Errorf("%T %v accepted", v, v)
		}
	}
}
