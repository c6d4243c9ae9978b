#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests
# (real namespaces, real plugin binaries). Run as root after ci/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/test.sh: the tests create network namespaces: run as root (sudo)" >&2
  exit 2
fi

# What the host looks like (minus counters): compared before and after the suite.
fingerprint() {
  ls /run/netns 2>/dev/null || true
  ip -o link show | sed -E 's/^[0-9]+: //; s/ state .*//'
  ip -o addr show | awk '{print $2, $3, $4}'
  ip route show table all
  ip -6 route show table all | grep -v '^ff00::/8\|fe80::' || true
  ip rule show
  find /var/lib/cni /run/cni -mindepth 1 2>/dev/null | sort
}
before=$(fingerprint)
# Processes: none the tests started may be alive at the end. "Started by
# the tests" needs evidence, so that a cron job or another service starting
# meanwhile cannot fail the run: born after this mark, and either a binary
# of ours or of the CNI plugins, a sandbox init (cnih-init), or in a network
# namespace that is not the host's (a plugin's daemon in a scratch node).
hz=$(getconf CLK_TCK)
mark=$(awk -v hz="$hz" '{ print int($1 * hz) }' /proc/uptime)
host_net=$(readlink /proc/self/ns/net)
our_processes() {
  for d in /proc/[0-9]*; do
    stat=$(cat "$d/stat" 2>/dev/null) || continue
    # Fields after "pid (comm) " start at 3: the start time (22) is the 20th.
    start=$(echo "${stat##*) }" | awk '{ print $20 }')
    [ "${start:-0}" -gt "$mark" ] || continue
    exe=$(readlink "$d/exe" 2>/dev/null) || continue # kernel threads have none
    comm=$(cat "$d/comm" 2>/dev/null) || continue
    net=$(readlink "$d/ns/net" 2>/dev/null) || continue
    case "$exe" in
      "$PWD"/target/*|/usr/lib/cni/*) ;;
      *) [ "$net" != "$host_net" ] || [ "$comm" = cnih-init ] || continue ;;
    esac
    echo "${d#/proc/} $comm $exe ($net)"
  done
}
# Sandboxes a killed earlier run left (cni-harness clean removes them) are
# not this run's: only new ones count.
ours() { (ls /run/netns 2>/dev/null; ls /run/cni-harness 2>/dev/null) | grep '^cnih-' | sort || true; }
stale=$(ours)

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The action and CI templates shipped for plugin authors (schemas, actionlint).
bash ci/lint-ci.sh
# Integration tests run the workspace's plugin binaries from target/debug.
cargo build --workspace --bins --quiet
cargo test --workspace --no-fail-fast --quiet 2>&1 | tee target/test.log
# The libFuzzer targets of our own parsers (fuzz/, its own workspace): their
# bodies replay the seed corpus and every kept crash, on stable, without
# cargo-fuzz. Built in the main target directory to share its artifacts.
export CARGO_TARGET_DIR="$PWD/target"
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
cargo clippy --manifest-path fuzz/Cargo.toml --all-targets --quiet -- -D warnings
cargo test --manifest-path fuzz/Cargo.toml --no-fail-fast --quiet 2>&1 | tee -a target/test.log
unset CARGO_TARGET_DIR
# The host must be as it was: no namespace, link, address, route or CNI
# state file of ours left behind.
leftover=$(comm -13 <(echo "$stale") <(ours) | grep . || true)
# Sandboxes killed their processes on the way out; the kernel reaps them at once.
processes=$(our_processes)
[ -z "$processes" ] || leftover="$leftover
processes started by the tests still alive:
$processes"
after=$(fingerprint)
if [ -n "$(echo "$leftover" | grep .)" ] || [ "$before" != "$after" ]; then
  echo "ci/test.sh: the host changed during the tests:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "$leftover" >&2
  exit 1
fi
echo "ci/test.sh: host unchanged"
# One closing line for the whole run (the last cargo line is often a
# doc-test binary with nothing in it).
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' target/test.log
