package authx

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/gin-gonic/gin"
)

// TestPasswordChangeLogsOutOtherSessionsOnEveryStore: the session that changes the password
// stays logged in; every other session of the user is logged out on its next request, with
// every session store, the cookie store included (Django's get_user hash check).
func TestPasswordChangeLogsOutOtherSessionsOnEveryStore(t *testing.T) {
	for _, st := range sessionStores {
		t.Run(st.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{store: st.open(t)})
			laptop, phone := f.client(), f.client()
			laptop.mustLogin()
			phone.mustLogin()
			keyBefore := laptop.whoami().Key
			r := laptop.post("/password_change/", url.Values{
				"old_password": {testPassword}, "new_password1": {"n3w-passw0rd"}, "new_password2": {"n3w-passw0rd"},
			})
			if r.status != http.StatusFound || r.location != DefaultPasswordChangeDoneURL {
				t.Fatalf("password change: %d %q %s", r.status, r.location, r.body)
			}
			w := laptop.whoami()
			if w.User != testUsername {
				t.Fatalf("the session that changed the password was logged out: %+v", w)
			}
			if w.Key == keyBefore {
				t.Error("UpdateSessionAuthHash did not cycle the session key")
			}
			if w := phone.whoami(); w.User != "" {
				t.Fatalf("the other session is still logged in after the password change: %+v", w)
			}
			if r := phone.get("/login_required/"); r.status != http.StatusFound {
				t.Fatalf("the other session reached a protected page: %d", r.status)
			}
		})
	}
}

// Django: test_changed_password_invalidates_session. A password saved elsewhere (the
// changepassword command, an admin) makes the session anonymous and flushes it.
func TestChangedPasswordInvalidatesSession(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.client()
	c.mustLogin()
	if err := f.users.SetPassword(t.Context(), f.user, "new_password"); err != nil {
		t.Fatal(err)
	}
	w := c.whoami()
	if w.User != "" {
		t.Fatalf("user = %q after a password change", w.User)
	}
	if w.Key != "" {
		t.Fatalf("session key = %q; the session was not flushed", w.Key)
	}
}

// Django: test_no_password_change_doesnt_invalidate_session.
func TestNoPasswordChangeDoesntInvalidateSession(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.client()
	c.mustLogin()
	key := c.whoami().Key
	for range 3 {
		if w := c.whoami(); w.User != testUsername || w.Key != key {
			t.Fatalf("whoami = %+v", w)
		}
	}
}

// A hash upgrade at login (an old pbkdf2 hash re-hashed with the preferred hasher) changes
// the session-auth hash, as in Django: the session being logged in is fine.
func TestLoginWithHashUpgradeKeepsTheNewSession(t *testing.T) {
	cfg := cheapHashersConfig()
	cfg.Algorithms = []string{AlgorithmArgon2, AlgorithmPBKDF2SHA256}
	hashers, err := NewPasswordHashers(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, fixtureConfig{hashers: hashers})
	weak := weakPBKDF2Hash(t, testPassword)
	if err := f.users.Store().SetPasswordHash(t.Context(), f.user.ID, weak); err != nil {
		t.Fatal(err)
	}
	c := f.client()
	c.mustLogin()
	u, _ := f.users.Store().GetUser(t.Context(), f.user.ID)
	if u.Password == weak {
		t.Fatal("the hash was not upgraded at login")
	}
	if w := c.whoami(); w.User != testUsername {
		t.Fatalf("after the upgrade: %+v", w)
	}
}

// Django: test_get_user_fallback_secret. A session hashed with a secret now listed in
// SecretKeyFallbacks is accepted, moved to a new key and re-hashed with the current secret,
// so it survives the old secret's removal.
func TestSessionAuthHashFallbackSecret(t *testing.T) {
	const oldSecret, newSecret = "the-old-secret-key-0123456789abcdef", "the-new-secret-key-0123456789abcdef"
	f := newFixture(t, fixtureConfig{auth: AuthConfig{SecretKey: oldSecret}})
	c := f.client()
	c.mustLogin()
	before := c.whoami().Key

	rotated := f.server(fixtureConfig{auth: AuthConfig{SecretKey: newSecret, SecretKeyFallbacks: []string{oldSecret}}})
	c.use(rotated)
	w := c.whoami()
	if w.User != testUsername || w.Key == before {
		t.Fatalf("with the old secret as a fallback: %+v (key before %q)", w, before)
	}
	want, _ := SessionAuthHash(f.user, newSecret)
	if got := c.session()[SessionKeyHash]; got != want {
		t.Fatalf("the session hash was not re-keyed: %v", got)
	}

	retired := f.server(fixtureConfig{auth: AuthConfig{SecretKey: newSecret}})
	c.use(retired)
	if w := c.whoami(); w.User != testUsername {
		t.Fatalf("after removing the fallback: %+v", w)
	}

	// A session hashed with a secret that is neither current nor a fallback is flushed.
	other := f.server(fixtureConfig{auth: AuthConfig{SecretKey: "an-unrelated-secret-key-0123456789"}})
	c.use(other)
	if w := c.whoami(); w.User != "" || w.Key != "" {
		t.Fatalf("with an unknown secret: %+v", w)
	}
}

// The auth version bump logs out every session of the user, on every instance, and leaves
// other users alone.
func TestLogoutEverywhereEndsEverySession(t *testing.T) {
	versions := NewMemoryAuthVersionStore()
	f := newFixture(t, fixtureConfig{auth: AuthConfig{AuthVersions: versions}})
	other, err := f.users.CreateUser(t.Context(), UserParams{Username: "bystander", Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	second := f.server(fixtureConfig{auth: AuthConfig{AuthVersions: versions}})
	a, b, bystander := f.client(), f.client(), f.client()
	a.mustLogin()
	b.use(second)
	b.mustLogin()
	if r := bystander.login(other.Username, testPassword); r.status != http.StatusFound {
		t.Fatal("bystander login failed")
	}
	v, err := f.auth.LogoutEverywhere(t.Context(), f.user.ID)
	if err != nil || v != 1 {
		t.Fatalf("LogoutEverywhere = %d, %v", v, err)
	}
	for name, c := range map[string]*testClient{"first instance": a, "second instance": b} {
		if w := c.whoami(); w.User != "" || w.Key != "" {
			t.Errorf("%s: still logged in after the bump: %+v", name, w)
		}
	}
	if w := bystander.whoami(); w.User != "bystander" {
		t.Errorf("another user was logged out: %+v", w)
	}
	// Logging in again records the new version.
	a.mustLogin()
	if got := a.session()[SessionKeyAuthVersion]; got != "1" {
		t.Fatalf("version in the new session = %v", got)
	}
}

func TestLogoutEverywhereWithoutStore(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	if _, err := f.auth.LogoutEverywhere(t.Context(), f.user.ID); !errors.Is(err, ErrNoAuthVersionStore) {
		t.Fatalf("err = %v", err)
	}
}

// A session made before auth versions were configured has no version: it is version 0, valid
// until the user's first bump.
func TestSessionWithoutVersion(t *testing.T) {
	versions := NewMemoryAuthVersionStore()
	f := newFixture(t, fixtureConfig{})
	c := f.client()
	c.mustLogin()
	c.use(f.server(fixtureConfig{auth: AuthConfig{AuthVersions: versions}}))
	if w := c.whoami(); w.User != testUsername {
		t.Fatalf("an unversioned session was refused: %+v", w)
	}
	if _, err := versions.BumpAuthVersion(t.Context(), f.user.ID); err != nil {
		t.Fatal(err)
	}
	if w := c.whoami(); w.User != "" {
		t.Fatalf("an unversioned session survived a bump: %+v", w)
	}
}

// Values in the session that this code never writes (a tampered or foreign session) end in
// an anonymous request, never a panic or a 500.
func TestTamperedSessionValues(t *testing.T) {
	cases := []struct {
		name      string
		values    map[string]string
		wantFlush bool
	}{
		{"id not a number", map[string]string{SessionKeyUserID: "1 OR 1=1", SessionKeyBackend: ModelBackendName}, true},
		{"negative id", map[string]string{SessionKeyUserID: "-1", SessionKeyBackend: ModelBackendName}, true},
		{"huge id", map[string]string{SessionKeyUserID: "99999999999999999999999", SessionKeyBackend: ModelBackendName}, true},
		{"unknown backend", map[string]string{SessionKeyUserID: "1", SessionKeyBackend: "django.contrib.auth.backends.RemoteUserBackend"}, false},
		{"missing user", map[string]string{SessionKeyUserID: "4242", SessionKeyBackend: ModelBackendName}, false},
		{"forged hash", map[string]string{SessionKeyUserID: "1", SessionKeyBackend: ModelBackendName, SessionKeyHash: "00"}, true},
		{"hash of the right length", map[string]string{SessionKeyUserID: "1", SessionKeyBackend: ModelBackendName,
			SessionKeyHash: "0000000000000000000000000000000000000000000000000000000000000000"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, fixtureConfig{routes: func(r *gin.Engine, a *Auth) {
				r.GET("/plant/", func(c *gin.Context) {
					s := session.Get(c)
					for k, v := range tc.values {
						s.Set(k, v)
					}
				})
			}})
			c := f.client()
			c.get("/plant/")
			w := c.whoami()
			if w.User != "" || w.Err != "" {
				t.Fatalf("whoami = %+v", w)
			}
			if flushed := w.Key == ""; flushed != tc.wantFlush {
				t.Fatalf("flushed = %v, want %v", flushed, tc.wantFlush)
			}
		})
	}
	// A non-string value where a string belongs (another serializer, a hand-edited row).
	f := newFixture(t, fixtureConfig{routes: func(r *gin.Engine, a *Auth) {
		r.GET("/plant/", func(c *gin.Context) { session.Get(c).Set(SessionKeyUserID, 1) })
	}})
	c := f.client()
	c.get("/plant/")
	if w := c.whoami(); w.User != "" {
		t.Fatalf("an integer user id logged in: %+v", w)
	}
}

func TestDeactivatedUserIsLoggedOut(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	c := f.client()
	c.mustLogin()
	u, _ := f.users.Store().GetUser(t.Context(), f.user.ID)
	u.IsActive = false
	if err := f.users.Store().UpdateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	if w := c.whoami(); w.User != "" {
		t.Fatalf("an inactive user is still logged in: %+v", w)
	}
}

// countingStore counts GetUser calls and can fail them.
type countingStore struct {
	Store
	gets atomic.Int64
	fail atomic.Bool
}

func (s *countingStore) GetUser(ctx context.Context, id int64) (*User, error) {
	s.gets.Add(1)
	if s.fail.Load() {
		return nil, errors.New("database is down")
	}
	return s.Store.GetUser(ctx, id)
}

// The user is loaded lazily, at most once per request: a page that never asks costs no
// store read; a store failure is an error for CurrentUserErr and anonymous for CurrentUser,
// and the session is kept for when the store is back.
func TestCurrentUserIsLazyAndCachedPerRequest(t *testing.T) {
	store := &countingStore{Store: newMemoryStore(t, nil, storeTestClock)}
	f := newFixture(t, fixtureConfig{userStore: store, routes: func(r *gin.Engine, a *Auth) {
		r.GET("/nothing/", func(c *gin.Context) { c.Status(http.StatusOK) })
		r.GET("/thrice/", func(c *gin.Context) {
			CurrentUser(c)
			CurrentUser(c)
			c.String(http.StatusOK, CurrentUser(c).GetUsername())
		})
	}})
	c := f.client()
	c.mustLogin()
	store.gets.Store(0)
	c.get("/nothing/")
	if n := store.gets.Load(); n != 0 {
		t.Fatalf("a page that never asked for the user read the store %d times", n)
	}
	if r := c.get("/thrice/"); r.body != testUsername {
		t.Fatalf("/thrice/ = %q", r.body)
	}
	if n := store.gets.Load(); n != 1 {
		t.Fatalf("three CurrentUser calls read the store %d times", n)
	}
	store.fail.Store(true)
	w := c.whoami()
	if w.User != "" || w.Err == "" {
		t.Fatalf("with the store down: %+v", w)
	}
	store.fail.Store(false)
	if w := c.whoami(); w.User != testUsername {
		t.Fatalf("the session did not survive a store outage: %+v", w)
	}
}

// bearerAuth accepts "Authorization: Bearer good" as the user it holds.
type bearerAuth struct{ user *User }

func (b bearerAuth) Name() string { return "bearer" }

func (b bearerAuth) AuthenticateRequest(c *gin.Context) (*User, bool, error) {
	h := c.GetHeader("Authorization")
	switch h {
	case "":
		return nil, false, nil
	case "Bearer good":
		return b.user, true, nil
	}
	return nil, false, errors.New("invalid token")
}

// RequestAuthenticators come first; a credential that is present and invalid makes the
// request anonymous, even when the session is logged in.
func TestRequestAuthenticators(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	robot, err := f.users.CreateUser(t.Context(), UserParams{Username: "robot"})
	if err != nil {
		t.Fatal(err)
	}
	api := f.server(fixtureConfig{auth: AuthConfig{RequestAuthenticators: []RequestAuthenticator{bearerAuth{robot}}}})
	c := f.client()
	c.use(api)
	c.mustLogin()
	whoamiWith := func(h string) whoamiAnswer {
		t.Helper()
		r := c.request(http.MethodGet, "/whoami/", nil, http.Header{"Authorization": {h}})
		var w whoamiAnswer
		if err := jsonUnmarshal(r.body, &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := whoamiWith("Bearer good"); w.User != "robot" || w.Backend != "bearer" {
		t.Fatalf("valid bearer: %+v", w)
	}
	if w := whoamiWith("Bearer forged"); w.User != "" || w.Err == "" {
		t.Fatalf("an invalid bearer fell back to the session: %+v", w)
	}
	if w := c.whoami(); w.User != testUsername || w.Backend != ModelBackendName {
		t.Fatalf("no credential: %+v", w)
	}
	r := c.request(http.MethodGet, "/login_required/", nil, http.Header{"Authorization": {"Bearer forged"}})
	if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("protected page with an invalid bearer: %d %v", r.status, r.header)
	}
}

// Without the sessions middleware the user is anonymous with a clear error, never a panic.
func TestAuthMiddlewareWithoutSessions(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	r := gin.New()
	r.Use(ginmw.Chain(f.auth))
	r.GET("/", whoami)
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	var w whoamiAnswer
	if err := jsonUnmarshal(rec.Body.String(), &w); err != nil {
		t.Fatal(err)
	}
	if w.User != "" || w.Err != ErrNoSessionMiddleware.Error() {
		t.Fatalf("whoami = %+v", w)
	}
}

func TestAuthHasherMatchesSessionAuthHash(t *testing.T) {
	for _, pw := range []string{"", "pbkdf2_sha256$1000$salt$hash", UnusablePassword(), string(make([]byte, 300))} {
		u := &User{Password: pw}
		want, err := SessionAuthHash(u, testSecret)
		if err != nil {
			t.Fatal(err)
		}
		var got [authHashHexLen]byte
		newAuthHasher(testSecret).hexSum(pw, &got)
		if string(got[:]) != want {
			t.Fatalf("hexSum(%q) = %s, want %s", pw, got, want)
		}
		if !equalHex(want, &got) || equalHex(want[:63]+"0", &got) && want[63] != '0' || equalHex(want+"0", &got) {
			t.Fatal("equalHex")
		}
	}
}

func TestVersionMatches(t *testing.T) {
	for _, tc := range []struct {
		stored  string
		current int64
		want    bool
	}{
		{"", 0, true}, {"", 1, false}, {"0", 0, true}, {"3", 3, true}, {"3", 4, false},
		{"x", 0, false}, {"03", 3, true}, {"-0", 0, true}, {strconv.Itoa(1 << 62), 1 << 62, true},
	} {
		if got := versionMatches(tc.stored, tc.current); got != tc.want {
			t.Errorf("versionMatches(%q, %d) = %v", tc.stored, tc.current, got)
		}
	}
}

// The settings entries: "auth" needs "sessions" above it and the "auth" service.
func TestAuthFactory(t *testing.T) {
	f := newFixture(t, fixtureConfig{})
	env := ginmw.Env{Services: map[string]any{ServiceAuth: f.auth}}
	if _, err := ginmw.Build(env, ginmw.Names("auth")...); !errors.Is(err, ginmw.ErrOrder) {
		t.Fatalf("auth without sessions: %v", err)
	}
	if _, err := ginmw.Build(ginmw.Env{}, ginmw.Names("sessions", "auth")...); !errors.Is(err, ginmw.ErrMissingService) {
		t.Fatalf("auth without the service: %v", err)
	}
	bad := ginmw.Env{Services: map[string]any{ServiceAuth: "not an auth"}}
	if _, err := ginmw.Build(bad, ginmw.Names("sessions", "auth")...); err == nil {
		t.Fatal("a wrong service type was accepted")
	}
	mws, err := ginmw.Build(env, ginmw.Names("sessions", "auth", "login_required")...)
	if err != nil {
		t.Fatal(err)
	}
	if len(mws) != 3 {
		t.Fatalf("built %d middlewares", len(mws))
	}
	if _, err := ginmw.Build(env, ginmw.Names("sessions", "login_required")...); !errors.Is(err, ginmw.ErrOrder) {
		t.Fatalf("login_required without auth: %v", err)
	}
}

// lookupBench is an engine with a logged-in session cookie and three views: "/" asks for
// the user, "/session/" only reads the session, "/baseline/" does neither.
func lookupBench(tb testing.TB, kind string, versions bool) (*gin.Engine, *http.Cookie) {
	tb.Helper()
	var users *UserManager
	if b, ok := tb.(*testing.B); ok {
		users = benchUsers(b, kind)
	} else {
		users = newTestUserManager(tb.(*testing.T), UserManagerConfig{Hashers: cheapPasswordHashers(tb), PasswordValidators: []PasswordValidator{}})
	}
	u, err := users.CreateUser(context.Background(), UserParams{Username: "bench", Password: "x"})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := AuthConfig{Users: users, SecretKey: testSecret, Throttle: NoLoginThrottle}
	if versions {
		cfg.AuthVersions = NewMemoryAuthVersionStore()
	}
	a, err := NewAuth(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	sm, _ := session.New(session.Config{})
	r := gin.New()
	r.Use(ginmw.Chain(sm, a))
	r.GET("/login/", func(c *gin.Context) {
		if err := a.Login(c, u, ""); err != nil {
			tb.Fatal(err)
		}
	})
	r.GET("/", func(c *gin.Context) {
		if u, err := CurrentUserErr(c); u == nil {
			tb.Fatal("anonymous: ", err)
		}
	})
	r.GET("/session/", func(c *gin.Context) { session.Get(c).Get(SessionKeyUserID) })
	r.GET("/baseline/", func(c *gin.Context) {})
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login/", nil))
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == session.DefaultCookieName {
			return r, ck
		}
	}
	tb.Fatal("no session cookie after login")
	return nil, nil
}

// BenchmarkCurrentUser is one request of a logged-in user through sessions and auth, with
// the view asking for the user: session load and decode, one user read, the session-auth
// hash check (and one auth-version read with +versions). "session" is the same request
// with a view that only reads the session, "baseline" one that does neither: the
// differences are the cost of the session and of request.user.
func BenchmarkCurrentUser(b *testing.B) {
	for _, name := range []string{"memory", "sqlite", "memory+versions"} {
		b.Run(name, func(b *testing.B) {
			r, cookie := lookupBench(b, strings.TrimSuffix(name, "+versions"), strings.HasSuffix(name, "+versions"))
			for _, path := range []string{"/", "/session/", "/baseline/"} {
				b.Run(strings.Trim(path, "/")+"view", func(b *testing.B) {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.AddCookie(cookie)
					b.ReportAllocs()
					for b.Loop() {
						r.ServeHTTP(httptest.NewRecorder(), req)
					}
				})
			}
		})
	}
}

// The user lookup itself (beyond loading the session) stays within a small allocation
// budget: the loader slot, the user copy the store returns, nothing per hash check.
func TestCurrentUserAllocationBudget(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own")
	}
	r, cookie := lookupBench(t, "memory", false)
	allocs := func(path string) float64 {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		return testing.AllocsPerRun(200, func() { r.ServeHTTP(httptest.NewRecorder(), req) })
	}
	user, sess := allocs("/"), allocs("/session/")
	if extra := user - sess; extra > 3 {
		t.Fatalf("the user lookup costs %.0f allocations beyond reading the session (%.0f vs %.0f), budget 3", extra, user, sess)
	}
}
