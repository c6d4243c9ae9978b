#!/usr/bin/env bash
# Installs everything cni-harness needs on a fresh Debian machine and builds it.
# Idempotent; run as root. Used by the README's first command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "ci/setup.sh: run as root (sudo): it installs packages and creates network namespaces" >&2
  exit 2
fi

# Debian packages: iproute2/nftables/iptables are what plugins call; the
# containernetworking-plugins package is the real peer the harness is tested
# against; chromium renders the HTML report in the report tests; podman,
# runc and busybox-static run real containers in tests/podman_e2e.rs;
# golang-go and golang-github-appc-cni-dev (libcni 1.1.2's sources) build
# the libcni driver of tests/libcni_compare.rs; dnsname (with the dnsmasq
# it starts) is the chained plugin of profiles/debian/dnsname.json.
need=(iproute2 nftables iptables iputils-ping containernetworking-plugins chromium procps
  podman runc busybox-static golang-go golang-github-appc-cni-dev jq python3
  golang-github-containernetworking-plugin-dnsname dnsmasq)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci/setup.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "ci/setup.sh: cargo not found; install the stable Rust toolchain first" >&2
  exit 2
fi

cargo build --release --workspace --bins --quiet
echo "ci/setup.sh: ready: target/release/cni-harness"
