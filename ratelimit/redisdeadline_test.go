package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testenv"
	"github.com/redis/go-redis/v9"
)

type ctxKey struct{}

// TestCallContextKeepsTheDeadlineAndTheValues: a call's context has its own deadline, the
// parent's values, and a Done channel that closes no earlier than that deadline, with Err
// nil before and DeadlineExceeded after. A parent with a deadline gets an ordinary
// context.WithTimeout, whose Done closes at the parent's earlier deadline.
func TestCallContextKeepsTheDeadlineAndTheValues(t *testing.T) {
	d := newDeadlines(30 * time.Millisecond)
	parent := context.WithValue(context.Background(), ctxKey{}, "request-7")
	start := time.Now()
	c, release := d.context(parent)
	defer release()
	deadline, ok := c.Deadline()
	if !ok || deadline.Before(start.Add(30*time.Millisecond)) || deadline.After(time.Now().Add(30*time.Millisecond)) {
		t.Fatalf("deadline %v (ok %v): want 30ms after the call started", deadline.Sub(start), ok)
	}
	if c.Value(ctxKey{}) != "request-7" {
		t.Fatal("the parent's value is lost")
	}
	if c.Err() != nil {
		t.Fatalf("Err before the deadline: %v", c.Err())
	}
	select {
	case <-c.Done():
		if time.Now().Before(deadline) {
			t.Fatal("Done closed before the call's deadline")
		}
		if !errors.Is(c.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err after Done: %v", c.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Done never closed")
	}

	d = newDeadlines(time.Hour)
	early, cancel := context.WithTimeout(parent, 5*time.Millisecond)
	defer cancel()
	c, release = d.context(early)
	defer release()
	pd, _ := early.Deadline()
	if got, _ := c.Deadline(); !got.Equal(pd) {
		t.Fatalf("with an earlier parent deadline: %v, want the parent's %v", got, pd)
	}
	select {
	case <-c.Done():
		if !errors.Is(c.Err(), context.DeadlineExceeded) {
			t.Fatalf("Err after the parent's deadline: %v", c.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Done did not close at the parent's deadline, an hour before the store's")
	}
}

// TestCallContextsShareATimer: calls that start close together share one Done channel
// (one timer), and a call that starts after the shared channel would close gets a new one.
func TestCallContextsShareATimer(t *testing.T) {
	d := newDeadlines(time.Hour)
	a, _ := d.context(context.Background())
	b, _ := d.context(context.Background())
	if a.Done() != b.Done() {
		t.Fatal("two calls a moment apart made two timers")
	}
	d.current.Load().at = time.Now() // as if the shared channel were about to close
	if c, _ := d.context(context.Background()); c.Done() == a.Done() {
		t.Fatal("a call got a Done channel that closes before its deadline")
	}
}

// TestRedisTimeoutHoldsWhenThePoolIsExhausted: against a Redis that never answers, with
// the pool's only connection held by another command for half a minute, decisions waiting
// for the connection end with the outage policy after about the store's Timeout, not the
// client's one-minute PoolTimeout.
func TestRedisTimeoutHoldsWhenThePoolIsExhausted(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: testenv.StalledServer(t), PoolSize: 1, MaxRetries: -1,
		ReadTimeout: time.Minute, WriteTimeout: time.Minute, PoolTimeout: time.Minute, ContextTimeoutEnabled: true})
	defer c.Close()
	s, err := NewRedisStore(RedisStoreConfig{Client: c, Timeout: 100 * time.Millisecond, Outage: OutageClosed, BreakerFailures: 100, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("10/s"), Store: s})
	hold, release := context.WithTimeout(context.Background(), 30*time.Second)
	defer release()
	go c.Get(hold, "held") // takes the only connection until hold ends
	for st := c.PoolStats(); st.TotalConns != 1 || st.IdleConns != 0; st = c.PoolStats() {
		time.Sleep(time.Millisecond) // until the GET holds the connection
	}
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.Allow(context.Background(), "k")
			errs <- err
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("decisions waiting for the only connection outlived the store's 100ms Timeout")
	}
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrStoreUnavailable) {
			t.Errorf("got %v, want ErrStoreUnavailable", err)
		}
	}
}
