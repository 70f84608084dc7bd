#!/usr/bin/env bash
# Proves the README's two commands on a fresh Debian 12 (bookworm) system.
#
# Makes a minimal bookworm root with `debootstrap --variant=minbase` from the
# Debian archive this machine's apt is configured with, copies a clean clone
# of the current commit into it and runs, inside it (chroot, with /proc and
# /dev mounted):
#     bash scripts/test.sh
#     bash scripts/run.sh --headless --duration 5 --rate 50
# Nothing but what debootstrap lays down is there before: every package the
# project needs must come from scripts/deps.sh, or the stage fails.
#
# The pristine root is kept as a tarball in $MICROCOSM_FRESH_CACHE (default
# /var/cache/microcosm-fresh, outside any clone) and made again when it is a
# week old or was made from another archive or debootstrap; every run unpacks
# it anew. Downloaded .deb files are kept there too, so packages are installed
# afresh each run but need not be downloaded again.
#
# Needs root, debootstrap, chroot and unshare. Without them it fails loudly:
# this stage never passes without having run.
set -euo pipefail

fail() { echo "fresh-debian: FAILED: $*" >&2; exit 1; }

repo="$(cd "$(dirname "$0")/.." && pwd)"
suite=bookworm
cache="${MICROCOSM_FRESH_CACHE:-/var/cache/microcosm-fresh}"

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot and mount do); run it as root"
if ! command -v debootstrap >/dev/null; then
  echo "fresh-debian: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
    fail "debootstrap is not installed and apt-get could not install it"
fi
for tool in debootstrap:debootstrap chroot:coreutils unshare:util-linux mount:mount \
            mountpoint:util-linux tar:tar git:git; do
  command -v "${tool%%:*}" >/dev/null ||
    fail "'${tool%%:*}' is not installed: apt-get install ${tool#*:}"
done

# Everything below runs in a mount namespace of its own, so the mounts made
# for the chroot vanish with it however this script ends.
if [ -z "${MICROCOSM_FRESH_NS:-}" ]; then
  MICROCOSM_FRESH_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

# The Debian archive this machine's apt uses: "URI SUITE COMPONENTS" for each
# enabled deb entry of a bookworm suite, from one-line and deb822 sources.
apt_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                       uri = $i; s = $(i+1); c = ""; for (j = i + 2; j <= NF; j++) c = c " " $j
                       print uri, s c }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'function flush() { if (types ~ /(^| )deb( |$)/ && enabled != "no")
                              for (u in uris) for (s in suites) print uris[u], suites[s], comps
                            delete uris; delete suites; types = ""; comps = ""; enabled = "" }
         /^[ \t]*#/ { next }
         /^[ \t]*$/ { flush(); next }
         { key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
           if (key == "types") types = $0
           else if (key == "uris") split($0, uris, " ")
           else if (key == "suites") split($0, suites, " ")
           else if (key == "components") comps = $0
           else if (key == "enabled") enabled = tolower($0) }
         END { flush() }' "$f"
  done
}
entries="$(apt_entries | awk -v s="$suite" '$2 == s || index($2, s "-") == 1' | sort -u)"
mirror="$(awk -v s="$suite" '$2 == s { print $1; exit }' <<<"$entries")"
[ -n "$mirror" ] || fail "no '$suite' entry in this machine's apt sources (/etc/apt/sources.list{,.d}); cannot tell which Debian archive to use"

echo "fresh-debian: Debian $suite from $mirror (variant minbase)"
mkdir -p "$cache/debs/partial"
tarball="$cache/$suite-minbase.tar"
stamp="suite=$suite variant=minbase mirror=$mirror debootstrap=$(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo unknown)"
if [ -f "$tarball" ] && [ "$(cat "$tarball.stamp" 2>/dev/null)" = "$stamp" ] &&
   [ -n "$(find "$tarball" -mtime -7)" ]; then
  echo "fresh-debian: reusing the pristine root made $(date -r "$tarball" '+%F %T') ($tarball)"
else
  echo "fresh-debian: making a pristine root with debootstrap"
  fresh="$cache/debootstrap.$$"
  rm -rf --one-file-system "$fresh"
  t0=$SECONDS
  if ! debootstrap --variant=minbase "$suite" "$fresh" "$mirror" >"$cache/debootstrap.log" 2>&1; then
    tail -n 20 "$cache/debootstrap.log" >&2
    rm -rf --one-file-system "$fresh"
    fail "debootstrap --variant=minbase $suite from $mirror did not finish (log: $cache/debootstrap.log)"
  fi
  tar -C "$fresh" -cf "$tarball.new" .
  rm -rf --one-file-system "$fresh"
  mv "$tarball.new" "$tarball"
  echo "$stamp" >"$tarball.stamp"
  echo "fresh-debian: debootstrap took $((SECONDS - t0)) s"
fi

root="$cache/root.$$"
cleanup() {
  local rc=$? p
  # Nothing started inside may outlive the stage.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  for m in "$root/var/cache/apt/archives" "$root/dev" "$root/proc"; do
    mountpoint -q "$m" 2>/dev/null && { umount -R "$m" 2>/dev/null || umount -R -l "$m"; }
  done
  if grep -q " $root/" /proc/self/mounts; then
    echo "fresh-debian: something is still mounted under $root; left in place" >&2
  else
    rm -rf --one-file-system "$root"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$root"
tar -C "$root" -xf "$tarball"
echo "fresh-debian: $(chroot "$root" dpkg-query -W | wc -l) packages in the fresh root before the README's commands"

# The root's apt uses the same Debian archive as this machine.
awk '{ c = ""; for (i = 3; i <= NF; i++) c = c " " $i; if (c == "") c = " main"; print "deb " $1 " " $2 c }' \
    <<<"$entries" >"$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# What the Debian installer (or a container runtime) writes on every real
# machine and debootstrap does not: the names of this machine's loopback.
if [ ! -s "$root/etc/hosts" ]; then
  printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
fi

# A clean clone of the commit, as a new user would have.
commit="$(git -C "$repo" rev-parse HEAD)"
git clone --quiet --no-hardlinks "$repo" "$root/src/microcosm"
git -C "$root/src/microcosm" checkout --quiet --detach "$commit"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "fresh-debian: note: uncommitted changes in $repo are not part of the test (it tests commit $commit)"
fi
echo "fresh-debian: testing commit $commit"

mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --bind "$cache/debs" "$root/var/cache/apt/archives"

inside() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 CI="${CI:-}" TERM=dumb bash -c "cd /src/microcosm && $1" </dev/null
}

t0=$SECONDS
echo "fresh-debian: inside the fresh root: bash scripts/test.sh"
inside "bash scripts/test.sh" || fail "'bash scripts/test.sh' failed on a fresh Debian $suite"
echo "fresh-debian: test command passed in $((SECONDS - t0)) s"
echo "fresh-debian: $(chroot "$root" dpkg-query -W | wc -l) packages in the fresh root after it"

t0=$SECONDS
echo "fresh-debian: inside the fresh root: bash scripts/run.sh --headless --duration 5 --rate 50"
inside "bash scripts/run.sh --headless --duration 5 --rate 50" ||
  fail "'bash scripts/run.sh --headless --duration 5 --rate 50' failed on a fresh Debian $suite"
echo "fresh-debian: run command exited 0 in $((SECONDS - t0)) s"
echo "fresh-debian: both README commands passed on a fresh Debian $suite"
