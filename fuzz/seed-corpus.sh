#!/usr/bin/env bash
# Rebuild fuzz/corpus/<target>/ from real files of the repository (spec
# examples, fuzz seeds, plugin profiles) plus a few hand-written inputs.
# Run from anywhere; it replaces the corpus directories it writes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/fuzz/corpus"
ex="$root/specs/examples"
rm -rf "$out"
mkdir -p "$out"/{network_config,profile,plugin_reply,cidr,cni_args,plugin_netconf}

# copy DEST SRC...: each source named by its path in the repository.
copy() {
  local dest=$1; shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    local rel=${f#"$root"/}
    cp "$f" "$out/$dest/${rel//\//_}"
  done
}

for v in 0.3.1 1.0.0 1.1.0; do
  copy network_config "$ex/$v"/valid/conflist-*.json "$ex/$v"/valid/config-*.json
done
copy network_config "$ex/1.1.0"/invalid/conflist-*.json "$ex/1.1.0"/invalid/config-type-with-slash.json
copy network_config "$root"/corpus/*/*.json

copy profile "$root"/plugins-under-test/profiles/reference/*.json \
  "$root"/plugins-under-test/profiles/debian/{bridge,host-local,portmap,static}.json \
  "$root"/plugins-under-test/profiles/zoo/{result-lies,drops-prevresult}.json

for v in 0.1.0 0.2.0 0.3.0 0.4.0 1.0.0 1.1.0; do
  copy plugin_reply "$ex/$v"/valid/{result,ipam-result,error}-*.json
done
copy plugin_reply "$ex/1.1.0"/invalid/result-*.json

for v in 0.4.0 1.1.0; do
  copy plugin_netconf "$ex/$v"/valid/config-*.json
done
copy plugin_netconf "$ex/1.1.0"/invalid/config-prevresult-bad-address.json
# The stdin each plugin of the reference profiles receives: its own object
# plus the list's name and cniVersion (as libcni builds it).
for f in "$root"/plugins-under-test/profiles/reference/*.json; do
  jq -c '.config as $c | $c.plugins | to_entries[]
         | .value + {name: $c.name, cniVersion: $c.cniVersion}' "$f" |
    split -l 1 - "$out/plugin_netconf/stdin-$(basename "$f" .json)-"
done

i=0
for c in 10.22.0.5/16 10.22.0.0/24 fd00::5/64 ::/0 0.0.0.0/0 10.0.0.1/+8 10.0.0.1/08 \
  10.0.0.1/33 ::ffff:10.0.0.1/96 fe80::1%eth0/64; do
  printf '%s' "$c" >"$out/cidr/$((i++))"
done

i=0
for a in 'IgnoreUnknown=1;K8S_POD_NAME=p;K8S_POD_NAMESPACE=ns' 'IP=10.22.0.9,fd00::9' \
  'K=a=b;;' '=v' 'novalue' $'IP=10.22.0.9\nctr-1.a_b\neth0' $'\n-bad\neth0' $'\nc1\na/b'; do
  printf '%s' "$a" >"$out/cni_args/$((i++))"
done

du -sb "$out"
