#!/usr/bin/env bash
# Regenerates the committed compliance reports in reports/: the reference
# plugin and each of Debian's plugins through the conformance suite, then one
# combined JUnit / Markdown / HTML report comparing them side by side (with
# the upstream runs of ci/upstream-reports.sh, when reports/runs holds them),
# and the suite's code coverage of the reference plugin built instrumented
# (ci/reference-coverage.sh, into reports/reference-coverage).
# Run as root after ci/setup.sh:  sudo ci/reports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/cni-harness
[ -x "$bin" ] || cargo build --release --workspace --bins --quiet

runs=()
run() { # name profile
  local dir="reports/runs/$1"
  rm -rf "$dir"
  # A plugin that departs from the spec makes `test` exit 1: that is the report.
  "$bin" test --config "$2" --report-dir "$dir" --quiet >/dev/null 2>&1 || true
  [ -f "$dir/results.json" ] || { echo "ci/reports.sh: no results for $1" >&2; exit 1; }
  runs+=(--in "$dir")
  echo "ci/reports.sh: $(grep -m1 "^| [^|]* | test |" "$dir/summary.md")"
}

run cni-ref-bridge plugins-under-test/profiles/reference/bridge.json
for p in plugins-under-test/profiles/debian/*.json; do
  run "debian-$(basename "$p" .json)" "$p"
done
# Upstream runs are made by ci/upstream-reports.sh (it judges a directory of
# plugin binaries the user provides): kept as they are and shown beside these.
for d in reports/runs/upstream-*/; do
  [ -f "$d/results.json" ] && runs+=(--in "${d%/}")
done
"$bin" report "${runs[@]}" --out reports
echo "ci/reports.sh: reports/report.html, reports/summary.md, reports/junit.xml"
# The suite's code coverage of the reference plugin (built instrumented).
CNIH_BIN="$bin" ci/reference-coverage.sh reports/reference-coverage
echo "ci/reports.sh: reports/reference-coverage/report.html"
