#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan) and runs each
# on the committed seed corpus for a while: the scenario parser and request
# handling. A crash fails with its reproducer in build-fuzz/fuzz/artifacts/.
# Usage: scripts/fuzz.sh [seconds per target, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: seconds must be a whole number, got '$seconds'" >&2; exit 2 ;; esac
bash scripts/deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
      -DMICROCOSM_FUZZ=ON -DMICROCOSM_GUI=OFF -DMICROCOSM_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target fuzz_scenario fuzz_request fuzz_http
export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1 print_stacktrace=1"
cmake --build build-fuzz --target fuzz-smoke
