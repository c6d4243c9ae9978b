#!/usr/bin/env bash
# The reference suite's wall time with the process boundary (issue 20) and
# without it (CNIH_NO_PROCESS_BOUNDARY=1), alternated in one script so that
# machine noise hits both alike; medians of ROUNDS runs (default 5).
# Run as root after `cargo build --release --workspace --bins`. With
# BEFORE=/path/to/an/older/cni-harness, that binary is timed too.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5}
bin=target/release/cni-harness
profile=plugins-under-test/profiles/reference/bridge.json
path="$PWD/target/release"
time_one() { # env-assignment... binary -> seconds
  local start end
  start=$(date +%s.%N)
  env "$@" test -c "$profile" --cni-path "$path" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
on=() off=() before=()
for _ in $(seq "$rounds"); do
  on+=("$(time_one CNIH_NO_PROCESS_BOUNDARY=0 "$bin")")
  off+=("$(time_one CNIH_NO_PROCESS_BOUNDARY=1 "$bin")")
  if [ -n "${BEFORE:-}" ]; then before+=("$(time_one CNIH_UNUSED=1 "$BEFORE")"); fi
done
m_on=$(printf '%s\n' "${on[@]}" | median)
m_off=$(printf '%s\n' "${off[@]}" | median)
echo "reference suite, $rounds rounds, median wall time (samples: on ${on[*]}; off ${off[*]}):"
echo "  boundary on  ${m_on} s"
echo "  boundary off ${m_off} s   ratio on/off $(echo "scale=3; $m_on / $m_off" | bc)"
if [ -n "${BEFORE:-}" ]; then
  m_before=$(printf '%s\n' "${before[@]}" | median)
  echo "  $BEFORE ${m_before} s   ratio on/before $(echo "scale=3; $m_on / $m_before" | bc)"
fi
