"use strict";
/**
 * Lets plain Node (20 and later) `require()` this repo's TypeScript scripts, examples and demo
 * without a build step or a TypeScript runner (no tsx/ts-node here): each `.ts` file is
 * transpiled on load with the repo's own `typescript` (`transpileModule`: types are stripped, not
 * checked; `npm run typecheck` and the example tests check them). CommonJS output, like the package.
 *
 *   node scripts/lib/run-ts.cjs some/script.ts [args...]
 */
const fs = require("node:fs");
const path = require("node:path");

const repoRoot = path.resolve(__dirname, "..", "..");
const ts = require(require.resolve("typescript", { paths: [repoRoot] }));

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
  inlineSources: true,
};

function compileTs(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const { outputText } = ts.transpileModule(source, { fileName: filename, compilerOptions, reportDiagnostics: false });
  module._compile(outputText, filename);
}

// Overrides Node's own handler where one exists (Node >= 22.18/23.6 strip types natively), so every
// Node version runs the same transpiled code.
require.extensions[".ts"] = compileTs;
if (typeof process.setSourceMapsEnabled === "function") process.setSourceMapsEnabled(true);
