/**
 * Shared pieces of the ObjectStorageAccessKey end-to-end suites (not a test file).
 *
 * - The inline programs use the **built** package (dist/) loaded with Node's own `require`, never
 *   vitest's transform: the closure serializer must see the same module objects a consumer's
 *   program would, so `__provider` is the real shim text.
 * - Each suite starts its own emulator in the test process; the engine's dynamic-provider process
 *   reaches it over loopback through the URLs passed in env vars or stack config.
 * - Credentials are unique per emulator so "never in plaintext" greps cannot match by accident.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

import type * as pulumi from "@pulumi/pulumi";
import type { PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, expect } from "vitest";

import { emulatorConfig, emulatorEnv as connectionEnv, startEmulator, type Emulator, type EmulatorOptions, type RequestLogEntry } from "../../src/emulator";
import { BLANK_CLOUD_ENV, REPO_ROOT, suiteGate, type SuiteGate, type TestStack } from "./harness";

export { suiteGate, type SuiteGate } from "./harness";

export type Lib = typeof import("../../src/index");

/** The package as a consumer gets it: `node_modules/pulumi-object-storage-keys` → dist/. */
export function loadLib(): Lib {
  if (!existsSync(path.join(REPO_ROOT, "dist", "index.js")) || !existsSync(path.join(REPO_ROOT, "dist", "provider", "index.js"))) {
    throw new Error("dist/ is missing: run `npm run build` before the e2e tests (they use the built package)");
  }
  return createRequire(__filename)("pulumi-object-storage-keys") as Lib;
}

/** Type token of ObjectStorageAccessKey (`pulumi-nodejs:dynamic/<module>:<type>`). */
export const ACCESS_KEY_TYPE = "pulumi-nodejs:dynamic/objectstorage:AccessKey";
export const DEFAULT_PROVIDER_TYPE = "pulumi:providers:pulumi-nodejs";
/** The exact call every shim method makes (scenario 2). */
export const SHIM_REQUIRE = 'require("pulumi-object-storage-keys/provider")';

export function uniqueSuffix(): string {
  return randomBytes(6).toString("hex");
}

/** An emulator with credentials unique to this suite. */
export async function startSuiteEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const suffix = uniqueSuffix();
  return startEmulator({
    ...options,
    nscale: { tokens: [`e2e-nscale-token-${suffix}`], ...options.nscale },
    hostup: { apiKeys: [`e2e-hostup-key-${suffix}`], ...options.hostup },
  });
}

/** The harness's one blank-environment list: no credential or URL of the runner's can leak in. */
export const BLANK_PROVIDER_ENV: Readonly<Record<string, string>> = BLANK_CLOUD_ENV;

/** Fast, bounded polling for every stack. */
export const TIMING_ENV: Record<string, string> = {
  NSCALE_POLL_INTERVAL_MS: "50",
  NSCALE_PROVISIONING_TIMEOUT_SECONDS: "30",
};

/** Credentials and URLs through environment variables (the provider process inherits them). */
export function emulatorEnv(emu: Emulator): Record<string, string> {
  return {
    ...BLANK_PROVIDER_ENV,
    ...TIMING_ENV,
    ...connectionEnv(emu),
  };
}

/** No credential or URL in the environment, only the timing knobs: what reaches the provider must come from stack config. */
export const CONFIG_ONLY_ENV: Readonly<Record<string, string>> = { ...BLANK_PROVIDER_ENV, ...TIMING_ENV };

/** Credentials (as secrets) and API URLs of both clouds as stack config: `nscale:apiToken`, `hostup:apiKey`, ... */
export async function setCredentialsConfig(stack: Stack, emu: Emulator): Promise<void> {
  await stack.setAllConfig(emulatorConfig(emu));
}

// ---------------------------------------------------------------------------------------------
// Suites

export interface SuiteStackHooks {
  /** First in beforeAll, even when the suite then skips (start what the stack needs: an emulator). */
  before?: () => Promise<void>;
  /** The suite's stack, once the engine is there (not called when the suite skips). */
  make: () => Promise<TestStack>;
  /** Last in afterAll, after the stack is removed. */
  after?: () => Promise<void>;
}

/**
 * In the current describe (or file): beforeAll runs `before`, resolves the engine and, unless the
 * suite skips, creates the stack `make` returns, which the returned gate keeps; afterAll removes
 * the stack, then runs `after`.
 */
export function useSuiteStack(hooks: SuiteStackHooks): SuiteGate {
  const gate = suiteGate();
  beforeAll(async () => {
    await hooks.before?.();
    if (!(await gate.ready())) return;
    gate.set(await hooks.make());
  });
  afterAll(async () => {
    await gate.current?.cleanup();
    await hooks.after?.();
  });
  return gate;
}

/** Key ids each cloud holds. */
export interface KeyBaseline {
  nscale: string[];
  hostup: string[];
}

export function keyBaseline(emu: Emulator): KeyBaseline {
  return { nscale: nscaleKeyIds(emu), hostup: hostupKeyIds(emu) };
}

export interface EngineSuite {
  readonly gate: SuiteGate;
  /** The keys the emulator held when it started (a HostUp account starts with one): not ours. Filled in beforeAll. */
  readonly baseline: Readonly<KeyBaseline>;
  /** The keys each cloud holds now that were not in the baseline: the suite's own. */
  ours(): KeyBaseline;
}

export interface EngineSuiteOptions {
  /** Options of {@link startSuiteEmulator}. */
  emulator?: EmulatorOptions;
  /** Receives the emulator as soon as it is up (the suite keeps it for its programs and checks). */
  started: (emu: Emulator) => void;
  /** The suite's stack, once the engine is there (not called when the suite skips). */
  stack: (emu: Emulator) => Promise<TestStack>;
  /** Run after the stack is removed, before the emulator closes. */
  cleanup?: () => Promise<void>;
}

/**
 * The usual engine suite, registered in the current describe: an emulator with credentials unique
 * to the suite and the keys it starts with recorded, then {@link useSuiteStack}; afterwards the
 * stack is removed and the emulator closed.
 */
export function useEngineSuite(o: EngineSuiteOptions): EngineSuite {
  let emu: Emulator | undefined;
  // Filled in place, so a suite may destructure it before beforeAll ran.
  const baseline: KeyBaseline = { nscale: [], hostup: [] };
  const gate = useSuiteStack({
    async before() {
      emu = await startSuiteEmulator(o.emulator);
      o.started(emu);
      Object.assign(baseline, keyBaseline(emu));
    },
    make: () => o.stack(emu!),
    async after() {
      await o.cleanup?.();
      await emu?.close();
    },
  });
  const ours = (): KeyBaseline => {
    const now = keyBaseline(emu!);
    return { nscale: newSince(baseline.nscale, now.nscale), hostup: newSince(baseline.hostup, now.hostup) };
  };
  return { gate, baseline, ours };
}

// ---------------------------------------------------------------------------------------------
// Programs

export interface KeySpec {
  /** Logical (Pulumi) name; also the prefix of its stack outputs unless `exportAs` is set. */
  name: string;
  args: Record<string, unknown>;
  opts?: pulumi.CustomResourceOptions;
  /** Output name prefix; default "" for a single key. */
  exportAs?: string;
}

/**
 * An inline program declaring the keys `specs()` returns at the time it runs (so a test changes
 * inputs between operations by mutating what `specs` reads) and exporting, per key,
 * `<prefix>keyId`, `<prefix>accessKeyId`, `<prefix>secretAccessKey`.
 */
export function keysProgram(lib: Lib, specs: () => KeySpec[]): PulumiFn {
  return async () => {
    const out: Record<string, unknown> = {};
    for (const s of specs()) {
      const key = new lib.ObjectStorageAccessKey(s.name, s.args as never, s.opts);
      const p = s.exportAs ?? "";
      out[`${p}keyId`] = key.keyId;
      out[`${p}accessKeyId`] = key.accessKeyId;
      out[`${p}secretAccessKey`] = key.secretAccessKey;
    }
    return out;
  };
}

/** One key per cloud (an Nscale bucket-admin key on the emulator's endpoint), exported as `nscale_*` and `hostup_*`. */
export function bothCloudKeys(emu: Emulator): KeySpec[] {
  return [
    { name: "nscale-key", args: { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin" }, exportAs: "nscale_" },
    { name: "hostup-key", args: { cloud: "hostup" }, exportAs: "hostup_" },
  ];
}

// ---------------------------------------------------------------------------------------------
// State

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  initErrors?: string[];
  [k: string]: unknown;
}

export async function stateResources(stack: Stack): Promise<StateResource[]> {
  const exported = await stack.exportStack();
  return ((exported.deployment as { resources?: StateResource[] }).resources ?? []) as StateResource[];
}

/** Pulumi's secret signature key in serialized state. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * How a secret value looks in `stack.exportStack()` (which passes `--show-secrets`, so the value is
 * decrypted into `plaintext`); in the stored state the same envelope carries `ciphertext` instead.
 */
export function secretEnvelope(value: unknown): Record<string, string> {
  return { [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(value) };
}

export async function accessKeysInState(stack: Stack): Promise<StateResource[]> {
  return (await stateResources(stack)).filter((r) => r.type === ACCESS_KEY_TYPE);
}

// ---------------------------------------------------------------------------------------------
// Emulator views

export function nscaleKeyIds(emu: Emulator): string[] {
  return emu
    .inspect()
    .nscale.keys.map((k) => k.id)
    .sort();
}

export function hostupKeyIds(emu: Emulator): string[] {
  return emu
    .inspect()
    .hostup.keys.map((k) => k.accessKey)
    .sort();
}

/** Keys present now that were not in `baseline` (what "ours" means for orphan checks). */
export function newSince(baseline: string[], now: string[]): string[] {
  const before = new Set(baseline);
  return now.filter((k) => !before.has(k));
}

/** Requests logged since `from` (an index into emu.requests). */
export function requestsSince(emu: Emulator, from: number): RequestLogEntry[] {
  return emu.requests.slice(from);
}

export function decodeHostupKeySegment(path: string): string | undefined {
  const m = /^\/api\/object-storage\/keys\/([^/]+)$/.exec(path);
  if (!m?.[1]) return undefined;
  return Buffer.from(decodeURIComponent(m[1]), "base64").toString("utf8");
}

/**
 * Asserts create-before-delete in the request log: the POST that created the new key arrived
 * before the DELETE of the old one, both succeeded, and each happened exactly once.
 */
export function expectCreateBeforeDelete(
  log: RequestLogEntry[],
  create: (r: RequestLogEntry) => boolean,
  deleteOld: (r: RequestLogEntry) => boolean,
): { post: RequestLogEntry; del: RequestLogEntry } {
  const posts = log.filter((r) => r.method === "POST" && create(r));
  const dels = log.filter((r) => r.method === "DELETE" && deleteOld(r));
  expect(posts, "exactly one create request for the new key").toHaveLength(1);
  expect(dels, "exactly one delete request for the old key").toHaveLength(1);
  const post = posts[0]!;
  const del = dels[0]!;
  expect(post.status).toBeGreaterThanOrEqual(200);
  expect(post.status).toBeLessThan(300);
  expect(del.status).toBeGreaterThanOrEqual(200);
  expect(del.status).toBeLessThan(300);
  expect(post.seq, "new key created before the old one is deleted").toBeLessThan(del.seq);
  return { post, del };
}

// ---------------------------------------------------------------------------------------------
// Failures

/** Awaits an operation that must fail; returns the error text (CommandError carries stdout+stderr). */
export async function expectFailure(op: Promise<unknown>): Promise<string> {
  let failed = false;
  let text = "";
  try {
    await op;
  } catch (err) {
    failed = true;
    text = err instanceof Error ? `${err.message}\n${(err as { stack?: string }).stack ?? ""}` : String(err);
  }
  expect(failed, "the operation was expected to fail").toBe(true);
  return text;
}

/** Asserts that no state text contains any of `needles`, naming the first that does. */
export function expectNoPlaintext(haystack: string, needles: Record<string, string>): void {
  for (const [what, needle] of Object.entries(needles)) {
    expect(needle.length, `${what} is a meaningful needle`).toBeGreaterThan(8);
    const at = haystack.indexOf(needle);
    // On failure, show where (with the needle itself masked).
    const where =
      at < 0
        ? ""
        : haystack
            .slice(Math.max(0, at - 300), at + needle.length + 100)
            .split(needle)
            .join(`<${what}>`);
    expect(at >= 0, `${what} appears in plain text: ...${where}...`).toBe(false);
  }
}
