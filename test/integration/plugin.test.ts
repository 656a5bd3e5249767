/**
 * The native plugin's ABI, over real gRPC to the built executable, against the emulator: provider
 * config arriving through Configure (the SDK drops it; src/plugin/configure.ts recovers it), hints
 * in the plugin's own config names, secrets wrapped on the way out, create-but-failed kept in state,
 * the import-time read, and the schema it serves. CI runs this file on both SDK lines (3.248, 3.276).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { ErrorResourceInitFailed } from "@pulumi/pulumi/proto/provider_pb";
import { emulatorEnv, type Emulator } from "../../src/emulator";
import { isSecretWire, secretWire } from "../../src/plugin/wire";
import { FAST_PROVIDER_KNOBS, nscaleAccessKey, useEmulator } from "./support";
import { startPlugin, urnOf, type RunningPlugin } from "./plugin-support";

let emu: Emulator;
useEmulator(undefined, (e) => (emu = e));

const KEY = urnOf("ObjectStorageAccessKey", "app-key");
const nscaleKey = () => ({ cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin" });

/** A key made straight through Nscale's API, outside Pulumi, and provisioned. */
async function outsideKey(name: string) {
  const key = await nscaleAccessKey(emu, { name });
  emu.setNscaleKeyStatus(key.id, "provisioned");
  return key;
}

/** The plugin's environment: the emulator's URLs and fast knobs, but no credential. */
function pluginEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, ...FAST_PROVIDER_KNOBS, ...emulatorEnv(emu, { credentials: false }), ...extra };
}

function plain(v: unknown): unknown {
  return isSecretWire(v) ? v.value : v;
}

describe("native plugin over gRPC", () => {
  let plugin: RunningPlugin;
  beforeAll(async () => {
    plugin = await startPlugin(pluginEnv());
  });
  afterAll(async () => plugin?.close());

  it("serves exactly the committed schema.json", async () => {
    const committed = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../schema.json"), "utf8"));
    expect(JSON.parse(await plugin.getSchema())).toEqual(committed);
  });

  it("names the plugin's own config key when no credential is configured, never the dynamic resource's", async () => {
    const { failures } = await plugin.check(KEY, {}, nscaleKey());
    const reason = failures.map((f) => f.reason).join("\n");
    expect(reason).toContain("pulumi config set --secret object-storage-keys:nscaleApiToken");
    expect(reason).not.toContain("nscale:apiToken");
  });

  it("takes credentials from Configure (args, secrets wrapped) and serves the lifecycle with the secret wrapped", async () => {
    await plugin.configure({ nscaleApiToken: secretWire(emu.nscaleToken), hostupApiKey: secretWire(emu.hostupApiKey) });
    const checked = await plugin.check(KEY, {}, nscaleKey());
    expect(checked.failures).toEqual([]);
    expect(checked.inputs.resourceName).toBe("app-key");

    const created = await plugin.create(KEY, checked.inputs);
    expect(isSecretWire(created.props.secretAccessKey)).toBe(true);
    const accessKeyId = String(created.props.accessKeyId);
    expect(plain(created.props.secretAccessKey)).toBe(emu.secretFor(accessKeyId));
    expect(emu.inspect().nscale.keys.map((k) => k.id)).toContain(created.id);

    const read = await plugin.read(created.id, KEY, created.props);
    expect(read.id).toBe(created.id);
    expect(isSecretWire(read.props.secretAccessKey)).toBe(true);
    expect((await plugin.diff(created.id, KEY, created.props, checked.inputs)).replaces).toEqual([]);

    await plugin.delete(created.id, KEY, created.props);
    expect(emu.inspect().nscale.keys.map((k) => k.id)).not.toContain(created.id);
  });

  it("answers a refresh of a key the API itself no longer has with an empty ID (the engine drops it), and keeps it on a foreign 404", async () => {
    await plugin.configure({ nscaleApiToken: secretWire(emu.nscaleToken) });
    const checked = await plugin.check(KEY, {}, nscaleKey());
    const created = await plugin.create(KEY, checked.inputs);
    emu.injectFault({ cloud: "nscale", method: "GET", times: Infinity, action: { kind: "foreign", status: 404, body: { type: "text" } } });
    await expect(plugin.read(created.id, KEY, created.props)).rejects.toThrow();
    emu.clearFaults();
    emu.deleteOutOfBand("nscale", created.id);
    const gone = await plugin.read(created.id, KEY, created.props);
    expect(gone.id).toBe("");
  });

  it("reads config from the older `variables` map too", async () => {
    await plugin.configure({}, { "object-storage-keys:config:hostupApiKey": emu.hostupApiKey });
    const urn = urnOf("ObjectStorageAccessKey", "hostup-key");
    const checked = await plugin.check(urn, {}, { cloud: "hostup" });
    expect(checked.failures).toEqual([]);
    const created = await plugin.create(urn, checked.inputs);
    expect(plain(created.props.secretAccessKey)).toBe(emu.secretFor(created.id));
  });

  it("fails bad input at check with the property named", async () => {
    const { failures } = await plugin.check(KEY, {}, { cloud: "nscale", endpointId: emu.endpointId });
    expect(failures.map((f) => f.property)).toContain("identityPolicy");
  });

  it("keeps a key that was created but failed in state (ErrorResourceInitFailed with its id and wrapped secret)", async () => {
    await plugin.configure({ nscaleApiToken: secretWire(emu.nscaleToken) });
    emu.failNextNscaleProvisioning();
    const checked = await plugin.check(KEY, {}, nscaleKey());
    const err = await plugin.create(KEY, checked.inputs).then(
      () => undefined,
      (e: { metadata: { get(k: string): Array<string | Buffer> } }) => e,
    );
    expect(err).toBeDefined();
    const status = Status.deserializeBinary(err!.metadata.get("grpc-status-details-bin")[0] as Buffer);
    const detail = ErrorResourceInitFailed.deserializeBinary(status.getDetailsList()[0]!.getValue_asU8());
    const props = detail.getProperties()!.toJavaScript();
    expect(emu.inspect().nscale.keys.map((k) => k.id)).toContain(detail.getId());
    expect(isSecretWire(props.secretAccessKey)).toBe(true);
  });
});

describe("native import (read with no state: no properties at all, as the engine sends them)", () => {
  it("describes an outside Nscale key from nscale/<endpointId>/<keyId>, secret from the environment, verified and wrapped", async () => {
    const outside = await outsideKey("outside-key");
    const plugin = await startPlugin(pluginEnv({ OSK_IMPORT_SECRET_ACCESS_KEY: outside.secretAccessKey }));
    try {
      await plugin.configure({ nscaleApiToken: secretWire(emu.nscaleToken) });
      const read = await plugin.read(`nscale/${emu.endpointId}/${outside.id}`, urnOf("ObjectStorageAccessKey", "imported"), undefined);
      expect(read.id).toBe(outside.id);
      expect(read.props.secretAccessKey).toEqual(secretWire(outside.secretAccessKey));
      expect(read.inputs).toEqual({ cloud: "nscale", endpointId: emu.endpointId, name: "outside-key", identityPolicy: "bucket-admin" });
    } finally {
      await plugin.close();
    }
  });

  it("imports without a secret when none is given, and says so", async () => {
    const outside = await outsideKey("no-secret-key");
    const plugin = await startPlugin(pluginEnv());
    try {
      await plugin.configure({ nscaleApiToken: secretWire(emu.nscaleToken) });
      const read = await plugin.read(`nscale/${emu.endpointId}/${outside.id}`, urnOf("ObjectStorageAccessKey", "bare"), undefined);
      expect(plain(read.props.secretAccessKey)).toBe("");
      expect(plugin.stderr()).toMatch(/imported without its secret access key \(\$OSK_IMPORT_SECRET_ACCESS_KEY was not set\)/);
    } finally {
      await plugin.close();
    }
  });

  it("refuses to import a bucket, saying what to do instead", async () => {
    const plugin = await startPlugin(pluginEnv());
    try {
      await expect(plugin.read("some-bucket", urnOf("ObjectStorageBucket", "data"), undefined)).rejects.toThrow(/cannot be imported/);
    } finally {
      await plugin.close();
    }
  });

  it("refuses a wrong secret and a malformed ID, naming the forms", async () => {
    const outside = await outsideKey("wrong-secret-key");
    const plugin = await startPlugin(pluginEnv({ OSK_IMPORT_SECRET_ACCESS_KEY: "not-the-secret-at-all" }));
    try {
      await plugin.configure({ nscaleApiToken: secretWire(emu.nscaleToken) });
      const urn = urnOf("ObjectStorageAccessKey", "wrong");
      const refused = await plugin.read(`nscale/${emu.endpointId}/${outside.id}`, urn, undefined).then(
        () => expect.unreachable("the wrong secret was accepted"),
        (e: Error) => e.message,
      );
      expect(refused).toMatch(/secret/i);
      expect(refused).not.toContain("not-the-secret-at-all");
      expect(plugin.stderr()).not.toContain("not-the-secret-at-all");
      await expect(plugin.read(outside.id, urn, undefined)).rejects.toThrow(/nscale\/<endpointId>\/<keyId> or hostup\/<accessKeyId>/);
    } finally {
      await plugin.close();
    }
  });
});
