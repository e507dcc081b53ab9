package authx

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/djin-go/djin/csrfx"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/gin-gonic/gin"
)

// The session keys of the login state, Django's names (django/contrib/auth/__init__.py).
// Values are strings, as Django stores the primary key, so every session serializer and
// store keeps them unchanged.
const (
	SessionKeyUserID      = "_auth_user_id"      // Django: SESSION_KEY
	SessionKeyBackend     = "_auth_user_backend" // Django: BACKEND_SESSION_KEY
	SessionKeyHash        = "_auth_user_hash"    // Django: HASH_SESSION_KEY
	SessionKeyAuthVersion = "_auth_user_version" // djin: the user's auth version at login
)

// Errors of the login state.
var (
	// ErrNoSessionMiddleware: Login, Logout or UpdateSessionAuthHash ran on a request without
	// the sessions middleware. Django: ImproperlyConfigured.
	ErrNoSessionMiddleware = errors.New("authx: the sessions middleware must run before authx (list \"sessions\" above \"auth\")")
	// ErrNoAuthVersionStore: LogoutEverywhere needs AuthConfig.AuthVersions.
	ErrNoAuthVersionStore = errors.New("authx: no AuthVersionStore is configured (AuthConfig.AuthVersions)")
	// ErrCannotLogin: Login was given no user, an unsaved one, an inactive one, or a
	// backend that is not configured.
	ErrCannotLogin = errors.New("authx: cannot log this user in")
)

// Login makes u the logged-in user of this request's session, as Django's login() does:
//
//   - a session that belongs to another user, or to this user with an outdated session-auth
//     hash, is flushed (deleted, with a new empty one in its place), so nothing of the
//     previous user carries over; any other session is moved to a new key, keeping its
//     data (Django's cycle_key), so a session key planted or seen before login is worth
//     nothing after it (session fixation). Unlike Django, the key also changes when the
//     same user logs in again;
//   - the user id, the backend name and the session-auth hash are stored, and the user's
//     auth version when AuthConfig.AuthVersions is set;
//   - the CSRF secret is rotated (Django's rotate_token), so a token seen before login
//     cannot be used after it;
//   - last_login is set (Django's update_last_login receiver; a failure is logged and does
//     not undo the login), the request's current user becomes u, and UserLoggedIn is sent.
//
// backend names the backend that authenticated u; "" means the one Authenticate recorded
// for u on this request, or the only configured backend.
func (a *Auth) Login(c *gin.Context, u *User, backend string) error {
	if u == nil || u.ID == 0 {
		return fmt.Errorf("%w: no user, or one that is not saved", ErrCannotLogin)
	}
	if !u.IsActive {
		return fmt.Errorf("%w: the account is inactive", ErrCannotLogin)
	}
	backend, err := a.loginBackend(c, u, backend)
	if err != nil {
		return err
	}
	s, err := session.Lookup(c)
	if err != nil {
		return ErrNoSessionMiddleware
	}
	ctx := c.Request.Context()
	// Everything that can fail runs before the session changes, so a failed login leaves
	// the previous session as it was.
	var version string
	if a.versions != nil {
		v, err := a.versions.AuthVersion(ctx, u.ID)
		if err != nil {
			return fmt.Errorf("authx: login: reading the auth version: %w", err)
		}
		version = strconv.FormatInt(v, 10)
	}
	var hash [authHashHexLen]byte
	a.secret.hexSum(u.Password, &hash)
	id := strconv.FormatInt(u.ID, 10)

	if err := s.Err(); err != nil {
		return fmt.Errorf("authx: login: %w", err)
	}
	if prev := s.GetString(SessionKeyUserID); prev != "" &&
		(prev != id || !equalHex(s.GetString(SessionKeyHash), &hash)) {
		// Django: "To avoid reusing another user's session, create a new, empty session."
		err = s.Flush()
	} else {
		err = s.Regenerate()
	}
	if err != nil {
		return fmt.Errorf("authx: login: %w", err)
	}
	s.Set(SessionKeyUserID, id)
	s.Set(SessionKeyBackend, backend)
	s.Set(SessionKeyHash, string(hash[:]))
	if version != "" {
		s.Set(SessionKeyAuthVersion, version)
	} else {
		s.Delete(SessionKeyAuthVersion)
	}
	csrfx.Rotate(c)
	if err := a.users.UpdateLastLogin(ctx, u); err != nil {
		a.log.WarnContext(ctx, "authx: login: last_login could not be saved", "user_id", u.ID, "err", err)
	}
	SetUser(c, u, backend)
	a.signals.UserLoggedIn.send(LoginEvent{Context: c, User: u, Backend: backend})
	return nil
}

func (a *Auth) loginBackend(c *gin.Context, u *User, name string) (string, error) {
	if name != "" {
		if a.backend(name) == nil {
			return "", fmt.Errorf("%w: backend %q is not configured", ErrCannotLogin, name)
		}
		return name, nil
	}
	if v, ok := c.Get(authenticatedKey{}); ok {
		if r, ok := v.(authenticated); ok && r.userID == u.ID {
			return r.backend, nil
		}
	}
	if len(a.backends) == 1 {
		return a.backends[0].Name(), nil
	}
	// Django: "You have multiple authentication backends configured and therefore must
	// provide the `backend` argument or set the `backend` attribute on the user."
	return "", fmt.Errorf("%w: several backends are configured; pass the backend's name", ErrCannotLogin)
}

// Logout ends the login: UserLoggedOut is sent (with the user, if any), the session is
// flushed (deleted from the store, its cookie expired), the CSRF secret rotated and the
// request's user becomes anonymous. The local session is emptied even when the store
// cannot be reached; the error then says the stored session may outlive the logout.
// Django: logout().
//
// With the cookie session store nothing is kept on the server, so a copy of the cookie
// taken before the logout still works until it expires (Django's caveat for signed-cookie
// sessions); use a server-side store where that matters, or LogoutEverywhere.
func (a *Auth) Logout(c *gin.Context) error {
	s, err := session.Lookup(c)
	if err != nil {
		return ErrNoSessionMiddleware
	}
	u := CurrentUser(c)
	a.signals.UserLoggedOut.send(LogoutEvent{Context: c, User: u})
	err = s.Flush()
	csrfx.Rotate(c)
	SetUser(c, nil, "")
	if err != nil {
		return fmt.Errorf("authx: logout: %w", err)
	}
	return nil
}

// UpdateSessionAuthHash keeps this request's session logged in after u's password changed:
// the session moves to a new key and, when u is the session's user, stores u's new
// session-auth hash. Every other session of u stops working on its next request. Call it
// after saving the new password. Django: update_session_auth_hash().
func (a *Auth) UpdateSessionAuthHash(c *gin.Context, u *User) error {
	s, err := session.Lookup(c)
	if err != nil {
		return ErrNoSessionMiddleware
	}
	if err := s.Regenerate(); err != nil {
		return fmt.Errorf("authx: update session auth hash: %w", err)
	}
	if u == nil || s.GetString(SessionKeyUserID) != strconv.FormatInt(u.ID, 10) {
		return nil
	}
	var hash [authHashHexLen]byte
	a.secret.hexSum(u.Password, &hash)
	s.Set(SessionKeyHash, string(hash[:]))
	if cur := CurrentUser(c); cur != nil && cur.ID == u.ID {
		SetUser(c, u, AuthBackend(c))
	}
	return nil
}

// ChangePassword validates and saves raw as u's new password (UserManager.SetPassword),
// sends PasswordChanged, and, when u is the request's logged-in user, keeps this session
// logged in (UpdateSessionAuthHash). Every other session of u is logged out by the change.
// A refused password is a PasswordValidationErrors and changes nothing.
func (a *Auth) ChangePassword(c *gin.Context, u *User, raw string) error {
	if err := a.users.SetPassword(c.Request.Context(), u, raw); err != nil {
		return err
	}
	a.signals.PasswordChanged.send(PasswordChangeEvent{Context: c, User: u})
	if cur := CurrentUser(c); cur != nil && cur.ID == u.ID {
		return a.UpdateSessionAuthHash(c, u)
	}
	return nil
}

// LogoutEverywhere ends every session of the user, in every store and on every instance,
// and returns the user's new auth version: each session recorded the version at login and
// is flushed on its next request once the version has moved on. The JWT integration
// checks the same version, so tokens stop working too. It needs AuthConfig.AuthVersions.
func (a *Auth) LogoutEverywhere(ctx context.Context, userID int64) (int64, error) {
	if a.versions == nil {
		return 0, ErrNoAuthVersionStore
	}
	v, err := a.versions.BumpAuthVersion(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("authx: logout everywhere: %w", err)
	}
	return v, nil
}
