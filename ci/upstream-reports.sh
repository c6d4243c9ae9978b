#!/usr/bin/env bash
# Judges a release of the upstream plugins that the user has already built:
# runs every Debian profile of plugins-under-test/profiles/debian/ against the
# plugin binaries in BIN_DIR as `upstream-<name>`, and re-renders the
# combined report of every run under OUT_DIR/runs/ (reference, Debian and
# upstream side by side).
#
#   ci/upstream-reports.sh BIN_DIR RELEASE [OUT_DIR]    (as root; OUT_DIR defaults to reports)
#
# BIN_DIR holds the plugin binaries (bridge, host-local, ptp, ...), however
# they were obtained: this script builds nothing and fetches nothing (the
# project never contains another project's source, binaries or a recipe that
# builds them). RELEASE names what they are, e.g. v1.9.1; it is recorded with
# each run, with $UPSTREAM_REPOSITORY (default containernetworking/plugins)
# and $UPSTREAM_COMMIT when given. Profiles whose plugin is not in BIN_DIR
# are skipped with a note.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
die() { echo "ci/upstream-reports.sh: $*" >&2; exit 2; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: ci/upstream-reports.sh BIN_DIR RELEASE [OUT_DIR]"
bin="$(cd "$1" 2>/dev/null && pwd)" || die "no such directory: $1"
release="$2"
[[ "$release" =~ ^[A-Za-z0-9._+-]+$ ]] || die "RELEASE $release: use a tag such as v1.9.1"
out="${3:-$here/reports}"
mkdir -p "$out/runs"
out="$(cd "$out" && pwd)"
repository="${UPSTREAM_REPOSITORY:-containernetworking/plugins}"
commit="${UPSTREAM_COMMIT:-unknown}"
[ "$(id -u)" -eq 0 ] || die "run as root: the suite creates network namespaces"
command -v python3 >/dev/null || die "python3 is needed (profile rewriting)"
found=0
for f in "$bin"/*; do [ -f "$f" ] && [ -x "$f" ] && found=1 && break; done
[ "$found" -eq 1 ] || die "$bin holds no executable plugin binaries"

# --- the suite, one run per Debian profile ----------------------------------
harness="$here/target/release/cni-harness"
[ -x "$harness" ] || (cd "$here" && cargo build --release --workspace --bins --quiet)
# The user's binaries first, so delegates (host-local, the bridge under a meta
# plugin) come from the same release; then the harness's directory for its
# test plugins (pass-through, recorder), whose names upstream does not use.
cni_path="$bin:$(dirname "$harness")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
runs=()
for p in "$here"/plugins-under-test/profiles/debian/*.json; do
  name="upstream-$(basename "$p" .json)"
  dir="$out/runs/$name"
  # The same profile, renamed so the report tells the two apart; its plugin
  # must be one of the user's binaries.
  plugin="$(python3 - "$p" "$tmp/$name.json" "$name" "$bin" <<'PY'
import json, sys
src, dst, name, bin_dir = sys.argv[1:]
with open(src) as f:
    profile = json.load(f)
profile["profile"] = name
profile["cniPath"] = [bin_dir]
with open(dst, "w") as f:
    json.dump(profile, f, indent=2)
print(profile["plugin"])
PY
)"
  if [ ! -x "$bin/$plugin" ]; then
    echo "ci/upstream-reports.sh: $name skipped: no $plugin in $bin"
    continue
  fi
  rm -rf "$dir"
  # A plugin that departs from the spec makes `test` exit 1: that is the report.
  "$harness" test --config "$tmp/$name.json" --cni-path "$cni_path" --report-dir "$dir" --quiet \
    >/dev/null 2>&1 || true
  [ -f "$dir/results.json" ] || die "no results for $name"
  # Not *.json: `cni-harness report --in DIR` reads every *.json of DIR as results.
  printf 'repository=%s\nversion=%s\ncommit=%s\nbinaries=provided by the user\n' \
    "$repository" "$release" "$commit" >"$dir/upstream.txt"
  runs+=("$dir")
  echo "ci/upstream-reports.sh: $(grep -m1 "^| [^|]* | test |" "$dir/summary.md" || echo "$name done")"
done
[ "${#runs[@]}" -gt 0 ] || die "no Debian profile's plugin is in $bin"

# --- the combined page: every run under OUT_DIR/runs -------------------------
all=()
for d in "$out"/runs/*/; do [ -f "$d/results.json" ] && all+=(--in "${d}results.json"); done
"$harness" report "${all[@]}" --out "$out" >/dev/null
echo "ci/upstream-reports.sh: $repository $release: ${#runs[@]} runs; $out/report.html, $out/summary.md, $out/junit.xml"
