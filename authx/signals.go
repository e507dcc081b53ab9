package authx

import (
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// Django's auth signals (user_logged_in, user_logged_out, user_login_failed) and djin's
// password_changed, as typed receiver lists on an Auth. There is no global dispatcher: two
// Auth values in one process (two sites, or tests running in parallel) never see each
// other's events.

// LoginEvent is sent after a user logged in: the session already carries the new identity.
// Django: user_logged_in.
type LoginEvent struct {
	Context *gin.Context
	User    *User
	Backend string // the backend that authenticated the user
}

// LogoutEvent is sent before the session is flushed, so a receiver still sees who is
// leaving. User is nil when nobody was logged in. Django: user_logged_out.
type LogoutEvent struct {
	Context *gin.Context
	User    *User
}

// LoginFailedEvent is sent when Authenticate refuses credentials. It carries the submitted
// username, never the password (Django cleanses credentials the same way), and why:
// ErrInvalidCredentials, an error matching ErrLockedOut, or a store failure.
// Django: user_login_failed.
type LoginFailedEvent struct {
	Context  *gin.Context
	Username string
	Err      error
}

// PasswordChangeEvent is sent after Auth.ChangePassword saved a new password (the password
// change view uses it). Django has no signal for this; its password_changed validators
// hook is the closest, and UserManager.SetPassword runs those too.
type PasswordChangeEvent struct {
	Context *gin.Context
	User    *User
}

// Signal is a list of receivers for events of type E. Receivers run synchronously, in the
// order they were connected, on the request's goroutine; a receiver that needs to do slow
// work should hand it off. Connect and Disconnect are safe while events are being sent:
// sending reads a snapshot, so it takes no lock.
type Signal[E any] struct {
	mu        sync.Mutex
	nextID    uint64
	receivers atomic.Pointer[[]receiver[E]]
}

type receiver[E any] struct {
	id uint64
	fn func(E)
}

// Connect adds fn to the receivers and returns a function that removes it again.
// Django: Signal.connect and Signal.disconnect.
func (s *Signal[E]) Connect(fn func(E)) (disconnect func()) {
	if fn == nil {
		return func() {}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	id := s.nextID
	var old []receiver[E]
	if p := s.receivers.Load(); p != nil {
		old = *p
	}
	next := append(append(make([]receiver[E], 0, len(old)+1), old...), receiver[E]{id: id, fn: fn})
	s.receivers.Store(&next)
	return func() { s.disconnect(id) }
}

func (s *Signal[E]) disconnect(id uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.receivers.Load()
	if p == nil {
		return
	}
	next := make([]receiver[E], 0, len(*p))
	for _, r := range *p {
		if r.id != id {
			next = append(next, r)
		}
	}
	s.receivers.Store(&next)
}

// send calls every receiver with e.
func (s *Signal[E]) send(e E) {
	p := s.receivers.Load()
	if p == nil {
		return
	}
	for _, r := range *p {
		r.fn(e)
	}
}

// Signals are the events an Auth sends. Connect receivers at start-up:
//
//	auth.Signals().UserLoggedIn.Connect(func(e authx.LoginEvent) {
//		slog.Info("login", "user", e.User)
//	})
//
// Last-login bookkeeping is not a receiver here: Login updates last_login itself, as
// Django's update_last_login receiver does, so it cannot be disconnected by accident.
type Signals struct {
	UserLoggedIn    Signal[LoginEvent]          // Django: user_logged_in
	UserLoggedOut   Signal[LogoutEvent]         // Django: user_logged_out
	UserLoginFailed Signal[LoginFailedEvent]    // Django: user_login_failed
	PasswordChanged Signal[PasswordChangeEvent] // after Auth.ChangePassword
}
