/**
 * Helpers for end-to-end tests that drive the real Pulumi engine through the
 * Automation API (`@pulumi/pulumi/automation`) with **inline programs**.
 *
 * Inline programs run inside the test process and talk to the CLI over an
 * in-process language server (`--client`), so no `pulumi-language-nodejs`
 * host is needed. The CLI itself comes from `scripts/ensure-pulumi`
 * (PATH → cache → offline-capable Go build of the pinned version).
 *
 * Every stack gets its own temp dir holding a `file://` backend, a private
 * PULUMI_HOME and the workspace (Pulumi.yaml / Pulumi.<stack>.yaml), so
 * tests never touch ~/.pulumi or the repo tree.
 */
import { execFile, spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import {
  LocalWorkspace,
  PulumiCommand,
  type ConfigMap,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";

/** Repository root (this file lives in `<root>/test/e2e`). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** This package's npm name (see package.json). */
const SELF_PACKAGE = "pulumi-object-storage-keys";

/** Fixed passphrase for the file backend's secrets provider (test-only). */
export const TEST_PASSPHRASE = "pulumi-object-storage-keys-e2e-passphrase";

/** Oldest CLI this repo supports: inline refresh/destroy need >= 3.181. */
const MIN_CLI = [3, 181, 0] as const;

export type Engine = { binDir: string; command: PulumiCommand };
export type EngineOrSkip = Engine | { skip: string };

let enginePromise: Promise<EngineOrSkip> | undefined;

/**
 * Runs `scripts/ensure-pulumi` once per process and returns the CLI.
 * - `CI=true`: never skips; rejects with the script's stderr instead.
 * - elsewhere: resolves `{ skip: reason }` when no engine can be obtained.
 */
export function getEngine(): Promise<EngineOrSkip> {
  enginePromise ??= resolveEngine();
  return enginePromise;
}

/** Like {@link getEngine} but always throws instead of skipping. */
export async function requireEngine(): Promise<Engine> {
  const e = await getEngine();
  if ("skip" in e) throw new Error(e.skip);
  return e;
}

function isCI(): boolean {
  const ci = process.env["CI"];
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

async function resolveEngine(): Promise<EngineOrSkip> {
  const script = path.join(REPO_ROOT, "scripts", "ensure-pulumi");
  let binDir: string;
  try {
    // scripts/test has already run ensure-pulumi and exports its answer; run it only when alone.
    binDir = process.env["PULUMI_OSK_BIN"] || (await runEnsurePulumi(script));
  } catch (err) {
    const reason = `no Pulumi engine available: ${(err as Error).message}`;
    if (isCI()) throw new Error(reason);
    return { skip: reason };
  }
  // PulumiCommand.get({ root }) runs `<root>/bin/pulumi` and prepends
  // `<root>/bin` to PATH for every command (so bundled plugins placed next to
  // the CLI, like pulumi-resource-pulumi-nodejs, are found). If the CLI does
  // not live in a directory called `bin`, give it one via a symlink.
  let root = path.dirname(binDir);
  if (path.basename(binDir) !== "bin") {
    root = await fs.mkdtemp(path.join(os.tmpdir(), "osk-pulumi-root-"));
    await fs.symlink(binDir, path.join(root, "bin"));
  }
  const command = await PulumiCommand.get({ root });
  const v = command.version;
  if (v === null || cmpVersion([v.major, v.minor, v.patch], MIN_CLI) < 0) {
    const msg = `Pulumi CLI at ${binDir} is ${v?.version ?? "of unknown version"}; need >= ${MIN_CLI.join(".")}`;
    if (isCI()) throw new Error(msg);
    return { skip: msg };
  }
  return { binDir, command };
}

function cmpVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Runs the script, echoing its progress (stderr) live; resolves its stdout. */
function runEnsurePulumi(script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      process.stderr.write(d);
    });
    child.on("error", (e) => reject(new Error(`could not run ${script}: ${e.message}`)));
    child.on("close", (code, signal) => {
      const binDir = out.trim().split("\n").pop() ?? "";
      if (code === 0 && binDir !== "") resolve(binDir);
      else
        reject(
          new Error(
            `${path.relative(REPO_ROOT, script)} exited with ${signal ?? code}\n${err.trim()}`,
          ),
        );
    });
  });
}

/**
 * Makes `dir` a throwaway "consumer project": `node_modules/` holds a symlink
 * to every package in the repo's node_modules plus
 * `pulumi-object-storage-keys -> <repo root>`. Returns `dir`.
 *
 * Why a separate consumer dir: the dynamic provider loads `__provider` with
 * require-from-string, whose module has no filename, so `require()` inside it
 * only searches `<cwd>/node_modules`, `<cwd>/../node_modules`... (Node's package
 * self-reference does not apply). The repo root works too, but only because the
 * package depends on itself (`file:.`); a consumer dir is what users have and
 * lets a test swap the linked implementation (upgrade.test.ts). Symlinks are
 * realpath'd, so everything else loads from the repo's node_modules; the
 * package's `exports` point into `dist/`, so build first.
 */
export async function createConsumerDir(dir: string): Promise<string> {
  const nm = path.join(dir, "node_modules");
  await fs.mkdir(nm, { recursive: true });
  const repoNm = path.join(REPO_ROOT, "node_modules");
  for (const name of await fs.readdir(repoNm)) {
    if (name.startsWith(".") || name === SELF_PACKAGE) continue;
    await fs.symlink(path.join(repoNm, name), path.join(nm, name));
  }
  await fs.symlink(REPO_ROOT, path.join(nm, SELF_PACKAGE));
  await fs.writeFile(
    path.join(dir, "package.json"),
    JSON.stringify({ name: "osk-e2e-consumer", private: true }, null, 2),
  );
  return dir;
}

/** Throws a clear error when `dist/` (what the package `exports` point at) is missing. */
export async function assertDistBuilt(entry = "dist/provider/index.js"): Promise<void> {
  try {
    await fs.access(path.join(REPO_ROOT, entry));
  } catch {
    throw new Error(`${entry} is missing: run \`npm run build\` before the e2e tests`);
  }
}

export interface TestStackOptions {
  projectName: string;
  /** Default "e2e". */
  stackName?: string;
  program: PulumiFn;
  /**
   * The project's `main` directory, which is the **cwd of the dynamic
   * provider process**: `require(...)` inside serialized providers resolves
   * from `<workDir>/node_modules` only, and the launcher resolves
   * `@pulumi/pulumi` from there. Default: `<tempDir>/consumer`, made by
   * {@link createConsumerDir} (where both
   * `@pulumi/pulumi` and `pulumi-object-storage-keys/*` resolve). Not the
   * Automation API workspace dir: Pulumi.yaml always goes into a temp dir.
   */
  workDir?: string;
  /** Extra env for the CLI and hence the dynamic provider process. */
  envVars?: Record<string, string>;
  /** Stack config, e.g. `{ "nscale:apiToken": { value, secret: true } }`. */
  config?: ConfigMap;
}

export interface TestStack {
  stack: Stack;
  /** Directory of the `file://` backend (state lives in `<backendDir>/.pulumi`). */
  backendDir: string;
  /** Project `main` = dynamic provider cwd (see {@link TestStackOptions.workDir}). */
  workDir: string;
  /** Automation API workspace dir (Pulumi.yaml, Pulumi.<stack>.yaml). */
  workspaceDir: string;
  /** Env passed to every CLI invocation (backend, passphrase, PATH, ...). */
  env: Record<string, string>;
  /** Removes the temp dir (kept when PULUMI_OSK_KEEP_E2E=1). */
  cleanup(): Promise<void>;
}

/**
 * Creates (or selects) a stack with an inline program against a fresh
 * `file://` backend. Throws if no engine is available; call
 * {@link getEngine} first to decide whether to skip.
 */
export async function createTestStack(opts: TestStackOptions): Promise<TestStack> {
  const engine = await requireEngine();
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), "osk-e2e-"));
  const backendDir = path.join(tempDir, "backend");
  const workspaceDir = path.join(tempDir, "workspace");
  const pulumiHome = path.join(tempDir, "pulumi-home");

  const cleanup = async (): Promise<void> => {
    if (process.env["PULUMI_OSK_KEEP_E2E"] === "1") {
      process.stderr.write(`[e2e] keeping ${tempDir}\n`);
      return;
    }
    await fs.rm(tempDir, { recursive: true, force: true });
  };

  try {
    await Promise.all([backendDir, workspaceDir, pulumiHome].map((d) => fs.mkdir(d)));
    const mainDir = path.resolve(
      opts.workDir ?? (await createConsumerDir(path.join(tempDir, "consumer"))),
    );
    const env: Record<string, string> = {
      PULUMI_BACKEND_URL: `file://${backendDir}`,
      PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: pulumiHome,
      PATH: `${engine.binDir}${path.delimiter}${process.env["PATH"] ?? ""}`,
      ...opts.envVars,
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName: opts.stackName ?? "e2e", projectName: opts.projectName, program: opts.program },
      {
        workDir: workspaceDir,
        pulumiHome,
        pulumiCommand: engine.command,
        envVars: env,
        projectSettings: { name: opts.projectName, runtime: "nodejs", main: mainDir },
      },
    );
    if (opts.config && Object.keys(opts.config).length > 0) {
      await stack.setAllConfig(opts.config);
    }
    return { stack, backendDir, workDir: mainDir, workspaceDir, env, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/**
 * `pulumi stack export` **without** `--show-secrets`: the deployment as it is stored, secrets as
 * ciphertext. (Automation API's `stack.exportStack()` passes `--show-secrets`, so every secret
 * appears there as `"plaintext"`: use it for structure, never for leak checks.)
 */
export async function exportStackEncrypted(ts: TestStack): Promise<string> {
  const engine = await requireEngine();
  const args = ["stack", "export", "--stack", ts.stack.name, "--non-interactive"];
  return new Promise((resolve, reject) => {
    execFile(
      engine.command.command,
      args,
      { cwd: ts.workspaceDir, env: { ...process.env, ...ts.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`pulumi ${args.join(" ")} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

async function listFiles(dir: string): Promise<string[]> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
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

/**
 * Raw text of every file under `<backendDir>/.pulumi/stacks` (current
 * checkpoint and `.bak` copies), keyed by path relative to `backendDir`.
 */
export async function readStateFiles(
  backendDir: string,
  subdir: string = path.join(".pulumi", "stacks"),
): Promise<Record<string, string>> {
  const files = await listFiles(path.join(backendDir, subdir));
  const result: Record<string, string> = {};
  for (const f of files) result[path.relative(backendDir, f)] = await fs.readFile(f, "utf8");
  return result;
}

/**
 * All state text under `<backendDir>/.pulumi/stacks` concatenated (with a
 * `==> path <==` header per file), for plaintext-leak greps. Pass
 * `".pulumi"` as `subdir` to include history checkpoints and locks as well.
 */
export async function readStateFile(backendDir: string, subdir?: string): Promise<string> {
  const files = await readStateFiles(backendDir, subdir);
  return Object.entries(files)
    .map(([p, text]) => `==> ${p} <==\n${text}`)
    .join("\n");
}

export interface Collector {
  /** Pass as `onOutput` (and/or `onError`) to up/preview/refresh/destroy. */
  readonly onOutput: (chunk: string) => void;
  readonly onError: (chunk: string) => void;
  /** Everything received so far (stdout and stderr chunks, in arrival order). */
  text(): string;
  clear(): void;
}

/** Captures streamed engine output for later assertions. */
export function collect(opts: { echo?: boolean } = {}): Collector {
  const echo = opts.echo ?? process.env["PULUMI_OSK_E2E_ECHO"] === "1";
  let buf = "";
  const add = (chunk: string): void => {
    buf += chunk;
    if (echo) process.stderr.write(chunk);
  };
  return { onOutput: add, onError: add, text: () => buf, clear: () => void (buf = "") };
}
