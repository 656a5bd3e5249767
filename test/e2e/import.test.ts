/**
 * Documents a limitation: Node dynamic resources cannot be imported by the engine from an ID alone
 * (the `import` resource option, `pulumi import` / `stack.import()`), because the engine's Read
 * during import carries no `__provider`. The ways that work are the resource's own `adopt` input,
 * and (CLI >= 3.254) an import entry carrying `inputs` and `outputs`, as `import-file` writes it:
 * the last case here feeds that entry to `stack.import()` and asserts what the suite's CLI does
 * with it (import-file.test.ts drives the command and `pulumi import --file` end to end). These tests
 * assert that the engine refuses, print its message, and check that a refused import changes
 * neither the state nor the existing key. They assert that behaviour, not the wording: the
 * message is the SDK's crash on the missing provider, which differs between versions (3.248:
 * "Cannot read properties of undefined (reading 'toJavaScript')"; 3.276: "code must be a string,
 * not undefined"). `stack.import()` needs the Node.js language host
 * (scripts/ensure-pulumi provides one); project-folder.test.ts runs the CLI's `pulumi import`.
 */
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createTestStack, getEngine, readStateFile, REPO_ROOT } from "./harness";
import {
  ACCESS_KEY_TYPE,
  accessKeysInState,
  emulatorEnv,
  expectFailure,
  expectNoPlaintext,
  keysProgram,
  loadLib,
  nscaleKeyIds,
  requestsSince,
  SECRET_SIG,
  useEngineSuite,
  type KeySpec,
} from "./support";

const lib = loadLib();
let emu: Emulator;
let existing: { id: string; accessKeyId: string };
let specs: KeySpec[] = [];
const program = keysProgram(lib, () => specs);

/** A key made outside Pulumi (as in the Nscale console). */
async function createKeyOutOfBand(name: string): Promise<{ id: string; accessKeyId: string; secret: string }> {
  const res = await fetch(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emu.nscaleToken}` },
    body: JSON.stringify({ metadata: { name }, spec: { identityPolicy: "bucket-admin" } }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { metadata: { id: string }; spec: { accessKeyId: string; secret: string } };
  return { id: body.metadata.id, accessKeyId: body.spec.accessKeyId, secret: body.spec.secret };
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

/** The entry `import-file` writes, built in this process from the built package (dist/import). */
async function importFileEntry(name: string, key: { id: string; secret: string }): Promise<Record<string, unknown>> {
  // The built modules (what the package ships), typed as their sources; loaded by path at run time.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = <T>(m: string): T => require(path.join(REPO_ROOT, "dist", m)) as T;
  const { describeKey } = load<typeof import("../../src/import/describe")>("import/describe.js");
  const { buildImportFile, secretStateFields } = load<typeof import("../../src/import/build")>("import/build.js");
  const { serializedAccessKeyProvider } = load<typeof import("../../src/import/provider-text")>("import/provider-text.js");
  const { clouds } = load<typeof import("../../src/clouds/registry")>("clouds/registry.js");
  const described = await describeKey(
    { cloud: "nscale", resourceName: name, ids: { endpointId: emu.endpointId, keyId: key.id }, secret: key.secret, secretFrom: "the test" },
    { env: emulatorEnv(emu) },
  );
  return { ...buildImportFile(name, described, await serializedAccessKeyProvider(), secretStateFields(clouds.nscale)).resources[0]! };
}

function cliAtLeast(version: string, min: readonly number[]): boolean {
  const v = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!;
  return true;
}

describe("import of an ObjectStorageAccessKey (engine limitation)", () => {
  const { gate } = useEngineSuite({
    emulator: { nscale: { createStatus: "provisioned" } },
    started: (e) => (emu = e),
    stack: async (e) => {
      const ts = await createTestStack({ projectName: "osk-e2e-import", program, envVars: emulatorEnv(e) });
      existing = await createKeyOutOfBand("console-made-key");
      return ts;
    },
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
  it("stack.import() with import-file's entry (inputs + outputs): CLI >= 3.254 imports it and the declared key shows no changes; older CLIs fail and record nothing", async (ctx) => {
    const ts = gate.stack(ctx);
    const { stack } = ts;
    const engine = await getEngine();
    const cli = "skip" in engine ? "0.0.0" : engine.version;
    const key = await createKeyOutOfBand("entry-imported-key");
    const entry = await importFileEntry("from-entry", key);
    expect(entry).toMatchObject({ type: ACCESS_KEY_TYPE, name: "from-entry", id: key.id });
    specs = [];
    const from = emu.requests.length;
    const attempt = stack.import({ resources: [entry as never], protect: false, generateCode: false });
    if (!cliAtLeast(cli, [3, 254, 0])) {
      const message = await expectFailure(attempt);
      console.log(`stack.import() with inputs/outputs on CLI ${cli} -> ${engineError(message)}`);
      expect(message, "the import is what failed").toMatch(/from-entry/);
      expect(await accessKeysInState(stack)).toEqual([]);
    } else {
      await attempt;
      const [recorded] = await accessKeysInState(stack);
      expect(recorded?.id).toBe(key.id);
      expect(recorded?.outputs?.["secretAccessKey"]).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(key.secret) });
      specs = [{ name: "from-entry", args: { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin" } }];
      const preview = await stack.preview();
      expect(preview.changeSummary, `CLI ${cli}: the declared key matches what was imported`).toEqual({ same: 2 });
      const up = await stack.up();
      expect(up.summary.resourceChanges).toEqual({ same: 2 });
      expect(up.outputs["secretAccessKey"]).toMatchObject({ value: key.secret, secret: true });
      expectNoPlaintext(await readStateFile(ts.backendDir, ".pulumi"), { secret: key.secret });
      specs = [];
      await stack.up(); // unprotected (protect: false): removing it from the program deletes the key
      expect(nscaleKeyIds(emu)).not.toContain(key.id);
    }
    expect(
      writesSince(from).filter((w) => !w.startsWith("DELETE")),
      "no key is created",
    ).toEqual([]);
  });
});
