/**
 * What the demo (scripts/demo.ts) and the example runner (scripts/run-example.ts) share: concise
 * progress lines, masking, the clouds (the embedded emulator, or real ones when credentials are in
 * the environment), the S3 round trip that proves a key works, and {@link runStackApp}, the one
 * skeleton both run (engine, clouds, local stack, config, up, outputs, verification, secrets at
 * rest, keep or destroy, summary). The engine and the stack come from the local-stack toolkit.
 *
 * The project's `main` directory is where the engine runs the dynamic providers, so it must
 * resolve `pulumi-object-storage-keys` and `@pulumi/pulumi` (any folder of this repo does: the
 * repo's node_modules has both, the package via its `file:.` self-dependency, pointing at dist/).
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import type { ConfigMap, EngineEvent, OutputMap, Stack, UpResult } from "@pulumi/pulumi/automation";
import { S3Client } from "pulumi-object-storage-keys";
import { startEmulator, type Emulator } from "pulumi-object-storage-keys/emulator";

import { ensureEngine, openLocalStack, plaintextInState, REPO_ROOT, type Engine, type LocalStack, type LocalStackOptions } from "./local-stack";

export type Cloud = "nscale" | "hostup";
export const CLOUDS: readonly Cloud[] = ["nscale", "hostup"];

// -------------------------------------------------------------------------------------------------
// Progress

/** One line per phase, `[  12.3s] phase     message`, timed from OSK_STARTED_MS (set by the bash wrapper). */
export class Progress {
  readonly startedMs: number;

  constructor(private readonly write: (s: string) => void = (s) => void process.stdout.write(s)) {
    const fromEnv = Number(process.env.OSK_STARTED_MS);
    this.startedMs = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : Date.now();
  }

  elapsed(): number {
    return (Date.now() - this.startedMs) / 1000;
  }

  phase(name: string, message: string): void {
    this.write(`[${this.elapsed().toFixed(1).padStart(5)}s] ${name.padEnd(9)} ${message}\n`);
  }

  detail(message: string): void {
    this.write(`${" ".repeat(18)}${message}\n`);
  }

  /** Runs `fn`, then prints one phase line with what `done` says and the seconds it took. */
  async step<T>(name: string, fn: () => Promise<T>, done: (result: T) => string): Promise<T> {
    const t0 = Date.now();
    const result = await fn();
    this.phase(name, `${done(result)} (${seconds(Date.now() - t0)})`);
    return result;
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** First 4 characters, then stars: enough to tell keys apart, not enough to use one. */
export function mask(secret: string): string {
  return `${secret.slice(0, 4)}${"*".repeat(8)} (${secret.length} chars)`;
}

/** Stack outputs as aligned `name  value` lines; secrets masked, multi-line values summarized. */
export function formatOutputs(outputs: OutputMap): string[] {
  const names = Object.keys(outputs).sort();
  const width = Math.max(0, ...names.map((n) => n.length));
  return names.map((name) => {
    const { value, secret } = outputs[name]!;
    return `${name.padEnd(width)}  ${describeValue(value, secret)}`;
  });
}

function describeValue(value: unknown, secret: boolean): string {
  if (typeof value === "string") {
    const lines = value.trimEnd().split("\n");
    if (lines.length > 1) {
      const vars = lines.map((l) => /^([A-Za-z_]\w*)=/.exec(l)?.[1]);
      const what = vars.every((v) => v !== undefined) ? `: ${vars.map((v) => `${v}=…`).join(" ")}` : secret ? "" : `, starting "${lines[0]}"`;
      return `${secret ? "[secret] " : ""}${lines.length} lines${what}`;
    }
    return secret ? `${mask(value)} [secret]` : value;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    return `${secret ? "[secret] " : ""}{ ${keys.join(", ")} }`;
  }
  return secret ? "[secret]" : JSON.stringify(value);
}

// -------------------------------------------------------------------------------------------------
// Clouds

export interface CloudSetup {
  mode: "emulator" | "real";
  clouds: Cloud[];
  emulator?: Emulator;
  /** Nscale object storage endpoint (emulator: the seeded one; real: NSCALE_ENDPOINT_ID). */
  nscaleEndpointId?: string;
  nscaleIdentityPolicy: string;
  /** Provider settings for stack config (emulator: its URLs, and its tokens as secrets). */
  providerConfig: ConfigMap;
  /** Why this mode was chosen, for the progress line. */
  reason: string;
  close(): Promise<void>;
}

/** Credentials of real clouds present in the environment (the provider reads the same variables). */
export function realCredentials(env: NodeJS.ProcessEnv = process.env): Cloud[] {
  const set = (v: string | undefined) => v !== undefined && v.trim() !== "";
  const found: Cloud[] = [];
  if (set(env.NSCALE_API_TOKEN) || set(env.NSCALE_SERVICE_TOKEN)) found.push("nscale");
  if (set(env.HOSTUP_API_KEY)) found.push("hostup");
  return found;
}

/**
 * Real clouds for the credentials present in the environment (only those), unless `forceEmulator`;
 * else the embedded emulator with both clouds. `only` narrows the clouds.
 */
export async function setUpClouds(opts: { forceEmulator?: boolean; only?: Cloud[] } = {}): Promise<CloudSetup> {
  const wanted = opts.only ?? [...CLOUDS];
  const real = realCredentials().filter((c) => wanted.includes(c));
  const identityPolicy = process.env.NSCALE_IDENTITY_POLICY || "bucket-admin";
  if (!opts.forceEmulator && real.length > 0) {
    const endpointId = process.env.NSCALE_ENDPOINT_ID;
    if (real.includes("nscale") && !endpointId) {
      throw new Error(
        "NSCALE_API_TOKEN is set, so the real Nscale API will be used, but NSCALE_ENDPOINT_ID is not: " +
          "set it to your object storage endpoint's ID (or pass --emulator to use the embedded emulator).",
      );
    }
    const vars = real.map((c) => (c === "nscale" ? "NSCALE_API_TOKEN" : "HOSTUP_API_KEY")).join(", ");
    return {
      mode: "real",
      clouds: real,
      nscaleEndpointId: endpointId,
      nscaleIdentityPolicy: identityPolicy,
      // The provider reads NSCALE_API_TOKEN/HOSTUP_API_KEY (and *_API_URL) from the environment
      // itself, so real credentials are never written anywhere by this script.
      providerConfig: {},
      reason: `${vars} found in the environment: using the real ${real.join(" and ")} API`,
      close: async () => {},
    };
  }
  // Fixed per-run credentials, so nothing can be confused with a real token.
  const suffix = randomBytes(6).toString("hex");
  const emulator = await startEmulator({ nscale: { tokens: [`emulator-nscale-${suffix}`] }, hostup: { apiKeys: [`emulator-hostup-${suffix}`] } });
  return {
    mode: "emulator",
    clouds: wanted,
    emulator,
    nscaleEndpointId: emulator.endpointId,
    nscaleIdentityPolicy: "bucket-admin",
    providerConfig: {
      "nscale:apiUrl": { value: emulator.nscaleApiUrl },
      "nscale:apiToken": { value: emulator.nscaleToken, secret: true },
      // The emulator provisions a key after one poll: poll fast.
      "nscale:pollIntervalMs": { value: "200" },
      "hostup:apiUrl": { value: emulator.hostupApiUrl },
      "hostup:apiKey": { value: emulator.hostupApiKey, secret: true },
    },
    reason: opts.forceEmulator ? "--emulator given" : "no NSCALE_API_TOKEN / HOSTUP_API_KEY in the environment: using the embedded emulator",
    close: () => emulator.close(),
  };
}

// -------------------------------------------------------------------------------------------------
// Engine events and results

/** `{ create: 5, same: 1 }` -> "5 created, 1 unchanged" (the stack resource included, as Pulumi counts). */
export function describeChanges(changes: Record<string, number> | undefined): string {
  const words: Record<string, string> = { create: "created", update: "updated", delete: "deleted", replace: "replaced", same: "unchanged" };
  return (
    Object.entries(changes ?? {})
      .map(([op, n]) => `${n} ${words[op] ?? op}`)
      .join(", ") || "no changes"
  );
}

/** Destroys the stack's resources and removes the stack. Returns how many resources were deleted. */
export async function destroyAndRemove(stack: Stack, onEvent?: (e: EngineEvent) => void): Promise<number> {
  const res = await stack.destroy({ onEvent });
  await stack.workspace.removeStack(stack.name);
  return res.summary.resourceChanges?.["delete"] ?? 0;
}

/** Engine events as concise lines: `+ created  objectstorage:AccessKey nscale-key (0.3s)`. */
export function resourceLines(print: (line: string) => void): (e: EngineEvent) => void {
  const started = new Map<string, number>();
  const verbs: Record<string, [string, string]> = {
    create: ["+", "created"],
    update: ["~", "updated"],
    delete: ["-", "deleted"],
    replace: ["+-", "replaced"],
    "create-replacement": ["++", "created replacement"],
    "delete-replaced": ["--", "deleted original"],
  };
  return (e) => {
    const pre = e.resourcePreEvent?.metadata;
    if (pre) started.set(`${pre.urn}/${pre.op}`, Date.now());
    const m = e.resOutputsEvent?.metadata;
    if (m && verbs[m.op] && m.type !== "pulumi:pulumi:Stack" && !m.type.startsWith("pulumi:providers:")) {
      const [sym, verb] = verbs[m.op]!;
      const t0 = started.get(`${m.urn}/${m.op}`);
      const name = m.urn.split("::").pop();
      print(`${sym.padEnd(2)} ${verb.padEnd(19)} ${shortType(m.type)} ${name}${t0 ? ` (${seconds(Date.now() - t0)})` : ""}`);
    }
    const failed = e.resOpFailedEvent;
    if (failed) print(`!  failed              ${shortType(failed.metadata.type)} ${failed.metadata.urn.split("::").pop()}`);
    const diag = e.diagnosticEvent;
    if (diag && diag.severity === "error" && diag.message.trim()) print(`!  ${diag.message.trim().split("\n").join("\n                         ")}`);
  };
}

/** `pulumi-nodejs:dynamic/objectstorage:AccessKey` -> `objectstorage:AccessKey`. */
export function shortType(type: string): string {
  const m = /^pulumi-nodejs:dynamic\/(.+)$/.exec(type);
  return m ? m[1]! : type;
}

// -------------------------------------------------------------------------------------------------
// Proof that a key works

export interface S3Target {
  s3Endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucketName: string;
}

export interface RoundTrip {
  object: string;
  bytes: number;
  ms: number;
}

/** PUT an object with the key, GET it back, compare; optionally DELETE it again. */
export async function s3RoundTrip(t: S3Target, objectKey: string, body: string, opts: { cleanUp?: boolean } = {}): Promise<RoundTrip> {
  const t0 = Date.now();
  const client = new S3Client({
    endpoint: t.s3Endpoint,
    region: t.region,
    credentials: { accessKeyId: t.accessKeyId, secretAccessKey: t.secretAccessKey },
  });
  await client.putObject(t.bucketName, objectKey, body, "text/plain");
  const back = (await client.getObject(t.bucketName, objectKey)).toString("utf8");
  if (back !== body) throw new Error(`s3://${t.bucketName}/${objectKey}: read back ${back.length} bytes that differ from the ${body.length} written`);
  if (opts.cleanUp) await client.deleteObject(t.bucketName, objectKey);
  return { object: `s3://${t.bucketName}/${objectKey}`, bytes: Buffer.byteLength(body), ms: Date.now() - t0 };
}

/** A plain string output, or undefined. */
export function str(outputs: OutputMap, name: string): string | undefined {
  const v = outputs[name]?.value;
  return typeof v === "string" && v !== "" ? v : undefined;
}

// -------------------------------------------------------------------------------------------------
// The skeleton of the demo and the example runner

/** Options every stack app takes. */
export interface AppOptions {
  keep: boolean;
  stack: string;
  verbose: boolean;
  /** Backend, PULUMI_HOME and workspaces (default .pulumi-local). */
  stateDir: string;
  /** Also write the summary there as JSON (secrets masked). */
  json?: string;
}

/** What every app's JSON summary holds; apps add their own fields. */
export interface AppSummary {
  mode?: CloudSetup["mode"];
  outputsSecret: Record<string, boolean>;
  plaintextSecretsInState?: number;
  secretsChecked?: number;
  destroyed: boolean;
  kept?: boolean;
  seconds: Record<string, number>;
  totalSeconds?: number;
  error?: string;
}

/** What the app's hooks get once the stack is open. */
export interface AppRun<S extends AppSummary> {
  opts: AppOptions;
  summary: S;
  progress: Progress;
  engine: Engine;
  clouds: CloudSetup;
  local: LocalStack;
  /** Runs `fn` and records its seconds as `summary.seconds[name]`. */
  timed<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** A path relative to the cwd, for progress lines. */
  rel(p: string): string;
}

export interface StackApp<S extends AppSummary> {
  opts: AppOptions;
  summary: S;
  /** The clouds to deploy to (setUpClouds with the app's choice). */
  clouds(): Promise<CloudSetup>;
  /** Progress line(s) once the clouds are known. */
  announceClouds(clouds: CloudSetup, progress: Progress): void;
  /** The project to deploy. An emulator's resources die with it, so emulator runs replace a leftover stack. */
  project(clouds: CloudSetup): Pick<LocalStackOptions, "projectName" | "program" | "mainDir" | "description">;
  /** Progress line once the stack is open. */
  announceStack(run: AppRun<S>): void;
  /** Runs before anything is deployed; returning true ends the app there with success (e.g. `--destroy`). */
  beforeDeploy?(run: AppRun<S>): Promise<boolean>;
  /** Stack config (the clouds' provider config is added). */
  config(clouds: CloudSetup): ConfigMap;
  /** Progress line after the config is set (none when absent). */
  announceConfig?(run: AppRun<S>): void;
  /** What `up` is about to create. */
  upMessage(clouds: CloudSetup): string;
  /** Checks the deployed outputs (S3 round trips, bundle checks); throws to fail the app. */
  verify(run: AppRun<S>, outputs: OutputMap): Promise<void>;
  /** Secret output values that must not be in the state in plaintext (the provider config's secrets are added). */
  secretNeedles(outputs: OutputMap): string[];
  /** With --keep: what to say (and wait for) instead of destroying. */
  keep(run: AppRun<S>): Promise<void>;
  /** The destroy phase line, given how many resources were deleted. */
  destroyLine(run: AppRun<S>, deleted: number): string;
  /** What to run by hand when the cleanup destroy after a failure fails. */
  cleanupHint: string;
  /** The last line, given the summary (its totalSeconds set). */
  finalLine(summary: S): string;
}

/**
 * The whole run: engine, clouds, local stack, config, up, outputs (secrets masked), verification,
 * the check that no secret is in plaintext at rest, then destroy and stack rm (or keep). On a
 * failure after the deployment started, destroys what was deployed. Returns the exit code.
 */
export async function runStackApp<S extends AppSummary>(app: StackApp<S>): Promise<number> {
  const { opts, summary } = app;
  const progress = new Progress();
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      summary.seconds[name] = Math.round((Date.now() - t0) / 100) / 10;
    }
  };

  let clouds: CloudSetup | undefined;
  let local: LocalStack | undefined;
  let deployed = false;
  try {
    await fs.mkdir(opts.stateDir, { recursive: true });
    const engine = await timed("engine", () => ensureEngine(opts.stateDir));
    if (!process.env.PULUMI_OSK_BIN) progress.phase("engine", `pulumi v${engine.version} (${engine.binDir})`);

    const cl = (clouds = await timed("clouds", () => app.clouds()));
    summary.mode = cl.mode;
    app.announceClouds(cl, progress);

    local = await timed("stack", () =>
      openLocalStack({ engine, stateDir: opts.stateDir, stackName: opts.stack, ...app.project(cl), fresh: cl.mode === "emulator" }),
    );
    const run: AppRun<S> = { opts, summary, progress, engine, clouds: cl, local, timed, rel };
    const { stack } = local;
    app.announceStack(run);
    if (app.beforeDeploy && (await app.beforeDeploy(run))) return 0;

    await timed("config", () => stack.setAllConfig({ ...app.config(cl), ...cl.providerConfig }));
    app.announceConfig?.(run);

    progress.phase("up", app.upMessage(cl));
    deployed = true;
    const up: UpResult = await timed("up", () =>
      opts.verbose ? stack.up({ onOutput: (s) => process.stdout.write(s) }) : stack.up({ onEvent: resourceLines((l) => progress.detail(l)) }),
    );
    progress.phase("up", `${describeChanges(up.summary.resourceChanges)} (${summary.seconds.up}s)`);
    const outputs = up.outputs;
    progress.phase("outputs", "secrets masked:");
    for (const line of formatOutputs(outputs)) progress.detail(line);
    for (const [name, o] of Object.entries(outputs)) summary.outputsSecret[name] = o.secret;

    await app.verify(run, outputs);

    // Secrets at rest: every secret value must be ciphertext in the state and config files.
    const secrets = [
      ...app.secretNeedles(outputs),
      ...Object.values(cl.providerConfig)
        .filter((v) => v.secret)
        .map((v) => v.value),
    ];
    const leaked = new Set([...(await plaintextInState(local.backendDir, secrets)), ...(await plaintextInState(local.workspaceDir, secrets))]);
    summary.secretsChecked = secrets.length;
    summary.plaintextSecretsInState = leaked.size;
    progress.phase(
      "state",
      leaked.size === 0
        ? `${secrets.length} secret values, none in plaintext under ${rel(opts.stateDir)} (state, history, stack config)`
        : `WARNING: ${leaked.size} secret value(s) found in plaintext under ${rel(opts.stateDir)}`,
    );
    if (leaked.size > 0) throw new Error("a secret was found in plaintext in the local state");

    if (opts.keep) {
      summary.kept = true;
      await app.keep(run);
    } else {
      const n = await timed("destroy", () => destroyAndRemove(stack));
      deployed = false;
      summary.destroyed = true;
      progress.phase("destroy", app.destroyLine(run, n));
    }
    return 0;
  } catch (err) {
    summary.error = err instanceof Error ? err.message : String(err);
    progress.phase("FAILED", summary.error.split("\n").slice(0, 20).join("\n                  "));
    if (deployed && local && !opts.keep) {
      try {
        const n = await destroyAndRemove(local.stack);
        progress.phase("cleanup", `destroyed ${n} resources after the failure, stack removed`);
      } catch (cleanupErr) {
        progress.phase(
          "cleanup",
          `could not destroy after the failure (${(cleanupErr instanceof Error ? cleanupErr.message : String(cleanupErr)).split("\n")[0]}); run: ${app.cleanupHint}`,
        );
      }
    }
    return 1;
  } finally {
    await clouds?.close();
    summary.totalSeconds = Math.round(progress.elapsed() * 10) / 10;
    if (opts.json) await fs.writeFile(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`\n${app.finalLine(summary)}\n`);
  }
}

/**
 * The options every stack app takes (--keep, --stack, --verbose, --state-dir, --json, -h) plus
 * `extra`; `keepEnv`: KEEP_STACK=1 also keeps the stack. Throws on an unknown option.
 */
export function parseAppArgs(
  argv: string[],
  o: { defaultStack: string; keepEnv?: boolean; extra?: Record<string, { type: "boolean" | "string"; default?: boolean | string }> },
): { help: boolean; app: AppOptions; values: Record<string, string | boolean | undefined> } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      keep: { type: "boolean", default: false },
      stack: { type: "string", default: o.defaultStack },
      verbose: { type: "boolean", default: false },
      "state-dir": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      ...(o.extra as Record<string, { type: "boolean" } | { type: "string" }>),
    },
  });
  const v = values as Record<string, string | boolean | undefined>;
  return {
    help: v.help === true,
    values: v,
    app: {
      keep: v.keep === true || (o.keepEnv === true && keepFromEnv()),
      stack: v.stack as string,
      verbose: v.verbose === true,
      stateDir: path.resolve((v["state-dir"] as string | undefined) ?? path.join(REPO_ROOT, ".pulumi-local")),
      json: v.json as string | undefined,
    },
  };
}

/** `KEEP_STACK=1` (or true): keep the stack, like --keep. */
export function keepFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.KEEP_STACK;
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** The `name:` of a Pulumi.yaml, so `pulumi up` in that folder and a script deploy the same project. */
export function projectNameOf(pulumiYaml: string): string {
  const name = /^name:\s*(\S+)\s*$/m.exec(pulumiYaml)?.[1];
  if (!name) throw new Error("Pulumi.yaml has no `name:`");
  return name;
}

/** Resolves on Ctrl-C (SIGINT): keeps an emulator-backed stack alive while the user looks around. */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
}
