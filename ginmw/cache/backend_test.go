package cache_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/djin-go/djin/ginmw/cache"
	"github.com/djin-go/djin/ginmw/session/sessiontest"
	"github.com/djin-go/djin/internal/testenv"
)

func TestMemoryLRU(t *testing.T) {
	ctx := context.Background()
	m, _ := cache.NewMemory(cache.MemoryConfig{MaxEntries: 3})
	for _, k := range []string{"a", "b", "c"} {
		m.Set(ctx, k, []byte(k), time.Hour)
	}
	m.Get(ctx, "a") // a is now the most recently used
	m.Set(ctx, "d", []byte("d"), time.Hour)
	if _, err := m.Get(ctx, "b"); !errors.Is(err, cache.ErrMiss) {
		t.Fatal("the least recently used entry must go first")
	}
	for _, k := range []string{"a", "c", "d"} {
		if v, err := m.Get(ctx, k); err != nil || string(v) != k {
			t.Fatalf("Get(%s) = %q, %v", k, v, err)
		}
	}
}

func TestMemoryBytesBound(t *testing.T) {
	ctx := context.Background()
	m, _ := cache.NewMemory(cache.MemoryConfig{MaxBytes: 1000})
	for i := range 100 {
		m.Set(ctx, fmt.Sprint(i), make([]byte, 90), time.Hour)
	}
	if m.Len() > 11 {
		t.Fatalf("%d entries of ~92 bytes in 1000 bytes", m.Len())
	}
	m.Set(ctx, "huge", make([]byte, 2000), time.Hour)
	if _, err := m.Get(ctx, "huge"); !errors.Is(err, cache.ErrMiss) {
		t.Fatal("a value larger than the whole budget must not be stored")
	}
	m.Set(ctx, "99", make([]byte, 10), time.Hour) // replacing an entry keeps the size right
	if v, _ := m.Get(ctx, "99"); len(v) != 10 {
		t.Fatal("replace")
	}
}

func TestMemoryExpiry(t *testing.T) {
	ctx := context.Background()
	clock := sessiontest.NewClock()
	m, _ := cache.NewMemory(cache.MemoryConfig{Now: clock.Now})
	m.Set(ctx, "k", []byte("v"), time.Minute)
	m.Set(ctx, "zero", []byte("v"), 0)
	clock.Advance(time.Minute - time.Millisecond)
	if _, err := m.Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Millisecond)
	if _, err := m.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
		t.Fatal("expired entry returned")
	}
	if _, err := m.Get(ctx, "zero"); !errors.Is(err, cache.ErrMiss) {
		t.Fatal("a zero TTL must store nothing")
	}
}

func TestMemoryCopiesValues(t *testing.T) {
	ctx := context.Background()
	m, _ := cache.NewMemory(cache.MemoryConfig{})
	v := []byte("original")
	m.Set(ctx, "k", v, time.Hour)
	copy(v, "CHANGED!")
	if got, _ := m.Get(ctx, "k"); string(got) != "original" {
		t.Fatalf("the backend kept the caller's buffer: %q", got)
	}
}

func TestRedisBackend(t *testing.T) {
	client, prefix := testenv.Redis(t)
	r, _ := cache.NewRedis(cache.RedisConfig{Client: client, Prefix: prefix})
	ctx := context.Background()
	if _, err := r.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
		t.Fatalf("Get(missing) = %v", err)
	}
	if err := r.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if ttl := client.TTL(ctx, prefix+"k").Val(); ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL = %v", ttl)
	}
}
