/**
 * Failure paths through the real engine:
 * - bad input fails at `preview` with a message naming the property;
 * - a missing credential fails at `preview` naming `pulumi config set --secret ...`;
 * - an Nscale create whose provisioning ends in `error` fails `up` but records the key in state
 *   (never orphaned, secret only as ciphertext), and `destroy` then deletes it.
 */
import { describe, expect, it } from "vitest";

import { emulatorEnv as connectionEnv, type Emulator } from "../../src/emulator";
import { createTestStack, exportStackEncrypted, readStateFile, type TestStack } from "./harness";
import {
  CONFIG_ONLY_ENV,
  accessKeysInState,
  emulatorEnv,
  expectFailure,
  expectNoPlaintext,
  keysProgram,
  loadLib,
  secretEnvelope,
  nscaleKeyIds,
  useEngineSuite,
  type KeySpec,
} from "./support";

const lib = loadLib();
let emu: Emulator;
let specs: KeySpec[] = [];
const program = keysProgram(lib, () => specs);
/** A second stack whose environment carries URLs but no credential at all. */
let noCreds: TestStack | undefined;

const nscaleArgs = (extra: Record<string, unknown> = {}) => ({
  cloud: "nscale",
  endpointId: emu.endpointId,
  identityPolicy: "bucket-admin",
  ...extra,
});

describe("failure paths (real engine)", () => {
  const { gate, baseline, ours } = useEngineSuite({
    started: (e) => (emu = e),
    async stack() {
      const ts = await createTestStack({ projectName: "osk-e2e-failures", program, envVars: emulatorEnv(emu) });
      noCreds = await createTestStack({
        projectName: "osk-e2e-nocreds",
        program,
        envVars: { ...CONFIG_ONLY_ENV, ...connectionEnv(emu, { credentials: false }) },
      });
      return ts;
    },
    cleanup: async () => noCreds?.cleanup(),
  });

  it("an empty identityPolicy fails at preview, naming the property", async (ctx) => {
    const { stack } = gate.stack(ctx);
    specs = [{ name: "bad-policy", args: nscaleArgs({ identityPolicy: "" }) }];
    const from = emu.requests.length;
    const message = await expectFailure(stack.preview());
    console.log(`preview with identityPolicy "": ${excerpt(message, "identityPolicy")}`);
    expect(message).toContain("identityPolicy");
    expect(message).toContain('must name an identity policy configured on the endpoint, e.g. "bucket-admin"');
    expect(emu.requests.length, "validation sends no request").toBe(from);
  });

  it("an unknown property (endpointID) fails at preview, naming it and suggesting endpointId", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const { endpointId, ...rest } = nscaleArgs();
    specs = [{ name: "bad-prop", args: { ...rest, endpointID: endpointId } }];
    const message = await expectFailure(stack.preview());
    console.log(`preview with endpointID: ${excerpt(message, "endpointID")}`);
    // The engine formats check failures as "property <name> value {<value>} has a problem: <reason>"
    // when <name> is an input; an unknown property is named so the engine prints no value (it could
    // be a mistyped secret input).
    expect(message).toContain("property endpointID (unknown property)");
    expect(message).not.toContain(`value {${endpointId}}`);
    expect(message).toContain("is not a property of an nscale access key. Did you mean `endpointId`?");
  });

  const adoptedSecret = `adopted-secret-${"x".repeat(24)}`;

  // The engine prints "property <name> value <decrypted value>" when a failure names a top-level
  // input, so failures on secret inputs must name a path it cannot resolve (src/provider/inputs.ts
  // safeProperty). This once leaked adopt.secretAccessKey.
  it("a bad adopt object (a secret input) fails at preview naming the field, without its secret", async (ctx) => {
    const { stack } = gate.stack(ctx);
    specs = [
      {
        name: "bad-adopt",
        args: nscaleArgs({ adopt: { keyId: "some-key", secretAccessKey: adoptedSecret, secretKey: "typo" } }),
      },
    ];
    const badAdoptMessage = await expectFailure(stack.preview());
    expect(badAdoptMessage).toContain("property adopt.secretKey");
    expect(badAdoptMessage).toContain("has unknown field(s) `secretKey`; allowed: keyId, secretAccessKey");
    expectNoPlaintext(badAdoptMessage, { "adopt.secretAccessKey": adoptedSecret });
  });

  it("a missing Nscale token fails at preview naming `pulumi config set --secret nscale:apiToken`", async (ctx) => {
    gate.stack(ctx);
    specs = [{ name: "no-token", args: nscaleArgs() }];
    const message = await expectFailure(noCreds!.stack.preview());
    expect(message).toContain("apiToken");
    expect(message).toContain("pulumi config set --secret nscale:apiToken");
    expect(message).toContain("NSCALE_API_TOKEN");
  });

  it("a missing HostUp API key fails at preview naming `pulumi config set --secret hostup:apiKey`", async (ctx) => {
    gate.stack(ctx);
    specs = [{ name: "no-key", args: { cloud: "hostup" } }];
    const message = await expectFailure(noCreds!.stack.preview());
    expect(message).toContain("apiKey");
    expect(message).toContain("pulumi config set --secret hostup:apiKey");
    expect(message).toContain("HOSTUP_API_KEY");
  });

  let partial: { keyId: string; accessKeyId: string };

  it("provisioning that ends in error fails up but records the key in state (no orphan, secret encrypted)", async (ctx) => {
    const ts = gate.stack(ctx);
    specs = [{ name: "doomed", args: nscaleArgs() }];
    emu.failNextNscaleProvisioning();
    const message = await expectFailure(ts.stack.up());
    expect(message).toContain('its provisioning ended in "error"');
    expect(message).toContain("It is recorded in state");

    const created = ours().nscale;
    expect(created).toHaveLength(1);
    const held = emu.inspect().nscale.keys.find((k) => k.id === created[0]);
    expect(held?.provisioningStatus).toBe("error");

    const keys = await accessKeysInState(ts.stack);
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key?.id).toBe(held?.id);
    expect(key?.outputs?.["accessKeyId"]).toBe(held?.accessKeyId);
    expect(key?.outputs?.["provisioningStatus"]).toBe("error");
    expect(key?.initErrors?.join("\n")).toContain('provisioning ended in "error"');
    // The stored shim is there, so destroy/refresh of this state can load the provider.
    expect(typeof key?.outputs?.["__provider"]).toBe("string");

    // The one-time secret is kept, but only as ciphertext.
    const secret = emu.secretFor(held!.accessKeyId)!;
    expect(key?.outputs?.["secretAccessKey"]).toEqual(secretEnvelope(secret));
    const needles = { "partial create's secretAccessKey": secret, "Nscale API token": emu.nscaleToken };
    expectNoPlaintext(await exportStackEncrypted(ts), needles);
    expectNoPlaintext(await readStateFile(ts.backendDir, ".pulumi"), needles);
    partial = { keyId: held!.id, accessKeyId: held!.accessKeyId };
  });

  it("destroy then deletes the failed key: Nscale holds no key of ours", async (ctx) => {
    const { stack } = gate.stack(ctx);
    expect(nscaleKeyIds(emu)).toContain(partial.keyId);
    const res = await stack.destroy();
    expect(res.summary.result).toBe("succeeded");
    expect(res.summary.resourceChanges?.["delete"]).toBeGreaterThanOrEqual(1);
    expect(nscaleKeyIds(emu)).toEqual(baseline.nscale);
    expect(emu.secretFor(partial.accessKeyId)).toBeUndefined();
    expect(await accessKeysInState(stack)).toEqual([]);
  });
});

/** The line of `text` that mentions `needle` (for the test log). */
function excerpt(text: string, needle: string): string {
  return (
    text
      .split("\n")
      .find((l) => l.includes(needle) && /error|fail|must|not a property/i.test(l))
      ?.trim() ?? "(not found)"
  );
}
