package testenv

import (
	"context"
	"testing"
)

func TestPostgresSchemaIsolated(t *testing.T) {
	db, schema := Postgres(t)
	if _, err := db.Exec("CREATE TABLE probe (id int)"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.QueryRow("SELECT table_schema FROM information_schema.tables WHERE table_name = 'probe'").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != schema {
		t.Fatalf("table created in schema %q, want %q", got, schema)
	}
}

func TestRedisPrefix(t *testing.T) {
	client, prefix := Redis(t)
	ctx := context.Background()
	if err := client.Set(ctx, prefix+"k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := client.Get(ctx, prefix+"k").Result(); v != "v" {
		t.Fatalf("got %q", v)
	}
}

func TestWithSearchPath(t *testing.T) {
	if got := withSearchPath("postgres://h/db?sslmode=disable", "s"); got != "postgres://h/db?sslmode=disable&search_path=s" {
		t.Fatal(got)
	}
	if got := withSearchPath("postgres://h/db", "s"); got != "postgres://h/db?search_path=s" {
		t.Fatal(got)
	}
}
