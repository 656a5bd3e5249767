// `npm run build`: tsc -> dist/; then removes what in dist/ no source produces any more (tsc never
// deletes, and a moved or removed module's old output would be packed and loadable); then bundles
// the dynamic-provider entry (scripts/bundle-provider.mjs -> dist/provider/entry.js).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });

const { PROVIDER_BUNDLE, bundleProvider } = await import("./bundle-provider.mjs");
const stale = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (p !== PROVIDER_BUNDLE) {
      const rel = relative(dist, p);
      const stem = rel.replace(/\.(d\.ts|js)(\.map)?$/, "");
      if (stem !== rel && !existsSync(join(root, "src", `${stem}.ts`))) {
        rmSync(p);
        stale.push(rel);
      }
    }
  }
};
if (existsSync(dist)) walk(dist);
if (stale.length > 0) console.log(`removed ${stale.length} stale file(s) that no source produces: ${stale.join(", ")}`);
await bundleProvider();
