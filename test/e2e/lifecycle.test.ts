/**
 * An access key through the real engine on each cloud, one stack chained through its whole life:
 * up → state checks → preview (no changes) → refresh → out-of-band delete + refresh + up →
 * a change of the key's own input (replace, create before delete) → rotationTrigger (replace) →
 * destroy. Credentials come from environment variables.
 *
 * Where the clouds differ, the case says so: Nscale keys are read back by id, HostUp keys are
 * checked with a signed S3 probe; a HostUp account never drops to zero keys, so there the
 * rotation runs while ours is the only key and the first destroy is refused.
 */
import type { UpResult } from "@pulumi/pulumi/automation";
import { describe, expect, it } from "vitest";

import type { Emulator, EmulatorOptions, RequestLogEntry } from "../../src/emulator";
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
  nscaleKeyIds,
  requestsSince,
  secretEnvelope,
  useEngineSuite,
} from "./support";

const lib = loadLib();

interface KeyOutputs {
  keyId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

interface CloudCase {
  cloud: "nscale" | "hostup";
  title: string;
  project: string;
  emulator: EmulatorOptions;
  /** The key's inputs at the start (mutated by the tests). */
  inputs: Record<string, unknown>;
  /** Program args from the inputs (Nscale adds the emulator's endpoint). */
  args(inputs: Record<string, unknown>, emu: Emulator): Record<string, unknown>;
  /** The keys the cloud holds. */
  ids(emu: Emulator): string[];
  /** The id `deleteOutOfBand` takes for a key. */
  oobId(k: KeyOutputs): string;
  /** The credential the state must never hold in plaintext. */
  credential(emu: Emulator): Record<string, string>;
  isCreate(emu: Emulator): (r: RequestLogEntry) => boolean;
  isDeleteOf(emu: Emulator, old: KeyOutputs): (r: RequestLogEntry) => boolean;
  /** After the first up: what the cloud holds for the new key. */
  expectHeld(emu: Emulator, k: KeyOutputs): void;
  /** After the first up: cloud-specific state checks (beyond those of both clouds). */
  expectState(emu: Emulator, key: { outputs?: Record<string, unknown> } | undefined, first: KeyOutputs): void;
  /** The change of one of the key's own inputs that replaces it, and what the cloud then holds. */
  replace: { what: string; apply(inputs: Record<string, unknown>): void; expectHeld(emu: Emulator, k: KeyOutputs): void };
  /** HostUp only: refresh probes the key through S3, signed with it; `deleted`: every probe's status once the key is gone. */
  s3Probe?: { deleted: number };
}

const nscale: CloudCase = {
  cloud: "nscale",
  title: "Nscale ObjectStorageAccessKey lifecycle (real engine, env credentials)",
  project: "osk-e2e-nscale",
  emulator: {},
  inputs: { cloud: "nscale", identityPolicy: "bucket-admin" },
  args: (inputs, emu) => ({ ...inputs, endpointId: emu.endpointId }),
  ids: nscaleKeyIds,
  oobId: (k) => k.keyId,
  credential: (emu) => ({ "Nscale API token": emu.nscaleToken }),
  isCreate: (emu) => (r) => r.path === `/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`,
  isDeleteOf: (emu, old) => (r) => r.path === `/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys/${old.keyId}`,
  expectHeld(emu, k) {
    const held = emu.inspect().nscale.keys.filter((h) => h.id === k.keyId);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({
      accessKeyId: k.accessKeyId,
      identityPolicy: "bucket-admin",
      provisioningStatus: "provisioned",
      endpointId: emu.endpointId,
      deleting: false,
    });
  },
  expectState(emu, key, first) {
    // Stored, but only as ciphertext.
    expect(key?.outputs?.["secretAccessKey"]).toEqual(secretEnvelope(first.secretAccessKey));
    expect(key?.outputs?.["__provider"]).not.toContain(emu.nscaleApiUrl);
  },
  replace: {
    what: "identityPolicy",
    apply: (inputs) => void (inputs["identityPolicy"] = "bucket-readonly"),
    expectHeld: (emu, k) => expect(emu.inspect().nscale.keys.find((h) => h.id === k.keyId)?.identityPolicy).toBe("bucket-readonly"),
  },
};

const hostup: CloudCase = {
  cloud: "hostup",
  title: "HostUp ObjectStorageAccessKey lifecycle (real engine, env credentials)",
  project: "osk-e2e-hostup",
  // An account as the dashboard leaves it: one pre-existing key (not ours).
  emulator: { hostup: { seedKeys: 1 } },
  inputs: { cloud: "hostup", label: "e2e-app" },
  args: (inputs) => ({ ...inputs }),
  ids: hostupKeyIds,
  oobId: (k) => k.accessKeyId,
  credential: (emu) => ({ "HostUp API key": emu.hostupApiKey }),
  isCreate: () => (r) => r.path === "/api/object-storage/keys",
  isDeleteOf: (_emu, old) => (r) => decodeHostupKeySegment(r.path) === old.accessKeyId,
  expectHeld(emu, k) {
    expect(k.keyId).toBe(k.accessKeyId); // HostUp keys are addressed by their accessKey
    expect(emu.inspect().hostup.keys.find((h) => h.accessKey === k.accessKeyId)?.label).toBe("e2e-app");
  },
  expectState: () => {},
  replace: {
    what: "the label",
    apply: (inputs) => void (inputs["label"] = "e2e-app-v2"),
    expectHeld: (emu, k) => expect(emu.inspect().hostup.keys.find((h) => h.accessKey === k.accessKeyId)?.label).toBe("e2e-app-v2"),
  },
  s3Probe: { deleted: 403 },
};

describe.each([nscale, hostup])("$title", (c) => {
  let emu: Emulator;
  const inputs = { ...c.inputs };
  const program = keysProgram(lib, () => [{ name: `${c.cloud}-key`, args: c.args(inputs, emu) }]);
  const suite = useEngineSuite({
    emulator: c.emulator,
    started: (e) => (emu = e),
    stack: () => createTestStack({ projectName: c.project, program, envVars: emulatorEnv(emu) }),
  });
  const { gate } = suite;
  /** Keys the cloud holds before the test (a HostUp account starts with one key). */
  const baseline = () => suite.baseline[c.cloud];

  /** The key's current outputs, as the engine reports them. */
  async function outputs(): Promise<KeyOutputs & { secret: boolean }> {
    const o = await gate.current!.stack.outputs();
    return {
      keyId: o["keyId"]?.value as string,
      accessKeyId: o["accessKeyId"]?.value as string,
      secretAccessKey: o["secretAccessKey"]?.value as string,
      secret: o["secretAccessKey"]?.secret === true,
    };
  }

  /** A key replaced by `up`: created first, the old one deleted after, each exactly once. */
  async function expectReplaced(old: KeyOutputs, from: number, res: UpResult): Promise<KeyOutputs> {
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["replace"]).toBe(1);
    const now = {
      keyId: res.outputs["keyId"]?.value as string,
      accessKeyId: res.outputs["accessKeyId"]?.value as string,
      secretAccessKey: res.outputs["secretAccessKey"]?.value as string,
    };
    expect(now.keyId).not.toBe(old.keyId);
    expect(now.accessKeyId).not.toBe(old.accessKeyId);
    expectCreateBeforeDelete(requestsSince(emu, from), c.isCreate(emu), c.isDeleteOf(emu, old));
    expect(emu.secretFor(now.accessKeyId)).toBe(now.secretAccessKey);
    expect(res.outputs["secretAccessKey"]?.secret).toBe(true);
    return now;
  }

  let first: KeyOutputs;

  it(`up creates the key: secretAccessKey is a secret output and matches what ${c.cloud} holds`, async (ctx) => {
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
    c.expectHeld(emu, { keyId, accessKeyId, secretAccessKey });
    expect(emu.secretFor(accessKeyId)).toBe(secretAccessKey);
    expect(suite.ours()[c.cloud]).toEqual([keyId]);
    // The secret is never echoed by the CLI (outputs are shown as [secret]).
    expect(out.text()).not.toContain(secretAccessKey);
    first = { keyId, accessKeyId, secretAccessKey };
  });

  it("state (export, checkpoints, history, backups) holds neither the secret nor the credential; __provider is the tiny shim", async (ctx) => {
    const ts = gate.stack(ctx);
    const needles = { secretAccessKey: first.secretAccessKey, ...c.credential(emu) };
    const exported = await exportStackEncrypted(ts);
    expect(exported).toContain(first.accessKeyId); // the right state is being searched
    expectNoPlaintext(exported, needles);
    const raw = await readStateFile(ts.backendDir, ".pulumi");
    expect(raw).toContain(first.accessKeyId);
    expect(raw).toContain("history");
    expectNoPlaintext(raw, needles);

    const [key] = await accessKeysInState(ts.stack);
    expect(key?.id).toBe(first.keyId);
    const shim = key?.outputs?.["__provider"];
    expect(typeof shim, "__provider is plain text (nothing secret was captured)").toBe("string");
    const bytes = Buffer.byteLength(shim as string, "utf8");
    console.log(`${c.cloud} __provider bytes: ${bytes}`);
    expect(bytes).toBeLessThan(4096);
    expect(shim).toContain(SHIM_REQUIRE);
    for (const credential of Object.values(c.credential(emu))) expect(shim).not.toContain(credential);
    expect(key?.inputs?.["__provider"]).toBe(shim);
    c.expectState(emu, key, first);
  });

  it("a second preview right after up reports no changes", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.preview({ expectNoChanges: true });
    expect(Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && n > 0)).toEqual([]);
    expect(res.changeSummary["same"]).toBe(2);
  });

  it(`refresh of a live key${c.s3Probe ? " (signed S3 probe)" : ""} changes nothing and keeps the secret`, async (ctx) => {
    const { stack } = gate.stack(ctx);
    const from = emu.requests.length;
    const res = await stack.refresh({ expectNoChanges: true });
    expect(res.summary.result).toBe("succeeded");
    if (c.s3Probe) {
      // The probe went to S3, signed with the key itself.
      expect(requestsSince(emu, from).filter((r) => r.cloud === "s3").length).toBeGreaterThanOrEqual(1);
    }
    expect(await outputs()).toEqual({ ...first, secret: true });
  });

  it(`a key deleted out of band: refresh drops it${c.s3Probe ? " (S3 says InvalidAccessKeyId)" : ""}, the next up recreates it`, async (ctx) => {
    const { stack } = gate.stack(ctx);
    emu.deleteOutOfBand(c.cloud, c.oobId(first));
    expect(c.ids(emu)).not.toContain(first.keyId);

    const from = emu.requests.length;
    const refreshed = await stack.refresh();
    expect(refreshed.summary.result).toBe("succeeded");
    expect(refreshed.summary.resourceChanges?.["delete"]).toBe(1);
    if (c.s3Probe) {
      const probes = requestsSince(emu, from).filter((r) => r.cloud === "s3");
      expect(probes.length).toBeGreaterThanOrEqual(1);
      expect(probes.every((r) => r.status === c.s3Probe!.deleted)).toBe(true);
    }
    expect(await accessKeysInState(stack)).toEqual([]);

    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["create"]).toBe(1);
    const keyId = res.outputs["keyId"]?.value as string;
    const accessKeyId = res.outputs["accessKeyId"]?.value as string;
    expect(keyId).not.toBe(first.keyId);
    expect(accessKeyId).not.toBe(first.accessKeyId);
    expect(suite.ours()[c.cloud]).toEqual([keyId]);
    expect(emu.secretFor(accessKeyId)).toBe(res.outputs["secretAccessKey"]?.value);
    expect((await accessKeysInState(stack)).map((r) => r.id)).toEqual([keyId]);
  });

  it(`changing ${c.replace.what} replaces the key: new key created first, old one deleted after`, async (ctx) => {
    const { stack } = gate.stack(ctx);
    const old = await outputs();
    c.replace.apply(inputs);
    const from = emu.requests.length;
    const now = await expectReplaced(old, from, await stack.up());
    expect(suite.ours()[c.cloud]).toEqual([now.keyId]);
    c.replace.expectHeld(emu, now);
    expect(emu.secretFor(old.accessKeyId)).toBeUndefined();
  });

  if (c.cloud === "nscale") {
    it("changing rotationTrigger rotates the key the same way", async (ctx) => {
      const { stack } = gate.stack(ctx);
      const old = await outputs();
      inputs["rotationTrigger"] = "2026-11";
      const from = emu.requests.length;
      const now = await expectReplaced(old, from, await stack.up());
      expect(suite.ours()[c.cloud]).toEqual([now.keyId]);
      c.replace.expectHeld(emu, now);

      // Same trigger again: nothing to do.
      const again = await stack.preview({ expectNoChanges: true });
      expect(again.changeSummary["same"]).toBe(2);
    });

    it("destroy leaves Nscale with no key of ours", async (ctx) => {
      const { stack } = gate.stack(ctx);
      const { keyId } = await outputs();
      expect(c.ids(emu)).toContain(keyId);
      const res = await stack.destroy();
      expect(res.summary.result).toBe("succeeded");
      expect(res.summary.resourceChanges?.["delete"]).toBe(2);
      expect(c.ids(emu)).toEqual(baseline());
      expect(await accessKeysInState(stack)).toEqual([]);
    });
  } else {
    it("rotation succeeds when ours is the account's only key (last-key rule)", async (ctx) => {
      const { stack } = gate.stack(ctx);
      const old = await outputs();
      // The emulated account starts with one dashboard key; remove it so ours is the only one.
      expect(baseline()).toHaveLength(1);
      emu.deleteOutOfBand("hostup", baseline()[0]!);
      expect(c.ids(emu)).toEqual([old.accessKeyId]);

      inputs["rotationTrigger"] = "2026-11";
      const from = emu.requests.length;
      const now = await expectReplaced(old, from, await stack.up());
      expect(c.ids(emu)).toEqual([now.accessKeyId]);
    });

    it("destroy of the account's last key is refused with a clear message and keeps it in state", async (ctx) => {
      const { stack } = gate.stack(ctx);
      const { accessKeyId } = await outputs();
      const message = await expectFailure(stack.destroy());
      expect(message).toContain("Cannot delete the last access key");
      expect(message).toContain("HostUp never lets an account drop to zero object-storage keys");
      expect(c.ids(emu)).toEqual([accessKeyId]);
      expect((await accessKeysInState(stack)).map((r) => r.id)).toEqual([accessKeyId]);
    });

    it("destroy leaves HostUp with no key of ours once the account has another key", async (ctx) => {
      const { stack } = gate.stack(ctx);
      const dashboardKey = await createKeyOutOfBand(emu, "dashboard");
      const res = await stack.destroy();
      expect(res.summary.result).toBe("succeeded");
      expect(res.summary.resourceChanges?.["delete"]).toBe(2);
      expect(c.ids(emu)).toEqual([dashboardKey]);
      expect(await accessKeysInState(stack)).toEqual([]);
    });
  }
});

/** What a user does in the HostUp dashboard: make another key, outside Pulumi. */
async function createKeyOutOfBand(emu: Emulator, label: string): Promise<string> {
  const res = await fetch(`${emu.hostupApiUrl}/object-storage/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": emu.hostupApiKey },
    body: JSON.stringify({ label }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { key: { accessKey: string } } };
  return body.data.key.accessKey;
}
