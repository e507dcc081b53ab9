package authx

import (
	"context"
	"fmt"
	"math"
	"sync"
)

// Auth versions are djin's answer to "log out everywhere" without a password change (an
// administrator revoking a stolen device, a user ending all other sessions): every session
// and token records the user's version when it is made, and is refused once the version
// has moved on. Django has no equivalent; its only revocation is the password change.
//
// The stores here implement AuthVersionStore: MemoryAuthVersionStore (one process, tests),
// SQLAuthVersionStore (SQLite and PostgreSQL, the table djin_user_auth_version) and
// RedisAuthVersionStore (several instances).

// MemoryAuthVersionStore keeps auth versions in this process. Versions are lost on restart,
// which brings every bumped user back to version 0 and so revives the sessions a bump had
// ended: use it for tests and single-process tools, and SQLAuthVersionStore or
// RedisAuthVersionStore for applications.
type MemoryAuthVersionStore struct {
	mu       sync.RWMutex
	versions map[int64]int64
}

var _ AuthVersionStore = (*MemoryAuthVersionStore)(nil)

// NewMemoryAuthVersionStore returns an empty store: every user is at version 0.
func NewMemoryAuthVersionStore() *MemoryAuthVersionStore {
	return &MemoryAuthVersionStore{versions: map[int64]int64{}}
}

// AuthVersion returns the user's version, 0 for a user never bumped.
func (s *MemoryAuthVersionStore) AuthVersion(_ context.Context, userID int64) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.versions[userID], nil
}

// BumpAuthVersion increments the user's version and returns the new one.
func (s *MemoryAuthVersionStore) BumpAuthVersion(_ context.Context, userID int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.versions[userID]
	if v == math.MaxInt64 {
		return 0, fmt.Errorf("authx: auth version of user %d cannot grow further", userID)
	}
	s.versions[userID] = v + 1
	return v + 1, nil
}
