#!/usr/bin/env bash
# Installs what the example's browser test (example/browser_test.go) needs: Debian's
# chromium and a font for its screenshots. Idempotent: does nothing when both are there.
# .ci/run calls it before the tests, which then run with DJIN_REQUIRE_SERVICES=1 so that
# the browser test cannot skip.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
command -v chromium >/dev/null
