package cache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Errors of the cache backends.
var (
	// ErrMiss is returned by Backend.Get when the key holds nothing (or only something
	// expired).
	ErrMiss = errors.New("cache: miss")

	// ErrBackend wraps failures of a backend's server (Redis unreachable). The middleware
	// logs them and serves the request uncached.
	ErrBackend = errors.New("cache: backend unavailable")
)

// Backend keeps cached responses. Django: a CACHES entry (CACHE_MIDDLEWARE_ALIAS). Values are
// opaque bytes; a Backend must be safe for concurrent use.
type Backend interface {
	// Get returns the value stored under key, or ErrMiss.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value under key for ttl.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
}

// Defaults of the memory backend.
const (
	DefaultMemoryMaxBytes   = 64 << 20
	DefaultMemoryMaxEntries = 10_000
)

// MemoryConfig configures a Memory backend.
type MemoryConfig struct {
	// MaxBytes bounds the total size of the stored values (keys included); zero means
	// DefaultMemoryMaxBytes. The least recently used entries go first.
	MaxBytes int64

	// MaxEntries bounds the number of entries; zero means DefaultMemoryMaxEntries.
	MaxEntries int

	// Now is the clock for expiry; nil means time.Now.
	Now func() time.Time
}

// Memory is a bounded, in-process LRU backend: the default, for one instance. Several
// instances share Redis instead. Django: LocMemCache.
type Memory struct {
	mu         sync.Mutex
	ll         *list.List // front: most recently used
	m          map[string]*list.Element
	size       int64
	maxBytes   int64
	maxEntries int
	now        func() time.Time
}

type memEntry struct {
	key     string
	value   []byte
	expires time.Time
}

var _ Backend = (*Memory)(nil)

// NewMemory validates cfg and returns the backend.
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	if cfg.MaxBytes < 0 {
		return nil, fmt.Errorf("cache: MemoryConfig.MaxBytes: must not be negative (got %d)", cfg.MaxBytes)
	}
	if cfg.MaxEntries < 0 {
		return nil, fmt.Errorf("cache: MemoryConfig.MaxEntries: must not be negative (got %d)", cfg.MaxEntries)
	}
	m := &Memory{ll: list.New(), m: map[string]*list.Element{}, maxBytes: cfg.MaxBytes, maxEntries: cfg.MaxEntries, now: cfg.Now}
	if m.maxBytes == 0 {
		m.maxBytes = DefaultMemoryMaxBytes
	}
	if m.maxEntries == 0 {
		m.maxEntries = DefaultMemoryMaxEntries
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// Get returns a live entry and marks it recently used.
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.m[key]
	if !ok {
		return nil, ErrMiss
	}
	e := el.Value.(*memEntry)
	if !now.Before(e.expires) {
		m.remove(el)
		return nil, ErrMiss
	}
	m.ll.MoveToFront(el)
	return e.value, nil
}

// Set stores a copy of value; a value larger than the whole budget is not stored.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	cost := int64(len(key) + len(value))
	if ttl <= 0 || cost > m.maxBytes {
		return nil
	}
	e := &memEntry{key: key, value: append([]byte(nil), value...), expires: m.now().Add(ttl)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.m[key]; ok {
		m.remove(el)
	}
	m.m[key] = m.ll.PushFront(e)
	m.size += cost
	for m.size > m.maxBytes || m.ll.Len() > m.maxEntries {
		m.remove(m.ll.Back())
	}
	return nil
}

// Len returns the number of entries held, expired ones included until touched.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ll.Len()
}

func (m *Memory) remove(el *list.Element) {
	e := m.ll.Remove(el).(*memEntry)
	delete(m.m, e.key)
	m.size -= int64(len(e.key) + len(e.value))
}
