package jwt

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	ginjwt "github.com/appleboy/gin-jwt/v3"
	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/bench/internal/harness"
	"github.com/gin-gonic/gin"
	gojwt "github.com/golang-jwt/jwt/v5"
)

const secret = "bench-secret-key-of-at-least-32-bytes-0123456789"

// fixture is a user in a memory store, the store being shared by both libraries.
type fixture struct {
	store *authx.MemoryStore
	user  *authx.User
}

func newFixture(tb testing.TB) fixture {
	store, err := authx.NewMemoryStore(authx.MemoryStoreConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	u := &authx.User{Username: "ann", IsActive: true, Password: "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHRzYWx0$cVGSvZ4hDW0ZfoWBM9E3LrdM6Ov3QTeTJH5yP9p+2LY"}
	if err := store.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	return fixture{store: store, user: u}
}

func (f fixture) djin(tb testing.TB) *authx.JWT {
	j, err := authx.NewJWT(authx.JWTConfig{
		Users:     f.store,
		SecretKey: secret,
		Authenticate: func(*gin.Context, string, string) (*authx.User, error) {
			return nil, nil // the benchmarks never log in through the handler
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return j
}

// ginJWT builds gin-jwt with HS256 on the same secret. With load, its IdentityHandler
// loads the user from the store, as the view needs it.
func (f fixture) ginJWT(tb testing.TB, load bool) *ginjwt.GinJWTMiddleware {
	mw := &ginjwt.GinJWTMiddleware{
		Realm:       "api",
		Key:         []byte(secret),
		Timeout:     5 * time.Minute,
		MaxRefresh:  24 * time.Hour,
		IdentityKey: "id",
		PayloadFunc: func(data any) gojwt.MapClaims {
			u := data.(*authx.User)
			return gojwt.MapClaims{"id": strconv.FormatInt(u.ID, 10)}
		},
		Authenticator: func(*gin.Context) (any, error) { return nil, ginjwt.ErrFailedAuthentication },
	}
	if load {
		mw.IdentityHandler = func(c *gin.Context) any {
			id, _ := strconv.ParseInt(ginjwt.ExtractClaims(c)["id"].(string), 10, 64)
			u, err := f.store.GetUser(c.Request.Context(), id)
			if err != nil || !u.IsActive {
				return nil
			}
			return u
		}
		mw.Authorizer = func(_ *gin.Context, data any) bool { return data != nil }
	}
	m, err := ginjwt.New(mw)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// api routes GET /api/me/ behind mw to a view that answers 200 when it has a user.
func api(mw gin.HandlerFunc, user func(c *gin.Context) bool) *gin.Engine {
	r := gin.New()
	r.GET("/api/me/", mw, func(c *gin.Context) {
		if !user(c) {
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		c.String(http.StatusOK, harness.Body)
	})
	return r
}

func bearer(token string) *harness.Request {
	return &harness.Request{Target: "/api/me/", TLS: true, Header: map[string]string{"Authorization": "Bearer " + token}}
}

// tamper flips a character of the signature.
func tamper(token string) string {
	b := []byte(token)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func verifyComparison(tb testing.TB, f fixture, bad bool) (harness.Case, []harness.Impl) {
	ctx := context.Background()
	c := harness.Case{Status: http.StatusOK}
	if bad {
		c.Status = http.StatusUnauthorized
	}
	token := func(s string) string {
		if bad {
			return tamper(s)
		}
		return s
	}

	j := f.djin(tb)
	pair, err := j.IssuePair(ctx, f.user)
	if err != nil {
		tb.Fatal(err)
	}
	impls := []harness.Impl{{Name: "djin", Request: bearer(token(pair.Access)), Handler: func(testing.TB) http.Handler {
		return api(j.Middleware(), func(c *gin.Context) bool { return authx.CurrentUser(c) != nil })
	}}}

	for _, v := range []struct {
		name string
		load bool
	}{{"gin-jwt", true}, {"gin-jwt-claims", false}} {
		mw := f.ginJWT(tb, v.load)
		tok, err := mw.TokenGenerator(ctx, f.user)
		if err != nil {
			tb.Fatal(err)
		}
		impls = append(impls, harness.Impl{Name: v.name, Request: bearer(token(tok.AccessToken)), Handler: func(testing.TB) http.Handler {
			return api(mw.MiddlewareFunc(), func(c *gin.Context) bool { _, ok := c.Get("id"); return ok })
		}})
	}
	if !bad {
		impls = append(impls, harness.Baseline(func() http.Handler {
			return api(func(c *gin.Context) {}, func(*gin.Context) bool { return true })
		}, bearer(pair.Access)))
	}
	return c, impls
}

func BenchmarkJWT(b *testing.B) {
	for _, bad := range []bool{false, true} {
		name := "case=verify"
		if bad {
			name = "case=bad-signature"
		}
		b.Run(name, func(b *testing.B) {
			c, impls := verifyComparison(b, newFixture(b), bad)
			harness.Compare(b, c, impls...)
		})
	}
}

func BenchmarkJWTIssue(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	b.Run("impl=djin", func(b *testing.B) {
		j := f.djin(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := j.IssuePair(ctx, f.user); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=gin-jwt", func(b *testing.B) {
		mw := f.ginJWT(b, true)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mw.TokenGenerator(ctx, f.user); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestJWTSetup(t *testing.T) {
	for _, bad := range []bool{false, true} {
		c, impls := verifyComparison(t, newFixture(t), bad)
		harness.Verify(t, c, impls...)
	}
}

// TestJWTRefusesDeletedUsers: once the user is deleted, djin and gin-jwt loading the user
// refuse its unexpired token; gin-jwt on claims alone still serves it, which is the work
// it skips.
func TestJWTRefusesDeletedUsers(t *testing.T) {
	f := newFixture(t)
	_, impls := verifyComparison(t, f, false)
	if err := f.store.DeleteUser(context.Background(), f.user.ID); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"djin": false, "gin-jwt": false, "gin-jwt-claims": true}
	for _, impl := range impls {
		served, ok := want[impl.Name]
		if !ok {
			continue
		}
		w := httptest.NewRecorder()
		impl.Handler(t).ServeHTTP(w, impl.Request.Build())
		if got := w.Code == http.StatusOK; got != served {
			t.Errorf("%s: status %d after the user was deleted", impl.Name, w.Code)
		}
	}
}
