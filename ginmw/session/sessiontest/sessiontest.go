// Package sessiontest checks that a session.Store keeps the contract the sessions middleware
// relies on. djin runs it on each of its stores; a third-party store runs it in its own tests:
//
//	func TestMyStore(t *testing.T) {
//		sessiontest.Run(t, sessiontest.Harness{
//			ServerSide: true,
//			New: func(t *testing.T, now func() time.Time) (session.Store, func() session.Store) {
//				s := mystore.New(..., now)
//				return s, nil
//			},
//		})
//	}
package sessiontest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/internal/testclock"
)

// Harness describes the store under test.
type Harness struct {
	// New returns an empty store that reads the time from now (the suite moves that clock
	// to test expiry). The second result, when not nil, returns another store on the same
	// backend but with a client of its own, the way a second process of the application
	// would open it; the suite then checks that both see the same sessions.
	New func(t *testing.T, now func() time.Time) (session.Store, func() session.Store)

	// ServerSide is true when the store keeps sessions on the server: Create refuses a
	// taken key, Update refuses a deleted one, Delete ends the session.
	ServerSide bool
}

// Clock is a settable clock, safe for concurrent use: Now returns its time, Advance moves
// it forward.
type Clock = testclock.Clock

// NewClock returns a clock set to the current time, truncated to the millisecond.
func NewClock() *Clock { return testclock.New(time.Now().Truncate(time.Millisecond)) }

// Run checks the Store contract, each rule as a subtest.
func Run(t *testing.T, h Harness) {
	t.Helper()
	type env struct {
		ctx   context.Context
		clock *Clock
		store session.Store
		twin  func() session.Store
	}
	setup := func(t *testing.T) env {
		clock := NewClock()
		s, twin := h.New(t, clock.Now)
		return env{ctx: t.Context(), clock: clock, store: s, twin: twin}
	}
	create := func(t *testing.T, e env, data []byte, ttl time.Duration) (key, value string) {
		t.Helper()
		key = session.NewKey()
		value, err := e.store.Create(e.ctx, key, data, e.clock.Now().Add(ttl))
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		return key, value
	}
	mustLoad := func(t *testing.T, s session.Store, ctx context.Context, value, wantKey string, want []byte) {
		t.Helper()
		key, data, err := s.Load(ctx, value)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if key != wantKey || !bytes.Equal(data, want) {
			t.Fatalf("Load = %q, %q; want %q, %q", key, data, wantKey, want)
		}
	}
	mustMiss := func(t *testing.T, s session.Store, ctx context.Context, value string) {
		t.Helper()
		if key, data, err := s.Load(ctx, value); !errors.Is(err, session.ErrNoSession) {
			t.Fatalf("Load(%.60q) = %q, %q, %v; want ErrNoSession", value, key, data, err)
		}
	}

	t.Run("CreateThenLoadReturnsKeyAndData", func(t *testing.T) {
		e := setup(t)
		data := []byte(`{"_auth_user_id":"42"}`)
		key, value := create(t, e, data, time.Hour)
		mustLoad(t, e.store, e.ctx, value, key, data)
	})

	t.Run("DataIsOpaqueBytes", func(t *testing.T) {
		e := setup(t)
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		for _, data := range [][]byte{{}, all, bytes.Repeat([]byte("é\x00'\";--"), 40)} {
			key, value := create(t, e, data, time.Hour)
			mustLoad(t, e.store, e.ctx, value, key, data)
		}
	})

	t.Run("UnknownKeyIsNoSession", func(t *testing.T) {
		e := setup(t)
		mustMiss(t, e.store, e.ctx, session.NewKey())
	})

	t.Run("MalformedValueIsNoSession", func(t *testing.T) {
		e := setup(t)
		_, value := create(t, e, []byte("x"), time.Hour)
		for _, bad := range []string{
			"", "a", strings.Repeat("A", session.KeyLength), strings.Repeat("a", session.KeyLength-1) + "'",
			strings.Repeat("a", session.KeyLength-1) + "\x00", value[:len(value)-1], value + "a",
			flipMiddle(value), strings.Repeat("a", 100_000), "../../etc/passwd", "*", "\xff\xfe",
		} {
			mustMiss(t, e.store, e.ctx, bad)
		}
	})

	t.Run("UpdateReplacesData", func(t *testing.T) {
		e := setup(t)
		key, _ := create(t, e, []byte("old"), time.Hour)
		value, err := e.store.Update(e.ctx, key, []byte("new"), e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		mustLoad(t, e.store, e.ctx, value, key, []byte("new"))
	})

	t.Run("ExpiredSessionIsNoSession", func(t *testing.T) {
		e := setup(t)
		_, value := create(t, e, []byte("x"), time.Hour)
		e.clock.Advance(time.Hour - time.Second)
		if _, _, err := e.store.Load(e.ctx, value); err != nil {
			t.Fatalf("Load before expiry: %v", err)
		}
		e.clock.Advance(time.Second)
		mustMiss(t, e.store, e.ctx, value)
	})

	t.Run("UpdateMovesExpiry", func(t *testing.T) {
		e := setup(t)
		key, _ := create(t, e, []byte("x"), time.Hour)
		e.clock.Advance(50 * time.Minute)
		value, err := e.store.Update(e.ctx, key, []byte("y"), e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		e.clock.Advance(50 * time.Minute)
		mustLoad(t, e.store, e.ctx, value, key, []byte("y"))
	})

	t.Run("ConcurrentUse", func(t *testing.T) {
		e := setup(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					key := session.NewKey()
					exp := e.clock.Now().Add(time.Hour)
					value, err := e.store.Create(e.ctx, key, []byte("a"), exp)
					if err == nil {
						_, err = e.store.Update(e.ctx, key, []byte("b"), exp)
					}
					if err == nil {
						var data []byte
						if _, data, err = e.store.Load(e.ctx, value); err == nil && string(data) != "b" && h.ServerSide {
							err = errors.New("lost update: got " + string(data))
						}
					}
					if err == nil {
						err = e.store.Delete(e.ctx, key)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})

	t.Run("CleanupRemovesOnlyExpired", func(t *testing.T) {
		e := setup(t)
		c, ok := e.store.(session.Cleaner)
		if !ok {
			t.Skip("the store does not implement session.Cleaner (it expires sessions by itself)")
		}
		create(t, e, []byte("short"), time.Minute)
		key, value := create(t, e, []byte("long"), time.Hour)
		e.clock.Advance(2 * time.Minute)
		n, err := c.Cleanup(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("Cleanup = %d, %v; want 1, nil", n, err)
		}
		mustLoad(t, e.store, e.ctx, value, key, []byte("long"))
	})

	t.Run("TwoInstancesShareSessions", func(t *testing.T) {
		e := setup(t)
		if e.twin == nil {
			t.Skip("the store keeps sessions in process memory")
		}
		other := e.twin()
		key, value := create(t, e, []byte("seen by both"), time.Hour)
		mustLoad(t, other, e.ctx, value, key, []byte("seen by both"))
		value, err := other.Update(e.ctx, key, []byte("changed by the other"), e.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatalf("Update through the other instance: %v", err)
		}
		mustLoad(t, e.store, e.ctx, value, key, []byte("changed by the other"))
		if !h.ServerSide {
			return
		}
		if err := other.Delete(e.ctx, key); err != nil {
			t.Fatalf("Delete through the other instance: %v", err)
		}
		mustMiss(t, e.store, e.ctx, value)
	})

	if !h.ServerSide {
		return
	}

	t.Run("CreateRefusesTakenKey", func(t *testing.T) {
		e := setup(t)
		key, value := create(t, e, []byte("first"), time.Hour)
		if _, err := e.store.Create(e.ctx, key, []byte("second"), e.clock.Now().Add(time.Hour)); !errors.Is(err, session.ErrKeyExists) {
			t.Fatalf("Create(taken key) = %v; want ErrKeyExists", err)
		}
		mustLoad(t, e.store, e.ctx, value, key, []byte("first"))
	})

	t.Run("ValueIsTheKey", func(t *testing.T) {
		e := setup(t)
		key, value := create(t, e, []byte("x"), time.Hour)
		if value != key {
			t.Fatalf("server-side store returned cookie value %q for key %q", value, key)
		}
	})

	t.Run("DeleteEndsSession", func(t *testing.T) {
		e := setup(t)
		key, value := create(t, e, []byte("x"), time.Hour)
		if err := e.store.Delete(e.ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		mustMiss(t, e.store, e.ctx, value)
		if err := e.store.Delete(e.ctx, key); err != nil {
			t.Fatalf("Delete of a missing key: %v", err)
		}
	})

	t.Run("UpdateRefusesDeletedSession", func(t *testing.T) {
		e := setup(t)
		key, value := create(t, e, []byte("x"), time.Hour)
		if err := e.store.Delete(e.ctx, key); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := e.store.Update(e.ctx, key, []byte("back to life"), e.clock.Now().Add(time.Hour)); !errors.Is(err, session.ErrNoSession) {
			t.Fatalf("Update after Delete = %v; want ErrNoSession", err)
		}
		mustMiss(t, e.store, e.ctx, value)
	})
}

// flipMiddle changes the middle character of v, keeping it in the same alphabet; the middle
// one, because the last character of unpadded base64 may carry bits that decoding ignores.
func flipMiddle(v string) string {
	if v == "" {
		return "a"
	}
	i := len(v) / 2
	repl := byte('a')
	if v[i] == 'a' {
		repl = 'b'
	}
	return v[:i] + string(repl) + v[i+1:]
}
