#!/usr/bin/env bash
# Builds cni-go-combo with coverage instrumentation (`go build -cover`) into
# the directory given (default: target/go-combo). Needs Go >= 1.20: $CNIH_GO,
# else `go` on PATH if new enough, else the one ci/setup.sh installs.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../../target/go-combo}"
go_bin="$("$here/../../ci/find-go.sh")"
mkdir -p "$out"
cd "$here"
# GOTOOLCHAIN=local: never download another toolchain; GOFLAGS cleared so a
# caller's -mod settings cannot reach for the network.
GOTOOLCHAIN=local GOFLAGS= "$go_bin" build -cover -covermode=count -o "$out/cni-go-combo" .
echo "$out/cni-go-combo"
