package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Style names the implementations that are drawn differently.
type Style struct {
	Highlight string // drawn in the accent colour, e.g. "djin"
	Baseline  string // drawn light, e.g. "baseline"
}

// Panel is one metric drawn for every group.
type Panel struct {
	Unit  string // "ns/op", "allocs/op"
	Title string
	Fmt   func(float64) string
}

// Panels are the metrics every chart shows, side by side.
var Panels = []Panel{
	{Unit: "ns/op", Title: "time per op", Fmt: formatNs},
	{Unit: "allocs/op", Title: "allocations per op", Fmt: formatCount},
}

// OptionalPanels are shown for a family when one of its results reports the unit.
var OptionalPanels = []Panel{
	{Unit: "B/key", Title: "live bytes per key", Fmt: formatBytes},
}

// panelsFor returns Panels plus the optional panels whose unit f reports.
func panelsFor(f Family) []Panel {
	out := append([]Panel(nil), Panels...)
	for _, p := range OptionalPanels {
	search:
		for _, g := range f.Groups {
			for _, b := range g.Bars {
				if _, ok := b.Values[p.Unit]; ok {
					out = append(out, p)
					break search
				}
			}
		}
	}
	return out
}

const (
	width      = 960
	margin     = 16
	labelWidth = 150 // implementation names
	rowHeight  = 18
	barHeight  = 13
	groupGap   = 12
	headHeight = 80 // title, note, legend and panel titles
	groupHead  = 18 // case name above its bars
	colorHigh  = "#1b7f5a"
	colorPeer  = "#7c93bf"
	colorBase  = "#cfcfcf"
)

// WriteSVG draws one family: a row of bars per implementation, grouped by case, one
// panel per metric. Bars are scaled per case and per panel (the longest bar of a case is
// its slowest implementation), so each case reads on its own; the values are printed.
func WriteSVG(w io.Writer, f Family, st Style, note string) error {
	height := headHeight + margin
	for _, g := range f.Groups {
		height += groupHead + len(g.Bars)*rowHeight + groupGap
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<title>%s</title>`+"\n", esc("Benchmark"+f.Name))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="16" font-weight="bold">%s</text>`+"\n", margin, margin+8, esc("Benchmark"+f.Name))
	sub := "median of every run; lower is better; bars are scaled per case"
	if note != "" {
		sub = note + " · " + sub
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#555">%s</text>`+"\n", margin, margin+26, esc(sub))
	legend(&b, st, hasImpl(f, st.Baseline), margin+46)

	panels := panelsFor(f)
	panelWidth := (width - 2*margin - labelWidth) / len(panels)
	for pi, p := range panels {
		x0 := margin + labelWidth + pi*panelWidth
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, headHeight+margin-4, esc(p.Title))
	}
	y := headHeight + margin
	for _, g := range f.Groups {
		caseName := displayCase(f, g)
		if caseName == "" {
			caseName = f.Name
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold" fill="#333">%s</text>`+"\n", margin, y+13, esc(caseName))
		y += groupHead
		for pi, p := range panels {
			x0 := margin + labelWidth + pi*panelWidth
			maxV := 0.0
			for _, bar := range g.Bars {
				maxV = math.Max(maxV, bar.Values[p.Unit])
			}
			room := float64(panelWidth - 80) // space for the value after the bar
			for i, bar := range g.Bars {
				v, ok := bar.Values[p.Unit]
				by := y + i*rowHeight
				if pi == 0 {
					weight := "normal"
					if bar.Impl == st.Highlight {
						weight = "bold"
					}
					fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-weight="%s">%s</text>`+"\n",
						margin+labelWidth-8, by+barHeight-2, weight, esc(bar.Impl))
				}
				if !ok {
					fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#999">n/a</text>`+"\n", x0, by+barHeight-2)
					continue
				}
				wBar := 0.0
				if maxV > 0 {
					wBar = math.Max(1, room*v/maxV)
				}
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s</title></rect>`+"\n",
					x0, by, wBar, barHeight, color(bar.Impl, st), esc(bar.Impl), esc(p.Unit), esc(p.Fmt(v)))
				fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#222">%s</text>`+"\n", float64(x0)+wBar+4, by+barHeight-2, esc(p.Fmt(v)))
			}
		}
		y += len(g.Bars)*rowHeight + groupGap
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// hasImpl reports whether any case of f has a bar for impl.
func hasImpl(f Family, impl string) bool {
	for _, g := range f.Groups {
		if _, ok := find(g, impl); ok {
			return true
		}
	}
	return false
}

func legend(b *strings.Builder, st Style, baseline bool, y int) {
	x := margin
	items := []struct{ name, color string }{{st.Highlight, colorHigh}, {"peers", colorPeer}}
	if baseline {
		items = append(items, struct{ name, color string }{st.Baseline + " (gin, no middleware)", colorBase})
	}
	for _, item := range items {
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", x, y-10, item.color)
		fmt.Fprintf(b, `<text x="%d" y="%d">%s</text>`+"\n", x+16, y, esc(item.name))
		x += 40 + 7*len(item.name)
	}
}

func color(impl string, st Style) string {
	switch impl {
	case st.Highlight:
		return colorHigh
	case st.Baseline:
		return colorBase
	}
	return colorPeer
}

// displayCase is a group's name without its family and without the keys of key=value
// components: "CSRF/case=POST-form" shows as "POST-form".
func displayCase(f Family, g Group) string {
	rest := strings.TrimPrefix(strings.TrimPrefix(g.Name, f.Name), "/")
	if rest == "" {
		return ""
	}
	parts := strings.Split(rest, "/")
	for i, p := range parts {
		if _, v, ok := strings.Cut(p, "="); ok {
			parts[i] = v
		}
	}
	return strings.Join(parts, "/")
}

// esc escapes s for XML text and attributes, and replaces the characters XML cannot carry
// at all (control characters, invalid UTF-8) so that any benchmark name makes a valid SVG.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r != 0xFFFD && r < 0xFFFE && (r < 0xD800 || r > 0xDFFF)) || r > 0xFFFF {
			return r
		}
		return '?'
	}, strings.ToValidUTF8(s, "?"))
	return html.EscapeString(s)
}

// formatNs prints a duration in ns with three significant digits and a readable unit.
func formatNs(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.3g s", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3g ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3g µs", v/1e3)
	}
	return fmt.Sprintf("%.3g ns", v)
}

// formatBytes prints a byte count with one decimal.
func formatBytes(v float64) string { return fmt.Sprintf("%.1f B", v) }

// formatCount prints an allocation count; medians of an odd number of runs are whole.
func formatCount(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}
