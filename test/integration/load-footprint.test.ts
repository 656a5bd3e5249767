/**
 * What the dynamic-provider process loads (issue 18). The shim in state loads the package's
 * "./provider" export in the engine's dynamic-provider process for every operation, and every
 * module it loads costs that process memory and start-up time for the rest of the run. That export
 * is one bundle (scripts/bundle-provider.mjs): this pins what goes into it (undici's parts from
 * their own files, never its index, fetch, WebSocket, EventSource, caches or mocks; zod's English locale only)
 * and, in a child Node process running one key's lifecycle against the emulator, that it loads
 * nothing else. The figures themselves (RSS, heap, time) live in `npm run bench:engine`.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { promisify } from "node:util";
import { build, type BuildOptions, type Metafile } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { emulatorConnectionEnv, FAST_PROVIDER_KNOBS, useEmulator } from "./support";

const ROOT = path.resolve(__dirname, "../..");
const CHILD = path.resolve(__dirname, "../fixtures/footprint/child.cjs");
const STEPS = ["load", "check", "create", "read", "delete"] as const;
type Steps = Record<(typeof STEPS)[number], string[]>;

/** The package a file belongs to ("ours" for this package's own files). */
function packageOf(file: string): string {
  const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/);
  return m ? m[1]! : "ours";
}

describe("the provider bundle's contents", () => {
  let inputs: string[];
  beforeAll(async () => {
    const { providerBundleOptions } = (await import(path.join(ROOT, "scripts/bundle-provider.mjs"))) as { providerBundleOptions: () => BuildOptions };
    const result = await build({ ...providerBundleOptions(), write: false, metafile: true });
    inputs = Object.keys((result.metafile as Metafile).inputs);
  });

  it("holds undici's Agent, retry interceptor and request, and none of the features its index drags in", () => {
    const undici = inputs.filter((f) => packageOf(f) === "undici");
    for (const part of ["lib/dispatcher/agent.js", "lib/interceptor/retry.js", "lib/api/api-request.js"])
      expect(
        undici.some((f) => f.endsWith(part)),
        part,
      ).toBe(true);
    // The body mixins (`.json()`, `.text()`) share a few helpers with fetch; fetch itself stays out.
    const unused =
      /undici\/(index\.js|lib\/(mock|cache|handler\/cache|interceptor\/(cache|dns|dump|redirect)|web\/(websocket|eventsource|cache|cookies)|web\/fetch\/index\.js))/;
    expect(undici.filter((f) => unused.test(f))).toEqual([]);
  });

  it("holds zod's English locale and no other", () => {
    expect(inputs.filter((f) => f.includes("zod/v4/locales/"))).toEqual([expect.stringMatching(/zod\/v4\/locales\/en\.js$/)]);
  });

  it('is what the package\'s "./provider" export loads', () => {
    const resolved = createRequire(path.join(ROOT, "package.json")).resolve("pulumi-object-storage-keys/provider");
    expect(resolved).toBe(path.join(ROOT, "dist/provider/entry.js"));
  });
});

describe("the dynamic-provider entry's footprint", () => {
  let emu: Emulator;
  useEmulator({ nscale: { createStatus: "provisioned", pollsUntilDeleted: 0 } }, (e) => (emu = e));

  async function lifecycle(cloud: "nscale" | "hostup"): Promise<Steps> {
    const env = { ...process.env, ...emulatorConnectionEnv(emu), ...FAST_PROVIDER_KNOBS, OSK_FOOTPRINT_CLOUD: cloud, OSK_FOOTPRINT_ENDPOINT: emu.endpointId };
    const { stdout } = await promisify(execFile)(process.execPath, [CHILD], { env, cwd: ROOT });
    return JSON.parse(stdout) as Steps;
  }

  it.each(["nscale", "hostup"] as const)("%s: a key's whole lifecycle loads the bundle and nothing else", async (cloud) => {
    const steps = await lifecycle(cloud);
    expect(steps.load.map((f) => path.relative(ROOT, f))).toEqual(["dist/provider/entry.js"]);
    expect(STEPS.slice(1).flatMap((s) => steps[s])).toEqual([]);
  });
});
