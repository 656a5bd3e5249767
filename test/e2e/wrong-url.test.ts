/**
 * A wrong API URL, through the real engine (issue 10): with the provider pointed at
 * a path the API does not serve (its environment, as a pipeline would set it), `refresh` fails instead of dropping live keys from state, and
 * `destroy` fails instead of reporting success while the keys still work. Once the URL is fixed,
 * destroy deletes them.
 */
import { describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createTestStack } from "./harness";
import { accessKeysInState, emulatorEnv, expectFailure, keysProgram, loadLib, useEngineSuite, type KeySpec } from "./support";

const lib = loadLib();
let emu: Emulator;
let specs: KeySpec[] = [];
let recorded: string[] = [];
const program = keysProgram(lib, () => specs);

describe("a wrong API URL never drops or orphans live keys (real engine)", () => {
  const { gate, ours } = useEngineSuite({
    started: (e) => (emu = e),
    async stack() {
      const ts = await createTestStack({ projectName: "osk-e2e-wrong-url", program, envVars: emulatorEnv(emu) });
      specs = [
        { name: "n", args: { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin" }, exportAs: "n_" },
        { name: "h", args: { cloud: "hostup" }, exportAs: "h_" },
      ];
      return ts;
    },
  });

  it("up creates one key per cloud", async (ctx) => {
    const { stack } = gate.stack(ctx);
    await stack.up();
    expect(ours().nscale).toHaveLength(1);
    expect(ours().hostup).toHaveLength(1);
    recorded = [...ours().nscale, ...ours().hostup].sort();
    expect((await accessKeysInState(stack)).map((r) => r.id).sort()).toEqual(recorded);
  });

  it("refresh with the API URLs pointing at a wrong path fails and keeps both keys in state", async (ctx) => {
    const { stack } = gate.stack(ctx);
    // The environment of the `pulumi` process (refresh and destroy use the provider config recorded
    // in state, so a stack config change would not reach them; a changed environment does).
    const ws = stack.workspace as import("@pulumi/pulumi/automation").LocalWorkspace;
    ws.envVars.NSCALE_API_URL = `${emu.nscaleApiUrl}/wrong-prefix`;
    ws.envVars.HOSTUP_API_URL = `${emu.url}/not-the-api`;
    // HostUp's refresh asks S3, which still knows the key: make S3 say it does not, so only the
    // (wrong) HostUp API could confirm the key is gone.
    emu.deleteOutOfBand("hostup", ours().hostup[0]!);
    const message = await expectFailure(stack.refresh());
    expect(message).toMatch(/Nscale .*failed: HTTP 404/);
    expect(message).toMatch(/HostUp .*failed/);
    expect((await accessKeysInState(stack)).map((r) => r.id).sort(), "nothing dropped from state").toEqual(recorded);
  });

  it("destroy with the wrong URL fails, and the Nscale key still exists", async (ctx) => {
    const { stack } = gate.stack(ctx);
    await expectFailure(stack.destroy());
    expect(ours().nscale, "the Nscale key still works on the server").toHaveLength(1);
    expect(
      (await accessKeysInState(stack)).map((r) => r.id),
      "the Nscale key is still in state",
    ).toContain(ours().nscale[0]);
  });

  it("with the URL fixed, destroy deletes the keys", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const ws = stack.workspace as import("@pulumi/pulumi/automation").LocalWorkspace;
    ws.envVars.NSCALE_API_URL = emu.nscaleApiUrl;
    ws.envVars.HOSTUP_API_URL = emu.hostupApiUrl;
    await stack.destroy();
    expect(ours().nscale).toHaveLength(0);
    expect(await accessKeysInState(stack)).toHaveLength(0);
  });
});
