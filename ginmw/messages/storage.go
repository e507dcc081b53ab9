package messages

import (
	"sync"

	"github.com/djin-go/djin/ginmw/session"
)

// Storage holds one request's messages: those left by earlier requests (loaded from the
// session when first needed) and those added during this one. Django: request._messages,
// a SessionStorage.
//
// Reading the messages (All) marks them used: they are gone from the session after this
// response, and only the messages added after the read are kept for the next request.
// Len does not mark them used, so a template can test for messages without consuming them.
type Storage struct {
	mu    sync.Mutex
	m     *Middleware
	sess  *session.Session
	err   error
	level Level // this request's level, 0 for the middleware's

	loaded   []Message
	isLoaded bool
	queued   []Message
	used     bool
	addedNew bool
}

func (s *Storage) load() {
	if s.isLoaded || s.sess == nil {
		return
	}
	s.isLoaded = true
	raw, ok := s.sess.Get(SessionKey).(string)
	if !ok {
		return
	}
	msgs, err := decode(raw)
	if err != nil {
		// Dropping them is all there is to do: they cannot be shown, and keeping them
		// would fail again on every request.
		s.m.logger.Warn("messages: discarding stored messages that do not decode", "err", err)
		s.addedNew = true // rewrite the session entry without them
		return
	}
	s.loaded = msgs
}

// Add queues a message for this request or the next one. A message below the level is
// dropped, as Django drops it. It returns ErrNoMiddleware without the messages middleware,
// or the session's error when the session is missing.
func (s *Storage) Add(level Level, text string, extraTags ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if level < s.currentLevel() {
		return nil
	}
	m := Message{Level: level, Text: text}
	if len(extraTags) > 0 {
		m.ExtraTags = joinTags(extraTags)
	}
	s.queued = append(s.queued, m)
	s.addedNew = true
	return nil
}

func joinTags(tags []string) string {
	out := ""
	for _, t := range tags {
		if t == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += t
	}
	return out
}

// All returns the messages and marks them used (Django: iterating the storage).
func (s *Storage) All() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.used = true
	s.load()
	s.loaded = append(s.loaded, s.queued...)
	s.queued = nil
	out := make([]Message, len(s.loaded))
	for i, m := range s.loaded {
		m.levelTag, m.tagged = s.m.tag(m.Level), true
		out[i] = m
	}
	return out
}

// Len returns how many messages there are, without marking them used (Django: len()).
func (s *Storage) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.load()
	return len(s.loaded) + len(s.queued)
}

// Level returns the level below which messages are dropped for this request.
func (s *Storage) Level() Level {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.currentLevel()
}

func (s *Storage) currentLevel() Level {
	if s.level != 0 {
		return s.level
	}
	return s.m.level
}

// SetLevel changes the level for this request; 0 goes back to the middleware's (Django:
// set_level with None).
func (s *Storage) SetLevel(l Level) {
	s.mu.Lock()
	s.level = l
	s.mu.Unlock()
}

// update stores what must survive this request in the session (Django: update).
func (s *Storage) update() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil
	}
	switch {
	case s.used:
		return s.store(s.queued)
	case s.addedNew:
		s.load()
		return s.store(append(s.loaded, s.queued...))
	}
	return nil
}

func (s *Storage) store(msgs []Message) error {
	if len(msgs) == 0 {
		s.sess.Pop(SessionKey)
		return nil
	}
	v, err := encode(msgs)
	if err != nil {
		return err
	}
	s.sess.Set(SessionKey, v)
	return nil
}
