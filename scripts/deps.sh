#!/usr/bin/env bash
# Installs the Debian 12 packages Microcosm needs to build, test and run.
# Idempotent: does nothing when every package is already installed.
# `scripts/deps.sh --list` prints the packages, one a line, and installs none.
#
# The list is derived, not guessed: scripts/check-deps.sh (run by the test
# suite as deps_derived) finds the Debian package owning each CMake package
# the configure step found and each tool the scripts call, and fails naming
# any that neither this list nor a package on it brings in.
set -euo pipefail

packages=(
  # build: compiler, CMake and Ninja
  build-essential cmake ninja-build pkg-config
  # Qt 6.4 (Core, Gui, Widgets, Test; Charts; Svg). Qt6Charts' CMake files need
  # Qt6OpenGL's, which qt6-charts-dev does not pull in: libqt6opengl6-dev.
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev libgl-dev
  # the databases, and the sqlite3 shell the README's queries use
  libsqlite3-dev sqlite3
  # sanitizer and fuzzing builds (scripts/sanitize.sh, scripts/fuzz.sh)
  clang libclang-rt-14-dev
  # looking at the window without a display: xvfb-run and screenshots; the
  # type the window is drawn in (its presenter-mode sizes are measured in it)
  xvfb xauth imagemagick fonts-dejavu-core
  # the outside: Boost.Beast for the HTTP front, cpp-httplib for calls to
  # external services; promtool checks /metrics; wrk, hey and ab measure the
  # front; Chromium, its driver and Selenium run the storefront's browser test
  libboost-dev libcpp-httplib-dev prometheus wrk hey apache2-utils
  chromium chromium-driver python3-selenium
)

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
