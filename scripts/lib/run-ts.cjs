#!/usr/bin/env node
"use strict";
/**
 * Runs a TypeScript file with plain Node 20+: `node scripts/lib/run-ts.cjs <file.ts> [args...]`.
 * The script sees `process.argv` as if started with `node <file.ts> [args...]`.
 */
const path = require("node:path");
require("./register-ts.cjs");

const [, , file, ...args] = process.argv;
if (!file) {
  process.stderr.write("usage: node scripts/lib/run-ts.cjs <file.ts> [args...]\n");
  process.exit(2);
}
const entry = path.resolve(file);
process.argv = [process.argv[0], entry, ...args];
require(entry);
