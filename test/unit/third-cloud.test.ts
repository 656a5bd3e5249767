/**
 * The README's claim, proved: a third cloud is one folder (test/fixtures/third-cloud/, written only
 * against src/clouds/contract.ts) and one registry line (the mock below adds it to the registry the
 * way src/clouds/registry.ts lists nscale and hostup). Through the generic code only: check
 * (generated name, the cloud's own required-input hint, a missing credential named in its terms),
 * diff (replace vs in place), create, read, delete, and import-file (its flags, help, next steps)
 * plus the native import ID.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("../../src/clouds/registry", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/clouds/registry")>();
  const { fake } = await import("../fixtures/third-cloud/index.js");
  // The one registry line.
  return { ...original, ...original.registryOf({ ...original.clouds, fake }) };
});

import { CLOUD_IDS } from "../../src/clouds/registry";
import { ACCESS_KEY_TYPE, SECRET_SIG, type ImportFile } from "../../src/import/build";
import { runImportFile, type ImportIo } from "../../src/import/command";
import { importUsage } from "../../src/import/usage";
import { importRequest } from "../../src/import/native-id";
import { accessKeyOperations as ops } from "../../src/provider/operations";
import { fakeApi } from "../fixtures/third-cloud/api";

const KEY = fakeApi.apiKey;

beforeAll(() => {
  vi.stubEnv("FAKE_API_KEY", KEY);
});
afterAll(() => {
  vi.unstubAllEnvs();
});
beforeEach(() => fakeApi.reset());

describe("a third cloud registered with one line", () => {
  it("is a cloud value check accepts", () => {
    expect(CLOUD_IDS).toEqual(["nscale", "hostup", "fake"]);
  });

  it("check: generates its name field, says what is missing in the cloud's own words, and names its credential", async () => {
    const ok = await ops.check({}, { cloud: "fake", resourceName: "k1", zone: "fk-1" });
    expect(ok.failures).toEqual([]);
    expect(ok.inputs).toMatchObject({ cloud: "fake", resourceName: "k1", zone: "fk-1", title: expect.stringMatching(/^k1-[a-z0-9]+$/) });

    const missing = await ops.check({}, { cloud: "fake", resourceName: "k1" });
    expect(missing.failures).toEqual([{ property: "zone", reason: 'is required: the FakeCloud zone, e.g. "fk-1"' }]);

    vi.stubEnv("FAKE_API_KEY", "");
    try {
      const noKey = await ops.check({}, { cloud: "fake", resourceName: "k1", zone: "fk-1" });
      expect(noKey.failures).toHaveLength(1);
      expect(noKey.failures[0]!.property).toBe("apiKey (secret)");
      expect(noKey.failures[0]!.reason).toMatch(
        /^No FakeCloud API key found\. .*`pulumi config set --secret fake:apiKey <value>`; or the environment variable FAKE_API_KEY\.$/,
      );
    } finally {
      vi.stubEnv("FAKE_API_KEY", KEY);
    }
  });

  it("diff: its replaceOnChange replaces, its inPlace changes in place", async () => {
    const olds = { cloud: "fake", resourceName: "k1", zone: "fk-1", title: "t" };
    expect(await ops.diff(olds, { ...olds, zone: "fk-2" })).toMatchObject({ changes: true, replaces: ["zone"] });
    expect(await ops.diff(olds, { ...olds, rotateAfter: "30d" })).toMatchObject({ changes: true, replaces: [] });
    expect(await ops.diff(olds, olds)).toMatchObject({ changes: false });
  });

  it("create, read and delete go to its lifecycle with the settings resolved for it", async () => {
    const { inputs } = await ops.check({}, { cloud: "fake", resourceName: "k1", zone: "fk-1" });
    const { id, outs } = await ops.create(inputs);
    expect(fakeApi.keys.get(id)).toMatchObject({ zone: "fk-1", title: inputs["title"] });
    expect(outs).toMatchObject({ cloud: "fake", keyId: id, secretAccessKey: fakeApi.keys.get(id)!.secret });

    expect(await ops.read(id, outs)).toEqual({ id, props: expect.objectContaining({ keyId: id, zone: "fk-1" }) });
    await ops.delete(id, outs);
    expect(fakeApi.keys.has(id)).toBe(false);
    expect(await ops.read(id, outs)).toBeUndefined();
    expect(fakeApi.calls).toEqual(["create", "get", "delete", "get"]);
  });

  it("a wrong credential override reaches its API (and the error is redacted)", async () => {
    const { inputs } = await ops.check({}, { cloud: "fake", resourceName: "k1", zone: "fk-1", apiKey: "wrong-key-123456" });
    await expect(ops.create(inputs)).rejects.toThrow(/^FakeCloud create failed: the API key was rejected\.$/);
  });
});

describe("import through the third cloud", () => {
  let dir: string;
  let printed: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "osk-third-cloud-"));
  });
  afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

  const io = (): ImportIo => ({
    env: { ...process.env, FAKE_API_KEY: KEY, OSK_IMPORT_SECRET_ACCESS_KEY: "the-secret-from-env" },
    cwd: dir,
    stdout: (t) => void (printed += t),
    readStdin: async () => "",
    pulumiVersion: async () => "v3.276.0\n",
    providerText: async () => "exports.handler = __f0;",
    runPulumi: async () => {
      throw new Error("not with --out");
    },
  });

  it("import-file takes its flags, writes the file check accepts, and prints its next steps and notes", async () => {
    printed = "";
    const { inputs } = await ops.check({}, { cloud: "fake", resourceName: "made", zone: "fk-9" });
    const { id } = await ops.create(inputs);
    await runImportFile(["--cloud", "fake", "--serial", id, "--name", "legacy", "--out", "fake.json"], io());
    const file = JSON.parse(await fs.readFile(path.join(dir, "fake.json"), "utf8")) as ImportFile;
    expect(file.resources[0]).toMatchObject({
      type: ACCESS_KEY_TYPE,
      name: "legacy",
      id,
      inputs: { cloud: "fake", resourceName: "legacy", imported: true, zone: "fk-9", title: inputs["title"] },
      outputs: { cloud: "fake", keyId: id, secretAccessKey: { [SECRET_SIG]: expect.any(String), plaintext: JSON.stringify("the-secret-from-env") } },
    });
    expect(printed).toContain('new ObjectStorageAccessKey("legacy", { cloud: "fake", zone: "fk-9" }, { protect: true });');
    expect(printed).toContain(`Omit \`title\`: the key keeps its title ${JSON.stringify(inputs["title"])}.`);
    expect(printed).toContain("Note: FakeCloud keys keep their title.");
  });

  it("import-file: another cloud's flag is refused, its own misuse explained, and help lists it", async () => {
    await expect(runImportFile(["--cloud", "fake", "--serial", "x", "--id", "e/k", "--name", "n", "--out", "x.json"], io())).rejects.toThrow(
      /^--id is not an option for --cloud fake\.$/,
    );
    await expect(runImportFile(["--cloud", "fake", "--name", "n", "--out", "x.json"], io())).rejects.toThrow(/^--cloud fake needs --serial <serial>\.$/);
    await expect(runImportFile(["--cloud", "aws", "--name", "n", "--out", "x.json"], io())).rejects.toThrow(
      /--cloud must be "nscale", "hostup" or "fake", got "aws"/,
    );
    expect(importUsage()).toContain("  --cloud fake --serial <serial>\n");
    expect(importUsage().replace(/\s+/g, " ")).toMatch(/HOSTUP_API_URL; FAKE_API_KEY, FAKE_API_URL\.$/);
  });

  it("the native import ID takes its form", () => {
    expect(importRequest("fake/fk-7", "legacy", {})).toMatchObject({ cloud: "fake", ids: { serial: "fk-7" } });
    expect(() => importRequest("fake/a/b", "legacy", {})).toThrow(/is not one of nscale\/<endpointId>\/<keyId> or hostup\/<accessKeyId> or fake\/<serial>/);
  });
});
