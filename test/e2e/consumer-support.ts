/**
 * Shared by esm.test.ts, pnpm.test.ts and package.test.ts (not a test file): programs that consume
 * the package the way a user's project does, from the tarball `npm pack` makes, with their own
 * node_modules installed by a package manager from the npm registry, and run by the plain CLI in
 * the project folder (the Node.js language host starts @pulumi/pulumi's run entry point).
 *
 * The SDK a program installs is the one this suite runs with (the repo's node_modules, or a CI
 * leg's workspace), so each leg checks its own combination of Node, @pulumi/pulumi and CLI.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { afterAll, beforeAll, expect } from "vitest";

import type { Emulator } from "../../src/emulator";
import { readStateFile } from "./harness";
import { pulumiInFolder, REPO_ROOT, transcript, useSuiteEngine, type RunResult } from "./examples-support";
import type { Engine } from "./harness";
import { emulatorEnv, expectNoPlaintext, hostupKeyIds, newSince, nscaleKeyIds, startSuiteEmulator } from "./support";

export { REPO_ROOT };

export const FIXTURES = path.join(REPO_ROOT, "test", "e2e", "fixtures");

/** Versions a consumer program pins besides the SDK (what a user's `npm install -D` gives today). */
export const CONSUMER_DEV_DEPS = { typescript: "5.9.3", "ts-node": "10.9.2" } as const;

/** The @pulumi/pulumi version this suite runs with. */
export async function suiteSdkVersion(): Promise<string> {
  const pkg = JSON.parse(await fs.readFile(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

export interface Packed {
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the package (without the `package/` prefix), sorted. */
  files: string[];
}

/** `npm pack` of the repository (dist/ must be built) into `dest`. */
export async function packRepo(dest: string): Promise<Packed> {
  const r = await exec("npm", ["pack", "--json", "--pack-destination", dest], { cwd: REPO_ROOT });
  expect(r.code, `npm pack\n${transcript(r)}`).toBe(0);
  const [info] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  if (!info) throw new Error(`npm pack printed no package:\n${r.stdout}`);
  return { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path).sort() };
}

/** Runs a command without the engine (package managers, node), with the suite's PATH. */
export function exec(command: string, args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 300_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Copies a fixture into `dir` and adds dependencies to its package.json. */
export async function projectFromFixture(
  fixture: string,
  dir: string,
  deps: { dependencies: Record<string, string>; devDependencies?: Record<string, string> },
): Promise<string> {
  await fs.cp(path.join(FIXTURES, fixture), dir, { recursive: true });
  const file = path.join(dir, "package.json");
  const pkg = JSON.parse(await fs.readFile(file, "utf8")) as Record<string, unknown>;
  pkg["dependencies"] = deps.dependencies;
  if (deps.devDependencies) pkg["devDependencies"] = deps.devDependencies;
  await fs.writeFile(file, JSON.stringify(pkg, null, 2) + "\n");
  return dir;
}

/** `npm install` in a consumer project (npm's cache first; the registry for what it lacks). */
export async function npmInstall(dir: string): Promise<RunResult> {
  const r = await exec("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-package-lock"], { cwd: dir });
  expect(r.code, `npm install in ${dir}\n${transcript(r)}`).toBe(0);
  return r;
}

/** Runs a repo script (scripts/ensure-*) and returns the last line of its stdout. */
export async function ensureTool(script: string): Promise<string> {
  const r = await exec("bash", [path.join(REPO_ROOT, "scripts", script)], { cwd: REPO_ROOT });
  expect(r.code, `scripts/${script}\n${transcript(r)}`).toBe(0);
  return r.stdout.trim().split("\n").pop() ?? "";
}

/** Stack outputs the fixture programs export. */
const KEY_OUTPUTS = [
  { accessKeyId: "nscaleAccessKeyId", secretAccessKey: "nscaleSecretAccessKey" },
  { accessKeyId: "hostupAccessKeyId", secretAccessKey: "hostupSecretAccessKey" },
];

export interface LifecycleResult {
  /** `pulumi stack output --json --show-secrets` after up. */
  outputs: Record<string, unknown>;
  /** Everything the CLI printed (without --show-secrets). */
  console: string;
}

/**
 * The user's lifecycle in a project folder with the plain CLI: stack init, config, up, outputs
 * (secrets masked; shown, they are the emulator's secrets), no plaintext in state,
 * `preview --expect-no-changes`, `refresh --expect-no-changes`, destroy (no key left behind), and
 * nothing the CLI printed holds a secret or a credential.
 */
export async function projectLifecycle(eng: Engine, emu: Emulator, base: string, project: string): Promise<LifecycleResult> {
  const backend = path.join(base, "backend");
  await fs.mkdir(backend, { recursive: true });
  const env = {
    ...emulatorEnv(emu),
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_HOME: path.join(base, "pulumi-home"),
    PULUMI_CONFIG_PASSPHRASE: "consumer-project-test",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  const { ok, consoleText } = pulumiInFolder(eng, project, env);
  const nscaleBefore = nscaleKeyIds(emu);
  const hostupBefore = hostupKeyIds(emu);

  await ok("stack", "init", "dev");
  await ok("config", "set", "endpointId", emu.endpointId);
  const up = await ok("up", "--yes");
  expect(up.stdout).toMatch(/created/);

  const masked = JSON.parse((await ok("stack", "output", "--json")).stdout) as Record<string, unknown>;
  const shown = JSON.parse((await ok("stack", "output", "--json", "--show-secrets")).stdout) as Record<string, unknown>;
  const secrets: Record<string, string> = {};
  for (const { accessKeyId, secretAccessKey } of KEY_OUTPUTS) {
    const id = shown[accessKeyId] as string;
    expect(id, accessKeyId).toMatch(/^[A-Z0-9]{16,}$/);
    expect(masked[secretAccessKey], `${secretAccessKey} is masked`).toBe("[secret]");
    expect(emu.secretFor(id)).toMatch(/^\S{20,}$/);
    expect(shown[secretAccessKey]).toBe(emu.secretFor(id));
    secrets[secretAccessKey] = shown[secretAccessKey] as string;
  }
  const credentials = { nscaleToken: emu.nscaleToken, hostupApiKey: emu.hostupApiKey };
  expectNoPlaintext(await readStateFile(backend, ".pulumi"), { ...secrets, ...credentials });
  expect(newSince(nscaleBefore, nscaleKeyIds(emu))).toHaveLength(1);
  expect(newSince(hostupBefore, hostupKeyIds(emu))).toHaveLength(1);

  await ok("preview", "--expect-no-changes");
  await ok("refresh", "--yes", "--expect-no-changes");
  await ok("destroy", "--yes");

  expect(newSince(nscaleBefore, nscaleKeyIds(emu))).toEqual([]);
  expect(newSince(hostupBefore, hostupKeyIds(emu))).toEqual([]);
  const printed = consoleText.join("\n");
  expectNoPlaintext(printed, { ...secrets, ...credentials });
  return { outputs: shown, console: printed };
}

/**
 * A consumer suite: the engine and a temp dir, an emulator, the SDK version of the run and the
 * packed tarball, ready in beforeAll (read them inside tests).
 */
export function useConsumerSuite(tempPrefix: string) {
  const suite = useSuiteEngine(tempPrefix);
  const ready = {} as { emu: Emulator; packed: Packed; sdk: string };
  beforeAll(async () => {
    ready.emu = await startSuiteEmulator();
    ready.sdk = await suiteSdkVersion();
    ready.packed = await packRepo(suite.dir);
  });
  afterAll(async () => {
    await ready.emu?.close();
  });
  /** The package.json dependencies a consumer project needs: the run's SDK and the tarball. */
  const dependencies = () => ({ "@pulumi/pulumi": ready.sdk, "pulumi-object-storage-keys": `file:${ready.packed.tarball}` });
  return { suite, ready, dependencies };
}
