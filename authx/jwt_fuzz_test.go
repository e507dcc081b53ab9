package authx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// FuzzJWTBearer feeds arbitrary Authorization headers to the bearer-token path. It must
// never panic, and must authenticate nobody unless the header carries, byte for byte, the
// one genuine token: no mutation of a token (a flipped bit, padding, another base64
// spelling, another JSON spelling) may verify.
func FuzzJWTBearer(f *testing.F) {
	fx := newJWTFixture(f, nil)
	pair := fx.issue(f, fx.alice)
	parts := strings.Split(pair.Access, ".")
	for _, seed := range []string{
		"Bearer " + pair.Access,
		"bearer " + pair.Access,
		"Bearer " + pair.Refresh,
		"Bearer " + pair.Access + "=",
		"Bearer " + parts[0] + "." + parts[1] + ".",
		"Bearer " + parts[0] + ".." + parts[2],
		"Bearer eyJhbGciOiJub25lIn0." + parts[1] + ".",
		"Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6Int9In0.e30.",
		"Bearer " + strings.Repeat("a.", 3000),
		"Bearer",
		"Bearer ",
		"Basic YWxpY2U6eA==",
		"",
		"Bearer \x00.\xff.\x80",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		c.Request.Header = http.Header{"Authorization": {header}}
		u, ok, err := fx.j.AuthenticateRequest(c)
		if err != nil && (u != nil || !ok || !errors.Is(err, ErrTokenInvalid)) {
			t.Fatalf("error %v with user %v, ok %v: want a bare ErrTokenInvalid", err, u, ok)
		}
		if u == nil {
			return
		}
		scheme, token, _ := strings.Cut(header, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.Trim(token, " \t") != pair.Access {
			t.Fatalf("authenticated %q from header %q", u.Username, header)
		}
	})
}
