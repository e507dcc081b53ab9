package ratelimit

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewLimiterValidates(t *testing.T) {
	for _, tc := range []struct {
		cfg  LimiterConfig
		want string
	}{
		{LimiterConfig{}, "LimiterConfig.Rate: missing"},
		{LimiterConfig{Rate: PerMinute(5), Name: "has space"}, "policy name"},
		{LimiterConfig{Rate: PerMinute(5), Algorithm: Algorithm(9)}, "unknown algorithm"},
		{LimiterConfig{Rate: PerMinute(2000), Algorithm: SlidingLog}, "at most 1000"},
		{LimiterConfig{Rate: PerMinute(5).WithBurst(9), Algorithm: SlidingWindow}, "burst applies to gcra only"},
		{LimiterConfig{Rate: Rate{Limit: 1, Period: time.Nanosecond}}, "shorter than"},
	} {
		_, err := NewLimiter(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestLimiterRefusesEmptyKeysAndBadCosts(t *testing.T) {
	l, err := NewLimiter(LimiterConfig{Rate: PerMinute(5)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := l.Allow(ctx, ""); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("empty key: %v", err)
	}
	if err := l.Reset(ctx, ""); !errors.Is(err, ErrEmptyKey) {
		t.Errorf("reset of an empty key: %v", err)
	}
	for _, n := range []int64{0, -1} {
		if _, err := l.AllowN(ctx, "k", n); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("AllowN(%d): %v", n, err)
		}
	}
	if err := l.Refund(ctx, "k", 1, Result{}); err != nil {
		t.Errorf("refunding a denial: %v", err)
	}
	if l.Quota().Name != "default" || l.Quota().Algorithm != GCRA || l.Store() == nil {
		t.Errorf("defaults: %+v", l.Quota())
	}
}

func TestUnlimitedAndBlockAllLimiters(t *testing.T) {
	ctx := context.Background()
	open, _ := NewLimiter(LimiterConfig{Rate: Unlimited})
	for range 1000 {
		if r, err := open.Allow(ctx, "k"); err != nil || !r.Allowed || r.Remaining != -1 {
			t.Fatalf("unlimited: %+v %v", r, err)
		}
	}
	closed, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("0/s")})
	r, err := closed.Allow(ctx, "k")
	if !errors.Is(err, ErrCostExceedsLimit) || r.Allowed {
		t.Fatalf("0/s: %+v %v", r, err)
	}
	if r, err := closed.Peek(ctx, "k"); err != nil || r.Allowed {
		t.Fatalf("peek on 0/s: %+v %v", r, err)
	}
}

func TestLimiterUsesItsClock(t *testing.T) {
	clk := newClock()
	l, _ := NewLimiter(LimiterConfig{Rate: MustParseRate("1/m"), Now: clk.Now})
	ctx := context.Background()
	l.Allow(ctx, "k")
	if r, _ := l.Allow(ctx, "k"); r.Allowed || !r.Time.Equal(epoch) {
		t.Fatalf("%+v", r)
	}
	clk.Advance(time.Minute)
	if r, _ := l.Allow(ctx, "k"); !r.Allowed {
		t.Fatal("the clock did not move the limiter")
	}
}

func TestSystemClockTracksWallTime(t *testing.T) {
	if d := time.Since(systemNow()); d < -time.Second || d > time.Second {
		t.Fatalf("the default clock is %v away from time.Now", d)
	}
}

func TestParseAlgorithm(t *testing.T) {
	for in, want := range map[string]Algorithm{"": GCRA, "gcra": GCRA, "GCRA": GCRA, "sliding_log": SlidingLog, "sliding-log": SlidingLog,
		" Sliding-Window ": SlidingWindow, "fixed_window": FixedWindow} {
		if got, err := ParseAlgorithm(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseAlgorithm("leaky_bucket"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := Algorithm(7).MarshalText(); err == nil || Algorithm(7).String() != "Algorithm(7)" {
		t.Error("an unknown algorithm marshals")
	}
}

// TestAtVariantsRefuseTimesOutOfRange: the zero Time and other times UnixNano cannot
// represent are an error naming the time, not a decision at an overflowed instant.
func TestAtVariantsRefuseTimesOutOfRange(t *testing.T) {
	l, err := NewLimiter(LimiterConfig{Rate: MustParseRate("3/m")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, bad := range []time.Time{{}, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := l.AllowAt(ctx, "k", bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("AllowAt(%v): %v", bad, err)
		}
		if _, err := l.AllowNAt(ctx, "k", 2, bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("AllowNAt(%v): %v", bad, err)
		}
		if _, err := l.PeekAt(ctx, "k", bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("PeekAt(%v): %v", bad, err)
		}
	}
	if r, err := l.AllowAt(ctx, "k", time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || !r.Allowed {
		t.Errorf("a time inside the range: %+v %v", r, err)
	}
}
