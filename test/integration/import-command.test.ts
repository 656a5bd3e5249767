/**
 * The import-file command against the in-process emulator over loopback (no engine): what it
 * writes, and everything it refuses before a file exists (a wrong or missing secret, an unready or
 * unknown key, a name check rejects, a secret given two ways, an existing file, an old CLI). The
 * engine side is test/e2e/import-file.test.ts.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { emulatorEnv, startEmulator, type Emulator } from "../../src/emulator";
import { ACCESS_KEY_TYPE, SECRET_SIG, type ImportFile, type ImportFileEntry } from "../../src/import/build";
import { runImportFile, type ImportIo } from "../../src/import/command";
import { SECRET_ENV } from "../../src/import/usage";

let emu: Emulator;
let dir: string;
let printed: string;
let stdinReads: number;

beforeAll(async () => {
  emu = await startEmulator({ nscale: { createStatus: "provisioned" } });
});
afterAll(async () => emu?.close());
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "osk-import-cmd-"));
  printed = "";
  stdinReads = 0;
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function io(over: Partial<ImportIo> & { stdin?: string; extraEnv?: Record<string, string> } = {}): ImportIo {
  return {
    env: {
      ...emulatorEnv(emu),
      NSCALE_POLL_INTERVAL_MS: "10",
      ...over.extraEnv,
    },
    cwd: dir,
    stdout: (t) => void (printed += t),
    readStdin: async () => {
      stdinReads++;
      return over.stdin ?? "";
    },
    pulumiVersion: async () => "v3.276.0\n",
    providerText: async () => "exports.handler = __f0; /* the shim */",
    runPulumi: async () => {
      throw new Error("pulumi is run only with --import");
    },
    ...over,
  };
}

async function nscaleKey(name: string, opts: { description?: string } = {}) {
  const res = await fetch(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emu.nscaleToken}` },
    body: JSON.stringify({ metadata: { name, ...opts }, spec: { identityPolicy: "bucket-admin" } }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { metadata: { id: string; creationTime: string }; spec: { accessKeyId: string; secret: string } };
  return { id: body.metadata.id, accessKeyId: body.spec.accessKeyId, secret: body.spec.secret, createdAt: body.metadata.creationTime };
}

async function hostupKey(label: string) {
  const res = await fetch(`${emu.hostupApiUrl}/object-storage/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": emu.hostupApiKey },
    body: JSON.stringify({ label }),
  });
  const key = ((await res.json()) as { data: { key: { accessKey: string; secretKey: string } } }).data.key;
  return { accessKey: key.accessKey, secret: key.secretKey };
}

const out = () => path.join(dir, "import.json");
const readFile = async () => JSON.parse(await fs.readFile(out(), "utf8")) as ImportFile;
const noFile = async () => expect(fs.access(out())).rejects.toThrow();

async function failure(run: Promise<unknown>): Promise<Error & { usage?: unknown }> {
  let caught: unknown;
  await run.catch((err: unknown) => (caught = err));
  if (!(caught instanceof Error)) throw new Error(`the command was expected to fail with an Error, got ${String(caught)}`);
  return caught;
}

describe("import-file: Nscale", () => {
  it("--id writes a 0600 file (whatever the umask) with the checked inputs, the key's state and the verified secret as a secret envelope", async () => {
    const key = await nscaleKey("console-made-key", { description: "made in the console" });
    const umask = process.umask(0o000);
    try {
      await runImportFile(
        ["--cloud", "nscale", "--id", `${emu.endpointId}/${key.id}`, "--name", "legacy", "--out", "import.json"],
        io({ extraEnv: { [SECRET_ENV]: key.secret } }),
      );
    } finally {
      process.umask(umask);
    }
    expect((await fs.stat(out())).mode & 0o777).toBe(0o600);
    const [entry] = (await readFile()).resources;
    expect(entry).toEqual({
      type: ACCESS_KEY_TYPE,
      name: "legacy",
      id: key.id,
      inputs: {
        cloud: "nscale",
        resourceName: "legacy",
        imported: true,
        endpointId: emu.endpointId,
        name: "console-made-key",
        description: "made in the console",
        identityPolicy: "bucket-admin",
        __provider: "exports.handler = __f0; /* the shim */",
      },
      outputs: expect.objectContaining({
        cloud: "nscale",
        resourceName: "legacy",
        endpointId: emu.endpointId,
        keyId: key.id,
        accessKeyId: key.accessKeyId,
        secretAccessKey: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(key.secret) },
        s3Endpoint: emu.s3Url,
        createdAt: key.createdAt,
        name: "console-made-key",
        identityPolicy: "bucket-admin",
        provisioningStatus: "provisioned",
        imported: true,
        __provider: "exports.handler = __f0; /* the shim */",
      }),
    });
    expect(printed).toContain("pulumi import --file import.json --yes --generate-code=false");
    expect(printed).toContain(
      'new ObjectStorageAccessKey("legacy", { cloud: "nscale", endpointId: ' +
        JSON.stringify(emu.endpointId) +
        ', identityPolicy: "bucket-admin", description: "made in the console" }, { protect: true });',
    );
    expect(printed).toContain("holds the key's secret in plain text");
    expect(printed).toContain("pulumi state unprotect");
    expect(printed).not.toContain(key.secret);
  });

  it("--endpoint-id/--key-id without a secret: an empty secretAccessKey, and the printed note says no secret is in the file", async () => {
    const key = await nscaleKey("no-secret-key");
    await runImportFile(["--cloud", "nscale", "--endpoint-id", emu.endpointId, "--key-id", key.id, "--name", "k", "--out", "import.json"], io());
    const [entry] = (await readFile()).resources;
    expect(entry!.outputs.secretAccessKey).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: '""' });
    expect(entry!.inputs).not.toHaveProperty("description");
    expect(printed).not.toContain("holds the key's secret");
    expect(printed).toContain('{ cloud: "nscale", endpointId: ' + JSON.stringify(emu.endpointId) + ', identityPolicy: "bucket-admin" }');
  });

  it("the secret from stdin (--secret-from-stdin), its trailing newline trimmed", async () => {
    const key = await nscaleKey("stdin-key");
    await runImportFile(
      ["--cloud", "nscale", "--id", `${emu.endpointId}/${key.id}`, "--name", "k", "--out", "import.json", "--secret-from-stdin"],
      io({ stdin: `${key.secret}\n` }),
    );
    expect((await readFile()).resources[0]!.outputs.secretAccessKey).toMatchObject({ plaintext: JSON.stringify(key.secret) });
  });

  it("a secret that does not sign for the key is refused after a signed S3 request; no file", async () => {
    const key = await nscaleKey("wrong-secret-key");
    const err = await failure(
      runImportFile(
        ["--cloud", "nscale", "--id", `${emu.endpointId}/${key.id}`, "--name", "k", "--out", "import.json"],
        io({ extraEnv: { [SECRET_ENV]: "x".repeat(40) } }),
      ),
    );
    expect(err.message).toMatch(/The secret from OSK_IMPORT_SECRET_ACCESS_KEY does not work for access key/);
    expect(err.message).toContain("No import file was written.");
    expect(err.message).not.toContain("x".repeat(40));
    await noFile();
  });

  it("an unknown key ID is refused, naming the endpoint; no file", async () => {
    const err = await failure(
      runImportFile(["--cloud", "nscale", "--id", `${emu.endpointId}/00000000-0000-4000-8000-000000000000`, "--name", "k", "--out", "import.json"], io()),
    );
    expect(err.message).toContain(`Nscale endpoint ${emu.endpointId} has no access key 00000000-0000-4000-8000-000000000000`);
    await noFile();
  });

  it("a key whose name this library does not accept (Nscale's API allows more) is refused with `adopt` as the way", async () => {
    const key = await nscaleKey("Console_Key.1");
    const err = await failure(runImportFile(["--cloud", "nscale", "--id", `${emu.endpointId}/${key.id}`, "--name", "k", "--out", "import.json"], io()));
    expect(err.message).toMatch(/cannot be imported as an ObjectStorageAccessKey: name: must start with a lowercase letter/);
    expect(err.message).toContain("adopt");
    await noFile();
  });
});

describe("import-file: Nscale key still provisioning", () => {
  let slow: Emulator;
  beforeAll(async () => {
    slow = await startEmulator({ nscale: { pollsUntilProvisioned: 5 } });
  });
  afterAll(async () => slow?.close());

  it("is refused until it is provisioned; no file", async () => {
    const res = await fetch(`${slow.nscaleApiUrl}/api/v1/objectstorageendpoints/${slow.endpointId}/accesskeys`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${slow.nscaleToken}` },
      body: JSON.stringify({ metadata: { name: "fresh-key" }, spec: { identityPolicy: "bucket-admin" } }),
    });
    const id = ((await res.json()) as { metadata: { id: string } }).metadata.id;
    const err = await failure(
      runImportFile(
        ["--cloud", "nscale", "--id", `${slow.endpointId}/${id}`, "--name", "k", "--out", "import.json"],
        io({ extraEnv: { NSCALE_API_URL: slow.nscaleApiUrl, NSCALE_API_TOKEN: slow.nscaleToken } }),
      ),
    );
    expect(err.message).toMatch(/is "(pending|provisioning)", not provisioned/);
    await noFile();
  });
});

describe("import-file: HostUp", () => {
  it("verifies the secret with S3 and records the given label, the service's endpoint and region", async () => {
    const key = await hostupKey("Dashboard Key");
    await runImportFile(
      ["--cloud", "hostup", "--access-key", key.accessKey, "--label", "Dashboard Key", "--name", "app", "--out", "import.json"],
      io({ extraEnv: { [SECRET_ENV]: key.secret }, now: () => new Date("2026-02-03T04:05:06Z") }),
    );
    const [entry] = (await readFile()).resources;
    expect(entry).toMatchObject({ type: ACCESS_KEY_TYPE, name: "app", id: key.accessKey });
    expect(entry!.inputs).toEqual({ cloud: "hostup", resourceName: "app", imported: true, label: "Dashboard Key", __provider: expect.any(String) });
    expect(entry!.outputs).toMatchObject({
      keyId: key.accessKey,
      accessKeyId: key.accessKey,
      s3Endpoint: emu.s3Url,
      region: "eu-north-1",
      label: "Dashboard Key",
      createdAt: "2026-02-03T04:05:06.000Z",
      imported: true,
      secretAccessKey: { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(key.secret) },
    });
    expect(printed).toContain('new ObjectStorageAccessKey("app", { cloud: "hostup" }, { protect: true });');
    expect(printed).not.toContain("pass --label");
  });

  it("without --label records the resource name as the label, and says so", async () => {
    const key = await hostupKey("whatever");
    await runImportFile(
      ["--cloud", "hostup", "--access-key", key.accessKey, "--name", "app", "--out", "import.json"],
      io({ extraEnv: { [SECRET_ENV]: key.secret } }),
    );
    expect((await readFile()).resources[0]!.inputs.label).toBe("app");
    expect(printed).toContain("pass --label");
  });

  it("needs the secret (HostUp cannot read or list keys): refused before any API request; no file", async () => {
    const key = await hostupKey("no secret");
    const from = emu.requests.length;
    const err = await failure(runImportFile(["--cloud", "hostup", "--access-key", key.accessKey, "--name", "app", "--out", "import.json"], io()));
    expect(err.usage).toBe(true);
    expect(err.message).toMatch(/a HostUp key needs its secret: HostUp cannot read or list keys/);
    expect(emu.requests.length).toBe(from);
    await noFile();
  });

  it("a key S3 does not know is refused; no file", async () => {
    const err = await failure(
      runImportFile(
        ["--cloud", "hostup", "--access-key", "NOSUCHKEY0000000", "--name", "app", "--out", "import.json"],
        io({ extraEnv: { [SECRET_ENV]: "y".repeat(40) } }),
      ),
    );
    expect(err.message).toMatch(/S3 does not know access key NOSUCHKEY0000000|does not work for access key NOSUCHKEY0000000/);
    await noFile();
  });
});

describe("import-file --import: the command runs `pulumi import` itself, and no file outlives it", () => {
  async function run(pulumiExit: number) {
    const key = await nscaleKey(`run-import-${pulumiExit}`);
    const tmp = path.join(dir, "tmp");
    await fs.mkdir(tmp);
    const seen: Array<{ args: string[]; fileMode: number; dirMode: number; entry: ImportFileEntry }> = [];
    const run = runImportFile(
      ["--cloud", "nscale", "--id", `${emu.endpointId}/${key.id}`, "--name", "legacy", "--import", "--stack", "dev"],
      io({
        extraEnv: { [SECRET_ENV]: key.secret, TMPDIR: tmp },
        runPulumi: async (args) => {
          const file = args[2]!;
          seen.push({
            args,
            fileMode: (await fs.stat(file)).mode & 0o777,
            dirMode: (await fs.stat(path.dirname(file))).mode & 0o777,
            entry: (JSON.parse(await fs.readFile(file, "utf8")) as ImportFile).resources[0]!,
          });
          return pulumiExit;
        },
      }),
    );
    return { key, tmp, seen, run };
  }

  it("passes the private file to `pulumi import --yes --generate-code=false --stack`, then removes it and prints the remaining steps", async () => {
    const { key, tmp, seen, run: done } = await run(0);
    await done;
    expect(seen).toHaveLength(1);
    const [call] = seen;
    expect(call!.args).toEqual([
      "import",
      "--file",
      expect.stringMatching(new RegExp(`^${tmp}/osk-import-[^/]+/import\\.json$`)),
      "--yes",
      "--generate-code=false",
      "--stack",
      "dev",
    ]);
    expect(call!.fileMode).toBe(0o600);
    expect(call!.dirMode).toBe(0o700);
    expect(call!.entry).toMatchObject({ type: ACCESS_KEY_TYPE, name: "legacy", id: key.id });
    expect(await fs.readdir(tmp), "the temporary directory is gone").toEqual([]);
    expect(printed).toContain("the import file was removed");
    expect(printed).toContain('new ObjectStorageAccessKey("legacy"');
    expect(printed).not.toMatch(/\brm /);
  });

  it("a failed `pulumi import` is reported, and the file is removed all the same", async () => {
    const { tmp, seen, run: done } = await run(3);
    const err = await failure(done);
    expect(err.message).toMatch(/`pulumi import` failed \(exit 3/);
    expect(seen).toHaveLength(1);
    expect(await fs.readdir(tmp)).toEqual([]);
  });

  it.each([
    [["--import", "--out", "f"], /--import writes a private temporary file .* leave out --out/],
    [["--out", "f", "--stack", "dev"], /--stack is for --import/],
    [[], /--out <file> is required .* or --import/],
  ])("%j is a usage error", async (extra, message) => {
    const err = await failure(runImportFile(["--cloud", "nscale", "--id", "e/k", "--name", "k", ...extra], io()));
    expect(err.usage).toBe(true);
    expect(err.message).toMatch(message);
  });
});

describe("import-file: refusals before anything is read", () => {
  const nscaleArgs = () => ["--cloud", "nscale", "--id", `${emu.endpointId}/k`, "--name", "k", "--out", "import.json"];

  it.each([
    [["--cloud", "nscale", "--id", "e/k", "--out", "f"], /--name is required/],
    [["--cloud", "aws", "--name", "k", "--out", "f"], /--cloud must be "nscale" or "hostup", got "aws"/],
    [["--cloud", "nscale", "--id", "nope", "--name", "k", "--out", "f"], /--id must be <endpoint_id>\/<key_id>/],
    [["--cloud", "nscale", "--id", "e/k", "--key-id", "k", "--name", "k", "--out", "f"], /either --id .* not both/],
    [["--cloud", "nscale", "--endpoint-id", "e", "--name", "k", "--out", "f"], /needs --id .* or both --endpoint-id and --key-id/],
    [["--cloud", "nscale", "--id", "e/k", "--access-key", "A", "--name", "k", "--out", "f"], /--access-key is not an option for --cloud nscale/],
    [["--cloud", "hostup", "--id", "e/k", "--name", "k", "--out", "f"], /--id is not an option for --cloud hostup/],
    [["--cloud", "hostup", "--name", "k", "--out", "f"], /needs --access-key/],
  ])("%j", async (args, message) => {
    const from = emu.requests.length;
    const err = await failure(runImportFile(args, io()));
    expect(err.usage).toBe(true);
    expect(err.message).toMatch(message);
    expect(emu.requests.length).toBe(from);
  });

  it("a secret as an argument does not exist (it would show in `ps` and shell history)", async () => {
    const err = await failure(runImportFile([...nscaleArgs(), "--secret", "abc"], io()));
    expect((err as { code?: string }).code).toBe("ERR_PARSE_ARGS_UNKNOWN_OPTION");
  });

  it("the secret given both ways is refused", async () => {
    const err = await failure(runImportFile([...nscaleArgs(), "--secret-from-stdin"], io({ stdin: "a", extraEnv: { [SECRET_ENV]: "b" } })));
    expect(err.message).toMatch(/from stdin \(--secret-from-stdin\) or \$OSK_IMPORT_SECRET_ACCESS_KEY, not both/);
  });

  it("an existing --out is never overwritten (nor followed, if a symlink)", async () => {
    await fs.writeFile(out(), "precious");
    const err = await failure(runImportFile(nscaleArgs(), io()));
    expect(err.message).toMatch(/import.json already exists/);
    expect(await fs.readFile(out(), "utf8")).toBe("precious");
    await fs.rm(out());
    await fs.symlink(path.join(dir, "target"), out());
    await failure(runImportFile(nscaleArgs(), io()));
    await expect(fs.access(path.join(dir, "target"))).rejects.toThrow();
  });

  it("a Pulumi CLI below 3.254 (or none) on PATH: refused naming the version, before stdin or the API is read", async () => {
    for (const version of ["v3.248.0\n", undefined]) {
      const from = emu.requests.length;
      const err = await failure(runImportFile([...nscaleArgs(), "--secret-from-stdin"], io({ pulumiVersion: async () => version, stdin: "s" })));
      expect(err.message).toContain("needs Pulumi CLI >= 3.254.0");
      expect(err.message).toContain(version ? "is 3.248.0" : "no `pulumi` was found on PATH");
      expect(stdinReads).toBe(0);
      expect(emu.requests.length).toBe(from);
      await noFile();
    }
  });

  it("--help prints the options without reading anything", async () => {
    await runImportFile(["--help"], io({ pulumiVersion: async () => assert.fail("not asked") }));
    expect(printed).toContain("--secret-from-stdin");
    expect(printed).toContain("Pulumi CLI >= 3.254");
  });
});

const assert = {
  fail: (m: string): never => {
    throw new Error(m);
  },
};
