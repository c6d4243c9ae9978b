#!/usr/bin/env bash
# Fuzz the harness's and the reference plugins' parsers in-process with
# libFuzzer (fuzz/, see fuzz/README.md) for SECONDS per target (default 30).
# Works on stable Rust (`-s none`: no sanitizer, which needs nightly).
# Installs cargo-fuzz if missing. Exits non-zero on the first crash, after
# printing the crashing input's path (fuzz/artifacts/<target>/crash-...).
# New coverage goes to a scratch directory: the committed seeds in
# fuzz/corpus/ are only read.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-30}
case $seconds in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "ci/fuzz-parsers.sh: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cargo fuzz build -s none
for target in $(cargo fuzz list); do
  mkdir -p "$scratch/$target"
  echo "== $target (${seconds}s)"
  log="$scratch/$target.log"
  if ! cargo fuzz run -s none "$target" "$scratch/$target" "corpus/$target" \
    -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log"
    artifact=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -n 1 | cut -d' ' -f5)
    echo "ci/fuzz-parsers.sh: $target crashed; input: ${artifact:-see the log above}" >&2
    echo "reproduce: cargo fuzz run -s none $target $artifact (in fuzz/)" >&2
    echo "keep it: copy it to fuzz/regressions/$target/ (cargo test replays it)" >&2
    exit 1
  fi
  grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' "$log" || true
done
echo "ci/fuzz-parsers.sh: no crash in $(cargo fuzz list | wc -l) targets"
