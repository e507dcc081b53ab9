// Package admitchart simulates what each ratelimit algorithm admits under adversarial
// schedules and draws the result as an SVG for docs/ratelimit.md. It drives the real
// package through its public API (a MemoryStore and Limiter.AllowAt), so the chart shows
// what the code does, not what a drawing says it does. Regenerate with
// `go generate ./ratelimit`.
package admitchart

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/djin-go/djin/ratelimit"
)

// Epoch is where simulated time starts: a multiple of every window used here, so the
// fixed and sliding windows start at simulated 0 s, 10 s, 20 s.
var Epoch = time.Unix(1_700_000_000, 0)

// Algorithms in the order the chart shows them.
var Algorithms = []ratelimit.Algorithm{ratelimit.SlidingLog, ratelimit.GCRA, ratelimit.SlidingWindow, ratelimit.FixedWindow}

// Simulate runs one client's requests at the given offsets from Epoch through a fresh
// limiter and reports which were admitted.
func Simulate(rate ratelimit.Rate, alg ratelimit.Algorithm, times []time.Duration) ([]bool, error) {
	l, err := ratelimit.NewLimiter(ratelimit.LimiterConfig{Name: "sim", Rate: rate, Algorithm: alg})
	if err != nil {
		return nil, err
	}
	out := make([]bool, len(times))
	for i, t := range times {
		r, err := l.AllowAt(context.Background(), "client", Epoch.Add(t))
		if err != nil {
			return nil, err
		}
		out[i] = r.Allowed
	}
	return out, nil
}

// MaxInSpan returns the most admitted requests inside any window [s, s+w), and where the
// first such window starts. times must be sorted.
func MaxInSpan(times []time.Duration, admitted []bool, w time.Duration) (int, time.Duration) {
	var adm []time.Duration
	for i, ok := range admitted {
		if ok {
			adm = append(adm, times[i])
		}
	}
	best, start, j := 0, time.Duration(0), 0
	for i := range adm {
		for adm[i]-adm[j] >= w {
			j++
		}
		if n := i - j + 1; n > best {
			best, start = n, adm[j]
		}
	}
	return best, start
}

// Every returns offsets from `from` to `to` (inclusive) spaced by step.
func Every(from, to, step time.Duration) []time.Duration {
	var out []time.Duration
	for t := from; t <= to; t += step {
		out = append(out, t)
	}
	return out
}

// ChartSchedule is the schedule the chart shows: quiet until 9 s, then a request every
// 100 ms until 30 s. A client that saves its quota and then floods across a window
// boundary meets each algorithm's weak point.
func ChartSchedule() []time.Duration {
	return Every(9*time.Second, 30*time.Second, 100*time.Millisecond)
}

// Row is one algorithm's line of the chart.
type Row struct {
	Algorithm ratelimit.Algorithm // the algorithm simulated
	Admitted  []bool              // one per request of the schedule
	Max       int                 // the most admitted in one window
	MaxStart  time.Duration       // where the first such window starts
}

// Rows simulates the chart schedule at rate for every algorithm.
func Rows(rate ratelimit.Rate, times []time.Duration) ([]Row, error) {
	rows := make([]Row, 0, len(Algorithms))
	for _, alg := range Algorithms {
		adm, err := Simulate(rate, alg, times)
		if err != nil {
			return nil, err
		}
		n, start := MaxInSpan(times, adm, rate.Period)
		rows = append(rows, Row{Algorithm: alg, Admitted: adm, Max: n, MaxStart: start})
	}
	return rows, nil
}

var colors = map[ratelimit.Algorithm]string{
	ratelimit.SlidingLog:    "#1b7837",
	ratelimit.GCRA:          "#2166ac",
	ratelimit.SlidingWindow: "#b35806",
	ratelimit.FixedWindow:   "#b2182b",
}

// WriteSVG draws rows for the given schedule and rate. The output depends only on its
// inputs, so a test can tell when the committed chart is stale.
func WriteSVG(w io.Writer, rate ratelimit.Rate, times []time.Duration, rows []Row) error {
	const (
		width, left, right = 960.0, 230.0, 30.0
		top, rowH          = 70.0, 74.0
		span               = 30 * time.Second
	)
	height := top + rowH*float64(len(rows)) + 50
	x := func(t time.Duration) float64 { return left + (width-left-right)*float64(t)/float64(span) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#ffffff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="24" font-size="16" font-weight="bold">What %q admits: one client, quiet until 9 s, then a request every 100 ms</text>`+"\n", left-210, rate.String())
	fmt.Fprintf(&b, `<text x="%.0f" y="44" fill="#555">dots: admitted; grey ticks: refused; band: the 10 s window with the most admissions (the limit is %d)</text>`+"\n", left-210, rate.Limit)
	// Window boundaries and the time axis.
	for s := time.Duration(0); s <= span; s += 5 * time.Second {
		stroke, dash := "#dddddd", ` stroke-dasharray="3,3"`
		if s%rate.Period == 0 {
			stroke, dash = "#999999", ""
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s"%s/>`+"\n", x(s), top-8, x(s), top+rowH*float64(len(rows)), stroke, dash)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%ds</text>`+"\n", x(s), top+rowH*float64(len(rows))+18, int(s/time.Second))
	}
	for i, r := range rows {
		y := top + rowH*float64(i) + rowH/2
		c := colors[r.Algorithm]
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="%.0f" fill="%s" fill-opacity="0.10"/>`+"\n",
			x(r.MaxStart), y-22, x(r.MaxStart+rate.Period)-x(r.MaxStart), 44.0, c)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-weight="bold" fill="%s">%s</text>`+"\n", left-210, y-4, c, r.Algorithm)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="#333">at most %d in a 10 s window</text>`+"\n", left-210, y+14, r.Max)
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#bbbbbb"/>`+"\n", left, y, width-right, y)
		for j, t := range times {
			if r.Admitted[j] {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.0f" r="5" fill="%s"/>`+"\n", x(t), y, c)
			} else {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#c8c8c8"/>`+"\n", x(t), y-4, x(t), y+4)
			}
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Chart is the docs chart: the tutorials' "3/10s" under ChartSchedule.
func Chart(w io.Writer) error {
	rate := ratelimit.MustParseRate("3/10s")
	times := ChartSchedule()
	rows, err := Rows(rate, times)
	if err != nil {
		return err
	}
	return WriteSVG(w, rate, times, rows)
}
