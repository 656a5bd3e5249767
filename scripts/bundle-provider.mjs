// Part of `npm run build` (scripts/build.mjs), after tsc: bundles the dynamic-provider entry (src/provider/index.ts and
// everything it loads: zod, the parts of undici it takes, the S3 signer and XML parser) into one file,
// dist/provider/entry.js, which package.json's "./provider" export points at. The shim in state
// loads that export in the engine's dynamic-provider process on every refresh and destroy, so its
// load is paid by every operation's process: one file instead of ~130 modules, built from the ES
// module sources so esbuild drops what no operation runs (issue 18; `npm run bench:engine` measures).
//
// No source map: it would name files under node_modules/ that the package does not ship.
// @pulumi/pulumi stays external: the provider must share the SDK the host process loaded.
// zod's `locales` namespace (64 languages, re-exported by zod's classic API) is replaced by an empty
// one: the library never selects a locale, and English, zod's default, is imported by zod's schemas
// module directly, not through that namespace.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const PROVIDER_BUNDLE = join(root, "dist/provider/entry.js");

const noZodLocales = {
  name: "no-zod-locales",
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|mini|core)[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "no-zod-locales" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "no-zod-locales" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

/** esbuild's options for the bundle (test/integration/load-footprint.test.ts reads what they include). */
export function providerBundleOptions() {
  return {
    entryPoints: [join(root, "src/provider/index.ts")],
    outfile: PROVIDER_BUNDLE,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // ES module builds first (zod ships both), so unused exports can be dropped.
    mainFields: ["module", "main"],
    external: ["@pulumi/pulumi", "@pulumi/pulumi/*"],
    plugins: [noZodLocales],
    legalComments: "none",
    logLevel: "warning",
  };
}

export async function bundleProvider() {
  mkdirSync(dirname(PROVIDER_BUNDLE), { recursive: true });
  await build(providerBundleOptions());
}
