package ratelimit

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/didip/tollbooth/v8"
	tblimiter "github.com/didip/tollbooth/v8/limiter"
	"github.com/djin-go/djin/bench/internal/harness"
	djin "github.com/djin-go/djin/ratelimit"
	"github.com/gin-gonic/gin"
	"github.com/sethvargo/go-limiter/httplimit"
	gomemory "github.com/sethvargo/go-limiter/memorystore"
	ulule "github.com/ulule/limiter/v3"
	ulgin "github.com/ulule/limiter/v3/drivers/middleware/gin"
	ululememory "github.com/ulule/limiter/v3/drivers/store/memory"
)

// peers are the socket addresses of 10 000 distinct clients.
var peers = func() []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k + ":40000"
	}
	return out
}()

// rotate gives iteration i the address of client i mod 10 000.
func rotate(r *http.Request, i int) { r.RemoteAddr = peers[i%len(peers)] }

// ginImpl builds a gin engine limited to limit requests per period per client IP.
type ginImpl struct {
	name  string
	build func(tb testing.TB, limit int, period time.Duration) http.Handler
}

var ginImpls = []ginImpl{
	{"djin", func(tb testing.TB, limit int, period time.Duration) http.Handler {
		mw, err := djin.Middleware(djin.Config{
			Policies: []djin.Policy{{Rate: djin.Per(int64(limit), period)}},
			Logger:   slog.New(slog.DiscardHandler),
		})
		if err != nil {
			tb.Fatal(err)
		}
		return harness.Engine(mw)
	}},
	{"ulule", func(tb testing.TB, limit int, period time.Duration) http.Handler {
		l := ulule.New(ululememory.NewStore(), ulule.Rate{Period: period, Limit: int64(limit)})
		return harness.Engine(ulgin.NewMiddleware(l))
	}},
	{"tollbooth", func(tb testing.TB, limit int, period time.Duration) http.Handler {
		l := tollbooth.NewLimiter(float64(limit)/period.Seconds(), &tblimiter.ExpirableOptions{DefaultExpirationTTL: time.Hour})
		l.SetBurst(limit)
		l.SetIPLookup(tblimiter.IPLookup{Name: "RemoteAddr"})
		// didip/tollbooth_gin's LimitHandler, for tollbooth v8.
		return harness.Engine(func(c *gin.Context) {
			if err := tollbooth.LimitByRequest(l, c.Writer, c.Request); err != nil {
				c.Data(err.StatusCode, l.GetMessageContentType(), []byte(err.Message))
				c.Abort()
				return
			}
			c.Next()
		})
	}},
	{"go-limiter", func(tb testing.TB, limit int, period time.Duration) http.Handler {
		store, err := gomemory.New(&gomemory.Config{Tokens: uint64(limit), Interval: period})
		if err != nil {
			tb.Fatal(err)
		}
		mw, err := httplimit.NewMiddleware(store, httplimit.IPKeyFunc())
		if err != nil {
			tb.Fatal(err)
		}
		return mw.Handle(harness.Engine())
	}},
}

func ginComparison(tb testing.TB, denied bool) (harness.Case, []harness.Impl) {
	c := harness.Case{Status: http.StatusOK, Vary: rotate}
	limit, period := generous, time.Second
	if denied {
		c.Status, limit, period = http.StatusTooManyRequests, 1, time.Hour
	}
	var impls []harness.Impl
	for _, gi := range ginImpls {
		impls = append(impls, harness.Impl{Name: gi.name, Handler: func(tb testing.TB) http.Handler {
			h := gi.build(tb, limit, period)
			warm(h)
			return h
		}})
	}
	if !denied {
		impls = append(impls, harness.Baseline(func() http.Handler { return harness.Engine() }, nil))
	}
	return c, impls
}

// warm sends one request from every client, so that the timed loop sees known clients
// (and, with a quota of one, clients that are over it).
func warm(h http.Handler) {
	w := harness.NewWriter()
	r := harness.Request{}.Build()
	for i := range peers {
		rotate(r, i)
		h.ServeHTTP(w, r)
		w.Reset()
	}
}

func BenchmarkRateLimitGin(b *testing.B) {
	for _, denied := range []bool{false, true} {
		name := "case=allowed"
		if denied {
			name = "case=denied"
		}
		b.Run(name, func(b *testing.B) {
			c, impls := ginComparison(b, denied)
			harness.Compare(b, c, impls...)
		})
	}
}

func TestRateLimitGinSetup(t *testing.T) {
	for _, denied := range []bool{false, true} {
		c, impls := ginComparison(t, denied)
		harness.Verify(t, c, impls...)
	}
}

// TestGinMiddlewaresLimit: with a quota of 3 per hour, the fourth request of a client is
// refused with 429 by every middleware, and another client is still served.
func TestGinMiddlewaresLimit(t *testing.T) {
	for _, gi := range ginImpls {
		t.Run(gi.name, func(t *testing.T) {
			h := gi.build(t, 3, time.Hour)
			serve := func(addr string) int {
				r := harness.Request{Remote: addr}.Build()
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w.Code
			}
			for i := range 4 {
				want := http.StatusOK
				if i == 3 {
					want = http.StatusTooManyRequests
				}
				if got := serve("192.0.2.1:1234"); got != want {
					t.Fatalf("request %d: status %d, want %d", i+1, got, want)
				}
			}
			if got := serve("192.0.2.2:1234"); got != http.StatusOK {
				t.Fatalf("another client: status %d", got)
			}
		})
	}
}
