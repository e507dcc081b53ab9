package session_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
	"github.com/djin-go/djin/internal/testenv"
)

func benchStores(b *testing.B) []struct {
	name  string
	store func(b *testing.B) session.Store
} {
	return []struct {
		name  string
		store func(b *testing.B) session.Store
	}{
		{"memory", func(b *testing.B) session.Store {
			s, _ := session.NewMemoryStore(session.MemoryStoreConfig{})
			return s
		}},
		{"cookie", func(b *testing.B) session.Store {
			s, _ := session.NewCookieStore(session.CookieStoreConfig{Keys: testKeys})
			return s
		}},
		{"sqlite", func(b *testing.B) session.Store {
			return newSQLStore(b, openSQLite(b, filepath.Join(b.TempDir(), "bench.db")), nil)
		}},
		{"postgres", func(b *testing.B) session.Store {
			db, _ := testenv.Postgres(b)
			return newSQLStore(b, db, nil)
		}},
		{"redis", func(b *testing.B) session.Store {
			client, prefix := testenv.Redis(b)
			s, _ := session.NewRedisStore(session.RedisStoreConfig{Client: client, Prefix: prefix})
			return s
		}},
	}
}

// BenchmarkRequest measures one request through the middleware with a logged-in session:
// "read" loads it, "write" loads and saves it (a changed value), per store.
func BenchmarkRequest(b *testing.B) {
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			m, err := session.New(session.Config{Store: st.store(b)})
			if err != nil {
				b.Fatal(err)
			}
			r := gin.New()
			r.Use(ginmw.Adapt(m))
			r.GET("/read", func(c *gin.Context) { c.String(200, session.Get(c).GetString("_auth_user_id")) })
			r.GET("/write", func(c *gin.Context) {
				s := session.Get(c)
				s.Set("n", s.Len())
				c.String(200, "ok")
			})
			r.GET("/login", func(c *gin.Context) {
				session.Get(c).Set("_auth_user_id", "42")
				c.String(200, "ok")
			})
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/login", nil))
			ck := sessionCookie(b, w)
			for _, path := range []string{"/read", "/write"} {
				b.Run(path[1:], func(b *testing.B) {
					req := httptest.NewRequest("GET", path, nil)
					req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
					b.ReportAllocs()
					for b.Loop() {
						w := httptest.NewRecorder()
						r.ServeHTTP(w, req)
						if w.Code != 200 {
							b.Fatalf("status %d", w.Code)
						}
					}
				})
			}
		})
	}
}

// BenchmarkStore measures the store alone: one Load and one Update.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	data := []byte(`{"_auth_user_backend":"authx.ModelBackend","_auth_user_hash":"5f2b0c0e6c1d4c4c9b7e2a1f3d5e7a9b","_auth_user_id":"42"}`)
	for _, st := range benchStores(b) {
		b.Run(st.name, func(b *testing.B) {
			s := st.store(b)
			key := session.NewKey()
			exp := time.Now().Add(time.Hour)
			value, err := s.Create(ctx, key, data, exp)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := s.Load(ctx, value); err != nil {
					b.Fatal(err)
				}
				if value, err = s.Update(ctx, key, data, exp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkNewKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = session.NewKey()
	}
}
