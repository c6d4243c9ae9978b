#!/usr/bin/env bash
# Soak run (issue 14): the suite with --test-threads 8 on the reference
# plugin and on Debian's bridge, over and over, and a fuzz session with
# --jobs 2, for MINUTES minutes (default 10), sampling each harness
# process's open file descriptors and threads every second. Fails if either
# grows in the long fuzz session, whose work is the same all along (its last
# third may not hold more than its first, plus a little slack), or if
# anything named after a run is left under /run/netns, /run/cni-harness or in
# the mount table. Each suite round is a process of its own whose case mix
# changes as it goes: its peaks are printed (how many descriptors and
# threads per sandbox alive), not judged; tests/load.rs judges them against
# bounds, and the exact per-sandbox check is its in-process churn test. Run as root after a release build:
#   cargo build --release --workspace --bins && sudo ci/soak.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
bin=${CNI_HARNESS:-target/release/cni-harness}
cni_path="$PWD/$(dirname "$bin"):/usr/lib/cni"
[ "$(id -u)" -eq 0 ] || { echo "ci/soak.sh: run as root" >&2; exit 2; }
[ -x "$bin" ] || { echo "ci/soak.sh: $bin missing: cargo build --release --workspace --bins" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
end=$(( $(date +%s) + minutes * 60 ))
failed=0

# sample PID FILE: "fds threads live-sandboxes" once a second while PID lives.
sample() {
  while [ -d "/proc/$1" ]; do
    fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
    thr=$(awk '/^Threads:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    live=$(ls /run/cni-harness 2>/dev/null | grep -c "^cnih-$1-" || true)
    echo "$fds $thr $live" >> "$2"
    sleep 1
  done
}

# peaks NAME PID FILE: the most descriptors and threads, and per sandbox alive.
peaks() {
  local name=$1 pid=$2 file=$3
  awk -v name="$name" '
    { if ($1 > mf) { mf = $1; at = $3 } if ($2 > mt) mt = $2 }
    END { printf "soak: %s: at most %d fds (with %d sandboxes alive), %d threads over %d samples\n", name, mf, at, mt, NR }' "$file"
  left_of "$name" "$pid"
}

left_of() {
  left=$( (ls /run/netns /run/cni-harness 2>/dev/null; awk '{print $5}' /proc/self/mountinfo) | grep "cnih-$2-" || true)
  if [ -n "$left" ]; then echo "soak: $1 left: $left" >&2; failed=1; fi
}

# flat NAME PID FILE: the last third holds no more than the first, plus slack.
flat() {
  local name=$1 pid=$2 file=$3
  local verdict
  verdict=$(awk -v name="$name" '
    { fd[NR] = $1; th[NR] = $2 }
    END {
      t = int(NR / 3); if (t < 1) { print name ": too short to judge"; exit }
      for (i = 1; i <= t; i++) { if (fd[i] > ef) ef = fd[i]; if (th[i] > et) et = th[i] }
      for (i = NR - t + 1; i <= NR; i++) { if (fd[i] > lf) lf = fd[i]; if (th[i] > lt) lt = th[i] }
      bad = (lf > ef + 24 || lt > et + 12)
      printf "%s: fds %d -> %d, threads %d -> %d over %d samples%s\n", name, ef, lf, et, lt, NR, bad ? " GROWTH" : ""
    }' "$file")
  echo "soak: $verdict"
  case $verdict in *GROWTH*) failed=1 ;; esac
  left_of "$name" "$pid"
}

# The fuzz session runs alongside the suites for the whole period.
"$bin" fuzz --jobs 2 --duration "${minutes}m" --quiet --out "$work/fuzz" >"$work/fuzz.log" 2>&1 &
fuzz=$!
sample "$fuzz" "$work/fuzz.samples" &

round=0
while [ "$(date +%s)" -lt "$end" ]; do
  round=$((round + 1))
  for target in reference debian; do
    args=(test --test-threads 8 -q --report-dir "$work/$target-$round")
    [ "$target" = debian ] && args+=(--config plugins-under-test/profiles/debian/bridge.json --cni-path /usr/lib/cni)
    "$bin" "${args[@]}" >"$work/$target-$round.log" 2>&1 &
    pid=$!
    sample "$pid" "$work/$target-$round.samples"
    wait "$pid" || [ $? -eq 1 ] || { echo "soak: $target round $round: harness error" >&2; failed=1; }
    peaks "$target round $round" "$pid" "$work/$target-$round.samples"
    grep -h "^cni-harness: [0-9]* passed" "$work/$target-$round.log" | sed "s/^/soak: $target round $round: /" || true
  done
done
wait "$fuzz" || [ $? -eq 1 ] || { echo "soak: fuzz: harness error" >&2; failed=1; }
flat "fuzz --jobs 2" "$fuzz" "$work/fuzz.samples"
grep -h "^cni-harness fuzz:" "$work/fuzz.log" | sed "s/^/soak: /" || true
[ "$failed" -eq 0 ] && echo "soak: ${minutes} min, $round rounds: nothing grew, nothing left" || echo "soak: FAILED" >&2
exit "$failed"
