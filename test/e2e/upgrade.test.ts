/**
 * Upgrade safety: state stores only the shim (`require("pulumi-object-storage-keys/provider")`),
 * so after the package is upgraded, refresh and destroy of existing state run the **new**
 * implementation, without any program change and without rewriting `__provider`.
 *
 * Technique: `up` with the package as built; then point the consumer's
 * `node_modules/pulumi-object-storage-keys` at a copy whose dist/provider/index.js is patched to
 * log each call to a marker file and to add `implementationVersion: "next"` to read results;
 * then `refresh` and `destroy`.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { REPO_ROOT, createConsumerDir, createTestStack } from "./harness";
import {
  accessKeysInState,
  emulatorEnv,
  hostupKeyIds,
  keysProgram,
  loadLib,
  newSince,
  nscaleKeyIds,
  startSuiteEmulator,
  suiteGate,
} from "./support";

const lib = loadLib();
const gate = suiteGate();
let emu: Emulator;
let baseline: { nscale: string[]; hostup: string[] };
let tempRoot: string | undefined;
let consumerDir: string;
let nextPackageDir: string;
let markerFile: string;

const program = keysProgram(lib, () => [
  {
    name: "nscale-key",
    args: { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin" },
    exportAs: "nscale_",
  },
  { name: "hostup-key", args: { cloud: "hostup" }, exportAs: "hostup_" },
]);

/** Appended to the copy's dist/provider/index.js: the "next version" of the implementation. */
const PATCH = `
;(() => {
  const fs = require("node:fs");
  const mark = (line) => fs.appendFileSync(process.env.OSK_E2E_UPGRADE_MARKER, line + "\\n");
  mark("loaded");
  const read = exports.read;
  const del = exports.delete;
  exports.read = async (id, props) => {
    mark("read " + id);
    const r = await read(id, props);
    return r && r.props ? { ...r, props: { ...r.props, implementationVersion: "next" } } : r;
  };
  exports.delete = async (id, props) => {
    mark("delete " + id);
    return del(id, props);
  };
})();
`;

/** A copy of the package (package.json + dist/) with the patched provider; deps via a symlink. */
async function makeNextPackage(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.copyFile(path.join(REPO_ROOT, "package.json"), path.join(dir, "package.json"));
  await fs.cp(path.join(REPO_ROOT, "dist"), path.join(dir, "dist"), { recursive: true });
  await fs.symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  await fs.appendFile(path.join(dir, "dist", "provider", "index.js"), PATCH);
}

async function linkPackage(target: string): Promise<void> {
  const link = path.join(consumerDir, "node_modules", "pulumi-object-storage-keys");
  await fs.rm(link, { force: true });
  await fs.symlink(target, link);
  expect(await fs.realpath(link)).toBe(await fs.realpath(target));
}

async function marker(): Promise<string[]> {
  try {
    return (await fs.readFile(markerFile, "utf8")).trim().split("\n");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

async function shims(): Promise<Array<[unknown, unknown]>> {
  const keys = await accessKeysInState(gate.current!.stack);
  return keys.map((k) => [k.inputs?.["__provider"], k.outputs?.["__provider"]]);
}

describe("upgrade safety: old state runs the installed implementation", () => {
  beforeAll(async () => {
    emu = await startSuiteEmulator();
    baseline = { nscale: nscaleKeyIds(emu), hostup: hostupKeyIds(emu) };
    if (!(await gate.ready())) return;
    tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), "osk-e2e-upgrade-"));
    consumerDir = await createConsumerDir(path.join(tempRoot, "consumer"));
    nextPackageDir = path.join(tempRoot, "pkg-next");
    markerFile = path.join(tempRoot, "marker.log");
    await makeNextPackage(nextPackageDir);
    gate.set(
      await createTestStack({
        projectName: "osk-e2e-upgrade",
        program,
        workDir: consumerDir,
        envVars: { ...emulatorEnv(emu), OSK_E2E_UPGRADE_MARKER: markerFile },
      }),
    );
  });

  afterAll(async () => {
    await gate.current?.cleanup();
    if (tempRoot && process.env["PULUMI_OSK_KEEP_E2E"] !== "1") await fs.rm(tempRoot, { recursive: true, force: true });
    await emu?.close();
  });

  let before: Array<[unknown, unknown]>;
  let ids: { nscale: string; hostup: string };

  it("up with the current package creates both keys (the patched copy is not in use)", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    ids = { nscale: res.outputs["nscale_keyId"]?.value as string, hostup: res.outputs["hostup_keyId"]?.value as string };
    expect(newSince(baseline.nscale, nscaleKeyIds(emu))).toEqual([ids.nscale]);
    expect(newSince(baseline.hostup, hostupKeyIds(emu))).toEqual([ids.hostup]);
    expect(await marker()).toEqual([]);
    before = await shims();
    expect(before).toHaveLength(2);
    for (const [input, output] of before) {
      expect(typeof output).toBe("string");
      expect(input).toBe(output);
    }
  });

  it("after the upgrade, refresh runs the new implementation and leaves __provider untouched", async (ctx) => {
    const { stack } = gate.stack(ctx);
    await linkPackage(nextPackageDir);
    const res = await stack.refresh();
    expect(res.summary.result).toBe("succeeded");

    const log = await marker();
    expect(log).toContain("loaded");
    expect(log).toContain(`read ${ids.nscale}`);
    expect(log).toContain(`read ${ids.hostup}`);
    const keys = await accessKeysInState(stack);
    expect(keys.map((k) => k.outputs?.["implementationVersion"])).toEqual(["next", "next"]);
    expect(await shims()).toEqual(before);
    // Secrets survived the new read.
    const outs = await stack.outputs();
    expect(emu.secretFor(outs["nscale_accessKeyId"]?.value as string)).toBe(outs["nscale_secretAccessKey"]?.value);
    expect(emu.secretFor(outs["hostup_accessKeyId"]?.value as string)).toBe(outs["hostup_secretAccessKey"]?.value);
  });

  it("destroy runs the new implementation and leaves no key of ours", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.destroy();
    expect(res.summary.result).toBe("succeeded");
    const log = await marker();
    expect(log).toContain(`delete ${ids.nscale}`);
    expect(log).toContain(`delete ${ids.hostup}`);
    expect(nscaleKeyIds(emu)).toEqual(baseline.nscale);
    expect(hostupKeyIds(emu)).toEqual(baseline.hostup);
    expect(await accessKeysInState(stack)).toEqual([]);
  });
});
