package authx

import (
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestCurrentUserLoadsOnceAndOnlyWhenAsked(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	loads := 0
	SetUserLoader(c, func(*gin.Context) (*User, string, error) {
		loads++
		return &User{ID: 7, Username: "ada"}, "session", nil
	})
	if loads != 0 {
		t.Fatal("loader ran before the user was asked for")
	}
	for i := 0; i < 3; i++ {
		if u := CurrentUser(c); u == nil || u.ID != 7 {
			t.Fatalf("user = %v", u)
		}
	}
	if loads != 1 || AuthBackend(c) != "session" {
		t.Fatalf("loads = %d, backend %q", loads, AuthBackend(c))
	}
}

func TestCurrentUserAnonymousCases(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if _, err := CurrentUserErr(c); !errors.Is(err, ErrNoAuthMiddleware) {
		t.Fatalf("no middleware: err = %v", err)
	}
	if u := CurrentUser(c); u.IsAuthenticated() {
		t.Fatal("no middleware: authenticated")
	}
	outage := errors.New("store down")
	SetUserLoader(c, func(*gin.Context) (*User, string, error) { return &User{ID: 1}, "session", outage })
	if u, err := CurrentUserErr(c); u != nil || !errors.Is(err, outage) {
		t.Fatalf("failed load must be anonymous with the error: %v %v", u, err)
	}
	SetUser(c, nil, "")
	if CurrentUser(c) != nil || AuthBackend(c) != "" {
		t.Fatal("SetUser(nil) is not anonymous")
	}
}

// TestUserKeyIsThePrimaryKeyOrEmpty: UserKey gives the user's id in decimal, and "" for an
// anonymous request, a request no authentication middleware saw and a user that could not
// be loaded.
func TestUserKeyIsThePrimaryKeyOrEmpty(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if k := UserKey(c); k != "" {
		t.Fatalf("no middleware: %q", k)
	}
	SetUserLoader(c, func(*gin.Context) (*User, string, error) { return nil, "", errors.New("store down") })
	if k := UserKey(c); k != "" {
		t.Fatalf("a failed load: %q", k)
	}
	SetUser(c, nil, "")
	if k := UserKey(c); k != "" {
		t.Fatalf("anonymous: %q", k)
	}
	SetUser(c, &User{ID: 4211, Username: "ada"}, "session")
	if k := UserKey(c); k != "4211" {
		t.Fatalf("user 4211: %q", k)
	}
}

func TestSessionAuthHashFollowsThePassword(t *testing.T) {
	u := &User{ID: 1, Password: "pbkdf2_sha256$1$salt$hash"}
	a, err := SessionAuthHash(u, "django_tests_secret_key")
	if err != nil || len(a) != 64 {
		t.Fatalf("%q %v", a, err)
	}
	b, _ := SessionAuthHash(u, "django_tests_secret_key")
	u.Password = "pbkdf2_sha256$1$salt$other"
	c2, _ := SessionAuthHash(u, "django_tests_secret_key")
	if a != b || a == c2 {
		t.Fatal("the hash must be stable for one password and change with it")
	}
	if _, err := SessionAuthHash(u, ""); err == nil {
		t.Fatal("empty secret accepted")
	}
}
