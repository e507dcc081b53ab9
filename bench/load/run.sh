#!/usr/bin/env bash
# Load and soak test of the example, on 127.0.0.1 only, bounded in time.
#
#   bench/load/run.sh                          # 20 s per load run, 180 s soak
#   DURATION=10s SOAK_SECONDS=60 bench/load/run.sh
#
# 1. Load: wrk against the example's full default stack (bench/load/settings.yaml, release
#    mode) and against bare gin answering with the same bytes (bench/cmd/baregin); the page
#    is /login/, which renders a template with a CSRF token. Reported as a ratio.
# 2. Soak: SOAK_SECONDS of wrk on /login/ and, beside it, on the tutorial's /throttled/
#    (3 per 10 s, so 429 is the intended answer there), while /debug/vars is sampled. It
#    fails if any /login/ answer is not 200, any /throttled/ answer is neither 200 nor 429,
#    any socket error occurs, goroutines do not come back to their idle count, or the heap
#    grows between the first and the last third of the run.
# Results go to bench/load/results.md. Needs wrk (Debian package) and curl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
duration=${DURATION:-20s}
soak=${SOAK_SECONDS:-180}
conns=${CONNS:-32}
out=${OUT:-$here/results.md}
site=127.0.0.1:18080 bare=127.0.0.1:18081 dbg=127.0.0.1:18082

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

(cd ../.. && go build -o "$tmp/example" ./example)
(cd .. && go build -o "$tmp/baregin" ./cmd/baregin)
DJIN_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n') \
  "$tmp/example" -addr "$site" -debug-addr "$dbg" -db "$tmp/load.db" -settings settings.yaml 2>"$tmp/example.log" &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://$site/login/" && break; sleep 0.2; done
curl -sf -o "$tmp/page.html" "http://$site/login/" || { echo "the example did not start:"; cat "$tmp/example.log"; exit 1; }
"$tmp/baregin" -addr "$bare" -body "$tmp/page.html" 2>/dev/null &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://$bare/login/" && break; sleep 0.1; done

rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }
echo "== load: bare gin"
wrk -t2 -c"$conns" -d"$duration" --latency "http://$bare/login/" | tee "$tmp/bare.txt"
echo "== load: djin default stack"
wrk -t2 -c"$conns" -d"$duration" --latency "http://$site/login/" | tee "$tmp/djin.txt"
bare_rps=$(rps "$tmp/bare.txt") djin_rps=$(rps "$tmp/djin.txt")
ratio=$(awk -v a="$bare_rps" -v b="$djin_rps" 'BEGIN {printf "%.2f", a / b}')

vars() { curl -sf "http://$dbg/debug/vars" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(v["goroutines"], v["memstats"]["HeapAlloc"])'; }
sleep 2
idle_before=$(vars | cut -d' ' -f1)
echo "== soak: ${soak}s (goroutines idle before: $idle_before)"
: > "$tmp/samples"
wrk -t2 -c16 -d"${soak}s" -s statuses.lua "http://$site/login/" > "$tmp/soak-login.txt" &
w1=$!
wrk -t1 -c4 -d"${soak}s" -s statuses.lua "http://$site/throttled/" > "$tmp/soak-throttled.txt" &
w2=$!
for _ in $(seq $((soak / 5))); do sleep 5; vars >> "$tmp/samples" || true; done
wait "$w1" "$w2"
sleep 3
idle_after=$(vars | cut -d' ' -f1)

fail=()
grep -q '^errors connect=0 read=0 write=0 timeout=0$' "$tmp/soak-login.txt" || fail+=("socket errors on /login/")
grep -q '^errors connect=0 read=0 write=0 timeout=0$' "$tmp/soak-throttled.txt" || fail+=("socket errors on /throttled/")
awk '/^status / && $2 != 200 {bad=1} END {exit bad}' "$tmp/soak-login.txt" || fail+=("/login/ answered other than 200")
awk '/^status / && $2 != 200 && $2 != 429 {bad=1} END {exit bad}' "$tmp/soak-throttled.txt" || fail+=("/throttled/ answered other than 200 or 429")
[[ $idle_after -le $((idle_before + 5)) ]] || fail+=("goroutines idle $idle_before before, $idle_after after")
read -r heap_first heap_last < <(python3 - "$tmp/samples" <<'PY'
import sys, statistics
h = [int(l.split()[1]) for l in open(sys.argv[1]) if l.strip()]
n = max(1, len(h) // 3)
print(int(statistics.median(h[:n])), int(statistics.median(h[-n:])))
PY
)
[[ $heap_last -le $((heap_first * 3 / 2 + 4 * 1024 * 1024)) ]] || fail+=("heap grew: median $heap_first B in the first third, $heap_last B in the last")
gmax=$(awk 'BEGIN {m=0} {if ($1 > m) m = $1} END {print m}' "$tmp/samples")

counts() { awk '/^status / {printf "%s%s: %s", sep, $2, $3; sep=", "}' "$1"; }
{
  echo "# Load and soak results"
  echo
  echo "\`bench/load/run.sh\` (DURATION=$duration, SOAK_SECONDS=$soak, $conns connections), $(date -u +%Y-%m-%d),"
  echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)."
  echo
  echo "| server, GET /login/ | requests/s | p99 latency |"
  echo "|---|---|---|"
  echo "| bare gin, same bytes | $bare_rps | $(p99 "$tmp/bare.txt") |"
  echo "| example, full default stack | $djin_rps | $(p99 "$tmp/djin.txt") |"
  echo
  echo "Bare gin serves **${ratio}×** the requests of the full default stack."
  echo
  echo "Soak, ${soak} s: /login/ answers ($(counts "$tmp/soak-login.txt")); /throttled/ answers ($(counts "$tmp/soak-throttled.txt"))."
  echo "Goroutines: $idle_before idle before, at most $gmax under load, $idle_after idle after."
  echo "Heap in use (median): $((heap_first / 1024)) KiB in the first third, $((heap_last / 1024)) KiB in the last."
  echo
  if ((${#fail[@]})); then echo "**FAILED:** ${fail[*]}"; else echo "Soak passed: no failed request beyond the intended 429s, goroutines back to idle, heap flat."; fi
} | tee "$out"
((${#fail[@]} == 0))
