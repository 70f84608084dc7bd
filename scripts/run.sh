#!/usr/bin/env bash
# One command to install, build and start Microcosm: the window when a
# display is present, otherwise a 20-second headless demo. Extra arguments
# go to microcosm (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
if [ $# -eq 0 ] && [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: running the headless demo (microcosm --headless --duration 20 --rate 300)."
  exec ./build/app/microcosm --headless --duration 20 --rate 300 --data-dir "${TMPDIR:-/tmp}/microcosm-demo" --report "${TMPDIR:-/tmp}/microcosm-demo/report.json"
fi
exec ./build/app/microcosm "$@"
