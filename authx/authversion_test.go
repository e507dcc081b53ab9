package authx

import (
	"slices"
	"sync"
	"testing"
)

// runAuthVersionConformance is the behaviour every AuthVersionStore must have. second, when
// not nil, opens another store on the same backend with a connection of its own, as a second
// instance of the application does.
func runAuthVersionConformance(t *testing.T, store AuthVersionStore, second func() AuthVersionStore) {
	t.Helper()
	ctx := t.Context()
	t.Run("UnknownUserIsZero", func(t *testing.T) {
		if v, err := store.AuthVersion(ctx, 1001); err != nil || v != 0 {
			t.Fatalf("AuthVersion = %d, %v", v, err)
		}
	})
	t.Run("BumpIncrements", func(t *testing.T) {
		for want := int64(1); want <= 3; want++ {
			v, err := store.BumpAuthVersion(ctx, 1002)
			if err != nil || v != want {
				t.Fatalf("bump = %d, %v; want %d", v, err, want)
			}
			if got, err := store.AuthVersion(ctx, 1002); err != nil || got != want {
				t.Fatalf("AuthVersion = %d, %v; want %d", got, err, want)
			}
		}
		if v, _ := store.AuthVersion(ctx, 1003); v != 0 {
			t.Fatalf("another user moved: %d", v)
		}
	})
	t.Run("ConcurrentBumpsAreDistinct", func(t *testing.T) {
		const n = 32
		var (
			mu  sync.Mutex
			got []int64
			wg  sync.WaitGroup
		)
		for range n {
			wg.Go(func() {
				v, err := store.BumpAuthVersion(ctx, 1004)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, v)
				mu.Unlock()
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, v := range got {
			if v != int64(i+1) {
				t.Fatalf("versions %v, want 1..%d", got, n)
			}
		}
	})
	if second != nil {
		t.Run("SharedBetweenInstances", func(t *testing.T) {
			other := second()
			if _, err := store.BumpAuthVersion(ctx, 1005); err != nil {
				t.Fatal(err)
			}
			if v, err := other.AuthVersion(ctx, 1005); err != nil || v != 1 {
				t.Fatalf("the other instance sees %d, %v", v, err)
			}
			if v, err := other.BumpAuthVersion(ctx, 1005); err != nil || v != 2 {
				t.Fatalf("the other instance bumped to %d, %v", v, err)
			}
			if v, _ := store.AuthVersion(ctx, 1005); v != 2 {
				t.Fatalf("the first instance sees %d", v)
			}
		})
	}
}

func TestMemoryAuthVersionStore(t *testing.T) {
	runAuthVersionConformance(t, NewMemoryAuthVersionStore(), nil)
}
