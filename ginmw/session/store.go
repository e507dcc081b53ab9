package session

import (
	"context"
	"errors"
	"time"
)

// Errors returned by stores and by the session functions. Wrapped errors keep these as their
// cause, so test them with errors.Is.
var (
	// ErrNoSession means the cookie value names no live session: an unknown, deleted or
	// expired key, or a cookie that is malformed, tampered with or too large. The middleware
	// answers it with an empty session, never with an error response.
	ErrNoSession = errors.New("session: no such session")

	// ErrKeyExists is returned by Store.Create when the key is already taken. The middleware
	// makes a new key and tries again.
	ErrKeyExists = errors.New("session: key already exists")

	// ErrTooLarge is returned when the encoded session does not fit the store (the cookie
	// store keeps browsers' 4096-byte cookie limit).
	ErrTooLarge = errors.New("session: session data too large")

	// ErrNoMiddleware is returned when a session function is used on a request that did not
	// go through the sessions middleware.
	ErrNoMiddleware = errors.New("session: the sessions middleware is not installed on this route (add it above the code that uses sessions)")

	// ErrInterrupted is Django's SessionInterrupted: the session was deleted by another
	// request (a logout, typically) while this one was running, so saving it would bring a
	// logged-out session back to life. The request is answered with 400.
	ErrInterrupted = errors.New("session: the session was deleted before the request completed (the user may have logged out in a concurrent request)")

	// ErrStore wraps every failure of a store's backend (database or Redis unreachable,
	// query errors). The middleware logs it and answers 503 when the request changed the
	// session, since the change could not be kept.
	ErrStore = errors.New("session: store unavailable")
)

// Store keeps session data. The value of the session cookie is whatever the store returns
// from Create and Update: the key itself for server-side stores (SQLStore, RedisStore,
// MemoryStore), the sealed data for the CookieStore.
//
// Keys are made by the middleware with NewKey; stores never invent keys and must treat a key
// they do not hold as "no session" (never as a request to create it), which is what makes
// session fixation impossible. Data is opaque bytes produced by a Serializer.
//
// A Store must be safe for concurrent use. sessiontest.Run checks the whole contract.
type Store interface {
	// Load returns the key and data of the session that the cookie value refers to. It
	// returns ErrNoSession when the value names no live session, including a malformed
	// value; other errors mean the backend failed and should wrap ErrStore.
	Load(ctx context.Context, value string) (key string, data []byte, err error)

	// Create stores a new session under key until expires and returns the cookie value. It
	// returns ErrKeyExists when the key is taken.
	Create(ctx context.Context, key string, data []byte, expires time.Time) (value string, err error)

	// Update replaces the data of an existing session and moves its expiry. It returns
	// ErrNoSession when the key no longer exists, so that a concurrent logout is not undone
	// by a slower request that saves afterwards.
	Update(ctx context.Context, key string, data []byte, expires time.Time) (value string, err error)

	// Delete removes the session; deleting a missing key is not an error. Stores that keep
	// nothing on the server (CookieStore) do nothing.
	Delete(ctx context.Context, key string) error
}

// Cleaner is implemented by stores whose expired sessions stay until removed (SQLStore,
// MemoryStore); RedisStore expires keys by itself. Django: the clearsessions command.
type Cleaner interface {
	// Cleanup deletes the sessions that expired at or before now and returns how many it
	// removed.
	Cleanup(ctx context.Context) (int64, error)
}

func nowFunc(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
