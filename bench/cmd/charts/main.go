// Command charts turns `go test -bench` output into SVG bar charts, one per top-level
// benchmark, with the time and the allocations per operation of every implementation of
// every case, djin highlighted; and into a Markdown summary of djin against its best peer
// in each case.
//
// Benchmarks are named Benchmark<Family>/<case…>/impl=<implementation> (the last
// component is taken as the implementation when no impl= is present). Repeated runs
// (-count) are reduced to their median.
//
// Usage:
//
//	go run ./cmd/charts -in new.txt -out ../docs/benchmarks
//
// It writes <out>/<family>.svg for every family and <out>/summary.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "charts:", err)
		os.Exit(1)
	}
}

func run(args []string, stdin io.Reader, stderr io.Writer) error {
	fs := flag.NewFlagSet("charts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "-", "benchmark output to read (- is standard input)")
	out := fs.String("out", filepath.Join("..", "docs", "benchmarks"), "directory to write the charts and summary.md to")
	highlight := fs.String("highlight", "djin", "implementation to highlight")
	baseline := fs.String("baseline", "baseline", "implementation that is the floor, not a peer")
	note := fs.String("note", "", "line printed under each chart's title (the machine, for example)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	r := stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	results, err := Parse(r)
	if err != nil {
		return err
	}
	if len(results) == 0 {
		return errors.New("no benchmark results in the input")
	}
	families := Aggregate(results)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	st := Style{Highlight: *highlight, Baseline: *baseline}
	for _, f := range families {
		if err := writeFile(filepath.Join(*out, fileName(f.Name)+".svg"), func(w io.Writer) error {
			return WriteSVG(w, f, st, *note)
		}); err != nil {
			return err
		}
	}
	return writeFile(filepath.Join(*out, "summary.md"), func(w io.Writer) error {
		return WriteSummary(w, families, st)
	})
}

// fileName makes a family name safe as a file name.
func fileName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, strings.ToLower(name))
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
