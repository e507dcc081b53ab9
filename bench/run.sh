#!/usr/bin/env bash
# Runs djin's side-by-side benchmarks in one `go test -bench` run, summarises them with
# benchstat, draws the charts into ../docs/benchmarks/ and records the machine.
#
#   ./run.sh                      # count 6, 200ms per benchmark: about 6 minutes on 2 cores
#   COUNT=10 BENCHTIME=1s ./run.sh
#   BENCH='CSRF' ./run.sh         # one family (a -bench regular expression)
#
# Results go to $OUT (default ./results): new.txt (raw `go test` output, the input of
# benchstat and of the charts), benchstat.txt (djin and its peers side by side, one column
# per implementation) and machine.txt; copies go to ../docs/benchmarks/ with the charts.
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-6}
BENCHTIME=${BENCHTIME:-200ms}
BENCH=${BENCH:-.}
OUT=${OUT:-results}
# benchstat from golang.org/x/perf, pinned; fetched through the module proxy by go run.
BENCHSTAT=${BENCHSTAT:-golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da}
export GOFLAGS=${GOFLAGS:--buildvcs=false}

mkdir -p "$OUT"
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
{
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "nproc: $(nproc)"
	echo "go: $(go version)"
	echo "cpu: ${cpu:-unknown}"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "command: go test -run '^\$' -bench '$BENCH' -benchmem -count $COUNT -benchtime $BENCHTIME ./..."
	if [[ -n ${REDIS_URL:-} ]]; then echo "redis: $REDIS_URL"; else echo "redis: redis://127.0.0.1:6379/0 (default)"; fi
} | tee "$OUT/machine.txt"

# Tests are not run here (-run '^$'): `go test ./...` checks the setups. Benchmarks of
# different packages run one after the other (go test serialises them), after every
# package has been built.
start=$(date +%s)
go test -run '^$' -bench "$BENCH" -benchmem -count "$COUNT" -benchtime "$BENCHTIME" -timeout 60m ./... | tee "$OUT/new.txt"
echo "benchmarks took $(( $(date +%s) - start ))s" | tee -a "$OUT/machine.txt"

if grep -q -- '--- SKIP' "$OUT/new.txt"; then
	echo "note: some benchmarks were skipped (no Redis?): see $OUT/new.txt" | tee -a "$OUT/machine.txt"
fi

# One table per family, one column per implementation (djin first where it runs first):
# every peer's cell shows its difference to djin's.
go run "$BENCHSTAT" -table .name -col /impl "$OUT/new.txt" | tee "$OUT/benchstat.txt"

note="$(nproc) × ${cpu:-unknown CPU}, $(go env GOVERSION), -count $COUNT -benchtime $BENCHTIME"
docs=../docs/benchmarks
go run ./cmd/charts -in "$OUT/new.txt" -out "$docs" -note "$note"
# The evidence goes next to the charts, so docs/benchmarks.md can cite the run it shows.
cp "$OUT/new.txt" "$docs/raw.txt"
cp "$OUT/benchstat.txt" "$OUT/machine.txt" "$docs/"
echo "charts, summary.md, raw.txt, benchstat.txt and machine.txt written to $docs/"
