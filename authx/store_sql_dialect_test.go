package authx

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Names Django's schema editor generated for contrib.auth (as found in Django databases).
func TestDjangoIndexName(t *testing.T) {
	for _, c := range []struct {
		d       dialect
		table   string
		columns []string
		suffix  string
		want    string
	}{
		{postgresDialect, "auth_user_groups", []string{"user_id"}, "", "auth_user_groups_user_id_6a12ed8b"},
		{postgresDialect, "auth_user", []string{"username"}, "_like", "auth_user_username_6821ab7c_like"},
		{postgresDialect, "auth_permission", []string{"content_type_id", "codename"}, "_uniq", "auth_permission_content_type_id_codename_01ab375a_uniq"},
		{postgresDialect, "auth_permission", []string{"content_type_id"}, "_fk_django_content_type_id", "auth_permission_content_type_id_2f476e4b_fk_django_co"},
		{postgresDialect, "auth_group_permissions", []string{"permission_id"}, "_fk_auth_permission_id", "auth_group_permissio_permission_id_84c5c92e_fk_auth_perm"},
		{postgresDialect, "auth_user_user_permissions", []string{"user_id"}, "_fk_auth_user_id", "auth_user_user_permissions_user_id_a95ead1b_fk_auth_user_id"},
		{sqliteDialect, "auth_user_user_permissions", []string{"user_id", "permission_id"}, "_uniq", "auth_user_user_permissions_user_id_permission_id_14a6b632_uniq"},
	} {
		if got := c.d.djangoIndexName(c.table, c.columns, c.suffix); got != c.want {
			t.Errorf("djangoIndexName(%s, %v, %s) = %s, want %s", c.table, c.columns, c.suffix, got, c.want)
		}
	}
	// A generated name never starts with a digit or underscore (Django prepends "D").
	if got := postgresDialect.djangoIndexName("_"+strings.Repeat("t", 70), []string{"c"}, "_x"); got[0] != 'D' || len(got) > 63 {
		t.Fatalf("%q", got)
	}
}

func TestRebind(t *testing.T) {
	q := `SELECT 1 FROM "t" WHERE "a" = ? AND "b" = ?`
	if got := postgresDialect.rebind(q); got != `SELECT 1 FROM "t" WHERE "a" = $1 AND "b" = $2` {
		t.Fatal(got)
	}
	if sqliteDialect.rebind(q) != q {
		t.Fatal("sqlite query changed")
	}
}

func TestLiteral(t *testing.T) {
	when := time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC)
	for _, c := range []struct {
		d    dialect
		v    any
		want string
	}{
		{sqliteDialect, "it's", `'it''s'`},
		{sqliteDialect, int64(-3), "-3"},
		{sqliteDialect, 2.5, "2.5"},
		{sqliteDialect, true, "1"},
		{postgresDialect, false, "false"},
		{sqliteDialect, when, "'2020-01-02 03:04:05.000006'"},
		{postgresDialect, when, "'2020-01-02 03:04:05.000006Z'"},
		{sqliteDialect, nil, "NULL"},
	} {
		if got := c.d.literal(c.v); got != c.want {
			t.Errorf("%s literal(%#v) = %s, want %s", c.d.name, c.v, got, c.want)
		}
	}
}

// Django writes str(naive UTC datetime): no fraction when it is zero.
func TestSQLiteTimeArgIsDjangosFormat(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC):                         "2024-01-02 03:04:05",
		time.Date(2024, 1, 2, 3, 4, 5, 120000999, time.UTC):                 "2024-01-02 03:04:05.120000",
		time.Date(2024, 1, 2, 5, 4, 5, 1000, time.FixedZone("EET", 2*3600)): "2024-01-02 03:04:05.000001",
	} {
		if got := sqliteDialect.timeArg(in); got != want {
			t.Errorf("timeArg(%v) = %v, want %s", in, got, want)
		}
	}
	if _, ok := postgresDialect.timeArg(time.Now()).(time.Time); !ok {
		t.Fatal("PostgreSQL times must travel as time.Time")
	}
}

func TestParseDBTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 20, 30, 123456000, time.UTC)
	for _, s := range []string{
		"2024-05-01 10:20:30.123456", "2024-05-01T10:20:30.123456", "2024-05-01 10:20:30.123456+00:00",
		"2024-05-01 12:20:30.123456+02:00", "2024-05-01T10:20:30.123456Z", "2024-05-01 10:20:30.1234569",
	} {
		got, err := parseDBTime(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseDBTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "yesterday", "2024-13-01 00:00:00", strings.Repeat("9", 200)} {
		if _, err := parseDBTime(s); err == nil {
			t.Errorf("parseDBTime(%q) succeeded", s)
		}
	}
	var v timeValue
	if err := v.Scan(int64(5)); err == nil {
		t.Fatal("an integer datetime was accepted")
	}
	if err := v.Scan([]byte("2024-05-01 10:20:30.123456")); err != nil || !v.valid || !v.t.Equal(want) {
		t.Fatalf("bytes: %v %v", v, err)
	}
	if err := v.Scan(nil); err != nil || v.valid {
		t.Fatal("NULL")
	}
}

func TestExtraValueScanErrors(t *testing.T) {
	for _, c := range []struct {
		f   ExtraField
		src any
	}{
		{ExtraField{Name: "s", Type: ExtraString}, int64(1)},
		{ExtraField{Name: "i", Type: ExtraInt}, "abc"},
		{ExtraField{Name: "b", Type: ExtraBool}, "maybe"},
		{ExtraField{Name: "f", Type: ExtraFloat}, "NaN"},
		{ExtraField{Name: "t", Type: ExtraTime}, "soon"},
		{ExtraField{Name: "n", Type: ExtraInt}, nil},
	} {
		e := extraValue{f: &c.f}
		if err := e.Scan(c.src); !errors.Is(err, ErrSchema) {
			t.Errorf("%s from %#v: %v", c.f.Name, c.src, err)
		}
	}
	e := extraValue{f: &ExtraField{Name: "s", Type: ExtraString}}
	if err := e.Scan([]byte("bytes")); err != nil || e.v != "bytes" {
		t.Fatal("bytes as string")
	}
	e = extraValue{f: &ExtraField{Name: "b", Type: ExtraBool}}
	if err := e.Scan(int64(1)); err != nil || e.v != true {
		t.Fatal("SQLite stores booleans as 0/1")
	}
}

func TestSchemaErrorClassification(t *testing.T) {
	for _, c := range []struct {
		err  error
		want error
	}{
		{errors.New("SQL logic error: no such table: auth_user (1)"), ErrNotMigrated},
		{errors.New("SQL logic error: no such column: phone (1)"), ErrSchema},
		{sqlStateError("42P01"), ErrNotMigrated},
		{sqlStateError("42703"), ErrSchema},
	} {
		if got := schemaError(c.err); !errors.Is(got, c.want) {
			t.Errorf("schemaError(%v) = %v", c.err, got)
		}
	}
	if got := schemaError(sqlStateError("40001")); errors.Is(got, ErrSchema) || errors.Is(got, ErrNotMigrated) {
		t.Fatal("a serialization failure was called a schema problem")
	}
	if !isUniqueViolation(sqlStateError("23505")) || isUniqueViolation(sqlStateError("23503")) || isUniqueViolation(sql.ErrNoRows) {
		t.Fatal("isUniqueViolation")
	}
	if !isUniqueViolation(fmt.Errorf("wrapped: %w", sqliteCodeError(2067))) || isUniqueViolation(sqliteCodeError(787)) {
		t.Fatal("SQLite codes")
	}
}

type sqlStateError string

func (e sqlStateError) Error() string    { return "pg error " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

type sqliteCodeError int

func (e sqliteCodeError) Error() string { return fmt.Sprintf("sqlite error %d", int(e)) }
func (e sqliteCodeError) Code() int     { return int(e) }

func FuzzParseDBTime(f *testing.F) {
	for _, s := range []string{"2024-05-01 10:20:30.123456", "2024-05-01T10:20:30Z", "2024-05-01", "0000-00-00 00:00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDBTime(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
			t.Fatalf("%q → %v", s, got)
		}
		// What djin writes back is read back as the same instant.
		again, err := parseDBTime(sqliteDialect.timeArg(got).(string))
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q → %v → %v, %v", s, got, again, err)
		}
	})
}
