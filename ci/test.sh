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
after=$(fingerprint)
if [ -n "$leftover" ] || [ "$before" != "$after" ]; then
  echo "ci/test.sh: the host changed during the tests:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "$leftover" >&2
  exit 1
fi
echo "ci/test.sh: host unchanged"
# One closing line for the whole run (the last cargo line is often a
# doc-test binary with nothing in it).
awk '/^test result:/ { p += $4; f += $6; s += $8 } END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' target/test.log
