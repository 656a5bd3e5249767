/**
 * Credentials from stack config only (`nscale:apiToken`/`hostup:apiKey` as secrets, the API URLs
 * as plain values; every provider env var blanked) reach the provider through `configure`, for
 * up and destroy. The engine copies the whole stack config into the default provider's inputs in
 * state: the credentials must be ciphertext there. (Env-var credentials are covered by the other
 * suites.)
 */
import { describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createTestStack, exportStackEncrypted, readStateFile } from "./harness";
import {
  CONFIG_ONLY_ENV,
  DEFAULT_PROVIDER_TYPE,
  accessKeysInState,
  bothCloudKeys,
  expectNoPlaintext,
  hostupKeyIds,
  keysProgram,
  loadLib,
  nscaleKeyIds,
  secretEnvelope,
  setCredentialsConfig,
  stateResources,
  useEngineSuite,
} from "./support";

const lib = loadLib();
let emu: Emulator;
const program = keysProgram(lib, () => bothCloudKeys(emu));

describe("credentials from stack config (real engine)", () => {
  const { gate, baseline, ours } = useEngineSuite({
    started: (e) => (emu = e),
    async stack() {
      // No credential or URL in the environment: only stack config can make this work.
      const ts = await createTestStack({ projectName: "osk-e2e-config", program, envVars: CONFIG_ONLY_ENV });
      await setCredentialsConfig(ts.stack, emu);
      return ts;
    },
  });

  it("up succeeds for both clouds with credentials set only as stack config", async (ctx) => {
    const { stack } = gate.stack(ctx);
    expect(await stack.getConfig("nscale:apiToken")).toEqual({ value: emu.nscaleToken, secret: true });
    const from = emu.requests.length;
    const res = await stack.up();
    expect(res.summary.result).toBe("succeeded");
    // The emulator only accepts its own credentials, so these calls prove config reached the provider.
    const calls = emu.requests.slice(from);
    expect(calls.some((r) => r.cloud === "nscale" && r.method === "POST" && r.status === 201)).toBe(true);
    expect(calls.some((r) => r.cloud === "hostup" && r.method === "POST" && r.status === 200)).toBe(true);
    expect(calls.filter((r) => r.status === 401)).toEqual([]);

    expect(ours().nscale).toEqual([res.outputs["nscale_keyId"]?.value]);
    expect(ours().hostup).toEqual([res.outputs["hostup_keyId"]?.value]);
    expect(res.outputs["nscale_secretAccessKey"]?.secret).toBe(true);
    expect(res.outputs["hostup_secretAccessKey"]?.secret).toBe(true);
  });

  it("the default provider's inputs hold the config credentials only as ciphertext", async (ctx) => {
    const ts = gate.stack(ctx);
    const resources = await stateResources(ts.stack);
    const provider = resources.find((r) => r.type === DEFAULT_PROVIDER_TYPE);
    expect(provider, "the default pulumi-nodejs provider is in state").toBeDefined();
    // exportStack() decrypts (--show-secrets): the values are there, marked secret.
    expect(provider?.inputs?.["nscale:apiToken"]).toEqual(secretEnvelope(emu.nscaleToken));
    expect(provider?.inputs?.["hostup:apiKey"]).toEqual(secretEnvelope(emu.hostupApiKey));
    expect(provider?.inputs?.["nscale:apiUrl"]).toBe(emu.nscaleApiUrl);

    const needles = { "Nscale API token": emu.nscaleToken, "HostUp API key": emu.hostupApiKey };
    const exported = await exportStackEncrypted(ts);
    expect(exported).toContain("nscale:apiToken"); // the right place is being searched
    expectNoPlaintext(exported, needles);
    expectNoPlaintext(await readStateFile(ts.backendDir, ".pulumi"), needles);
    // Nor in the keys' own state (no credential override was given, so none is stored).
    for (const key of await accessKeysInState(ts.stack)) {
      expect(key.outputs?.["apiToken"]).toBeUndefined();
      expect(key.outputs?.["apiKey"]).toBeUndefined();
    }
  });

  it("destroy also gets its credentials from config and leaves no key of ours", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const res = await stack.destroy();
    expect(res.summary.result).toBe("succeeded");
    expect(nscaleKeyIds(emu)).toEqual(baseline.nscale);
    expect(hostupKeyIds(emu)).toEqual(baseline.hostup);
  });
});
