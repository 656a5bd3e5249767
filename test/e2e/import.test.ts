/**
 * Documents a limitation: Node dynamic resources cannot be imported by the engine (the `import`
 * resource option, `pulumi import` / `stack.import()`), because the engine's Read during import
 * carries no `__provider`. The supported way is the resource's own `adopt` input. These tests
 * assert that the engine refuses, print its message, and check that a refused import changes
 * neither the state nor the existing key. They assert that behaviour, not the wording: the
 * message is the SDK's crash on the missing provider, which differs between versions (3.248:
 * "Cannot read properties of undefined (reading 'toJavaScript')"; 3.276: "code must be a string,
 * not undefined"). `stack.import()` needs the Node.js language host
 * (scripts/ensure-pulumi provides one); project-folder.test.ts runs the CLI's `pulumi import`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createTestStack } from "./harness";
import {
  ACCESS_KEY_TYPE,
  accessKeysInState,
  emulatorEnv,
  expectFailure,
  keysProgram,
  loadLib,
  nscaleKeyIds,
  requestsSince,
  startSuiteEmulator,
  suiteGate,
  type KeySpec,
} from "./support";

const lib = loadLib();
const gate = suiteGate();
let emu: Emulator;
let existing: { id: string; accessKeyId: string };
let specs: KeySpec[] = [];
const program = keysProgram(lib, () => specs);

/** A key made outside Pulumi (as in the Nscale console). */
async function createKeyOutOfBand(name: string): Promise<{ id: string; accessKeyId: string }> {
  const res = await fetch(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emu.nscaleToken}` },
    body: JSON.stringify({ metadata: { name }, spec: { identityPolicy: "bucket-admin" } }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { metadata: { id: string }; spec: { accessKeyId: string } };
  return { id: body.metadata.id, accessKeyId: body.spec.accessKeyId };
}

/** Requests that could change a key on the emulator (anything but a read). */
function writesSince(from: number): string[] {
  return requestsSince(emu, from)
    .filter((r) => r.method !== "GET" && r.method !== "HEAD")
    .map((r) => `${r.method} ${r.path} -> ${r.status}`);
}

/** What the emulator holds for the out-of-band key: it must be the same after a refused import. */
function keySnapshot(): unknown {
  return { ids: nscaleKeyIds(emu), secret: emu.secretFor(existing.accessKeyId) };
}

/** The engine's own error line(s), without the CommandError boilerplate. */
function engineError(message: string): string {
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^error:/.test(l) || /\berror:/.test(l));
  return [...new Set(lines)].join("\n") || message.slice(0, 500);
}

describe("import of an ObjectStorageAccessKey (engine limitation)", () => {
  beforeAll(async () => {
    emu = await startSuiteEmulator();
    if (!(await gate.ready())) return;
    gate.set(await createTestStack({ projectName: "osk-e2e-import", program, envVars: emulatorEnv(emu) }));
    existing = await createKeyOutOfBand("console-made-key");
  });

  afterAll(async () => {
    await gate.current?.cleanup();
    await emu?.close();
  });

  it("the `import` resource option fails in the engine; nothing is recorded and the key is untouched", async (ctx) => {
    const { stack } = gate.stack(ctx);
    specs = [
      {
        name: "imported",
        args: { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin", name: "console-made-key" },
        opts: { import: existing.id },
      },
    ];
    const before = keySnapshot();
    const from = emu.requests.length;
    const message = await expectFailure(stack.up());
    const error = engineError(message);
    console.log(`import resource option -> ${error}`);
    expect(message, "the import is what failed").toMatch(/imported/);
    expect(await accessKeysInState(stack)).toEqual([]);
    expect(nscaleKeyIds(emu)).toEqual([existing.id]);
    expect(emu.secretFor(existing.accessKeyId)).toBeDefined();
    expect(keySnapshot(), "the key, its secret and the endpoint's keys are untouched").toEqual(before);
    expect(writesSince(from), "no request that could change a key").toEqual([]);
  });

  it("stack.import() fails the same way (the engine's Read for an import carries no __provider)", async (ctx) => {
    const { stack } = gate.stack(ctx);
    specs = [];
    const before = keySnapshot();
    const from = emu.requests.length;
    const message = await expectFailure(
      stack.import({ resources: [{ type: ACCESS_KEY_TYPE, name: "imported", id: existing.id }], protect: false, generateCode: false }),
    );
    const error = engineError(message);
    console.log(`stack.import() -> ${error}`);
    expect(message, "the import is what failed").toMatch(/imported/);
    expect(await accessKeysInState(stack)).toEqual([]);
    expect(nscaleKeyIds(emu)).toEqual([existing.id]);
    expect(keySnapshot(), "the key, its secret and the endpoint's keys are untouched").toEqual(before);
    expect(writesSince(from), "no request that could change a key").toEqual([]);
  });
});
