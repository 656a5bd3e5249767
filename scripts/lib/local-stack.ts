/**
 * What the demo (scripts/demo.ts) and the example runner (scripts/run-example.ts) share: the
 * Pulumi engine, the clouds (the embedded emulator, or real ones when credentials are in the
 * environment), a stack on a local file backend driven through the Automation API with an inline
 * program, concise progress lines, masking, and the S3 round trip that proves a key works.
 *
 * Inline programs need only the `pulumi` CLI (no Node.js language host); the project's `main`
 * directory is where the engine runs the dynamic providers, so it must resolve
 * `pulumi-object-storage-keys` and `@pulumi/pulumi` (any folder of this repo does: the repo's
 * node_modules has both, the package via its `file:.` self-dependency, pointing at dist/).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import {
  LocalWorkspace,
  PulumiCommand,
  Stack,
  type ConfigMap,
  type EngineEvent,
  type OutputMap,
  type PulumiFn,
} from "@pulumi/pulumi/automation";
import { S3Client } from "pulumi-object-storage-keys";
import { startEmulator, type Emulator } from "pulumi-object-storage-keys/emulator";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
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
// Engine

export interface Engine {
  binDir: string;
  command: PulumiCommand;
  version: string;
}

/** The Pulumi CLI: PULUMI_OSK_BIN (set by the bash wrappers) or `scripts/ensure-pulumi`. */
export async function ensureEngine(stateDir: string): Promise<Engine> {
  const binDir = process.env.PULUMI_OSK_BIN || (await runEnsurePulumi());
  // PulumiCommand.get({ root }) runs <root>/bin/pulumi (and puts <root>/bin first on PATH, where
  // the dynamic-provider launcher lives): give it a `bin` directory if the CLI is elsewhere.
  let root = path.dirname(binDir);
  if (path.basename(binDir) !== "bin") {
    root = path.join(stateDir, "pulumi-root");
    await fs.mkdir(root, { recursive: true });
    await fs.rm(path.join(root, "bin"), { force: true });
    await fs.symlink(binDir, path.join(root, "bin"));
  }
  const command = await PulumiCommand.get({ root });
  return { binDir, command, version: command.version?.version ?? "unknown" };
}

function runEnsurePulumi(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [path.join(REPO_ROOT, "scripts", "ensure-pulumi")], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const bin = out.trim().split("\n").pop() ?? "";
      if (code === 0 && bin) resolve(bin);
      else reject(new Error(`scripts/ensure-pulumi failed (exit ${code}):\n${err.trim()}`));
    });
  });
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
    reason: opts.forceEmulator
      ? "--emulator given"
      : "no NSCALE_API_TOKEN / HOSTUP_API_KEY in the environment: using the embedded emulator",
    close: () => emulator.close(),
  };
}

// -------------------------------------------------------------------------------------------------
// Stacks on a local file backend

/** Local-state passphrase when PULUMI_CONFIG_PASSPHRASE is not set (local demo state only). */
export const DEFAULT_PASSPHRASE = "pulumi-object-storage-keys-local";

export interface LocalStackOptions {
  engine: Engine;
  /** Holds backend/, home/ (PULUMI_HOME) and workspaces/ (Pulumi.yaml + Pulumi.<stack>.yaml). */
  stateDir: string;
  projectName: string;
  stackName: string;
  program: PulumiFn;
  /** The project's `main`: where the engine runs the dynamic providers. */
  mainDir: string;
  description?: string;
  /** Remove an existing stack of that name first (its resources lived in an earlier emulator). */
  fresh?: boolean;
}

export interface LocalStack {
  stack: Stack;
  backendDir: string;
  workspaceDir: string;
  /** Environment for the `pulumi` CLI to reach this stack by hand. */
  env: Record<string, string>;
  existed: boolean;
  passphraseIsDefault: boolean;
}

export async function openLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const backendDir = path.join(o.stateDir, "backend");
  const pulumiHome = path.join(o.stateDir, "home");
  const workspaceDir = path.join(o.stateDir, "workspaces", o.projectName);
  await Promise.all([backendDir, pulumiHome, workspaceDir].map((d) => fs.mkdir(d, { recursive: true })));
  const passphraseIsDefault = !process.env.PULUMI_CONFIG_PASSPHRASE && !process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  const env: Record<string, string> = {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_HOME: pulumiHome,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    ...(passphraseIsDefault ? { PULUMI_CONFIG_PASSPHRASE: DEFAULT_PASSPHRASE } : {}),
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
  return { stack, backendDir, workspaceDir, env, existed, passphraseIsDefault };
}

/** `{ create: 5, same: 1 }` -> "5 created, 1 unchanged" (the stack resource included, as Pulumi counts). */
export function describeChanges(changes: Record<string, number> | undefined): string {
  const words: Record<string, string> = { create: "created", update: "updated", delete: "deleted", replace: "replaced", same: "unchanged" };
  return Object.entries(changes ?? {}).map(([op, n]) => `${n} ${words[op] ?? op}`).join(", ") || "no changes";
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

/** Which of `needles` appear in plaintext anywhere under the backend directory (state, history, backups). */
export async function plaintextInState(backendDir: string, needles: string[]): Promise<string[]> {
  const found = new Set<string>();
  async function walk(dir: string): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const text = await fs.readFile(p, "utf8");
        for (const n of needles) if (n && text.includes(n)) found.add(n);
      }
    }
  }
  await walk(backendDir);
  return [...found];
}

/** A plain string output, or undefined. */
export function str(outputs: OutputMap, name: string): string | undefined {
  const v = outputs[name]?.value;
  return typeof v === "string" && v !== "" ? v : undefined;
}
