#!/usr/bin/env bash
# Derives the Debian packages Microcosm needs and checks that scripts/deps.sh
# installs each of them.
#
#  - every CMake package the configure step found: the <Name>_DIR entries of
#    CMakeCache.txt (the owner of <Name>Config.cmake in it), and the library
#    of each find module the project requires (SQLite3);
#  - every tool the scripts and the README call;
#  - the clang runtimes the sanitizer and fuzz builds link.
#
# A package counts as installed by deps.sh when it is on the list or a
# dependency (Depends/PreDepends, recursively) of a package on it: deps.sh
# installs with --no-install-recommends, so recommendations do not count.
# Prints the derivation; exits 1 naming each package deps.sh would miss.
# Usage: scripts/check-deps.sh BUILD_DIR/CMakeCache.txt
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${1:?usage: scripts/check-deps.sh BUILD_DIR/CMakeCache.txt}"
[ -f "$cache" ] || { echo "check-deps: no CMake cache at $cache" >&2; exit 2; }

# The tools the scripts call (scripts/*.sh, .ci/run, the README's examples).
tools=(cmake ctest ninja c++ pkg-config sqlite3 clang++ xvfb-run xauth import convert)
# The sanitizer and fuzzer runtimes (scripts/sanitize.sh, scripts/fuzz.sh).
runtimes=(tsan asan ubsan_standalone fuzzer)

owner() { # the Debian package owning file $1, or nothing
  dpkg-query -S "$1" 2>/dev/null | head -n 1 | cut -d: -f1
}

declare -A needed=()
need() { # need WHAT FILE
  local pkg
  pkg="$(owner "$2")"
  if [ -z "$pkg" ]; then
    echo "check-deps: $1 ($2) belongs to no Debian package" >&2
    needed["(none: $1)"]="$1"
  else
    needed[$pkg]="${needed[$pkg]:+${needed[$pkg]}, }$1"
  fi
}

while IFS='=' read -r key dir; do
  name="${key%%_DIR:PATH}"
  [ -f "$dir/${name}Config.cmake" ] && need "CMake $name" "$dir/${name}Config.cmake"
done < <(grep -E '^[A-Za-z0-9_]+_DIR:PATH=/' "$cache")
sqlite="$(sed -n 's/^SQLite3_LIBRARY:FILEPATH=//p' "$cache")"
[ -n "$sqlite" ] && need "CMake SQLite3" "$sqlite"

for t in "${tools[@]}"; do
  # Within /usr/bin and /usr/lib: a stand-in elsewhere on PATH does not count.
  path="$(PATH=/usr/bin:/bin command -v "$t" || true)"
  if [ -z "$path" ]; then
    echo "check-deps: tool $t is not installed here" >&2
    needed["(none: $t)"]="tool $t"
  else
    need "tool $t" "$(realpath "$path")"
  fi
done
if command -v clang++ >/dev/null; then
  resources="$(clang++ -print-resource-dir)/lib/linux"
  for r in "${runtimes[@]}"; do
    need "clang runtime $r" "$resources/libclang_rt.$r-x86_64.a"
  done
fi

mapfile -t listed < <(bash scripts/deps.sh --list)
# Everything deps.sh brings in: the list and its Depends/PreDepends, recursively.
mapfile -t brought < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${listed[@]}" 2>/dev/null |
    sed -n 's/^ *\(Pre\)\{0,1\}Depends: <\{0,1\}\([^ >:]*\).*/\2/p; s/^\([a-z0-9][^ :]*\)$/\1/p' | sort -u)
declare -A installs=()
for p in "${listed[@]}"; do installs[$p]="listed"; done
for p in "${brought[@]}"; do [ -n "${installs[$p]:-}" ] || installs[$p]="pulled in"; done

missing=0
printf '%-28s %-12s %s\n' "Debian package" "deps.sh" "needed for"
for pkg in $(printf '%s\n' "${!needed[@]}" | sort); do
  how="${installs[$pkg]:-MISSING}"
  printf '%-28s %-12s %s\n' "$pkg" "$how" "${needed[$pkg]}"
  [ "$how" = MISSING ] && missing=$((missing + 1))
done
if [ "$missing" -gt 0 ]; then
  echo "check-deps: $missing package(s) above are needed but scripts/deps.sh installs none of them: add them to its list" >&2
  exit 1
fi
echo "check-deps: scripts/deps.sh installs every package the build, tests, sanitizers and fuzzers need"
