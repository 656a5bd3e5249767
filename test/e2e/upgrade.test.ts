/**
 * Upgrade safety, two ways.
 *
 * 1. State stores only the shim (`require("pulumi-object-storage-keys/provider")`),
 * so after the package is upgraded, refresh and destroy of existing state run the **new**
 * implementation, without any program change and without rewriting `__provider`.
 *
 * Technique: `up` with the package as built; then point the consumer's
 * `node_modules/pulumi-object-storage-keys` at a copy whose provider entry is patched to
 * log each call to a marker file and to add `implementationVersion: "next"` to read results;
 * then `refresh` and `destroy`.
 *
 * 2. State written by release 0.1.0 (test/fixtures/state-v0.1.0, per cloud: a plain, an adopted
 *    and a rotateAfter key, and a bucket) is imported into a fresh stack, the emulator is
 *    re-seeded with what that state refers to, and the package as it is now refreshes it (no
 *    changes, nothing dropped), runs the same program over it (no changes), updates a key in
 *    place (a credential override) and destroys it all (keys and buckets gone from the emulator).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import type { Stack } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { REPO_ROOT, createConsumerDir, createTestStack, exportStackEncrypted, makeTempDir, type TempDir, type TestStack } from "./harness";
import {
  FIXTURE_CLOUDS,
  FIXTURE_PASSPHRASE,
  FIXTURE_PROJECT,
  fixtureIds,
  fixtureProgram,
  loadFixtureDeployment,
  loadHoldings,
  seedEmulator,
} from "./state-fixtures";
import {
  accessKeysInState,
  bothCloudKeys,
  emulatorEnv,
  expectNoPlaintext,
  hostupKeyIds,
  keysProgram,
  loadLib,
  nscaleKeyIds,
  stateResources,
  useEngineSuite,
  type StateResource,
} from "./support";

const lib = loadLib();
let emu: Emulator;
let tempRoot: TempDir | undefined;
let consumerDir: string;
let nextPackageDir: string;
let markerFile: string;

const program = keysProgram(lib, () => bothCloudKeys(emu));

/**
 * Appended to the file the copy's "./provider" export names: the "next version" of the
 * implementation. It replaces `module.exports` (a bundle's exports are read-only getters).
 */
const PATCH = `
;(() => {
  const fs = require("node:fs");
  const mark = (line) => fs.appendFileSync(process.env.OSK_E2E_UPGRADE_MARKER, line + "\\n");
  mark("loaded");
  const current = module.exports;
  module.exports = {
    ...current,
    async read(id, props) {
      mark("read " + id);
      const r = await current.read(id, props);
      return r && r.props ? { ...r, props: { ...r.props, implementationVersion: "next" } } : r;
    },
    async delete(id, props) {
      mark("delete " + id);
      return current.delete(id, props);
    },
  };
})();
`;

/** A copy of the package (package.json + dist/) with the patched provider; deps via a symlink. */
async function makeNextPackage(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.copyFile(path.join(REPO_ROOT, "package.json"), path.join(dir, "package.json"));
  await fs.cp(path.join(REPO_ROOT, "dist"), path.join(dir, "dist"), { recursive: true });
  await fs.symlink(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  const pkg = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8")) as { exports: Record<string, { default: string }> };
  await fs.appendFile(path.join(dir, pkg.exports["./provider"]!.default), PATCH);
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
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return [];
    throw err;
  }
}

async function shims(stack: Stack): Promise<Array<[unknown, unknown]>> {
  const keys = await accessKeysInState(stack);
  return keys.map((k) => [k.inputs?.["__provider"], k.outputs?.["__provider"]]);
}

describe("upgrade safety: old state runs the installed implementation", () => {
  const { gate, baseline, ours } = useEngineSuite({
    started: (e) => (emu = e),
    async stack() {
      tempRoot = await makeTempDir("osk-e2e-upgrade-");
      consumerDir = await createConsumerDir(path.join(tempRoot.dir, "consumer"));
      nextPackageDir = path.join(tempRoot.dir, "pkg-next");
      markerFile = path.join(tempRoot.dir, "marker.log");
      await makeNextPackage(nextPackageDir);
      return createTestStack({
        projectName: "osk-e2e-upgrade",
        program,
        workDir: consumerDir,
        envVars: { ...emulatorEnv(emu), OSK_E2E_UPGRADE_MARKER: markerFile },
      });
    },
    cleanup: async () => tempRoot?.cleanup(),
  });

  let before: Array<[unknown, unknown]>;
  let ids: { nscale: string; hostup: string };

  it("up with the current package creates both keys (the patched copy is not in use)", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    ids = { nscale: res.outputs["nscale_keyId"]?.value as string, hostup: res.outputs["hostup_keyId"]?.value as string };
    expect(ours().nscale).toEqual([ids.nscale]);
    expect(ours().hostup).toEqual([ids.hostup]);
    expect(await marker()).toEqual([]);
    before = await shims(stack);
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
    expect(await shims(stack)).toEqual(before);
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

describe.each(FIXTURE_CLOUDS)("state written by 0.1.0 (%s): refresh, up, update and destroy with the current code", (cloud) => {
  const holdings = loadHoldings();
  const ours = fixtureIds(holdings);
  const opts = { endpointId: holdings.nscale.endpointId, adopted: holdings.adopted[cloud] };
  let femu: Emulator;
  let program = fixtureProgram(lib, cloud, opts);
  /** The fixture's own resources (keys and bucket), as exported right after the import. */
  let imported: StateResource[];
  const idsOf = (): string[] => (cloud === "nscale" ? nscaleKeyIds(femu) : hostupKeyIds(femu));
  /** Every key in emulator.json belongs to one of the two stacks: those of this cloud, to this one. */
  const fixtureKeys = (): string[] => (cloud === "nscale" ? ours.nscale : ours.hostup);
  const bucketName = holdings.buckets.find((b) => b.owner === cloud)!.name;
  const bucketsNow = (): string[] => femu.inspect().s3.buckets.map((b) => b.name);
  const secrets = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const k of holdings.nscale.keys) out[`nscale secret of ${k.name}`] = k.secret;
    for (const k of holdings.hostup.keys) out[`hostup secret of ${k.label}`] = k.secretKey;
    out["nscale token"] = femu.nscaleToken;
    out["hostup api key"] = femu.hostupApiKey;
    return out;
  };
  const ownResources = async (ts: TestStack): Promise<StateResource[]> =>
    (await stateResources(ts.stack)).filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
  const mutatingRequests = (from: number) => femu.requests.slice(from).filter((r) => r.method !== "GET" && r.method !== "HEAD");

  const { gate: fixtureGate } = useEngineSuite({
    emulator: { nscale: { pollsUntilProvisioned: 1 } },
    started(e) {
      femu = e;
      seedEmulator(femu, holdings);
    },
    stack: () =>
      createTestStack({
        projectName: FIXTURE_PROJECT,
        stackName: cloud,
        program: async () => program(),
        envVars: { ...emulatorEnv(femu), PULUMI_CONFIG_PASSPHRASE: FIXTURE_PASSPHRASE },
      }),
  });

  it("imports into a fresh stack: the 0.1.0 keys and bucket, secrets still encrypted", async (ctx) => {
    const ts = fixtureGate.stack(ctx);
    expect(await ownResources(ts)).toEqual([]);
    await ts.stack.importStack(loadFixtureDeployment(cloud, femu, holdings));
    imported = await ownResources(ts);
    const keys = imported.filter((r) => r.type === "pulumi-nodejs:dynamic/objectstorage:AccessKey");
    expect(keys.map((k) => k.id).sort()).toEqual([...fixtureKeys()].sort());
    expect(imported.filter((r) => r.type === "pulumi-nodejs:dynamic/objectstorage:Bucket").map((b) => b.id)).toEqual([bucketName]);
    for (const k of keys) expect(k.outputs?.["s3Endpoint"]).toBe(femu.s3Url);
    expectNoPlaintext(await exportStackEncrypted(ts), secrets());
    // The emulator holds every key and the bucket the state refers to.
    for (const id of fixtureKeys()) expect(idsOf()).toContain(id);
    expect(bucketsNow()).toContain(bucketName);
  });

  it("refresh finds no changes and drops nothing", async (ctx) => {
    const ts = fixtureGate.stack(ctx);
    const from = femu.requests.length;
    const res = await ts.stack.refresh({ expectNoChanges: true });
    expect(res.summary.result).toBe("succeeded");
    expect(Object.keys(res.summary.resourceChanges ?? {}).filter((op) => op !== "same")).toEqual([]);
    const after = await ownResources(ts);
    expect(after.map((r) => r.urn)).toEqual(imported.map((r) => r.urn));
    for (const before of imported) {
      const now = after.find((r) => r.urn === before.urn)!;
      expect(now.id, before.urn).toBe(before.id);
      // Every output 0.1.0 wrote is still there with the same value (secrets compared decrypted).
      for (const [name, value] of Object.entries(before.outputs ?? {})) {
        expect(now.outputs?.[name], `${before.urn} output ${name}`).toEqual(value);
      }
      for (const [name, value] of Object.entries(before.inputs ?? {})) {
        expect(now.inputs?.[name], `${before.urn} input ${name}`).toEqual(value);
      }
    }
    expect(mutatingRequests(from)).toEqual([]);
    for (const id of fixtureKeys()) expect(idsOf()).toContain(id);
    expectNoPlaintext(await exportStackEncrypted(ts), secrets());
  });

  it("up with the same program changes nothing", async (ctx) => {
    const ts = fixtureGate.stack(ctx);
    const from = femu.requests.length;
    const keysBefore = idsOf();
    const res = await ts.stack.up({ expectNoChanges: true });
    expect(res.summary.result).toBe("succeeded");
    expect(Object.keys(res.summary.resourceChanges ?? {}).filter((op) => op !== "same")).toEqual([]);
    expect(mutatingRequests(from)).toEqual([]);
    expect(idsOf()).toEqual(keysBefore);
    const outs = res.outputs;
    for (const name of ["plain", "adopted", "rotating"]) {
      const accessKeyId = outs[`${name}AccessKeyId`]?.value as string;
      expect(outs[`${name}SecretAccessKey`]).toEqual({ value: femu.secretFor(accessKeyId), secret: true });
    }
    expect(outs["adoptedKeyId"]?.value).toBe(holdings.adopted[cloud].keyId);
    expect(outs["bucketName"]?.value).toBe(bucketName);
  });

  it("a credential override updates the plain key in place", async (ctx) => {
    const ts = fixtureGate.stack(ctx);
    const credential = cloud === "nscale" ? femu.nscaleToken : femu.hostupApiKey;
    program = fixtureProgram(lib, cloud, { ...opts, credentialOverride: credential });
    const from = femu.requests.length;
    const keysBefore = idsOf();
    const res = await ts.stack.up();
    expect(res.summary.result).toBe("succeeded");
    const changes = res.summary.resourceChanges ?? {};
    expect(changes["update"]).toBe(1);
    expect(Object.keys(changes).filter((op) => op !== "same" && op !== "update")).toEqual([]);
    expect(mutatingRequests(from)).toEqual([]);
    expect(idsOf()).toEqual(keysBefore);
    const plain = (await ownResources(ts)).find((r) => r.urn.endsWith("::plain"))!;
    const before = imported.find((r) => r.urn === plain.urn)!;
    expect(plain.id).toBe(before.id);
    expect(plain.outputs?.["accessKeyId"]).toEqual(before.outputs?.["accessKeyId"]);
    expect(plain.outputs?.["secretAccessKey"]).toEqual(before.outputs?.["secretAccessKey"]);
    expect(plain.inputs?.[cloud === "nscale" ? "apiToken" : "apiKey"], "the override is an input").toBeDefined();
    expectNoPlaintext(await exportStackEncrypted(ts), secrets());
  });

  it("destroy deletes every key and the bucket of the 0.1.0 state from the emulator", async (ctx) => {
    const ts = fixtureGate.stack(ctx);
    const res = await ts.stack.destroy();
    expect(res.summary.result).toBe("succeeded");
    expect(await ownResources(ts)).toEqual([]);
    for (const id of fixtureKeys()) expect(idsOf()).not.toContain(id);
    expect(bucketsNow()).not.toContain(bucketName);
    if (cloud === "hostup") expect(hostupKeyIds(femu).length, "the emulator's own key stays").toBe(1);
  });
});
