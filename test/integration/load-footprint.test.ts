/**
 * What the dynamic-provider process loads for one key's lifecycle (issue 18): the built entry in a
 * child Node process, against the emulator on loopback. Every module loaded costs the engine's
 * provider process memory for the rest of the run, so this pins where each dependency is paid:
 * undici's parts from their own files (never its index, fetch, WebSocket, caches or mocks), and the
 * S3 signer and XML parser only by a step that sends a signed S3 request.
 * The figures themselves (RSS, heap, time) live in `npm run bench:engine`, not in a test.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { emulatorConnectionEnv, FAST_PROVIDER_KNOBS, useEmulator } from "./support";

const CHILD = path.resolve(__dirname, "../fixtures/footprint/child.cjs");
const STEPS = ["load", "check", "create", "read", "delete"] as const;
type Steps = Record<(typeof STEPS)[number], string[]>;

/** The package a file belongs to ("ours" for this package's dist/). */
function packageOf(file: string): string {
  const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/);
  return m ? m[1]! : "ours";
}

describe("the dynamic-provider entry's footprint", () => {
  let emu: Emulator;
  useEmulator({ nscale: { createStatus: "provisioned", pollsUntilDeleted: 0 } }, (e) => (emu = e));

  async function lifecycle(cloud: "nscale" | "hostup"): Promise<Steps> {
    const env = { ...process.env, ...emulatorConnectionEnv(emu), ...FAST_PROVIDER_KNOBS, OSK_FOOTPRINT_CLOUD: cloud, OSK_FOOTPRINT_ENDPOINT: emu.endpointId };
    const { stdout } = await promisify(execFile)(process.execPath, [CHILD], { env, cwd: path.resolve(__dirname, "../..") });
    return JSON.parse(stdout) as Steps;
  }

  it.each(["nscale", "hostup"] as const)("%s: undici's index and the features it drags in are never loaded", async (cloud) => {
    const steps = await lifecycle(cloud);
    const undici = STEPS.flatMap((s) => steps[s]).filter((f) => packageOf(f) === "undici");
    expect(undici.length).toBeGreaterThan(0);
    expect(undici.filter((f) => /undici\/(index\.js|lib\/(web|mock|cache|handler\/cache))/.test(f))).toEqual([]);
  });

  it.each(["nscale", "hostup"] as const)("%s: loading the entry loads no HTTP, S3 or XML code", async (cloud) => {
    const { load } = await lifecycle(cloud);
    expect(load.map(packageOf).filter((p) => p !== "ours" && p !== "zod")).toEqual([]);
  });

  // HostUp's refresh probes the key with a signed S3 request; Nscale's lifecycle sends none.
  it.each([
    ["hostup", "read"],
    ["nscale", undefined],
  ] as const)("%s: the signer and the XML parser load with the first signed S3 request (%s), not before", async (cloud, s3Step) => {
    const steps = await lifecycle(cloud);
    const s3Packages = ["@smithy/signature-v4", "fast-xml-parser"];
    const firstLoaded = s3Packages.map((p) => ({ p, step: STEPS.find((step) => steps[step].some((f) => packageOf(f) === p)) }));
    expect(firstLoaded).toEqual(s3Packages.map((p) => ({ p, step: s3Step })));
  });
});
