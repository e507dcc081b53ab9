// Command gen writes the algorithm chart for docs/ratelimit.md:
//
//	go run ./internal/admitchart/gen -o internal/admitchart/admits.svg
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/djin-go/djin/ratelimit/internal/admitchart"
)

func main() {
	out := flag.String("o", "admits.svg", "file to write")
	flag.Parse()
	var b bytes.Buffer
	if err := admitchart.Chart(&b); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
