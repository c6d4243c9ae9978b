#!/usr/bin/env bash
# Guided versus blind fuzzing on the project's Go plugin (cni-go-combo, built
# with `go build -cover`; its defect needs hairpinMode, mode and vlan to line
# up). For each seed, one session with coverage guidance and one without
# (--no-coverage), same seed and duration; prints one line per session and
# the counts. Usage: ci/coverage-guided.sh [SECONDS] [SEEDS...]
# (default 120 s, seeds 1-5). Needs root and a built cni-harness.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-120}"
shift || true
seeds=("$@")
[ "${#seeds[@]}" -gt 0 ] || seeds=(1 2 3 4 5)
# The binary to compare with: CNIH_BIN, else a fresh release build.
harness="${CNIH_BIN:-}"
if [ -z "$harness" ]; then
  cargo build --release --quiet -p cni-harness --bin cni-harness
  harness=target/release/cni-harness
fi
plugins-under-test/go-combo/build.sh >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
declare -A found=([guided]=0 [blind]=0)
for seed in "${seeds[@]}"; do
  for mode in guided blind; do
    flag=()
    [ "$mode" = blind ] && flag=(--no-coverage)
    out="$work/$mode-$seed"
    set +e
    line="$("$harness" fuzz --config plugins-under-test/profiles/go/go-combo.json \
      --duration "$secs" --seed "$seed" --out "$out" --quiet "${flag[@]}" 2>/dev/null | head -1)"
    set -e
    hit=no
    if grep -lq 'in main.port' "$out"/findings/*.json 2>/dev/null; then
      hit=yes
      found[$mode]=$((found[$mode] + 1))
    fi
    echo "seed $seed $mode: defect found: $hit; $line"
  done
done
echo "guided found the defect in ${found[guided]} of ${#seeds[@]} sessions, blind in ${found[blind]} of ${#seeds[@]} (${secs} s each)"
