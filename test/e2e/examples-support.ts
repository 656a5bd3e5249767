/**
 * Shared by the examples-*.test.ts suites (not a test file): they run the examples, the runner and
 * the demo as child processes with plain Node, exactly as a user or CI would, with the engine from
 * the harness (getEngine never skips under CI=true) and state in a temp dir.
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll } from "vitest";

import { assertDistBuilt, getEngine, REPO_ROOT, type Engine } from "./harness";

export { REPO_ROOT };

/** `node scripts/lib/run-ts.cjs`: runs a TypeScript file on Node 20+ without a build step. */
export const RUN_TS = path.join(REPO_ROOT, "scripts", "lib", "run-ts.cjs");

/** Real-cloud credentials blanked, so a developer's environment cannot switch a test to a real cloud. */
const BLANK_CLOUD_ENV: Record<string, string> = {
  NSCALE_API_TOKEN: "",
  NSCALE_SERVICE_TOKEN: "",
  NSCALE_API_URL: "",
  NSCALE_ENDPOINT_ID: "",
  NSCALE_S3_REGION: "",
  HOSTUP_API_KEY: "",
  HOSTUP_API_URL: "",
  KEEP_STACK: "",
};

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `command args` with the engine on PATH; echoes output when PULUMI_OSK_E2E_ECHO=1. */
export function run(engine: Engine, command: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: {
        ...process.env,
        ...BLANK_CLOUD_ENV,
        PATH: `${engine.binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        PULUMI_OSK_BIN: engine.binDir,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const echo = process.env.PULUMI_OSK_E2E_ECHO === "1";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (echo) process.stderr.write(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      if (echo) process.stderr.write(d);
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 240_000);
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

/** Runs a TypeScript script (repo-relative) the way the npm scripts do. */
export function runTs(engine: Engine, script: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(engine, process.execPath, [RUN_TS, path.join(REPO_ROOT, script), ...args], opts);
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    cleanup: async () => {
      if (process.env.PULUMI_OSK_KEEP_E2E === "1") process.stderr.write(`[e2e] keeping ${dir}\n`);
      else await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, "utf8")) as T;
}

/** Output for assertion messages: the child's whole stdout/stderr. */
export function transcript(r: RunResult): string {
  return `exit ${r.code} after ${r.ms} ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

export interface SuiteEngine {
  /** The engine, or skips the test with the reason (getEngine never skips under CI=true). */
  need(ctx: { skip: (note?: string) => never }): Engine;
  /** This suite's temp dir (removed after the suite unless PULUMI_OSK_KEEP_E2E=1). */
  readonly dir: string;
}

/** Registers the suite's beforeAll/afterAll: dist/ built, the engine (or a skip reason), a temp dir. */
export function useSuiteEngine(tempPrefix: string): SuiteEngine {
  let engine: Engine | undefined;
  let skipReason: string | undefined;
  let tmp: { dir: string; cleanup: () => Promise<void> } | undefined;
  beforeAll(async () => {
    await assertDistBuilt("dist/emulator/index.js");
    const e = await getEngine();
    if ("skip" in e) skipReason = e.skip;
    else engine = e;
    tmp = await tempDir(tempPrefix);
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });
  return {
    need(ctx) {
      if (skipReason !== undefined) ctx.skip(skipReason);
      return engine!;
    },
    get dir() {
      return tmp!.dir;
    },
  };
}
