/**
 * The e2e suite's fixture on the real Pulumi engine, built on the local-stack toolkit
 * (scripts/lib/local-stack.ts, which the demo, the example runner and the benchmark use too).
 *
 * Inline programs run inside the test process and talk to the CLI over an in-process language
 * server (`--client`), so no `pulumi-language-nodejs` host is needed. The CLI comes from
 * PULUMI_OSK_BIN or `scripts/ensure-pulumi` (PATH → cache → offline-capable Go build).
 *
 * Every stack gets its own temp dir holding a `file://` backend, a private PULUMI_HOME and the
 * workspace (Pulumi.yaml / Pulumi.<stack>.yaml), so tests never touch ~/.pulumi or the repo tree.
 *
 * One engine gate ({@link suiteGate}; {@link useSuiteEngine} is the same gate with a temp dir
 * for suites that run child processes), one blank-environment list ({@link BLANK_CLOUD_ENV}),
 * one temp-dir helper ({@link makeTempDir}).
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import type { ConfigMap, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll } from "vitest";

import {
  createConsumerDir,
  echoRequested,
  exportStackEncrypted as exportEncrypted,
  getEngine,
  makeTempDir,
  openLocalStack,
  readFilesUnder,
  REPO_ROOT,
  requireEngine,
  type Engine,
  type TempDir,
} from "../../scripts/lib/local-stack";

export {
  BLANK_CLOUD_ENV,
  createConsumerDir,
  echoRequested,
  getEngine,
  isCI,
  makeTempDir,
  prepareLocalBackend,
  REPO_ROOT,
  requireEngine,
  RUN_TS,
  runChild,
  runWithEngine,
  type Engine,
  type EngineOrSkip,
  type LocalBackend,
  type RunResult,
  type TempDir,
} from "../../scripts/lib/local-stack";

/** Fixed passphrase for the file backend's secrets provider (test-only). */
export const TEST_PASSPHRASE = "pulumi-object-storage-keys-e2e-passphrase";

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
   * The project's `main` directory, which is the **cwd of the dynamic provider process**:
   * `require(...)` inside serialized providers resolves from `<workDir>/node_modules` only, and
   * the launcher resolves `@pulumi/pulumi` from there. Default: `<tempDir>/consumer`, made by
   * {@link createConsumerDir} (where both `@pulumi/pulumi` and `pulumi-object-storage-keys/*`
   * resolve). Not the Automation API workspace dir: Pulumi.yaml always goes into a temp dir.
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
 * Creates a stack with an inline program against a fresh `file://` backend in a temp dir.
 * Throws if no engine is available; gate the suite with {@link suiteGate} to skip instead.
 */
export async function createTestStack(opts: TestStackOptions): Promise<TestStack> {
  const engine = await requireEngine();
  const tmp = await makeTempDir("osk-e2e-");
  try {
    const mainDir = path.resolve(opts.workDir ?? (await createConsumerDir(path.join(tmp.dir, "consumer"))));
    const local = await openLocalStack({
      engine,
      stateDir: tmp.dir,
      projectName: opts.projectName,
      stackName: opts.stackName ?? "e2e",
      program: opts.program,
      mainDir,
      passphrase: TEST_PASSPHRASE,
      envVars: opts.envVars,
    });
    if (opts.config && Object.keys(opts.config).length > 0) await local.stack.setAllConfig(opts.config);
    return { stack: local.stack, backendDir: local.backendDir, workDir: mainDir, workspaceDir: local.workspaceDir, env: local.env, cleanup: tmp.cleanup };
  } catch (err) {
    await tmp.cleanup();
    throw err;
  }
}

/**
 * `pulumi stack export` **without** `--show-secrets`: the deployment as it is stored, secrets as
 * ciphertext. (Automation API's `stack.exportStack()` passes `--show-secrets`, so every secret
 * appears there as `"plaintext"`: use it for structure, never for leak checks.)
 */
export async function exportStackEncrypted(ts: TestStack): Promise<string> {
  return exportEncrypted(await requireEngine(), ts);
}

/**
 * Raw text of every file under `<backendDir>/.pulumi/stacks` (current checkpoint and `.bak`
 * copies), keyed by path relative to `backendDir`.
 */
export function readStateFiles(backendDir: string, subdir: string = path.join(".pulumi", "stacks")): Promise<Record<string, string>> {
  return readFilesUnder(backendDir, subdir);
}

/**
 * All state text under `<backendDir>/.pulumi/stacks` concatenated (with a `==> path <==` header
 * per file), for plaintext-leak greps. Pass `".pulumi"` as `subdir` to include history
 * checkpoints and locks as well.
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
  const echo = opts.echo ?? echoRequested();
  let buf = "";
  const add = (chunk: string): void => {
    buf += chunk;
    if (echo) process.stderr.write(chunk);
  };
  return { onOutput: add, onError: add, text: () => buf, clear: () => void (buf = "") };
}

// ---------------------------------------------------------------------------------------------
// The engine gate (skips only outside CI; under CI=true getEngine rejects and beforeAll fails)

type SkipContext = { skip: (note?: string) => never };

export interface SuiteGate {
  /** Resolves the engine; returns false when the suite must skip. */
  ready(): Promise<boolean>;
  /** In a test: skip (outside CI without an engine) or return the engine. */
  need(ctx: SkipContext): Engine;
  /** In a test: skip (outside CI without an engine) or return the stack. */
  stack(ctx: SkipContext): TestStack;
  set(ts: TestStack): void;
  get current(): TestStack | undefined;
}

export function suiteGate(): SuiteGate {
  let skipReason: string | undefined;
  let engine: Engine | undefined;
  let ts: TestStack | undefined;
  const check = (ctx: SkipContext): void => {
    if (skipReason !== undefined) ctx.skip(skipReason);
  };
  return {
    async ready() {
      const e = await getEngine();
      if ("skip" in e) {
        skipReason = e.skip;
        return false;
      }
      engine = e;
      return true;
    },
    need(ctx) {
      check(ctx);
      if (!engine) throw new Error("the engine was not resolved (call ready() in beforeAll)");
      return engine;
    },
    stack(ctx) {
      check(ctx);
      if (!ts) throw new Error("stack was not created (see beforeAll)");
      return ts;
    },
    set(value) {
      ts = value;
    },
    get current() {
      return ts;
    },
  };
}

export interface SuiteEngine {
  /** The engine, or skips the test with the reason (getEngine never skips under CI=true). */
  need(ctx: SkipContext): Engine;
  /** This suite's temp dir (removed after the suite unless PULUMI_OSK_KEEP_E2E=1). */
  readonly dir: string;
}

/** The gate for suites that run child processes: registers beforeAll/afterAll for dist/ built, the engine (or a skip reason), a temp dir. */
export function useSuiteEngine(tempPrefix: string): SuiteEngine {
  const gate = suiteGate();
  let tmp: TempDir | undefined;
  beforeAll(async () => {
    await assertDistBuilt("dist/emulator/index.js");
    await gate.ready();
    tmp = await makeTempDir(tempPrefix);
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });
  return {
    need: (ctx) => gate.need(ctx),
    get dir() {
      return tmp!.dir;
    },
  };
}
