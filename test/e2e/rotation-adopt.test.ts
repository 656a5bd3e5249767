/**
 * Issue 5 under the real engine: overlap-safe rotation with `rotateAfter` (a dependent bucket is
 * switched to the new key, and checks it works, before the old key is deleted; a HostUp account
 * never drops to zero keys), and adopting existing keys (`adopt`) with and without retainOnDelete.
 */
import type { PulumiFn } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createTestStack, type TestStack } from "./harness";
import { emulatorEnv, hostupKeyIds, loadLib, nscaleKeyIds, startSuiteEmulator, suiteGate, useSuiteStack } from "./support";

const lib = loadLib();
let emu: Emulator;

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createOutOfBand(cloud: "nscale" | "hostup", name: string): Promise<{ keyId: string; accessKeyId: string; secret: string }> {
  if (cloud === "hostup") {
    const res = await fetch(`${emu.hostupApiUrl}/object-storage/keys`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": emu.hostupApiKey },
      body: JSON.stringify({ label: name }),
    });
    const key = ((await res.json()) as { data: { key: { accessKey: string; secretKey: string } } }).data.key;
    return { keyId: key.accessKey, accessKeyId: key.accessKey, secret: key.secretKey };
  }
  const res = await fetch(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emu.nscaleToken}` },
    body: JSON.stringify({ metadata: { name }, spec: { identityPolicy: "bucket-admin" } }),
  });
  const body = (await res.json()) as { metadata: { id: string }; spec: { accessKeyId: string; secret: string } };
  return { keyId: body.metadata.id, accessKeyId: body.spec.accessKeyId, secret: body.spec.secret };
}

beforeAll(async () => {
  emu = await startSuiteEmulator({ nscale: { pollsUntilProvisioned: 1 } });
});
afterAll(async () => emu?.close());

/** A stack of this file's program, its provider pointed at the file's emulator through env vars. */
const emulatorStack = (projectName: string, program: PulumiFn) => createTestStack({ projectName, envVars: emulatorEnv(emu), program });

describe("rotateAfter", () => {
  const state = { rotateAfter: "8s" };
  const gate = useSuiteStack({
    make: () =>
      emulatorStack("osk-rotate", async () => {
        const key = new lib.ObjectStorageAccessKey("rotating", {
          cloud: "nscale",
          endpointId: emu.endpointId,
          identityPolicy: "bucket-admin",
          rotateAfter: state.rotateAfter,
        });
        const bucket = new lib.ObjectStorageBucket("data", { key, forceDestroy: true });
        return { keyId: key.keyId, createdAt: key.createdAt, bucketKey: bucket.accessKeyId, bucketName: bucket.bucketName };
      }),
  });

  it("replaces a key once it is older than rotateAfter, switching the bucket to the new key before deleting the old one", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const first = await stack.up();
    const oldKeyId = first.outputs.keyId!.value as string;
    const createdAt = Date.parse(first.outputs.createdAt!.value as string);
    expect(first.outputs.bucketKey!.value).toBe(emu.inspect().nscale.keys.find((k) => k.id === oldKeyId)!.accessKeyId);

    // Not old enough yet: nothing to do. rotateAfter leaves room for a slow runner's up; createdAt
    // has whole-second precision on Nscale.
    expect(Date.now() - createdAt, "up finished well within rotateAfter").toBeLessThan(7_000);
    const early = await stack.preview();
    expect(early.changeSummary.replace ?? 0).toBe(0);
    await waitUntil(() => Date.now() - createdAt > 8_500, "the key is older than rotateAfter");
    const preview = await stack.preview();
    expect(preview.changeSummary.replace).toBe(1);

    const from = emu.requests.length;
    const second = await stack.up();
    const newKeyId = second.outputs.keyId!.value as string;
    expect(newKeyId).not.toBe(oldKeyId);
    const newKey = emu.inspect().nscale.keys.find((k) => k.id === newKeyId)!;
    expect(second.outputs.bucketKey!.value).toBe(newKey.accessKeyId);
    expect(nscaleKeyIds(emu)).toEqual([newKeyId]);

    // Order in the emulator: create the new key, the bucket checks the new key through S3, and only
    // then is the old key deleted.
    const log = emu.requests.slice(from);
    const post = log.findIndex((r) => r.method === "POST" && r.path.endsWith("/accesskeys"));
    const head = log.findIndex((r) => r.cloud === "s3" && r.method === "HEAD" && r.status === 200);
    const del = log.findIndex((r) => r.method === "DELETE" && r.path.endsWith(`/accesskeys/${oldKeyId}`));
    expect(post).toBeGreaterThanOrEqual(0);
    expect(head).toBeGreaterThan(post);
    expect(del).toBeGreaterThan(head);
  });

  it("destroys the key and its bucket", async (ctx) => {
    const { stack } = gate.stack(ctx);
    state.rotateAfter = "90d";
    await stack.destroy();
    expect(nscaleKeyIds(emu)).toEqual([]);
    expect(emu.inspect().s3.buckets.filter((b) => b.owner === "nscale")).toEqual([]);
  });
});

describe("rotateAfter on a HostUp account whose only key is ours", () => {
  const gate = useSuiteStack({
    make: () =>
      emulatorStack("osk-rotate-hostup", async () => {
        const key = new lib.ObjectStorageAccessKey("only", { cloud: "hostup", rotateAfter: "2s" });
        return { keyId: key.keyId, createdAt: key.createdAt };
      }),
  });

  it("rotates without the account ever reaching zero keys", async (ctx) => {
    const { stack } = gate.stack(ctx);
    for (const k of hostupKeyIds(emu)) emu.deleteOutOfBand("hostup", k);
    const first = await stack.up();
    const oldKey = first.outputs.keyId!.value as string;
    expect(hostupKeyIds(emu)).toEqual([oldKey]);
    const createdAt = Date.parse(first.outputs.createdAt!.value as string);
    await waitUntil(() => Date.now() - createdAt > 2500, "the key is older than rotateAfter");
    const second = await stack.up();
    const newKey = second.outputs.keyId!.value as string;
    expect(newKey).not.toBe(oldKey);
    expect(hostupKeyIds(emu)).toEqual([newKey]);
    // Leave the account a key of its own so destroy is allowed.
    await createOutOfBand("hostup", "dashboard");
    await stack.destroy();
    expect(hostupKeyIds(emu)).not.toContain(newKey);
  });
});

describe("adopt", () => {
  const gate = suiteGate();
  const stacks: TestStack[] = [];
  afterAll(async () => Promise.all(stacks.map((s) => s.cleanup())));

  async function adoptStack(name: string, cloud: "nscale" | "hostup", existing: { keyId: string; secret: string }, retain: boolean) {
    const ts = await emulatorStack(`osk-adopt-${name}`, async () => {
      const args =
        cloud === "nscale"
          ? { cloud, endpointId: emu.endpointId, identityPolicy: "bucket-admin", adopt: { keyId: existing.keyId, secretAccessKey: existing.secret } }
          : { cloud, adopt: { keyId: existing.keyId, secretAccessKey: existing.secret } };
      const key = new lib.ObjectStorageAccessKey(name, args as never, { retainOnDelete: retain });
      return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, adopted: key.adopted };
    });
    stacks.push(ts);
    return ts;
  }

  it.for([
    ["nscale", true],
    ["nscale", false],
    ["hostup", true],
    ["hostup", false],
  ] as const)("%s: manages an existing key (retainOnDelete %s)", async ([cloud, retain], ctx) => {
    if (!(await gate.ready())) ctx.skip("no Pulumi engine");
    const existing = await createOutOfBand(cloud, `pre-existing-${cloud}-${retain}`.toLowerCase());
    const ids = () => (cloud === "nscale" ? nscaleKeyIds(emu) : hostupKeyIds(emu));
    const before = ids().length;
    const { stack } = await adoptStack(`adopt-${cloud}-${retain}`, cloud, existing, retain);
    const up = await stack.up();
    expect(up.outputs.accessKeyId!.value).toBe(existing.accessKeyId);
    expect(up.outputs.secretAccessKey).toEqual({ value: existing.secret, secret: true });
    expect(up.outputs.adopted!.value).toBe(true);
    expect(ids().length).toBe(before); // nothing new was created
    // A second up changes nothing: a replacement would re-adopt the key and then delete it.
    const again = await stack.up();
    expect(again.summary.resourceChanges).toEqual({ same: 2 });
    expect(ids()).toContain(existing.keyId);
    await stack.destroy();
    expect(ids().includes(existing.keyId)).toBe(retain);
  });
});
