/**
 * Nscale access key through the real engine, one stack chained through its whole life:
 * up → state checks → preview (no changes) → refresh → out-of-band delete + refresh + up →
 * identityPolicy change (replace) → rotationTrigger change (replace) → destroy (no orphans).
 * Credentials come from environment variables.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { collect, createTestStack, exportStackEncrypted, readStateFile } from "./harness";
import {
  SHIM_REQUIRE,
  accessKeysInState,
  emulatorEnv,
  expectCreateBeforeDelete,
  expectNoPlaintext,
  keysProgram,
  loadLib,
  newSince,
  secretEnvelope,
  nscaleKeyIds,
  requestsSince,
  startSuiteEmulator,
  suiteGate,
} from "./support";

const lib = loadLib();
const gate = suiteGate();
let emu: Emulator;
let baseline: string[] = [];

const inputs: Record<string, unknown> = { cloud: "nscale", identityPolicy: "bucket-admin" };
const program = keysProgram(lib, () => [{ name: "nscale-key", args: { ...inputs, endpointId: emu.endpointId } }]);

/** The key's current outputs, as the engine reports them. */
async function outputs(): Promise<{ keyId: string; accessKeyId: string; secretAccessKey: string; secret: boolean }> {
  const o = await gate.current!.stack.outputs();
  return {
    keyId: o["keyId"]?.value as string,
    accessKeyId: o["accessKeyId"]?.value as string,
    secretAccessKey: o["secretAccessKey"]?.value as string,
    secret: o["secretAccessKey"]?.secret === true,
  };
}

const keysPath = () => `/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`;

describe("Nscale ObjectStorageAccessKey lifecycle (real engine, env credentials)", () => {
  beforeAll(async () => {
    emu = await startSuiteEmulator();
    baseline = nscaleKeyIds(emu);
    if (!(await gate.ready())) return;
    gate.set(await createTestStack({ projectName: "osk-e2e-nscale", program, envVars: emulatorEnv(emu) }));
  });

  afterAll(async () => {
    await gate.current?.cleanup();
    await emu?.close();
  });

  let first: { keyId: string; accessKeyId: string; secretAccessKey: string };

  it("up creates the key: secretAccessKey is a secret output and matches what Nscale holds", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const out = collect();
    const res = await stack.up({ onOutput: out.onOutput, onError: out.onError });
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["create"]).toBe(2); // stack + key

    const keyId = res.outputs["keyId"]?.value as string;
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    expect(res.outputs["secretAccessKey"]?.secret).toBe(true);
    expect(res.outputs["accessKeyId"]?.secret).toBe(false);
    const secretAccessKey = res.outputs["secretAccessKey"]?.value as string;
    expect(secretAccessKey).toMatch(/\S{16,}/);

    const held = emu.inspect().nscale.keys.filter((k) => k.id === keyId);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      accessKeyId,
      identityPolicy: "bucket-admin",
      provisioningStatus: "provisioned",
      endpointId: emu.endpointId,
      deleting: false,
    });
    expect(emu.secretFor(accessKeyId)).toBe(secretAccessKey);
    expect(newSince(baseline, nscaleKeyIds(emu))).toEqual([keyId]);
    // The secret is never echoed by the CLI (outputs are shown as [secret]).
    expect(out.text()).not.toContain(secretAccessKey);
    first = { keyId, accessKeyId, secretAccessKey };
  });

  it("state (export, checkpoints, history, backups) holds neither the secret nor the token; __provider is the tiny shim", async (ctx) => {
    const ts = gate.stack(ctx);
    const { stack, backendDir } = ts;
    const needles = { secretAccessKey: first.secretAccessKey, "Nscale API token": emu.nscaleToken };
    const exported = await exportStackEncrypted(ts);
    expect(exported).toContain(first.accessKeyId); // the right state is being searched
    expectNoPlaintext(exported, needles);
    const raw = await readStateFile(backendDir, ".pulumi");
    expect(raw).toContain(first.accessKeyId);
    expect(raw).toContain("history");
    expectNoPlaintext(raw, needles);

    const [key] = await accessKeysInState(stack);
    expect(key?.id).toBe(first.keyId);
    // Stored, but only as ciphertext.
    expect(key?.outputs?.["secretAccessKey"]).toEqual(secretEnvelope(first.secretAccessKey));
    const shim = key?.outputs?.["__provider"];
    expect(typeof shim, "__provider is plain text (nothing secret was captured)").toBe("string");
    const bytes = Buffer.byteLength(shim as string, "utf8");
    console.log(`__provider bytes: ${bytes}`);
    expect(bytes).toBeLessThan(4096);
    expect(shim).toContain(SHIM_REQUIRE);
    expect(shim).not.toContain(emu.nscaleToken);
    expect(shim).not.toContain(emu.nscaleApiUrl);
    expect(key?.inputs?.["__provider"]).toBe(shim);
  });

  it("a second preview right after up reports no changes", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.preview({ expectNoChanges: true });
    const changes = Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
    expect(changes).toEqual([]);
    expect(res.changeSummary["same"]).toBe(2);
  });

  it("refresh of a live key changes nothing and keeps the secret", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.refresh({ expectNoChanges: true });
    expect(res.summary.result).toBe("succeeded");
    const o = await outputs();
    expect(o).toEqual({ ...first, secret: true });
  });

  it("a key deleted out of band: refresh drops it from state, the next up recreates it", async (ctx) => {
    const { stack } = gate.stack(ctx);
    emu.deleteOutOfBand("nscale", first.keyId);
    expect(nscaleKeyIds(emu)).not.toContain(first.keyId);

    const refreshed = await stack.refresh();
    expect(refreshed.summary.result).toBe("succeeded");
    expect(refreshed.summary.resourceChanges?.["delete"]).toBe(1);
    expect(await accessKeysInState(stack)).toEqual([]);

    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["create"]).toBe(1);
    const keyId = res.outputs["keyId"]?.value as string;
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    expect(keyId).not.toBe(first.keyId);
    expect(accessKeyId).not.toBe(first.accessKeyId);
    expect(newSince(baseline, nscaleKeyIds(emu))).toEqual([keyId]);
    expect(emu.secretFor(accessKeyId)).toBe(res.outputs["secretAccessKey"]?.value);
    expect((await accessKeysInState(stack)).map((r) => r.id)).toEqual([keyId]);
  });

  it("changing identityPolicy replaces the key: new key created first, old one deleted after", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const old = await outputs();
    inputs["identityPolicy"] = "bucket-readonly";

    const from = emu.requests.length;
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["replace"]).toBe(1);
    const keyId = res.outputs["keyId"]?.value as string;
    expect(keyId).not.toBe(old.keyId);

    expectCreateBeforeDelete(
      requestsSince(emu, from),
      (r) => r.path === keysPath(),
      (r) => r.path === `${keysPath()}/${old.keyId}`,
    );
    const held = emu.inspect().nscale.keys;
    expect(newSince(baseline, held.map((k) => k.id))).toEqual([keyId]);
    expect(held.find((k) => k.id === keyId)?.identityPolicy).toBe("bucket-readonly");
    expect(emu.secretFor(old.accessKeyId)).toBeUndefined();
    expect(emu.secretFor(res.outputs["accessKeyId"]?.value as string)).toBe(res.outputs["secretAccessKey"]?.value);
    expect(res.outputs["secretAccessKey"]?.secret).toBe(true);
  });

  it("changing rotationTrigger rotates the key the same way", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const old = await outputs();
    inputs["rotationTrigger"] = "2026-11";

    const from = emu.requests.length;
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["replace"]).toBe(1);
    const keyId = res.outputs["keyId"]?.value as string;
    expect(keyId).not.toBe(old.keyId);
    expectCreateBeforeDelete(
      requestsSince(emu, from),
      (r) => r.path === keysPath(),
      (r) => r.path === `${keysPath()}/${old.keyId}`,
    );
    expect(newSince(baseline, nscaleKeyIds(emu))).toEqual([keyId]);
    expect(emu.inspect().nscale.keys.find((k) => k.id === keyId)?.identityPolicy).toBe("bucket-readonly");

    // Same trigger again: nothing to do.
    const again = await stack.preview({ expectNoChanges: true });
    expect(again.changeSummary["same"]).toBe(2);
  });

  it("destroy leaves Nscale with no key of ours", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const { keyId } = await outputs();
    expect(nscaleKeyIds(emu)).toContain(keyId);
    const res = await stack.destroy();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["delete"]).toBe(2);
    expect(nscaleKeyIds(emu)).toEqual(baseline);
    expect(await accessKeysInState(stack)).toEqual([]);
  });
});
