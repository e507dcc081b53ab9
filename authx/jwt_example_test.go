package authx_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/djin-go/djin/authx"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// An API with token authentication, in the style of djangorestframework-simplejwt: obtain
// a pair with a username and password, call the API with the access token, refresh, log
// out.
func ExampleNewJWT() {
	ctx := context.Background()
	users, err := authx.NewUserManager(authx.UserManagerConfig{Store: authx.DefaultMemoryStore()})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := users.CreateUser(ctx, authx.UserParams{Username: "q1mi", Password: "correct horse battery"}); err != nil {
		log.Fatal(err)
	}

	j, err := authx.NewJWT(authx.JWTConfig{
		Users:     users.Store(),
		SecretKey: "example-secret-key-of-at-least-32-bytes!",
		// An application plugs authx's Authenticate in here; this one shows the rules
		// it follows: the same answer, and the same work, for every failure.
		Authenticate: func(c *gin.Context, username, password string) (*authx.User, error) {
			u, err := users.Store().GetUserByUsername(c.Request.Context(), username)
			if err != nil {
				users.Hashers().RunDummy(password)
				return nil, nil
			}
			if ok, err := users.CheckPassword(c.Request.Context(), u, password); !ok || err != nil {
				return nil, err
			}
			return u, nil
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	r := gin.New()
	r.POST("/api/token/", j.ObtainHandler)
	r.POST("/api/token/refresh/", j.RefreshHandler)
	r.POST("/api/token/revoke/", j.RevokeHandler)
	api := r.Group("/api", j.Middleware()) // bearer tokens only: no cookies, no CSRF needed
	api.GET("/me/", func(c *gin.Context) {
		if u := authx.CurrentUser(c); u != nil {
			c.String(http.StatusOK, "hello "+u.Username)
			return
		}
		c.String(http.StatusOK, "hello stranger")
	})

	call := func(method, path, body, access string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if access != "" {
			req.Header.Set("Authorization", "Bearer "+access)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}
	var pair struct{ Access, Refresh string }

	code, body := call("POST", "/api/token/", `{"username":"q1mi","password":"correct horse battery"}`, "")
	_ = json.Unmarshal([]byte(body), &pair)
	fmt.Println("obtain:", code)

	_, body = call("GET", "/api/me/", "", pair.Access)
	fmt.Println(body)

	code, body = call("POST", "/api/token/refresh/", `{"refresh":"`+pair.Refresh+`"}`, "")
	_ = json.Unmarshal([]byte(body), &pair)
	fmt.Println("refresh:", code)

	code, _ = call("POST", "/api/token/revoke/", `{"refresh":"`+pair.Refresh+`"}`, "")
	fmt.Println("logout:", code)

	code, body = call("GET", "/api/me/", "", pair.Access)
	fmt.Println(code, body)

	code, body = call("POST", "/api/token/", `{"username":"q1mi","password":"wrong"}`, "")
	fmt.Println(code, body)
	// Output:
	// obtain: 200
	// hello q1mi
	// refresh: 200
	// logout: 200
	// 401 {"code":"token_not_valid","detail":"Token is invalid or expired","status":401,"title":"Unauthorized","type":"about:blank"}
	// 401 {"code":"no_active_account","detail":"No active account found with the given credentials","status":401,"title":"Unauthorized","type":"about:blank"}
}

// A refresh token is good for one refresh. Presenting it again means two parties hold it,
// one of them a thief: the whole family is revoked, the tokens of whoever refreshed first
// included.
func ExampleJWT_Refresh() {
	ctx := context.Background()
	store := authx.DefaultMemoryStore()
	u := &authx.User{Username: "q1mi", IsActive: true}
	if err := store.CreateUser(ctx, u); err != nil {
		log.Fatal(err)
	}
	j, err := authx.NewJWT(authx.JWTConfig{
		Users:        store,
		SecretKey:    "example-secret-key-of-at-least-32-bytes!",
		Authenticate: func(*gin.Context, string, string) (*authx.User, error) { return nil, nil },
	})
	if err != nil {
		log.Fatal(err)
	}
	login, err := j.IssuePair(ctx, u)
	if err != nil {
		log.Fatal(err)
	}
	next, err := j.Refresh(ctx, login.Refresh) // the client rotates
	fmt.Println("rotated:", err == nil)

	_, err = j.Refresh(ctx, login.Refresh) // the thief replays the old token
	fmt.Println(err)

	_, err = j.AuthenticateToken(ctx, next.Access) // the client's new token is dead too
	fmt.Println(err)
	// Output:
	// rotated: true
	// authx: token is invalid or expired: refresh token reused: family revoked
	// authx: token is invalid or expired: family revoked
}

// Tokens signed with Ed25519, rotating the key: the new key signs at once, and the old one
// keeps verifying the tokens it signed until it retires, one refresh lifetime later, so
// nobody is logged out by the rotation.
func ExampleJWTConfig_keyRotation() {
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	rotatedAt := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

	cfg := authx.JWTConfig{
		Algorithm: authx.JWTEdDSA,
		Keys: []authx.JWTKey{
			{ID: "2026-03", PrivateKey: newKey},
			{ID: "2026-02", PublicKey: oldKey.Public(), RetireAt: rotatedAt.Add(authx.DefaultJWTRefreshTTL)},
		},
		// Users, Authenticate, SecretKey, ... as usual.
	}
	fmt.Println(cfg.Keys[0].ID, "signs;", cfg.Keys[1].ID, "verifies until", cfg.Keys[1].RetireAt.Format(time.DateOnly))
	// Output: 2026-03 signs; 2026-02 verifies until 2026-03-02
}

// Several instances share used refresh tokens and logouts through Redis; they must also
// share the keys, the secret key and the user database.
func ExampleNewRedisRevocationStore() {
	revocations, err := authx.NewRedisRevocationStore(authx.RedisRevocationStoreConfig{
		Client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true}),
		Prefix: "myapp:jwt:",
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = authx.JWTConfig{Revocations: revocations /* , Users, Authenticate, SecretKey ... */}
}
