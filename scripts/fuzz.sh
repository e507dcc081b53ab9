#!/usr/bin/env bash
# Runs every fuzz target in the module for a bounded time each: FUZZTIME (default 30s).
#   scripts/fuzz.sh                 # 30 s per target
#   FUZZTIME=3s scripts/fuzz.sh     # the short run CI does
#   scripts/fuzz.sh ./csrfx         # one package
# A crash is written to the package's testdata/fuzz/<Target>/ by go test; commit it as a
# regression seed once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
pkgs=("$@")
[[ ${#pkgs[@]} -gt 0 ]] || pkgs=(./...)

failed=0
ran=0
for pkg in $(go list "${pkgs[@]}"); do
  targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
  for target in $targets; do
    ran=$((ran + 1))
    echo "== $pkg $target ($fuzztime)"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
      failed=$((failed + 1))
    fi
  done
done
echo "fuzz: $ran targets, $failed failed"
[[ $failed -eq 0 ]]
