package admitchart

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/djin-go/djin/ratelimit"
)

// The worst cases that ratelimit's documentation states, for N = 3 per W = 10 s, counted
// in windows [s, s+W): each bound holds on every schedule and is reached by the schedule
// built to reach it.
func TestAlgorithmWorstCases(t *testing.T) {
	rate := ratelimit.MustParseRate("3/10s")
	T := ratelimit.MustParseRate("3/10s").Period / 3
	s := time.Second
	schedules := map[string][]time.Duration{
		// The four adversarial schedules of the reference simulation.
		"flood every 10 ms for 30 s":         Every(0, 30*s, 10*time.Millisecond),
		"one at 0, then a burst across 10 s": append([]time.Duration{0}, Every(9500*time.Millisecond, 10500*time.Millisecond, 10*time.Millisecond)...),
		"burst across the 20 s boundary":     Every(19500*time.Millisecond, 20500*time.Millisecond, 10*time.Millisecond),
		"3 at once every 3.4 s":              bursts(3, 3400*time.Millisecond, 30*s),
		"the chart":                          ChartSchedule(),
		// Built to reach each algorithm's bound.
		"gcra: burst, then one every T": {0, 0, 0, T, 2 * T, 3 * T},
		"windows: spend at the end, again at the start": {9999 * time.Millisecond, 9999 * time.Millisecond, 9999 * time.Millisecond,
			10 * s, 10 * s, 10 * s, 13400 * time.Millisecond, 16700 * time.Millisecond, 19 * s},
	}
	bound := map[ratelimit.Algorithm]int{ratelimit.SlidingLog: 3, ratelimit.GCRA: 5, ratelimit.SlidingWindow: 5, ratelimit.FixedWindow: 6}
	for _, alg := range Algorithms {
		worst := 0
		for name, times := range schedules {
			adm, err := Simulate(rate, alg, times)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := MaxInSpan(times, adm, rate.Period)
			if n > bound[alg] {
				t.Errorf("%v on %q: %d in a 10 s window, documented bound %d", alg, name, n, bound[alg])
			}
			worst = max(worst, n)
		}
		if worst != bound[alg] {
			t.Errorf("%v: the worst schedule admits %d; the documented bound %d is not tight", alg, worst, bound[alg])
		}
	}
}

func bursts(n int, every, until time.Duration) []time.Duration {
	var out []time.Duration
	for t := time.Duration(0); t <= until; t += every {
		for k := range n {
			out = append(out, t+time.Duration(k)*time.Millisecond)
		}
	}
	return out
}

// TestChartIsCurrent fails when the committed chart no longer matches what the code
// admits; `go generate ./ratelimit` redraws it.
func TestChartIsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := Chart(&b); err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("admits.svg")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, b.Bytes()) {
		t.Fatal("admits.svg is stale: run go generate ./ratelimit")
	}
}
