package authx

import (
	"context"
	"sync"
	"time"
)

// RevocationStore remembers which refresh tokens have been used and which token families
// are revoked, for as long as a token of theirs could still be presented. Every instance of
// an application must share one: MemoryRevocationStore serves a single process,
// RedisRevocationStore several. Implementations must be safe for concurrent use.
//
// Families and token ids are 22-character base64url strings the JWT generates. ttl is how
// long a record must be kept at least: until every token of the family has expired.
type RevocationStore interface {
	// UseRefresh spends refresh token jti of family, atomically: it returns nil the first
	// time; ErrRefreshTokenReused, after revoking the family, when jti was spent before;
	// ErrTokenFamilyRevoked when the family is revoked (and spends nothing).
	UseRefresh(ctx context.Context, family, jti string, ttl time.Duration) error
	// RevokeFamily revokes every token of family (logout). Revoking twice is not an error.
	RevokeFamily(ctx context.Context, family string, ttl time.Duration) error
	// FamilyRevoked reports whether family is revoked; it runs for every access token.
	FamilyRevoked(ctx context.Context, family string) (bool, error)
}

// MemoryRevocationStoreConfig configures a MemoryRevocationStore.
type MemoryRevocationStoreConfig struct {
	// Now is the clock that expires records; nil means time.Now.
	Now func() time.Time
}

// MemoryRevocationStore is a RevocationStore in this process's memory: the default of a
// JWT, right for one instance. Expired records are swept as new ones arrive, so memory
// stays proportional to the refreshes and logouts of the last RefreshTTL.
type MemoryRevocationStore struct {
	now func() time.Time

	mu      sync.Mutex
	used    map[string]time.Time // jti → when the record may go
	revoked map[string]time.Time // family → when the record may go
	sweepAt int
}

var _ RevocationStore = (*MemoryRevocationStore)(nil)

// minJWTSweep is the record count below which the memory store does not sweep.
const minJWTSweep = 1024

// NewMemoryRevocationStore returns an empty store; no setting can be wrong.
func NewMemoryRevocationStore(cfg MemoryRevocationStoreConfig) *MemoryRevocationStore {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &MemoryRevocationStore{
		now:     now,
		used:    map[string]time.Time{},
		revoked: map[string]time.Time{},
		sweepAt: minJWTSweep,
	}
}

// UseRefresh implements RevocationStore.
func (s *MemoryRevocationStore) UseRefresh(ctx context.Context, family, jti string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if until, ok := s.revoked[family]; ok && now.Before(until) {
		return ErrTokenFamilyRevoked
	}
	if until, ok := s.used[jti]; ok && now.Before(until) {
		s.revoked[family] = now.Add(ttl)
		return ErrRefreshTokenReused
	}
	s.used[jti] = now.Add(ttl)
	s.maybeSweep(now)
	return nil
}

// RevokeFamily implements RevocationStore.
func (s *MemoryRevocationStore) RevokeFamily(ctx context.Context, family string, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := now.Add(ttl); until.After(s.revoked[family]) {
		s.revoked[family] = until
	}
	s.maybeSweep(now)
	return nil
}

// FamilyRevoked implements RevocationStore.
func (s *MemoryRevocationStore) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	now := s.now()
	s.mu.Lock()
	until, ok := s.revoked[family]
	s.mu.Unlock()
	return ok && now.Before(until), nil
}

// Len returns how many records the store holds, expired ones not yet swept included.
func (s *MemoryRevocationStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.used) + len(s.revoked)
}

// maybeSweep drops expired records once the store has doubled since the last sweep, which
// keeps the cost of sweeping constant per insertion.
func (s *MemoryRevocationStore) maybeSweep(now time.Time) {
	if len(s.used)+len(s.revoked) < s.sweepAt {
		return
	}
	for k, until := range s.used {
		if !now.Before(until) {
			delete(s.used, k)
		}
	}
	for k, until := range s.revoked {
		if !now.Before(until) {
			delete(s.revoked, k)
		}
	}
	s.sweepAt = max(minJWTSweep, 2*(len(s.used)+len(s.revoked)))
}
