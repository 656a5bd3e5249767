/**
 * `pulumi import` of an existing key, for both clouds, the way a user does it in a project folder:
 * `npx pulumi-object-storage-keys import-file` reads the key from the API and writes an import
 * file whose entry carries `inputs` and `outputs` (the serialized shim as `__provider`), then the
 * printed steps are run verbatim: `pulumi import --file <f> --yes --generate-code=false`, the
 * printed declaration becomes the program, `preview --expect-no-changes`, `up --expect-no-changes`,
 * `refresh --expect-no-changes`; destroy is refused while the import's `protect` holds, and
 * deletes the key once unprotected (or keeps it with `retainOnDelete`).
 *
 * Needs Pulumi CLI >= 3.254 (pulumi/pulumi#23984: with `outputs` in the file the engine skips the
 * provider's Read, which a dynamic resource cannot serve). The suite's engine is used when it is
 * new enough, else `scripts/ensure-pulumi 3.276.0` (cached after its first build). The CLI 3.248
 * cases prove the limitation on older CLIs: the command refuses, naming the version it needs, and
 * the same file fed to the old CLI's `pulumi import` fails and records nothing.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import type { ImportFile } from "../../src/import/build";
import {
  createConsumerDir,
  getEngine,
  prepareLocalBackend,
  readStateFile,
  REPO_ROOT,
  runChild,
  runWithEngine,
  useSuiteEngine,
  type RunResult,
} from "./harness";
import { transcript } from "./examples-support";
import { ACCESS_KEY_TYPE, emulatorEnv, expectNoPlaintext, hostupKeyIds, nscaleKeyIds, requestsSince, SECRET_SIG, startSuiteEmulator } from "./support";

const CLI = path.join(REPO_ROOT, "dist", "cli.js");
const NEW_CLI = "3.276.0";
const OLD_CLI = "3.248.0";
const FIRST_IMPORT_CLI = [3, 254, 0];

function atLeast(version: string, min: number[]): boolean {
  const v = version.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!;
  return true;
}

/** The suite's engine when it matches, else that CLI version from scripts/ensure-pulumi (cached per version). */
async function cliBin(wantNew: boolean): Promise<string> {
  const e = await getEngine();
  if (!("skip" in e) && atLeast(e.version, FIRST_IMPORT_CLI) === wantNew) return e.binDir;
  const r = await runChild("bash", [path.join(REPO_ROOT, "scripts", "ensure-pulumi"), wantNew ? NEW_CLI : OLD_CLI], { echo: "stderr" });
  expect(r.code, `scripts/ensure-pulumi ${wantNew ? NEW_CLI : OLD_CLI}\n${r.stderr}`).toBe(0);
  return r.stdout.trim().split("\n").pop()!;
}

interface Project {
  dir: string;
  backendDir: string;
  /** Runs `pulumi <args> --non-interactive` with the given CLI; never throws on a non-zero exit. */
  pulumi(bin: string, ...args: string[]): Promise<RunResult>;
  /** Runs the import-file command as `npx pulumi-object-storage-keys import-file` would. */
  importFile(bin: string, args: string[], env?: Record<string, string>): Promise<RunResult>;
  /** Everything the commands printed, for leak checks. */
  printed: string[];
}

async function makeProject(emu: Emulator, base: string, name: string): Promise<Project> {
  const dir = path.join(base, name, "project");
  await createConsumerDir(dir);
  await fs.writeFile(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n`);
  // The user's program before the key is declared (`pulumi import` needs the project's main to exist).
  await fs.writeFile(path.join(dir, "index.js"), "module.exports = {};\n");
  const backend = await prepareLocalBackend(path.join(base, name), "import-file-test");
  const env = { ...emulatorEnv(emu), ...backend.env };
  const printed: string[] = [];
  const record = (r: RunResult) => (printed.push(r.stdout, r.stderr), r);
  return {
    dir,
    backendDir: backend.backendDir,
    printed,
    pulumi: async (bin, ...args) =>
      record(await runWithEngine({ binDir: bin }, path.join(bin, "pulumi"), [...args, "--non-interactive"], { cwd: dir, env, timeoutMs: 240_000 })),
    importFile: async (bin, args, extra = {}) =>
      record(
        await runWithEngine({ binDir: bin }, process.execPath, [CLI, "import-file", ...args], { cwd: dir, env: { ...env, ...extra }, timeoutMs: 120_000 }),
      ),
  };
}

function ok(r: RunResult, what: string): RunResult {
  expect(r.code, `${what}\n${transcript(r)}`).toBe(0);
  return r;
}

/** The printed step `N. <command>` as argv. */
function step(stdout: string, n: number): string[] {
  const line = stdout.split("\n").find((l) => l.trim().startsWith(`${n}. `));
  if (!line) throw new Error(`no step ${n} in:\n${stdout}`);
  return line
    .trim()
    .slice(`${n}. `.length)
    .split(/\s{2,}/)[0]!
    .split(" ");
}

/** The printed `new ObjectStorageAccessKey(...)` line, verbatim. */
function declaration(stdout: string): string {
  const line = stdout.split("\n").find((l) => l.trim().startsWith("new ObjectStorageAccessKey("));
  if (!line) throw new Error(`no declaration in:\n${stdout}`);
  return line.trim();
}

async function writeProgram(dir: string, decl: string): Promise<void> {
  await fs.writeFile(
    path.join(dir, "index.js"),
    `const { ObjectStorageAccessKey } = require("pulumi-object-storage-keys");\nconst key = ${decl}\nexports.keyId = key.keyId;\nexports.accessKeyId = key.accessKeyId;\nexports.secretAccessKey = key.secretAccessKey;\nexports.imported = key.imported;\n`,
  );
}

interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  protect?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

async function keysInState(p: Project, bin: string): Promise<ExportedResource[]> {
  const r = ok(await p.pulumi(bin, "stack", "export", "--show-secrets"), "pulumi stack export --show-secrets");
  p.printed.pop(); // shows secrets by request: not part of the leak check
  p.printed.pop();
  const resources = (JSON.parse(r.stdout) as { deployment: { resources?: ExportedResource[] } }).deployment.resources ?? [];
  return resources.filter((res) => res.type === ACCESS_KEY_TYPE);
}

/** Requests since `from` that could change a key (create or delete). */
function keyWrites(emu: Emulator, from: number): string[] {
  return requestsSince(emu, from)
    .filter((r) => (r.method === "POST" || r.method === "DELETE") && /accesskeys|object-storage\/keys/.test(r.path))
    .map((r) => `${r.method} ${r.path} -> ${r.status}`);
}

interface Made {
  id: string;
  accessKeyId: string;
  secret: string;
}

async function nscaleKeyOutOfBand(emu: Emulator, name: string, description: string): Promise<Made> {
  const res = await fetch(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${emu.nscaleToken}` },
    body: JSON.stringify({ metadata: { name, description }, spec: { identityPolicy: "bucket-admin" } }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { metadata: { id: string }; spec: { accessKeyId: string; secret: string } };
  return { id: body.metadata.id, accessKeyId: body.spec.accessKeyId, secret: body.spec.secret };
}

async function hostupKeyOutOfBand(emu: Emulator, label: string): Promise<Made> {
  const res = await fetch(`${emu.hostupApiUrl}/object-storage/keys`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": emu.hostupApiKey },
    body: JSON.stringify({ label }),
  });
  expect(res.status).toBeLessThan(300);
  const key = ((await res.json()) as { data: { key: { accessKey: string; secretKey: string } } }).data.key;
  return { id: key.accessKey, accessKeyId: key.accessKey, secret: key.secretKey };
}

interface Case {
  cloud: "nscale" | "hostup";
  make(emu: Emulator): Promise<Made>;
  args(emu: Emulator, made: Made): string[];
  /** Resource options the program adds to the printed ones (none: the printed line as it is). */
  extraOptions?: string;
  /** The printed declaration changed so that it no longer matches the key (a replacement). */
  mismatch(decl: string): string;
  keyExists(emu: Emulator, made: Made): boolean;
  /** After unprotect + destroy. */
  survivesDestroy: boolean;
  /** How the secret reaches the command. */
  secretVia: "env" | "stdin";
}

const CASES: Case[] = [
  {
    cloud: "nscale",
    make: (emu) => nscaleKeyOutOfBand(emu, "console-made-key", "made in the console"),
    args: (emu, made) => ["--cloud", "nscale", "--id", `${emu.endpointId}/${made.id}`],
    mismatch: (decl) => decl.replace('identityPolicy: "bucket-admin"', 'identityPolicy: "bucket-readonly"'),
    keyExists: (emu, made) => nscaleKeyIds(emu).includes(made.id),
    survivesDestroy: false,
    secretVia: "env",
  },
  {
    cloud: "hostup",
    make: (emu) => hostupKeyOutOfBand(emu, "Dashboard Key"),
    args: (_emu, made) => ["--cloud", "hostup", "--access-key", made.accessKeyId, "--label", "Dashboard Key"],
    extraOptions: "retainOnDelete: true",
    mismatch: (decl) => decl.replace('{ cloud: "hostup" }', '{ cloud: "hostup", label: "Another Label" }'),
    keyExists: (emu, made) => hostupKeyIds(emu).includes(made.id),
    survivesDestroy: true,
    secretVia: "stdin",
  },
];

describe("pulumi import through `import-file` (Pulumi CLI >= 3.254)", () => {
  const suite = useSuiteEngine("osk-import-file-");
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startSuiteEmulator({ nscale: { createStatus: "provisioned" } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  for (const c of CASES) {
    it(`${c.cloud}: import-file (0600), pulumi import, the printed declaration previews and ups with no changes, refresh, secret encrypted in state; destroy refused while protected, then ${c.survivesDestroy ? "keeps the key (retainOnDelete)" : "deletes the key"}`, async (ctx) => {
      suite.need(ctx);
      const bin = await cliBin(true);
      const p = await makeProject(emu, suite.dir, `osk-import-${c.cloud}`);
      const made = await c.make(emu);
      ok(await p.pulumi(bin, "stack", "init", "dev"), "pulumi stack init dev");

      // 1. The import file, with the secret from the environment or stdin (never an argument).
      const from = emu.requests.length;
      const args = [...c.args(emu, made), "--name", "legacy", "--out", "legacy-import.json"];
      const written =
        c.secretVia === "env"
          ? await p.importFile(bin, args, { OSK_IMPORT_SECRET_ACCESS_KEY: made.secret })
          : await runWithEngine(
              { binDir: bin },
              "sh",
              ["-c", `printf %s "$SECRET" | "$0" "$@" --secret-from-stdin`, process.execPath, CLI, "import-file", ...args],
              {
                cwd: p.dir,
                env: { ...emulatorEnv(emu), SECRET: made.secret },
              },
            );
      ok(written, "import-file");
      p.printed.push(written.stdout, written.stderr);
      console.log(`[${c.cloud}] import-file printed:\n${written.stdout}`);
      const file = path.join(p.dir, "legacy-import.json");
      expect((await fs.stat(file)).mode & 0o777, "the import file is readable by its owner only").toBe(0o600);
      const content = JSON.parse(await fs.readFile(file, "utf8")) as ImportFile;
      const entry = content.resources[0]!;
      expect(content.resources).toHaveLength(1);
      expect(entry).toMatchObject({ type: ACCESS_KEY_TYPE, name: "legacy", id: made.id });
      expect(entry.inputs).toMatchObject({ cloud: c.cloud, resourceName: "legacy", imported: true });
      expect(entry.outputs).toMatchObject({ cloud: c.cloud, keyId: made.id, accessKeyId: made.accessKeyId, imported: true });
      expect(entry.outputs.secretAccessKey, "the secret is a secret envelope").toEqual({
        [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
        plaintext: JSON.stringify(made.secret),
      });
      expect(typeof entry.inputs.__provider).toBe("string");
      expect(entry.outputs.__provider).toBe(entry.inputs.__provider);
      expect(keyWrites(emu, from), "reading the key changes nothing").toEqual([]);

      // 2. The printed import command, verbatim.
      const importArgs = step(written.stdout, 1);
      expect(importArgs.slice(0, 4)).toEqual(["pulumi", "import", "--file", "legacy-import.json"]);
      const imported = ok(await p.pulumi(bin, ...importArgs.slice(1)), importArgs.join(" "));
      expect(imported.stdout).toMatch(/1 imported/);
      expect(step(written.stdout, 2)).toEqual(["rm", "legacy-import.json"]);
      await fs.rm(file);
      const [recorded] = await keysInState(p, bin);
      expect(recorded?.id).toBe(made.id);
      expect(recorded?.protect, "pulumi import protects what it imports").toBe(true);
      expect(recorded?.outputs?.["secretAccessKey"]).toEqual({ [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(made.secret) });
      expectNoPlaintext(await readStateFile(p.backendDir, ".pulumi"), { secret: made.secret, nscaleToken: emu.nscaleToken, hostupApiKey: emu.hostupApiKey });

      // 3. The printed declaration as the program: no changes at preview, up and refresh.
      let decl = declaration(written.stdout);
      if (c.extraOptions) decl = decl.replace("{ protect: true }", `{ protect: true, ${c.extraOptions} }`);
      await writeProgram(p.dir, decl);
      const afterImport = emu.requests.length;
      ok(await p.pulumi(bin, "preview", "--expect-no-changes"), "pulumi preview --expect-no-changes");
      const up = ok(await p.pulumi(bin, "up", "--yes", "--expect-no-changes"), "pulumi up --expect-no-changes");
      expect(up.stdout).not.toMatch(/created|replaced|updated|deleted/);
      const masked = JSON.parse(ok(await p.pulumi(bin, "stack", "output", "--json"), "stack output").stdout) as Record<string, unknown>;
      expect(masked).toMatchObject({ keyId: made.id, accessKeyId: made.accessKeyId, secretAccessKey: "[secret]", imported: true });
      const shown = JSON.parse(ok(await p.pulumi(bin, "stack", "output", "--json", "--show-secrets"), "stack output --show-secrets").stdout) as Record<
        string,
        unknown
      >;
      p.printed.splice(-2);
      expect(shown["secretAccessKey"]).toBe(made.secret);
      ok(await p.pulumi(bin, "refresh", "--yes", "--expect-no-changes"), "pulumi refresh --expect-no-changes");
      const [afterUp] = await keysInState(p, bin);
      expect(afterUp?.inputs?.["__provider"], "the file's __provider is the program's, byte for byte").toBe(entry.inputs.__provider);
      expect(afterUp?.inputs?.["imported"]).toBe(true);
      expect(keyWrites(emu, afterImport), "import, up and refresh neither create nor delete a key").toEqual([]);
      expect(c.keyExists(emu, made)).toBe(true);
      expectNoPlaintext(await readStateFile(p.backendDir, ".pulumi"), { secret: made.secret });

      // A declaration that does not match the key would replace it: refused at preview while protected.
      const changed = c.mismatch(decl);
      expect(changed).not.toBe(decl);
      await writeProgram(p.dir, changed);
      const replacing = await p.pulumi(bin, "preview");
      console.log(
        `[${c.cloud}] preview of a mismatching declaration -> exit ${replacing.code}: ${(replacing.stdout + replacing.stderr).match(/error: [^\n]*(unable to replace|replaces this key)[^\n]*/)?.[0] ?? ""}`,
      );
      expect(replacing.code, transcript(replacing)).not.toBe(0);
      expect(replacing.stdout + replacing.stderr).toMatch(
        c.cloud === "hostup"
          ? /unable to replace resource[\s\S]*marked for protection/
          : /unable to replace resource|name: changing identityPolicy replaces this key/,
      );
      await writeProgram(p.dir, decl);
      expect(keyWrites(emu, afterImport)).toEqual([]);

      // 4. Destroy: refused while protected; the key is untouched.
      const refused = await p.pulumi(bin, "destroy", "--yes");
      console.log(
        `[${c.cloud}] destroy while protected -> exit ${refused.code}: ${(refused.stdout + refused.stderr).match(/error: [^\n]*cannot be deleted[\s\S]*?unprotect[^\n]*/)?.[0] ?? ""}`,
      );
      expect(refused.code, transcript(refused)).not.toBe(0);
      expect(refused.stdout + refused.stderr).toMatch(/cannot be deleted\s+because it is protected/);
      expect(c.keyExists(emu, made)).toBe(true);
      expect(emu.secretFor(made.accessKeyId)).toBe(made.secret);

      // 5. Unprotect (the command the README and the refusal give), then destroy.
      const urn = recorded!.urn;
      expect(written.stdout).toContain(`pulumi state unprotect 'urn:pulumi:<stack>::<project>::${ACCESS_KEY_TYPE}::legacy'`);
      ok(await p.pulumi(bin, "state", "unprotect", urn, "--yes"), `pulumi state unprotect ${urn}`);
      ok(await p.pulumi(bin, "destroy", "--yes"), "pulumi destroy");
      expect(await keysInState(p, bin)).toEqual([]);
      expect(c.keyExists(emu, made), c.survivesDestroy ? "retainOnDelete keeps the key" : "destroy deletes the imported key").toBe(c.survivesDestroy);

      // Nothing printed along the way (without --show-secrets) holds the secret, and no file in the project does.
      expectNoPlaintext(p.printed.join("\n"), { secret: made.secret, nscaleToken: emu.nscaleToken, hostupApiKey: emu.hostupApiKey });
      const leftovers = await fs.readdir(p.dir);
      expect(leftovers.filter((f) => f.endsWith(".json") && f !== "package.json")).toEqual([]);
    });
  }
  it("nscale: import-file --import runs `pulumi import` itself on a private temporary file that is gone afterwards; the printed declaration previews with no changes", async (ctx) => {
    suite.need(ctx);
    const bin = await cliBin(true);
    const p = await makeProject(emu, suite.dir, "osk-import-run");
    const made = await nscaleKeyOutOfBand(emu, "run-import-key", "made in the console");
    ok(await p.pulumi(bin, "stack", "init", "dev"), "pulumi stack init dev");
    const tmp = path.join(suite.dir, "osk-import-run", "tmp");
    await fs.mkdir(tmp);
    const backend = await prepareLocalBackend(path.join(suite.dir, "osk-import-run"), "import-file-test");
    const r = ok(
      await p.importFile(bin, ["--cloud", "nscale", "--id", `${emu.endpointId}/${made.id}`, "--name", "legacy", "--import", "--stack", "dev"], {
        ...backend.env,
        OSK_IMPORT_SECRET_ACCESS_KEY: made.secret,
        TMPDIR: tmp,
      }),
      "import-file --import",
    );
    expect(r.stdout).toMatch(/1 imported/);
    expect(r.stdout).toContain("the import file was removed");
    expect(await fs.readdir(tmp), "no temporary file outlives the command").toEqual([]);
    expect((await fs.readdir(p.dir)).filter((f) => f.endsWith(".json") && f !== "package.json")).toEqual([]);
    const [recorded] = await keysInState(p, bin);
    expect(recorded).toMatchObject({ id: made.id, protect: true });
    expectNoPlaintext(await readStateFile(p.backendDir, ".pulumi"), { secret: made.secret });
    await writeProgram(p.dir, declaration(r.stdout));
    ok(await p.pulumi(bin, "preview", "--expect-no-changes"), "pulumi preview --expect-no-changes");
    ok(await p.pulumi(bin, "state", "unprotect", recorded!.urn, "--yes"), "pulumi state unprotect");
    ok(await p.pulumi(bin, "destroy", "--yes"), "pulumi destroy");
    expect(nscaleKeyIds(emu)).not.toContain(made.id);
    expectNoPlaintext(p.printed.join("\n"), { secret: made.secret });
  });
});

describe("import on a Pulumi CLI older than 3.254", () => {
  const suite = useSuiteEngine("osk-import-old-");
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startSuiteEmulator({ nscale: { createStatus: "provisioned" } });
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("import-file refuses, naming the CLI it needs; no file, no API request", async (ctx) => {
    suite.need(ctx);
    const old = await cliBin(false);
    const p = await makeProject(emu, suite.dir, "osk-import-old-cmd");
    const made = await nscaleKeyOutOfBand(emu, "old-cli-key", "made in the console");
    const from = emu.requests.length;
    const r = await p.importFile(old, ["--cloud", "nscale", "--id", `${emu.endpointId}/${made.id}`, "--name", "legacy", "--out", "legacy-import.json"], {
      OSK_IMPORT_SECRET_ACCESS_KEY: made.secret,
    });
    console.log(`import-file on an old CLI -> exit ${r.code}: ${r.stderr.trim()}`);
    expect(r.code, transcript(r)).toBe(1);
    expect(r.stderr).toMatch(/needs Pulumi CLI >= 3\.254\.0 .*the `pulumi` on PATH is 3\.\d+\.\d+/);
    expect(r.stderr).toContain("adopt");
    await expect(fs.access(path.join(p.dir, "legacy-import.json"))).rejects.toThrow();
    expect(requestsSince(emu, from), "the API is not asked before the CLI is known to work").toEqual([]);
  });

  it("the same import file fed to the old CLI's `pulumi import` fails in the provider's Read; nothing is recorded, the key is untouched", async (ctx) => {
    suite.need(ctx);
    const old = await cliBin(false);
    const fresh = await cliBin(true);
    const p = await makeProject(emu, suite.dir, "osk-import-old-engine");
    const made = await hostupKeyOutOfBand(emu, "Old CLI Key");
    ok(
      await p.importFile(fresh, ["--cloud", "hostup", "--access-key", made.accessKeyId, "--name", "legacy", "--out", "legacy-import.json"], {
        OSK_IMPORT_SECRET_ACCESS_KEY: made.secret,
      }),
      "import-file",
    );
    ok(await p.pulumi(old, "stack", "init", "dev"), "pulumi stack init dev");
    const from = emu.requests.length;
    const r = await p.pulumi(old, "import", "--stack", "dev", "--file", "legacy-import.json", "--yes", "--generate-code=false");
    await fs.rm(path.join(p.dir, "legacy-import.json"));
    console.log(`old CLI pulumi import --file -> exit ${r.code}: ${(r.stdout + r.stderr).match(/error: .*/)?.[0] ?? ""}`);
    expect(r.code, transcript(r)).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/legacy import/);
    expect(await keysInState(p, old)).toEqual([]);
    expect(keyWrites(emu, from)).toEqual([]);
    expect(emu.secretFor(made.accessKeyId)).toBe(made.secret);
    expectNoPlaintext(await readStateFile(p.backendDir, ".pulumi"), { secret: made.secret });
  });
});
