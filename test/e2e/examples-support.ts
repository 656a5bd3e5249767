/**
 * Shared by the suites that run the examples, the runner and the demo as child processes with
 * plain Node, exactly as a user or CI would (not a test file): the engine from the harness's gate
 * (never skips under CI=true), the real clouds blanked, state in a temp dir.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { expect } from "vitest";

import { echoRequested, REPO_ROOT, RUN_TS, runWithEngine, type Engine, type RunResult } from "./harness";

export { REPO_ROOT, RUN_TS, type RunResult };
export { useSuiteEngine, type SuiteEngine } from "./harness";

/** Runs `command args` with the engine on PATH and real clouds blanked; echoes output when PULUMI_OSK_E2E_ECHO=1. */
export function run(
  engine: Engine,
  command: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  return runWithEngine(engine, command, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env, timeoutMs: opts.timeoutMs ?? 240_000, echo: echoRequested() });
}

/** Runs a TypeScript script (repo-relative) the way the npm scripts do. */
export function runTs(engine: Engine, script: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  return run(engine, process.execPath, [RUN_TS, path.join(REPO_ROOT, script), ...args], opts);
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, "utf8")) as T;
}

/** Output for assertion messages: the child's whole stdout/stderr. */
/**
 * The plain `pulumi` CLI in a project folder, as a user runs it: `ok` expects exit 0 and keeps
 * every console text (except `--show-secrets` output) for the leak checks.
 */
export function pulumiInFolder(engine: Engine, cwd: string, env: Record<string, string>) {
  const consoleText: string[] = [];
  const pulumi = (...args: string[]): Promise<RunResult> => run(engine, path.join(engine.binDir, "pulumi"), [...args, "--non-interactive"], { cwd, env });
  const ok = async (...args: string[]): Promise<RunResult> => {
    const r = await pulumi(...args);
    if (!args.includes("--show-secrets")) consoleText.push(r.stdout, r.stderr);
    expect(r.code, `pulumi ${args.join(" ")}\n${transcript(r)}`).toBe(0);
    return r;
  };
  return { pulumi, ok, consoleText };
}

export function transcript(r: RunResult): string {
  return `exit ${r.code} after ${r.ms} ms\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
