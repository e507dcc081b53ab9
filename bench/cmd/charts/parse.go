package main

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Result is one line of `go test -bench` output.
type Result struct {
	Pkg   string // from the preceding "pkg:" line
	Name  string // without the "Benchmark" prefix and the "-GOMAXPROCS" suffix
	Iters int64
	// Values maps a unit ("ns/op", "allocs/op", "B/op", or a custom b.ReportMetric unit)
	// to its value.
	Values map[string]float64
}

// Parse reads benchmark results in the Go benchmark format
// (https://golang.org/design/14313-benchmark-format). Lines that are not results
// (configuration, PASS, ok, test output) are skipped; a result line that is malformed is
// an error naming its line number.
func Parse(r io.Reader) ([]Result, error) {
	var out []Result
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "pkg:"); ok {
			pkg = strings.TrimSpace(v)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || len(fields[0]) <= len("Benchmark") {
			continue // "Benchmark" alone, or a name printed by a failing benchmark's log
		}
		if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
			continue // a benchmark's own log line that starts with its name
		}
		res, err := parseResult(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		res.Pkg = pkg
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func parseResult(fields []string) (Result, error) {
	name := strings.TrimPrefix(fields[0], "Benchmark")
	// The -GOMAXPROCS suffix is a dash and digits after the last slash.
	if i := strings.LastIndexByte(name, '-'); i > strings.LastIndexByte(name, '/') {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	iters, _ := strconv.ParseInt(fields[1], 10, 64)
	if iters <= 0 {
		return Result{}, fmt.Errorf("%s: iteration count %q is not positive", name, fields[1])
	}
	if (len(fields)-2)%2 != 0 {
		return Result{}, fmt.Errorf("%s: values and units do not pair up", name)
	}
	res := Result{Name: name, Iters: iters, Values: map[string]float64{}}
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil || v < 0 || v != v {
			return Result{}, fmt.Errorf("%s: value %q is not a non-negative number", name, fields[i])
		}
		res.Values[fields[i+1]] = v
	}
	if _, ok := res.Values["ns/op"]; !ok {
		return Result{}, fmt.Errorf("%s: no ns/op", name)
	}
	return res, nil
}

// Bar is one implementation's medians in one group.
type Bar struct {
	Impl   string
	Values map[string]float64 // unit → median over the runs
	Runs   int
}

// Group is one compared case: the benchmark name without its impl component.
type Group struct {
	Name string // e.g. "CSRF/case=POST-header"
	Bars []Bar  // in first-seen order
}

// Family is a top-level benchmark: one chart.
type Family struct {
	Name   string // e.g. "CSRF"
	Groups []Group
}

// implOf splits a benchmark name into its group and its implementation: the last
// "impl=" component, or the last component when none is named so. A name with a single
// component is its own group with an empty implementation.
func implOf(name string) (group, impl string) {
	parts := strings.Split(name, "/")
	for i := len(parts) - 1; i > 0; i-- {
		if v, ok := strings.CutPrefix(parts[i], "impl="); ok {
			return strings.Join(append(parts[:i:i], parts[i+1:]...), "/"), v
		}
	}
	if len(parts) == 1 {
		return name, ""
	}
	return strings.Join(parts[:len(parts)-1], "/"), parts[len(parts)-1]
}

// Aggregate groups results by family, case and implementation, keeping the median of
// every unit over repeated runs (-count), in the order the results appeared.
func Aggregate(results []Result) []Family {
	type key struct{ group, impl string }
	samples := map[key]map[string][]float64{}
	var families []Family
	famIndex := map[string]int{}
	groupIndex := map[string][2]int{}
	for _, r := range results {
		group, impl := implOf(r.Name)
		k := key{group, impl}
		if samples[k] == nil {
			samples[k] = map[string][]float64{}
			fam, _, _ := strings.Cut(group, "/")
			fi, ok := famIndex[fam]
			if !ok {
				fi = len(families)
				famIndex[fam] = fi
				families = append(families, Family{Name: fam})
			}
			gi, ok := groupIndex[group]
			if !ok {
				gi = [2]int{fi, len(families[fi].Groups)}
				groupIndex[group] = gi
				families[fi].Groups = append(families[fi].Groups, Group{Name: group})
			}
			g := &families[gi[0]].Groups[gi[1]]
			g.Bars = append(g.Bars, Bar{Impl: impl})
		}
		for unit, v := range r.Values {
			samples[k][unit] = append(samples[k][unit], v)
		}
	}
	for fi := range families {
		for gi := range families[fi].Groups {
			g := &families[fi].Groups[gi]
			for bi := range g.Bars {
				b := &g.Bars[bi]
				b.Values = map[string]float64{}
				for unit, vs := range samples[key{g.Name, b.Impl}] {
					b.Values[unit] = median(vs)
					b.Runs = len(vs)
				}
			}
		}
	}
	return families
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
