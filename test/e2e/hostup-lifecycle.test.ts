/**
 * HostUp access key through the real engine, one stack chained through its whole life:
 * up → state checks → preview (no changes) → refresh (signed S3 probe) → out-of-band delete +
 * refresh + up → label change (replace) → rotation while ours is the account's only key →
 * destroy (refused for the last key, then clean once the account has another key).
 * Credentials come from environment variables.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { collect, createTestStack, exportStackEncrypted, readStateFile } from "./harness";
import {
  SHIM_REQUIRE,
  accessKeysInState,
  decodeHostupKeySegment,
  emulatorEnv,
  expectCreateBeforeDelete,
  expectFailure,
  expectNoPlaintext,
  hostupKeyIds,
  keysProgram,
  loadLib,
  newSince,
  requestsSince,
  startSuiteEmulator,
  suiteGate,
} from "./support";

const lib = loadLib();
const gate = suiteGate();
let emu: Emulator;
/** Keys the emulated account holds before the test (HostUp accounts start with one key). */
let baseline: string[] = [];

const inputs: Record<string, unknown> = { cloud: "hostup", label: "e2e-app" };
const program = keysProgram(lib, () => [{ name: "hostup-key", args: { ...inputs } }]);

async function outputs(): Promise<{ keyId: string; accessKeyId: string; secretAccessKey: string; secret: boolean }> {
  const o = await gate.current!.stack.outputs();
  return {
    keyId: o["keyId"]?.value as string,
    accessKeyId: o["accessKeyId"]?.value as string,
    secretAccessKey: o["secretAccessKey"]?.value as string,
    secret: o["secretAccessKey"]?.secret === true,
  };
}

const isCreate = (r: { path: string }) => r.path === "/api/object-storage/keys";
const isDeleteOf = (accessKey: string) => (r: { path: string }) => decodeHostupKeySegment(r.path) === accessKey;

/** What a user does in the HostUp dashboard: make another key, outside Pulumi. */
async function createKeyOutOfBand(label: string): Promise<string> {
  const res = await fetch(`${emu.hostupApiUrl}/object-storage/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": emu.hostupApiKey },
    body: JSON.stringify({ label }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { key: { accessKey: string } } };
  return body.data.key.accessKey;
}

describe("HostUp ObjectStorageAccessKey lifecycle (real engine, env credentials)", () => {
  beforeAll(async () => {
    // An account as the dashboard leaves it: one pre-existing key (not ours).
    emu = await startSuiteEmulator({ hostup: { seedKeys: 1 } });
    baseline = hostupKeyIds(emu);
    if (!(await gate.ready())) return;
    gate.set(await createTestStack({ projectName: "osk-e2e-hostup", program, envVars: emulatorEnv(emu) }));
  });

  afterAll(async () => {
    await gate.current?.cleanup();
    await emu?.close();
  });

  let first: { keyId: string; accessKeyId: string; secretAccessKey: string };

  it("up creates the key: secretAccessKey is a secret output and matches what HostUp holds", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const out = collect();
    const res = await stack.up({ onOutput: out.onOutput, onError: out.onError });
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["create"]).toBe(2);

    const keyId = res.outputs["keyId"]?.value as string;
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    const secretAccessKey = res.outputs["secretAccessKey"]?.value as string;
    expect(res.outputs["secretAccessKey"]?.secret).toBe(true);
    expect(res.outputs["accessKeyId"]?.secret).toBe(false);
    expect(keyId).toBe(accessKeyId); // HostUp keys are addressed by their accessKey
    expect(newSince(baseline, hostupKeyIds(emu))).toEqual([accessKeyId]);
    expect(emu.inspect().hostup.keys.find((k) => k.accessKey === accessKeyId)?.label).toBe("e2e-app");
    expect(emu.secretFor(accessKeyId)).toBe(secretAccessKey);
    expect(out.text()).not.toContain(secretAccessKey);
    first = { keyId, accessKeyId, secretAccessKey };
  });

  it("state (export, checkpoints, history, backups) holds neither the secret nor the API key", async (ctx) => {
    const ts = gate.stack(ctx);
    const needles = { secretAccessKey: first.secretAccessKey, "HostUp API key": emu.hostupApiKey };
    const exported = await exportStackEncrypted(ts);
    expect(exported).toContain(first.accessKeyId);
    expectNoPlaintext(exported, needles);
    const raw = await readStateFile(ts.backendDir, ".pulumi");
    expect(raw).toContain(first.accessKeyId);
    expectNoPlaintext(raw, needles);

    const [key] = await accessKeysInState(ts.stack);
    const shim = key?.outputs?.["__provider"];
    expect(typeof shim).toBe("string");
    expect(Buffer.byteLength(shim as string, "utf8")).toBeLessThan(4096);
    expect(shim).toContain(SHIM_REQUIRE);
    expect(shim).not.toContain(emu.hostupApiKey);
  });

  it("a second preview right after up reports no changes", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.preview({ expectNoChanges: true });
    expect(Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    expect(res.changeSummary["same"]).toBe(2);
  });

  it("refresh of a live key (signed S3 probe) changes nothing and keeps the secret", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const from = emu.requests.length;
    const res = await stack.refresh({ expectNoChanges: true });
    expect(res.summary.result).toBe("succeeded");
    // The probe went to S3, signed with the key itself.
    expect(requestsSince(emu, from).filter((r) => r.cloud === "s3").length).toBeGreaterThanOrEqual(1);
    expect(await outputs()).toEqual({ ...first, secret: true });
  });

  it("a key deleted out of band: refresh drops it (S3 says InvalidAccessKeyId), the next up recreates it", async (ctx) => {
    const { stack } = gate.stack(ctx);
    emu.deleteOutOfBand("hostup", first.accessKeyId);

    const from = emu.requests.length;
    const refreshed = await stack.refresh();
    expect(refreshed.summary.result).toBe("succeeded");
    expect(refreshed.summary.resourceChanges?.["delete"]).toBe(1);
    const probes = requestsSince(emu, from).filter((r) => r.cloud === "s3");
    expect(probes.length).toBeGreaterThanOrEqual(1);
    expect(probes.every((r) => r.status === 403)).toBe(true);
    expect(await accessKeysInState(stack)).toEqual([]);

    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["create"]).toBe(1);
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    expect(accessKeyId).not.toBe(first.accessKeyId);
    expect(newSince(baseline, hostupKeyIds(emu))).toEqual([accessKeyId]);
    expect(emu.secretFor(accessKeyId)).toBe(res.outputs["secretAccessKey"]?.value);
  });

  it("changing the label replaces the key: new key created first, old one deleted after", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const old = await outputs();
    inputs["label"] = "e2e-app-v2";

    const from = emu.requests.length;
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["replace"]).toBe(1);
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    expect(accessKeyId).not.toBe(old.accessKeyId);
    expectCreateBeforeDelete(requestsSince(emu, from), isCreate, isDeleteOf(old.accessKeyId));
    expect(newSince(baseline, hostupKeyIds(emu))).toEqual([accessKeyId]);
    expect(emu.inspect().hostup.keys.find((k) => k.accessKey === accessKeyId)?.label).toBe("e2e-app-v2");
    expect(emu.secretFor(old.accessKeyId)).toBeUndefined();
    expect(emu.secretFor(accessKeyId)).toBe(res.outputs["secretAccessKey"]?.value);
  });

  it("rotation succeeds when ours is the account's only key (last-key rule)", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const old = await outputs();
    // The emulated account starts with one dashboard key; remove it so ours is the only one.
    expect(baseline).toHaveLength(1);
    emu.deleteOutOfBand("hostup", baseline[0]!);
    expect(hostupKeyIds(emu)).toEqual([old.accessKeyId]);

    inputs["rotationTrigger"] = "2026-11";
    const from = emu.requests.length;
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["replace"]).toBe(1);
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    expect(accessKeyId).not.toBe(old.accessKeyId);
    expectCreateBeforeDelete(requestsSince(emu, from), isCreate, isDeleteOf(old.accessKeyId));
    expect(hostupKeyIds(emu)).toEqual([accessKeyId]);
    expect(emu.secretFor(accessKeyId)).toBe(res.outputs["secretAccessKey"]?.value);
  });

  it("destroy of the account's last key is refused with a clear message and keeps it in state", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const { accessKeyId } = await outputs();
    const message = await expectFailure(stack.destroy());
    expect(message).toContain("Cannot delete the last access key");
    expect(message).toContain("HostUp never lets an account drop to zero object-storage keys");
    expect(hostupKeyIds(emu)).toEqual([accessKeyId]);
    expect((await accessKeysInState(stack)).map((r) => r.id)).toEqual([accessKeyId]);
  });

  it("destroy leaves HostUp with no key of ours once the account has another key", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const dashboardKey = await createKeyOutOfBand("dashboard");
    const res = await stack.destroy();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["delete"]).toBe(2);
    expect(hostupKeyIds(emu)).toEqual([dashboardKey]);
    expect(await accessKeysInState(stack)).toEqual([]);
  });
});
