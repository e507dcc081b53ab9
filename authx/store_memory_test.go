package authx

import (
	"strings"
	"testing"
	"time"
)

func newMemoryStore(t *testing.T, fields []ExtraField, now func() time.Time) Store {
	t.Helper()
	s, err := NewMemoryStore(MemoryStoreConfig{ExtraFields: fields, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMemoryStoreConformance(t *testing.T) {
	runStoreConformance(t, newMemoryStore)
}

func TestMemoryStoreMigrateIsANoOp(t *testing.T) {
	s := DefaultMemoryStore()
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestMemoryStoreConfigErrorsNameTheSetting(t *testing.T) {
	_, err := NewMemoryStore(MemoryStoreConfig{ExtraFields: []ExtraField{{Name: "Bad Name", Type: ExtraInt}}})
	if err == nil || !strings.Contains(err.Error(), "MemoryStoreConfig.ExtraFields[0].Name") {
		t.Fatalf("error = %v, want it to name MemoryStoreConfig.ExtraFields[0].Name", err)
	}
}
