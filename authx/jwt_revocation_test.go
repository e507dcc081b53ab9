package authx

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// testRevocationStore is the behaviour every RevocationStore shares.
func testRevocationStore(t *testing.T, s RevocationStore) {
	ctx := context.Background()
	fam, other := jwtRandomID(), jwtRandomID()
	jti1, jti2 := jwtRandomID(), jwtRandomID()
	ttl := time.Hour

	if revoked, err := s.FamilyRevoked(ctx, fam); err != nil || revoked {
		t.Fatalf("new family: revoked %v, %v", revoked, err)
	}
	if err := s.UseRefresh(ctx, fam, jti1, ttl); err != nil {
		t.Fatalf("first use: %v", err)
	}
	if err := s.UseRefresh(ctx, fam, jti2, ttl); err != nil {
		t.Fatalf("next token of the family: %v", err)
	}
	if revoked, _ := s.FamilyRevoked(ctx, fam); revoked {
		t.Fatal("spending tokens revoked the family")
	}
	if err := s.UseRefresh(ctx, fam, jti1, ttl); !errors.Is(err, ErrRefreshTokenReused) {
		t.Fatalf("reuse: %v, want ErrRefreshTokenReused", err)
	}
	if revoked, err := s.FamilyRevoked(ctx, fam); err != nil || !revoked {
		t.Fatalf("after reuse: revoked %v, %v", revoked, err)
	}
	if err := s.UseRefresh(ctx, fam, jwtRandomID(), ttl); !errors.Is(err, ErrTokenFamilyRevoked) {
		t.Fatalf("new token of a revoked family: %v, want ErrTokenFamilyRevoked", err)
	}
	if revoked, _ := s.FamilyRevoked(ctx, other); revoked {
		t.Fatal("another family is revoked")
	}
	if err := s.RevokeFamily(ctx, other, ttl); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeFamily(ctx, other, ttl); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if revoked, _ := s.FamilyRevoked(ctx, other); !revoked {
		t.Fatal("RevokeFamily did not revoke")
	}
	if err := s.UseRefresh(ctx, other, jwtRandomID(), ttl); !errors.Is(err, ErrTokenFamilyRevoked) {
		t.Fatalf("use in a revoked family: %v", err)
	}

	// Concurrent uses of one token: exactly one wins.
	fam3, jti3 := jwtRandomID(), jwtRandomID()
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.UseRefresh(ctx, fam3, jti3, ttl); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent uses of one token succeeded, want 1", wins)
	}
}

func TestMemoryRevocationStore(t *testing.T) {
	testRevocationStore(t, NewMemoryRevocationStore(MemoryRevocationStoreConfig{}))
}

func TestMemoryRevocationStoreExpiresAndSweeps(t *testing.T) {
	clock := newJWTTestClock()
	s := NewMemoryRevocationStore(MemoryRevocationStoreConfig{Now: clock.Now})
	ctx := context.Background()
	fam, jti := jwtRandomID(), jwtRandomID()
	if err := s.UseRefresh(ctx, fam, jti, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeFamily(ctx, jwtRandomID(), time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	// Once the TTL is over, the record no longer counts (every token it guarded has expired).
	if err := s.UseRefresh(ctx, fam, jti, time.Minute); err != nil {
		t.Fatalf("expired record still counts: %v", err)
	}
	// Filling the store past the sweep threshold drops the expired records.
	clock.Advance(time.Minute)
	for range minJWTSweep {
		if err := s.UseRefresh(ctx, jwtRandomID(), jwtRandomID(), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Len(); n != minJWTSweep {
		t.Fatalf("store holds %d records after a sweep, want %d live ones", n, minJWTSweep)
	}
	// A shorter revocation never shortens a longer one.
	long := jwtRandomID()
	_ = s.RevokeFamily(ctx, long, time.Hour)
	_ = s.RevokeFamily(ctx, long, time.Second)
	clock.Advance(time.Minute)
	if revoked, _ := s.FamilyRevoked(ctx, long); !revoked {
		t.Fatal("a second, shorter revocation shortened the first")
	}
}

func TestMemoryRevocationStoreHonoursContext(t *testing.T) {
	s := NewMemoryRevocationStore(MemoryRevocationStoreConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.UseRefresh(ctx, jwtRandomID(), jwtRandomID(), time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("UseRefresh: %v", err)
	}
	if err := s.RevokeFamily(ctx, jwtRandomID(), time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("RevokeFamily: %v", err)
	}
	if _, err := s.FamilyRevoked(ctx, jwtRandomID()); !errors.Is(err, context.Canceled) {
		t.Fatalf("FamilyRevoked: %v", err)
	}
}
