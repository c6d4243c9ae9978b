#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, unit and integration tests
# (real namespaces, real plugin binaries). Run as root after ci/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/test.sh: the tests create network namespaces: run as root (sudo)" >&2
  exit 2
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
# Integration tests run the workspace's plugin binaries from target/debug.
cargo build --workspace --bins --quiet
cargo test --workspace --quiet 2>&1 | tee target/test.log
# The host must be as it was: no namespace or directory of ours left behind.
leftover=$( (ls /run/netns 2>/dev/null; ls /run/cni-harness 2>/dev/null) | grep '^cnih-' || true)
if [ -n "$leftover" ]; then
  echo "ci/test.sh: sandboxes left behind: $leftover" >&2
  exit 1
fi
