package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/djin-go/djin/bench/csrf
cpu: AMD EPYC
BenchmarkCSRF/case=POST-header/impl=djin-2         	  100000	       700 ns/op	      48 B/op	       1 allocs/op
BenchmarkCSRF/case=POST-header/impl=gorilla-2      	   10000	      7000 ns/op	    3568 B/op	      40 allocs/op
BenchmarkCSRF/case=POST-header/impl=nosurf-2       	   10000	      1400 ns/op	    1080 B/op	      13 allocs/op
BenchmarkCSRF/case=POST-header/impl=baseline-2     	   10000	       100 ns/op	      48 B/op	       1 allocs/op
BenchmarkCSRF/case=POST-header/impl=djin-2         	  100000	       900 ns/op	      48 B/op	       1 allocs/op
BenchmarkCSRF/case=POST-header/impl=gorilla-2      	   10000	      9000 ns/op	    3568 B/op	      40 allocs/op
BenchmarkCSRF/case=POST-header/impl=nosurf-2       	   10000	      1000 ns/op	    1080 B/op	      13 allocs/op
BenchmarkCSRF/case=POST-header/impl=baseline-2     	   10000	       120 ns/op	      48 B/op	       1 allocs/op
BenchmarkCSRF/case=POST-header/impl=djin-2         	  100000	       800 ns/op	      48 B/op	       1 allocs/op
--- BENCH: BenchmarkCSRF/case=POST-header/impl=djin-2
    csrf_test.go:10: a log line
BenchmarkCheckPassword/alg=argon2/impl=djin        	       1	 106608571 ns/op	104867936 B/op	      98 allocs/op
BenchmarkChain/impl=djin-2 	 2000	 279.5 ns/op	 48 B/op	 1 allocs/op
BenchmarkChain/impl=<b>&-2 	 2000	 232.5 ns/op	 48 B/op	 1 allocs/op
PASS
ok  	github.com/djin-go/djin/bench/csrf	0.235s
`

func TestParse(t *testing.T) {
	rs, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 12 {
		t.Fatalf("%d results, want 12", len(rs))
	}
	r := rs[0]
	if r.Pkg != "github.com/djin-go/djin/bench/csrf" || r.Name != "CSRF/case=POST-header/impl=djin" || r.Iters != 100000 ||
		r.Values["ns/op"] != 700 || r.Values["B/op"] != 48 || r.Values["allocs/op"] != 1 {
		t.Errorf("first result %+v", r)
	}
	if rs[9].Name != "CheckPassword/alg=argon2/impl=djin" {
		t.Errorf("a name without -GOMAXPROCS: %q", rs[9].Name)
	}
}

func TestParseRejectsMalformedResults(t *testing.T) {
	for _, line := range []string{
		"BenchmarkX-2 0 1 ns/op",
		"BenchmarkX-2 10 1 ns/op 5",
		"BenchmarkX-2 10 abc ns/op",
		"BenchmarkX-2 10 -3 ns/op",
		"BenchmarkX-2 10 NaN ns/op",
		"BenchmarkX-2 10 5 allocs/op",
	} {
		if _, err := Parse(strings.NewReader(line + "\n")); err == nil {
			t.Errorf("%q: no error", line)
		}
	}
}

func TestImplOf(t *testing.T) {
	for _, tc := range []struct{ name, group, impl string }{
		{"CSRF/case=GET/impl=djin", "CSRF/case=GET", "djin"},
		{"CheckPassword/impl=djin/alg=md5", "CheckPassword/alg=md5", "djin"},
		{"Chain/djin", "Chain", "djin"},
		{"Chain", "Chain", ""},
	} {
		if g, i := implOf(tc.name); g != tc.group || i != tc.impl {
			t.Errorf("implOf(%q) = %q, %q; want %q, %q", tc.name, g, i, tc.group, tc.impl)
		}
	}
}

func TestAggregateTakesMedians(t *testing.T) {
	rs, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	fams := Aggregate(rs)
	if len(fams) != 3 || fams[0].Name != "CSRF" || fams[1].Name != "CheckPassword" || fams[2].Name != "Chain" {
		t.Fatalf("families %+v", fams)
	}
	g := fams[0].Groups[0]
	want := map[string]float64{"djin": 800, "gorilla": 8000, "nosurf": 1200, "baseline": 110}
	if len(g.Bars) != len(want) {
		t.Fatalf("bars %+v", g.Bars)
	}
	for _, b := range g.Bars {
		if b.Values["ns/op"] != want[b.Impl] {
			t.Errorf("%s: median %v, want %v", b.Impl, b.Values["ns/op"], want[b.Impl])
		}
	}
	if g.Bars[0].Impl != "djin" || g.Bars[0].Runs != 3 {
		t.Errorf("first bar %+v, want djin over 3 runs", g.Bars[0])
	}
}

func TestWriteSVGIsWellFormed(t *testing.T) {
	rs, _ := Parse(strings.NewReader(sample))
	for _, f := range Aggregate(rs) {
		var buf bytes.Buffer
		if err := WriteSVG(&buf, f, Style{Highlight: "djin", Baseline: "baseline"}, "2 × CPU <test>"); err != nil {
			t.Fatal(err)
		}
		wellFormed(t, f.Name, &buf)
	}
}

func wellFormed(t *testing.T, name string, r io.Reader) {
	t.Helper()
	dec := xml.NewDecoder(r)
	for {
		_, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
	}
}

func TestWriteSVGHighlightsDjin(t *testing.T) {
	rs, _ := Parse(strings.NewReader(sample))
	var buf bytes.Buffer
	if err := WriteSVG(&buf, Aggregate(rs)[0], Style{Highlight: "djin", Baseline: "baseline"}, ""); err != nil {
		t.Fatal(err)
	}
	svg := buf.String()
	if !strings.Contains(svg, `fill="`+colorHigh+`"><title>djin ns/op: 800 ns</title>`) {
		t.Error("djin's bar is not in the highlight colour")
	}
	if !strings.Contains(svg, `fill="`+colorPeer+`"><title>gorilla ns/op: 8 µs</title>`) {
		t.Error("gorilla's bar is not in the peer colour")
	}
	if !strings.Contains(svg, `fill="`+colorBase+`"><title>baseline`) {
		t.Error("the baseline is not drawn as such")
	}
	if !strings.Contains(svg, ">POST-header</text>") {
		t.Error("the case is not labelled without its key")
	}
}

func TestWriteSummary(t *testing.T) {
	rs, _ := Parse(strings.NewReader(sample))
	var buf bytes.Buffer
	if err := WriteSummary(&buf, Aggregate(rs), Style{Highlight: "djin", Baseline: "baseline"}); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	// djin 800 ns against nosurf's 1200 ns, the fastest peer; baseline never counts.
	if !strings.Contains(got, "| POST-header | 800 ns | nosurf | 1.2 µs | 0.67× | 1 | nosurf | 13 | 110 ns, 1 |") {
		t.Errorf("summary:\n%s", got)
	}
	if !strings.Contains(got, "| POST-header | gorilla | 8 µs | 0.10× | 40 | 1 |") {
		t.Errorf("no row against gorilla:\n%s", got)
	}
	if strings.Contains(got, "CheckPassword") {
		t.Error("a family without peers has a table")
	}
}

func TestRunWritesFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "new.txt")
	if err := os.WriteFile(in, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stderr bytes.Buffer
	if err := run([]string{"-in", in, "-out", out}, nil, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	for _, name := range []string{"csrf.svg", "checkpassword.svg", "chain.svg", "summary.md"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	if err := run([]string{"-out", out}, strings.NewReader("PASS\n"), &stderr); err == nil {
		t.Error("no error for input without results")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("BenchmarkX-2 10 1 ns/op\n")
	f.Add("pkg: x\nBenchmark/impl= 1 0 ns/op 0 allocs/op\n")
	f.Fuzz(func(t *testing.T, in string) {
		rs, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, f := range Aggregate(rs) {
			var buf bytes.Buffer
			if err := WriteSVG(&buf, f, Style{Highlight: "djin", Baseline: "baseline"}, ""); err != nil {
				t.Fatal(err)
			}
			wellFormed(t, f.Name, &buf)
		}
		if err := WriteSummary(io.Discard, Aggregate(rs), Style{Highlight: "djin", Baseline: "baseline"}); err != nil {
			t.Fatal(err)
		}
	})
}
