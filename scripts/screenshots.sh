#!/usr/bin/env bash
# Renders the pictures in docs/ from the built program, offscreen, each on a
# fresh shop: the README's kill-product picture, presenter mode at 1280x720
# and 1920x1080 during kill-product, the first-start welcome, the rolling
# update mid-way, and each microservices/monolith (or own/shared database)
# pair at its key moment. Run after scripts/build.sh (or the test command);
# `screenshots.sh pairs` renders only the pairs.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=./build/app/microcosm
[ -x "$bin" ] || { echo "screenshots: build first (bash scripts/build.sh)" >&2; exit 1; }
export QT_QPA_PLATFORM=offscreen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config" # fresh settings: the welcome shows, no saved layout
shot() { # NAME ARGS...
  local name=$1; shift
  "$bin" --data-dir "$work/$name" --screenshot "docs/$name.png" "$@"
}
presets=resources/scenarios
pairs() {
  shot pair-kill-microservices --size 1600x1000 --scenario $presets/kill-product.json --quit-after 14
  shot pair-kill-monolith --size 1600x1000 --scenario $presets/monolith-kill-product.json --quit-after 14
  shot pair-spike-microservices --size 1600x1000 --scenario $presets/spike-autoscaler-on.json --quit-after 28
  shot pair-spike-monolith --size 1600x1000 --scenario $presets/monolith-spike.json --quit-after 28
  shot pair-update-microservices --size 1600x1000 --scenario $presets/rolling-update.json --quit-after 13
  shot pair-update-monolith --size 1600x1000 --scenario $presets/monolith-rolling-update.json --quit-after 13
  shot pair-lock-own-database --size 1600x1000 --scenario $presets/lock-cart-database.json --quit-after 13
  shot pair-lock-shared-database --size 1600x1000 --scenario $presets/shared-database-lock.json --quit-after 13
}
if [ "${1:-}" = pairs ]; then pairs; ls -l docs/pair-*.png; exit 0; fi
shot screenshot --size 1600x1000 --scenario $presets/kill-product.json --quit-after 14
shot presenter-1280x720-kill-product --presenter --size 1280x720 \
  --scenario $presets/kill-product.json --quit-after 12
shot presenter-1920x1080-kill-product --presenter --size 1920x1080 \
  --scenario $presets/kill-product.json --quit-after 12
shot welcome --size 1600x1000 --quit-after 3
shot rolling-update-midway --size 1600x1000 --scenario $presets/rolling-update.json \
  --quit-after "${ROLLING_AT:-13}"
pairs
ls -l docs/*.png
