/**
 * The local-stack toolkit: everything needed to drive the real Pulumi engine on this machine, used
 * by the scripts (demo, run-example, bench-engine), the test fixtures' generators and the e2e
 * suite (test/e2e/harness.ts builds its fixture on it). It depends on nothing of this package, so
 * it works before `dist/` exists; it runs under the scripts' TypeScript runner (run-ts.cjs) and
 * under vitest alike.
 *
 * - the engine: PULUMI_OSK_BIN (set by the bash wrappers and scripts/test), else
 *   `scripts/ensure-pulumi` (PATH, cache, or the offline Go build of the pinned CLI), checked
 *   against the oldest CLI this repo supports;
 * - a stack on a local `file://` backend with its own PULUMI_HOME and workspace, driven through
 *   the Automation API with an inline program (no Node.js language host needed);
 * - a "consumer project" directory for the engine to run dynamic providers in;
 * - child processes with the engine on PATH and real-cloud credentials blanked;
 * - temp dirs, stored-state reads and plaintext scans.
 */
import { spawn } from "node:child_process";
import { promises as fs, type Dirent } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { LocalWorkspace, PulumiCommand, Stack, type PulumiFn } from "@pulumi/pulumi/automation";

/** Repository root (this file lives in `<root>/scripts/lib`). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** This package's npm name (see package.json). */
export const SELF_PACKAGE = "pulumi-object-storage-keys";

/** Oldest CLI this repo supports: inline refresh/destroy need >= 3.181. */
export const MIN_CLI = [3, 181, 0] as const;

/** Truthy CI env (`CI=true`): the engine is then mandatory, never a skip. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env["CI"];
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

// -------------------------------------------------------------------------------------------------
// Child processes

export interface RunResult {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** SIGTERM after this long (default: no limit). */
  timeoutMs?: number;
  /** Copy the child's output to this process's stderr as it arrives: both streams, or stderr only. */
  echo?: boolean | "stderr";
}

/** Runs `command args`, capturing stdout and stderr; resolves with the exit code (never rejects on one). */
export function runChild(command: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (opts.echo === true) process.stderr.write(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (opts.echo) process.stderr.write(d);
    });
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

// -------------------------------------------------------------------------------------------------
// Engine

export interface Engine {
  /** Directory holding `pulumi` (and the bundled plugins next to it). */
  binDir: string;
  command: PulumiCommand;
  version: string;
}
export type EngineOrSkip = Engine | { skip: string };

/** Runs `scripts/ensure-pulumi`, its progress (stderr) shown live; resolves the bin directory it prints. */
async function runEnsurePulumi(): Promise<string> {
  const script = path.join(REPO_ROOT, "scripts", "ensure-pulumi");
  const r = await runChild("bash", [script], { echo: "stderr" });
  const binDir = r.stdout.trim().split("\n").pop() ?? "";
  if (r.code === 0 && binDir !== "") return binDir;
  throw new Error(`scripts/ensure-pulumi exited with ${r.signal ?? r.code}\n${r.stderr.trim()}`);
}

function cmpVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The Pulumi CLI: PULUMI_OSK_BIN, else `scripts/ensure-pulumi`. Throws when there is none or it
 * is older than {@link MIN_CLI}. `rootDir` holds the `bin` symlink when the CLI does not live in
 * a directory called `bin` (default: a new temp dir).
 */
export async function findEngine(opts: { rootDir?: string } = {}): Promise<Engine> {
  const binDir = process.env["PULUMI_OSK_BIN"] || (await runEnsurePulumi());
  // PulumiCommand.get({ root }) runs `<root>/bin/pulumi` and prepends `<root>/bin` to PATH for
  // every command (so bundled plugins next to the CLI, like pulumi-resource-pulumi-nodejs, are
  // found): give the CLI a `bin` directory through a symlink if it lives elsewhere.
  let root = path.dirname(binDir);
  if (path.basename(binDir) !== "bin") {
    root = opts.rootDir ? path.join(opts.rootDir, "pulumi-root") : await fs.mkdtemp(path.join(os.tmpdir(), "osk-pulumi-root-"));
    await fs.mkdir(root, { recursive: true });
    await fs.rm(path.join(root, "bin"), { force: true });
    await fs.symlink(binDir, path.join(root, "bin"));
  }
  const command = await PulumiCommand.get({ root });
  const v = command.version;
  if (v === null || cmpVersion([v.major, v.minor, v.patch], MIN_CLI) < 0) {
    throw new Error(`Pulumi CLI at ${binDir} is ${v?.version ?? "of unknown version"}; need >= ${MIN_CLI.join(".")}`);
  }
  return { binDir, command, version: v.version };
}

/** For the scripts: the engine, its `bin` symlink (if one is needed) under `stateDir`. */
export function ensureEngine(stateDir: string): Promise<Engine> {
  return findEngine({ rootDir: stateDir });
}

let enginePromise: Promise<EngineOrSkip> | undefined;

/**
 * The engine once per process. Under `CI=true` it never skips: it rejects with the reason.
 * Elsewhere it resolves `{ skip: reason }` when no engine can be had.
 */
export function getEngine(): Promise<EngineOrSkip> {
  enginePromise ??= findEngine().catch((err: Error) => {
    const reason = /^Pulumi CLI at /.test(err.message) ? err.message : `no Pulumi engine available: ${err.message}`;
    if (isCI()) throw new Error(reason);
    return { skip: reason };
  });
  return enginePromise;
}

/** Like {@link getEngine} but always throws instead of skipping. */
export async function requireEngine(): Promise<Engine> {
  const e = await getEngine();
  if ("skip" in e) throw new Error(e.skip);
  return e;
}

// -------------------------------------------------------------------------------------------------
// Environment

/**
 * Every variable through which a developer's environment could point a run at a real cloud (the
 * provider's credentials and URLs, and what the demo and examples read), blanked.
 */
export const BLANK_CLOUD_ENV: Readonly<Record<string, string>> = Object.freeze({
  NSCALE_API_TOKEN: "",
  NSCALE_SERVICE_TOKEN: "",
  NSCALE_API_URL: "",
  NSCALE_ENDPOINT_ID: "",
  NSCALE_S3_REGION: "",
  HOSTUP_API_KEY: "",
  HOSTUP_API_URL: "",
  KEEP_STACK: "",
});

/** What a child needs to find the engine: it first on PATH, PULUMI_OSK_BIN, no update check. */
export function engineEnv(engine: Pick<Engine, "binDir">): Record<string, string> {
  return {
    PATH: `${engine.binDir}${path.delimiter}${process.env["PATH"] ?? ""}`,
    PULUMI_OSK_BIN: engine.binDir,
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
}

/** Runs `command args` as a user or CI would: this environment, real clouds blanked, the engine on PATH, then `env`. */
export function runWithEngine(
  engine: Pick<Engine, "binDir">,
  command: string,
  args: string[],
  opts: Omit<RunOptions, "env"> & { env?: Record<string, string> } = {},
): Promise<RunResult> {
  return runChild(command, args, { ...opts, env: { ...process.env, ...BLANK_CLOUD_ENV, ...engineEnv(engine), ...opts.env } });
}

/** `node scripts/lib/run-ts.cjs`: runs a TypeScript file on Node 20+ without a build step. */
export const RUN_TS = path.join(REPO_ROOT, "scripts", "lib", "run-ts.cjs");

// -------------------------------------------------------------------------------------------------
// Temp dirs

export interface TempDir {
  dir: string;
  /** Removes the dir, unless PULUMI_OSK_KEEP_E2E=1 (then it says where it is). */
  cleanup(): Promise<void>;
}

export async function makeTempDir(prefix: string): Promise<TempDir> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    cleanup: async () => {
      if (process.env["PULUMI_OSK_KEEP_E2E"] === "1") process.stderr.write(`[e2e] keeping ${dir}\n`);
      else await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

// -------------------------------------------------------------------------------------------------
// Stacks on a local file backend

/** Local-state passphrase when none is given or set (local demo state only). */
export const DEFAULT_PASSPHRASE = "pulumi-object-storage-keys-local";

/**
 * Makes `dir` a throwaway "consumer project": `node_modules/` holds a symlink to every package in
 * the repo's node_modules plus `pulumi-object-storage-keys -> <repo root>`. Returns `dir`.
 *
 * Why: the dynamic provider loads `__provider` with require-from-string, whose module has no
 * filename, so `require()` inside it only searches `<cwd>/node_modules`, `<cwd>/../node_modules`...
 * The repo root works too, but only because the package depends on itself (`file:.`); a consumer
 * dir is what users have and lets a test swap the linked implementation. Symlinks are realpath'd,
 * so everything else loads from the repo's node_modules; the package's `exports` point into
 * `dist/`, so build first.
 */
export async function createConsumerDir(dir: string, pkgDir: string = REPO_ROOT): Promise<string> {
  const nm = path.join(dir, "node_modules");
  await fs.mkdir(nm, { recursive: true });
  const repoNm = path.join(REPO_ROOT, "node_modules");
  for (const name of await fs.readdir(repoNm)) {
    if (name.startsWith(".") || name === SELF_PACKAGE) continue;
    await fs.symlink(path.join(repoNm, name), path.join(nm, name));
  }
  await fs.symlink(pkgDir, path.join(nm, SELF_PACKAGE));
  await fs.writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "osk-consumer", private: true }, null, 2));
  return dir;
}

export interface LocalStackOptions {
  engine: Engine;
  /** Holds backend/, home/ (PULUMI_HOME) and workspaces/<project>/ (Pulumi.yaml + Pulumi.<stack>.yaml). */
  stateDir: string;
  projectName: string;
  stackName: string;
  program: PulumiFn;
  /** The project's `main`: the cwd of the dynamic providers (see {@link createConsumerDir}). */
  mainDir: string;
  description?: string;
  /** Remove an existing stack of that name first. */
  fresh?: boolean;
  /** Secrets passphrase; default: PULUMI_CONFIG_PASSPHRASE(_FILE) if set, else {@link DEFAULT_PASSPHRASE}. */
  passphrase?: string;
  /** Extra environment for every CLI command, hence for the dynamic providers (applied last). */
  envVars?: Record<string, string>;
}

export interface LocalStack {
  stack: Stack;
  /** State lives in `<backendDir>/.pulumi`. */
  backendDir: string;
  workspaceDir: string;
  pulumiHome: string;
  /** Environment of every CLI command (backend, home, passphrase, PATH, envVars): also what reaches this stack by hand. */
  env: Record<string, string>;
  existed: boolean;
  passphraseIsDefault: boolean;
}

export interface LocalBackend {
  /** State lives in `<backendDir>/.pulumi`. */
  backendDir: string;
  pulumiHome: string;
  /** What any `pulumi` command needs to use it: backend URL, home, passphrase, no plugin downloads, no update check. */
  env: Record<string, string>;
  passphraseIsDefault: boolean;
}

/**
 * A `file://` backend and a private PULUMI_HOME under `stateDir` (backend/, home/), made if
 * missing, for the Automation API or the plain CLI. `passphrase`: the secrets passphrase; default
 * PULUMI_CONFIG_PASSPHRASE(_FILE) when set, else {@link DEFAULT_PASSPHRASE}.
 */
export async function prepareLocalBackend(stateDir: string, passphrase?: string): Promise<LocalBackend> {
  const backendDir = path.join(stateDir, "backend");
  const pulumiHome = path.join(stateDir, "home");
  await Promise.all([backendDir, pulumiHome].map((d) => fs.mkdir(d, { recursive: true })));
  const passphraseIsDefault = passphrase === undefined && !process.env["PULUMI_CONFIG_PASSPHRASE"] && !process.env["PULUMI_CONFIG_PASSPHRASE_FILE"];
  const chosen = passphrase ?? (passphraseIsDefault ? DEFAULT_PASSPHRASE : undefined);
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_HOME: pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...(chosen !== undefined ? { PULUMI_CONFIG_PASSPHRASE: chosen } : {}),
  };
  return { backendDir, pulumiHome, env, passphraseIsDefault };
}

export async function openLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const { backendDir, pulumiHome, env: backendEnv, passphraseIsDefault } = await prepareLocalBackend(o.stateDir, o.passphrase);
  const workspaceDir = path.join(o.stateDir, "workspaces", o.projectName);
  await fs.mkdir(workspaceDir, { recursive: true });
  const env: Record<string, string> = {
    ...backendEnv,
    PATH: `${o.engine.binDir}${path.delimiter}${process.env["PATH"] ?? ""}`,
    ...o.envVars,
  };
  const ws = await LocalWorkspace.create({
    workDir: workspaceDir,
    pulumiHome,
    pulumiCommand: o.engine.command,
    envVars: env,
    program: o.program,
    projectSettings: { name: o.projectName, runtime: "nodejs", main: o.mainDir, description: o.description },
  });
  const existed = (await ws.listStacks()).some((s) => s.name === o.stackName);
  if (existed && o.fresh) await ws.removeStack(o.stackName, { force: true });
  const stack = existed && !o.fresh ? await Stack.select(o.stackName, ws) : await Stack.create(o.stackName, ws);
  return { stack, backendDir, workspaceDir, pulumiHome, env, existed, passphraseIsDefault };
}

/**
 * `pulumi stack export` **without** `--show-secrets`: the deployment as it is stored, secrets as
 * ciphertext. (Automation API's `stack.exportStack()` passes `--show-secrets`, so every secret
 * appears there as `"plaintext"`: use it for structure, never for leak checks.)
 */
export async function exportStackEncrypted(engine: Engine, local: { stack: Stack; workspaceDir: string; env: Record<string, string> }): Promise<string> {
  const args = ["stack", "export", "--stack", local.stack.name, "--non-interactive"];
  const r = await runChild(engine.command.command, args, { cwd: local.workspaceDir, env: { ...process.env, ...local.env } });
  if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed (exit ${r.signal ?? r.code})\n${r.stderr}`);
  return r.stdout;
}

// -------------------------------------------------------------------------------------------------
// Stored state

/** Every file below `dir` (none if it does not exist), sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Raw text of every file under `<dir>/<subdir>`, keyed by path relative to `dir`. */
export async function readFilesUnder(dir: string, subdir = "."): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const f of await listFiles(path.join(dir, subdir))) result[path.relative(dir, f)] = await fs.readFile(f, "utf8");
  return result;
}

/** Which of `needles` appear in plaintext in any file under `dir` (state, history, backups, stack config). */
export async function plaintextInState(dir: string, needles: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const text of Object.values(await readFilesUnder(dir))) {
    for (const n of needles) if (n && text.includes(n)) found.add(n);
  }
  return [...found];
}

/** `PULUMI_OSK_E2E_ECHO=1`: stream engine and child output to stderr. */
export function echoRequested(): boolean {
  return process.env["PULUMI_OSK_E2E_ECHO"] === "1";
}
