#!/usr/bin/env bash
# The conformance suite's code coverage of the reference plugin: builds
# cni-ref-bridge and cni-ref-ipam with `-C instrument-coverage` (stable
# rustc) in a target directory of their own (target/instrumented, as
# tests/coverage_llvm.rs does), runs `cni-harness test --coverage` on them
# and writes the reports (results.json, summary.md, report.html, junit.xml)
# to the directory given (default reports/reference-coverage).
# Run as root after ci/setup.sh:  sudo ci/reference-coverage.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-reports/reference-coverage}"
bin="${CNIH_BIN:-target/release/cni-harness}"
[ -x "$bin" ] || cargo build --release --workspace --bins --quiet
RUSTFLAGS="-C instrument-coverage" CARGO_TARGET_DIR=target/instrumented \
  cargo build --quiet -p cni-ref-bridge -p cni-ref-ipam
rm -rf "$out"
# The plugin's departures (if any) make `test` exit 1: the report is the point.
"$bin" test --config plugins-under-test/profiles/reference/bridge.json \
  --cni-path "$PWD/target/instrumented/debug" --coverage --report-dir "$out" --quiet \
  >/dev/null 2>&1 || true
[ -f "$out/results.json" ] || { echo "ci/reference-coverage.sh: no results in $out" >&2; exit 1; }
grep -q '"code_coverage"' "$out/results.json" ||
  { echo "ci/reference-coverage.sh: no code coverage in $out/results.json" >&2; exit 1; }
grep -m2 '^[0-9.]*% of ' "$out/summary.md" | sed 's/^/ci\/reference-coverage.sh: /'
