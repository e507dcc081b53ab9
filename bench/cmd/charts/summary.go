package main

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteSummary writes a Markdown table per family: for every case, the highlighted
// implementation's medians beside the fastest peer's and the peer with the fewest
// allocations, and the ratios. The baseline is shown for scale (what gin alone costs, so
// what a middleware adds can be read off) and never counts as a peer.
func WriteSummary(w io.Writer, families []Family, st Style) error {
	var b strings.Builder
	for _, f := range families {
		rows := 0
		for _, g := range f.Groups {
			if _, ok := find(g, st.Highlight); ok && len(peers(g, st)) > 0 {
				rows++
			}
		}
		if rows == 0 {
			continue
		}
		fmt.Fprintf(&b, "### Benchmark%s\n\n", f.Name)
		fmt.Fprintf(&b, "| case | %s time | fastest peer | peer time | time ratio | %s allocs | fewest-allocs peer | peer allocs | %s (time, allocs) |\n", st.Highlight, st.Highlight, st.Baseline)
		b.WriteString("|---|---:|---|---:|---:|---:|---|---:|---:|\n")
		for _, g := range f.Groups {
			h, ok := find(g, st.Highlight)
			ps := peers(g, st)
			if !ok || len(ps) == 0 {
				continue
			}
			fast, lean := ps[0], ps[0]
			for _, p := range ps[1:] {
				if p.Values["ns/op"] < fast.Values["ns/op"] {
					fast = p
				}
				if p.Values["allocs/op"] < lean.Values["allocs/op"] {
					lean = p
				}
			}
			caseName := displayCase(f, g)
			if caseName == "" {
				caseName = "—"
			}
			base := "—"
			if bl, ok := find(g, st.Baseline); ok {
				base = formatNs(bl.Values["ns/op"]) + ", " + formatCount(bl.Values["allocs/op"])
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", caseName,
				formatNs(h.Values["ns/op"]), fast.Impl, formatNs(fast.Values["ns/op"]),
				ratio(h.Values["ns/op"], fast.Values["ns/op"]),
				formatCount(h.Values["allocs/op"]), lean.Impl, formatCount(lean.Values["allocs/op"]), base)
		}
		b.WriteString("\n")
		writeEveryPeer(&b, f, st)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeEveryPeer adds, under a family's table, the highlighted implementation against
// each peer in turn, so that a claim about one peer in particular can be checked.
func writeEveryPeer(b *strings.Builder, f Family, st Style) {
	fmt.Fprintf(b, "<details><summary>%s against every peer</summary>\n\n", st.Highlight)
	fmt.Fprintf(b, "| case | peer | peer time | %s ÷ peer (time) | peer allocs | %s allocs |\n", st.Highlight, st.Highlight)
	b.WriteString("|---|---|---:|---:|---:|---:|\n")
	for _, g := range f.Groups {
		h, ok := find(g, st.Highlight)
		if !ok {
			continue
		}
		caseName := displayCase(f, g)
		if caseName == "" {
			caseName = "—"
		}
		for _, p := range peers(g, st) {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", caseName, p.Impl, formatNs(p.Values["ns/op"]),
				ratio(h.Values["ns/op"], p.Values["ns/op"]), formatCount(p.Values["allocs/op"]), formatCount(h.Values["allocs/op"]))
		}
	}
	b.WriteString("\n</details>\n\n")
}

func find(g Group, impl string) (Bar, bool) {
	for _, b := range g.Bars {
		if b.Impl == impl {
			return b, true
		}
	}
	return Bar{}, false
}

func peers(g Group, st Style) []Bar {
	var out []Bar
	for _, b := range g.Bars {
		if b.Impl != st.Highlight && b.Impl != st.Baseline {
			out = append(out, b)
		}
	}
	return out
}

// ratio is highlight ÷ peer: below 1 the highlighted implementation is faster.
func ratio(h, p float64) string {
	if p == 0 || math.IsInf(h/p, 0) {
		return "—"
	}
	return fmt.Sprintf("%.2f×", h/p)
}
