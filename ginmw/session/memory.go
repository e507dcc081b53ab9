package session

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultMaxSessions bounds a MemoryStore built with a zero MaxSessions.
const DefaultMaxSessions = 100_000

// MemoryStoreConfig configures a MemoryStore.
type MemoryStoreConfig struct {
	// MaxSessions bounds the number of sessions kept; when full, expired sessions are
	// dropped first, then arbitrary ones (their users are logged out). Zero means
	// DefaultMaxSessions.
	MaxSessions int

	// Now is the clock used for expiry; nil means time.Now.
	Now func() time.Time
}

// MemoryStore keeps sessions in the memory of this process. Sessions are lost on restart and
// not shared between instances: use it in tests and development, and the SQLStore or
// RedisStore in production. Django: SESSION_ENGINE = "django.contrib.sessions.backends.cache"
// with the local-memory cache.
type MemoryStore struct {
	mu   sync.Mutex
	m    map[string]memoryEntry
	max  int
	now  func() time.Time
	sets int // saves since the last sweep of expired entries
}

type memoryEntry struct {
	data    []byte
	expires time.Time
}

var (
	_ Store   = (*MemoryStore)(nil)
	_ Cleaner = (*MemoryStore)(nil)
)

// NewMemoryStore validates cfg and returns the store.
func NewMemoryStore(cfg MemoryStoreConfig) (*MemoryStore, error) {
	if cfg.MaxSessions < 0 {
		return nil, fmt.Errorf("session: MemoryStoreConfig.MaxSessions: must not be negative (got %d)", cfg.MaxSessions)
	}
	max := cfg.MaxSessions
	if max == 0 {
		max = DefaultMaxSessions
	}
	return &MemoryStore{m: make(map[string]memoryEntry), max: max, now: nowFunc(cfg.Now)}, nil
}

// Load returns the session stored under the key value.
func (s *MemoryStore) Load(_ context.Context, value string) (string, []byte, error) {
	if !ValidKey(value) {
		return "", nil, ErrNoSession
	}
	now := s.now()
	s.mu.Lock()
	e, ok := s.m[value]
	if ok && !now.Before(e.expires) {
		delete(s.m, value)
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		return "", nil, ErrNoSession
	}
	return value, e.data, nil
}

// Create stores a new session.
func (s *MemoryStore) Create(_ context.Context, key string, data []byte, expires time.Time) (string, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; ok && now.Before(e.expires) {
		return "", ErrKeyExists
	}
	if len(s.m) >= s.max {
		s.makeRoom(now)
	}
	s.m[key] = memoryEntry{data: clone(data), expires: expires}
	return key, nil
}

// Update replaces an existing session.
func (s *MemoryStore) Update(_ context.Context, key string, data []byte, expires time.Time) (string, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[key]; !ok || !now.Before(e.expires) {
		return "", ErrNoSession
	}
	s.m[key] = memoryEntry{data: clone(data), expires: expires}
	return key, nil
}

// Delete removes a session.
func (s *MemoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
	return nil
}

// Cleanup removes expired sessions.
func (s *MemoryStore) Cleanup(context.Context) (int64, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sweep(now), nil
}

// Len returns the number of sessions held, expired ones included until swept.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (s *MemoryStore) sweep(now time.Time) int64 {
	var n int64
	for k, e := range s.m {
		if !now.Before(e.expires) {
			delete(s.m, k)
			n++
		}
	}
	return n
}

// makeRoom runs with s.mu held and the map full. A sweep costs a pass over the map, so it is
// done once per tenth of the capacity at most; between sweeps, or when nothing expired, an
// arbitrary session (Go's map order) is evicted.
func (s *MemoryStore) makeRoom(now time.Time) {
	s.sets++
	if s.sets >= s.max/10 {
		s.sets = 0
		if s.sweep(now) > 0 {
			return
		}
	}
	for k := range s.m {
		delete(s.m, k)
		return
	}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
