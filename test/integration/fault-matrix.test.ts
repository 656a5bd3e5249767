/**
 * Fault matrix: every provider lifecycle step called directly (as the dynamic-provider host calls
 * it) against the emulator with one injected fault, for both clouds.
 *
 *   faults      429 (Retry-After), 500, 502, 503, connection reset, timeout, response dropped after
 *               commit, and foreign shapes this project did not design: a proxy's plain-text 404,
 *               an nginx HTML 502, a page reflecting the request headers, a 429 sent after the
 *               backend committed, and (issue 16) JSON errors from gateways, frameworks and CDNs:
 *               an RFC 9457 problem 429/404/409, Spring's error JSON 404, ASP.NET's ProblemDetails
 *               409, a CDN's JSON 429, and HostUp's 200 saying `data.deleted: false` (its delete)
 *               (each once = transient, and on every attempt = persistent),
 *               timeout with a late commit, slow provisioning, provisioning error
 *   operations  create, provisioning poll, read, delete, deletion poll (HostUp: create, read = S3
 *               probe, delete; its API is synchronous, so it has no polls and no provisioning)
 *
 * The summary printed after the run ends with the table per fault shape (cases, orphans reported,
 * silent orphans, lost secrets, false "deleted", ghosts); FAULT_MATRIX_TABLE=<file> also writes it
 * there when every case passed (README's figure).
 *
 * Each case asserts the invariants that matter to a user, whatever the outcome:
 *   - success, or an Error whose message names the cloud and the operation, with no stack noise
 *     (never a raw TypeError), and no secret or token in it;
 *   - the emulator holds no key that state does not know about, unless the error told the user
 *     which key to delete (a *reported* orphan); *silent* orphans must be zero;
 *   - a key recorded in state carries the secret the cloud issued for it;
 *   - read never answers "deleted" (`{}`) for a key that still exists;
 *   - after the fault clears, re-running the step the engine would run next (resume, destroy)
 *     converges: no key is left but the reported orphans.
 *
 * "state" is modelled as the engine keeps it: the id returned by create, or PartialCreateError's
 * id + properties; for read/delete cases, the key in state before the operation, replaced by what
 * read returns, dropped when delete succeeds.
 *
 * Timeouts: the clients' 30 s headers timeout has no env/config knob yet. The test lowers the
 * process-wide defaults (`defaultTimeouts`, the same object the provider's clients read) to
 * HEADERS_TIMEOUT_MS and injects a longer `delay`. The S3 probe (HostUp read) hard-codes 30 s per
 * request, so "hostup read timeout" is exercised as a dropped connection (the same code path:
 * the undici request rejects, no retry) and the summary marks it.
 * The emulator's `delay` reads the request body only after the delay, so a request whose client
 * timed out is never processed: "timeout" = the server never saw it. The opposite, a server that
 * commits after the client gave up, is "timeout, server commits late", driven through the
 * late-commit proxy in fault-matrix-support.ts (create and delete, both clouds).
 *
 * Persistent faults use a shortened retry schedule (same rules, millisecond waits) so that
 * exhausting the retries takes well under a second; transient faults use the real policy (so
 * 429's Retry-After: 1 is honoured for real).
 */
import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator, FaultAction, FaultRule } from "../../src/emulator";
import { ConfigurationError, LifecycleError, ProviderApiError } from "../../src/errors";
import { PartialCreateError } from "../../src/provider/abi";
import { defaultRetryPolicy, type RetryPolicy } from "../../src/http/retry";
import * as provider from "../../src/provider";
import { FOREIGN_LOOKALIKES } from "../fixtures/foreign-error-bodies";
import { startLateCommitProxy, type LateCommitProxy } from "./fault-matrix-support";
import { useProviderEmulator } from "./support";

// ---------------------------------------------------------------------------------------------
// Knobs

const HEADERS_TIMEOUT_MS = 300;
/** undici arms its headers timer on a ~0.5 s tick, so a 300 ms timeout fires after 0.5-1 s: delay well past it. */
const TIMEOUT_DELAY_MS = 2_500;
const PROVISIONING_TIMEOUT_SECONDS = "3";
const SHIM = "exports.handler = () => shim; // fault-matrix";
const REAL_POLICY: RetryPolicy = { ...defaultRetryPolicy };
const FAST_POLICY: RetryPolicy = { maxRetries: 3, minDelayMs: 2, maxDelayMs: 20, totalBudgetMs: 1_500 };

// ---------------------------------------------------------------------------------------------
// The matrix

type Cloud = "nscale" | "hostup";
type Op = "create" | "provisioning poll" | "read" | "delete" | "deletion poll";
type HttpFault =
  | "429"
  | "500"
  | "502"
  | "503"
  | "reset"
  | "timeout"
  | "dropAfterCommit"
  | "proxy404"
  | "html502"
  | "echoHeaders"
  | "429afterCommit"
  | ForeignJsonFault
  | "deletedFalse";
/** Issue 16, behaviour 2: JSON errors from gateways, frameworks and CDNs (test/fixtures/foreign-error-bodies.ts). */
type ForeignJsonFault = "problem429" | "problem404" | "problem409" | "spring404" | "aspnet409" | "cdn429";
type Fault = HttpFault | "late commit" | "slow provisioning" | "provisioning error";

interface Case {
  name: string;
  cloud: Cloud;
  op: Op;
  fault: Fault;
  persistent: boolean;
  /** Asserted outcome when it is certain from the retry rules; otherwise either is fine. */
  expectOutcome?: "ok" | "error";
  note?: string;
}

const FOREIGN_JSON: Record<ForeignJsonFault, { status: number; body: Record<string, unknown>; contentType: string }> = {
  problem429: { status: 429, body: FOREIGN_LOOKALIKES["an RFC 9457 problem (about:blank)"]!, contentType: "application/problem+json" },
  problem404: {
    status: 404,
    body: { type: "about:blank", title: "Not Found", status: 404, detail: "No route matches the request." },
    contentType: "application/problem+json",
  },
  problem409: {
    status: 409,
    body: { type: "https://gateway.example.com/problems/conflict", title: "Conflict", status: 409, detail: "The resource already exists.", code: "conflict" },
    contentType: "application/problem+json",
  },
  spring404: {
    status: 404,
    body: { ...FOREIGN_LOOKALIKES["Spring Boot error JSON"]!, status: 404, error: "Not Found", message: "No message available" },
    contentType: "application/json",
  },
  aspnet409: {
    status: 409,
    body: {
      ...FOREIGN_LOOKALIKES["ASP.NET Core ProblemDetails"]!,
      type: "https://tools.ietf.org/html/rfc9110#section-15.5.10",
      title: "Conflict",
      status: 409,
    },
    contentType: "application/problem+json",
  },
  cdn429: { status: 429, body: FOREIGN_LOOKALIKES["a CDN's rate-limit JSON"]!, contentType: "application/json" },
};
const FOREIGN_JSON_FAULTS = Object.keys(FOREIGN_JSON) as ForeignJsonFault[];
const isForeignJson = (f: Fault): f is ForeignJsonFault => (FOREIGN_JSON_FAULTS as string[]).includes(f);
const HTTP_FAULTS: HttpFault[] = [
  "429",
  "500",
  "502",
  "503",
  "reset",
  "timeout",
  "dropAfterCommit",
  "proxy404",
  "html502",
  "echoHeaders",
  "429afterCommit",
  ...FOREIGN_JSON_FAULTS,
  "deletedFalse",
];
const FAULT_LABEL: Record<Fault, string> = {
  "429": "429 Retry-After",
  "500": "500",
  "502": "502",
  "503": "503",
  reset: "connection reset",
  timeout: "timeout",
  dropAfterCommit: "response dropped after commit",
  proxy404: "proxy's plain-text 404",
  html502: "nginx HTML 502",
  echoHeaders: "400 page reflecting request headers",
  "429afterCommit": "plain-text 429 after commit",
  problem429: "RFC 9457 problem 429",
  problem404: "RFC 9457 problem 404",
  problem409: "RFC 9457 problem 409",
  spring404: "Spring error JSON 404",
  aspnet409: "ASP.NET ProblemDetails 409",
  cdn429: "CDN JSON 429",
  deletedFalse: "200 with data.deleted false",
  "late commit": "timeout, server commits late",
  "slow provisioning": "slow provisioning",
  "provisioning error": "provisioning error",
};
const OPS: Record<Cloud, Op[]> = {
  nscale: ["create", "provisioning poll", "read", "delete", "deletion poll"],
  hostup: ["create", "read", "delete"],
};

/** Which method a step uses: GET/DELETE are retried on 429/502/503/504 + transport errors, POST only on 429. */
function methodOf(cloud: Cloud, op: Op): "GET" | "POST" | "DELETE" {
  if (op === "create") return "POST";
  if (op === "delete") return "DELETE";
  return "GET";
}

function expectedOutcome(cloud: Cloud, op: Op, fault: HttpFault, persistent: boolean): Case["expectOutcome"] {
  // The S3 probe (HostUp read) is a GET through the same retrying pool as the API clients.
  const method = methodOf(cloud, op);
  // Nothing retries a 404, a 409 or a 400; an HTML 502 is a 502 for the retry rules.
  if (fault === "proxy404" || fault === "echoHeaders") return "error";
  // HostUp's body says it did not delete: the delete fails and the key stays in state.
  if (fault === "deletedFalse") return "error";
  if (isForeignJson(fault)) {
    if (FOREIGN_JSON[fault].status !== 429) return cloud === "hostup" && op === "read" ? undefined : "error";
    // A foreign 429 never re-sends a HostUp create; Nscale searches for its marker over the grace first.
    if (method === "POST" && cloud === "hostup") return "error";
    return expectedOutcome(cloud, op, "429", persistent);
  }
  if (fault === "html502") return expectedOutcome(cloud, op, "502", persistent);
  if (fault === "429afterCommit") {
    // Nscale finds the committed key by its marker, deletes it and tries again; HostUp cannot
    // list keys, so it re-sends only after its own 429 and reports the label otherwise.
    if (method === "POST") return cloud === "nscale" && !persistent ? "ok" : "error";
    // Every retried DELETE after the first committed one is answered "already gone", or 429 again.
    if (method === "DELETE") return persistent ? undefined : "ok";
    return persistent ? "error" : "ok";
  }
  const retried = fault === "429" || (method !== "POST" && ["502", "503", "reset", "timeout", "dropAfterCommit"].includes(fault));
  if (!persistent) return retried ? "ok" : "error";
  // A DELETE whose response is lost is re-sent and answered 404 = already gone: success.
  if (fault === "dropAfterCommit" && method === "DELETE") return undefined;
  return "error";
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  for (const cloud of ["nscale", "hostup"] as const) {
    for (const op of OPS[cloud]) {
      for (const persistent of [false, true]) {
        for (const fault of HTTP_FAULTS) {
          // HostUp's `deleted: false` is an answer to its DELETE only.
          if (fault === "deletedFalse" && !(cloud === "hostup" && op === "delete")) continue;
          const label = `${persistent ? "persistent " : ""}${FAULT_LABEL[fault]}`;
          cases.push({
            name: `${cloud} ${op} ${label}`,
            cloud,
            op,
            fault,
            persistent,
            expectOutcome: expectedOutcome(cloud, op, fault, persistent),
            note: cloud === "hostup" && op === "read" && fault === "timeout" ? "as reset: S3 probe headers timeout is hard-coded to 30 s" : undefined,
          });
        }
      }
    }
  }
  // Asynchronous provisioning/deprovisioning exists only on Nscale.
  const nscaleSlow: Array<[Op, Case["expectOutcome"], string]> = [
    ["create", "ok", "404s then provisioning for several polls, within the timeout"],
    ["provisioning poll", "error", "never provisioned within the timeout: partial create, resumed by the next up"],
    ["read", "ok", "refresh of a key still provisioning"],
    ["delete", "ok", "deprovisioning for several polls, within the timeout"],
    ["deletion poll", "error", "never gone within the timeout: stays in state"],
  ];
  const nscaleError: Array<[Op, Case["expectOutcome"], string]> = [
    ["create", "error", "first poll reports error"],
    ["provisioning poll", "error", "error after 404s and several provisioning polls"],
    ["read", "ok", "refresh of a key in error"],
    ["delete", "ok", "destroy of a key whose provisioning failed"],
    ["deletion poll", "error", "status becomes error while deprovisioning"],
  ];
  // A timeout where the server processes the request after the client gave up (through the
  // late-commit proxy): what really happens when a slow API finishes a create nobody waits for.
  const late: Array<[Cloud, Op, Case["expectOutcome"]]> = [
    ["nscale", "create", "error"],
    ["nscale", "delete", "ok"],
    ["hostup", "create", "error"],
    ["hostup", "delete", "ok"],
  ];
  for (const [cloud, op, expectOutcome] of late) {
    cases.push({
      name: `${cloud} ${op} ${FAULT_LABEL["late commit"]}`,
      cloud,
      op,
      fault: "late commit",
      persistent: false,
      expectOutcome,
      note: "via late-commit proxy",
    });
  }
  for (const [op, expectOutcome, note] of nscaleSlow) {
    cases.push({ name: `nscale ${op} slow provisioning`, cloud: "nscale", op, fault: "slow provisioning", persistent: false, expectOutcome, note });
  }
  for (const [op, expectOutcome, note] of nscaleError) {
    cases.push({ name: `nscale ${op} provisioning error`, cloud: "nscale", op, fault: "provisioning error", persistent: false, expectOutcome, note });
  }
  return cases;
}

const CASES = buildCases();

// ---------------------------------------------------------------------------------------------
// Per-case record (for the summary printed in afterAll)

interface Row {
  name: string;
  /** The fault's label without "persistent" (FAULT_LABEL), for the per-fault table. */
  fault: string;
  outcome: "ok" | "error" | "not run";
  errorType?: string;
  orphansReported: number;
  orphansSilent: number;
  lostSecrets: number;
  ghosts: number;
  falseDeleted: number;
  leftAfterRecovery: number;
  /** The operation failed with an error that is not clear (see errorProblems). */
  unclear: boolean;
  passed: boolean;
  note?: string;
  message?: string;
}
const rows: Row[] = [];

// ---------------------------------------------------------------------------------------------
// Environment

let emu: Emulator;
let proxy: LateCommitProxy;
const savedPolicy = { ...defaultRetryPolicy };

useProviderEmulator((e) => (emu = e), {
  knobs: {
    NSCALE_POLL_INTERVAL_MS: "10",
    NSCALE_PROVISIONING_TIMEOUT_SECONDS: PROVISIONING_TIMEOUT_SECONDS,
    OSK_HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    OSK_HTTP_BODY_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    // Long enough for the late-commit proxy (the server commits ~1.5 s after the client gave up).
    NSCALE_RECONCILE_GRACE_SECONDS: "4",
  },
  beforeEach: () => {
    process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = PROVISIONING_TIMEOUT_SECONDS;
    delete process.env.OSK_HTTP_RETRY_BUDGET_MS;
    Object.assign(defaultRetryPolicy, REAL_POLICY);
  },
});

beforeAll(async () => {
  proxy = await startLateCommitProxy(emu.url);
});

afterAll(async () => {
  Object.assign(defaultRetryPolicy, savedPolicy);
  await proxy?.close();
  printSummary();
});

// ---------------------------------------------------------------------------------------------
// Helpers

const KEY_PATH = /^\/api\/v1\/objectstorageendpoints\/[^/]+\/accesskeys\/[^/]+$/;
const keysPath = () => `/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`;

function faultTarget(cloud: Cloud, op: Op): Omit<FaultRule, "action" | "times"> {
  if (cloud === "nscale") {
    if (op === "create") return { cloud: "nscale", method: "POST", path: keysPath() };
    if (op === "delete") return { cloud: "nscale", method: "DELETE", path: KEY_PATH };
    return { cloud: "nscale", method: "GET", path: KEY_PATH };
  }
  if (op === "create") return { cloud: "hostup", method: "POST", path: "/api/object-storage/keys" };
  if (op === "delete") return { cloud: "hostup", method: "DELETE", path: "/api/object-storage/keys/*" };
  return { cloud: "s3", method: "GET", path: "/" };
}

function faultAction(c: Case): FaultAction {
  switch (c.fault) {
    case "429":
      return { kind: "status", status: 429, retryAfter: "1" };
    case "500":
    case "502":
    case "503":
      return { kind: "status", status: Number(c.fault) };
    case "reset":
      return { kind: "reset" };
    case "timeout":
      return c.cloud === "hostup" && c.op === "read" ? { kind: "reset" } : { kind: "delay", ms: TIMEOUT_DELAY_MS };
    case "dropAfterCommit":
      return { kind: "dropAfterCommit" };
    case "proxy404":
      return { kind: "foreign", status: 404, body: { type: "text" } };
    case "html502":
      return { kind: "foreign", status: 502, body: { type: "html" } };
    case "echoHeaders":
      return { kind: "foreign", status: 400, body: { type: "echoHeaders", format: "text" } };
    case "429afterCommit":
      return { kind: "afterCommit", status: 429, body: { type: "text" } };
    case "deletedFalse":
      return {
        kind: "status",
        status: 200,
        body: { success: true, timestamp: new Date().toISOString(), requestId: "req-deleted-false", data: { deleted: false } },
      };
    case "problem429":
    case "problem404":
    case "problem409":
    case "spring404":
    case "aspnet409":
    case "cdn429": {
      const f = FOREIGN_JSON[c.fault];
      return { kind: "status", status: f.status, body: f.body, headers: { "content-type": f.contentType }, ...(f.status === 429 ? { retryAfter: "1" } : {}) };
    }
    default:
      throw new Error(`not an HTTP fault: ${c.fault}`);
  }
}

async function checkedInputs(cloud: Cloud): Promise<Record<string, unknown>> {
  const news =
    cloud === "nscale"
      ? { cloud, resourceName: "matrix-key", endpointId: emu.endpointId, identityPolicy: "bucket-admin", __provider: SHIM }
      : { cloud, resourceName: "matrix-key", __provider: SHIM };
  const r = await provider.check({}, news);
  expect(r.failures).toEqual([]);
  return { ...(r.inputs as Record<string, unknown>), __provider: SHIM };
}

interface StateKey {
  id: string;
  props: Record<string, unknown>;
  /** Came from PartialCreateError (the engine records it and calls update on the next up). */
  partial: boolean;
}

/** Keys the emulator holds that are usable (Nscale: not being deleted). */
function liveKeys(cloud: Cloud): Array<{ id: string; accessKeyId: string; name: string }> {
  const snap = emu.inspect();
  return cloud === "nscale"
    ? snap.nscale.keys.filter((k) => !k.deleting).map((k) => ({ id: k.id, accessKeyId: k.accessKeyId, name: k.name }))
    : snap.hostup.keys.map((k) => ({ id: k.accessKey, accessKeyId: k.accessKey, name: k.label }));
}

async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets delayed requests (timeout faults) reach the handler, so late side effects are seen. */
async function settle(): Promise<void> {
  // A delayed request whose client went away is never answered by the emulator (status stays 0).
  await waitFor(
    () =>
      proxy.inFlight() === 0 &&
      emu.requests.every((r) => r.status !== 0 || r.fault === "reset" || (r.fault === "delay" && Date.now() > r.at + TIMEOUT_DELAY_MS + 300)),
    TIMEOUT_DELAY_MS * 4,
    "in-flight emulator requests",
  );
  await new Promise((r) => setTimeout(r, 20));
}

function allNeedles(): string[] {
  const snap = emu.inspect();
  const secrets = [...snap.nscale.keys.map((k) => emu.secretFor(k.accessKeyId)), ...snap.hostup.keys.map((k) => emu.secretFor(k.accessKey))];
  return [emu.nscaleToken, emu.hostupApiKey, ...secrets].filter((s): s is string => typeof s === "string" && s.length > 8);
}

const CLOUD_WORD: Record<Cloud, RegExp> = { nscale: /\bNscale\b/, hostup: /\bHostUp\b|\bS3\b/ };
const OP_WORD: Record<Op, RegExp> = {
  create: /creat/i,
  "provisioning poll": /provision|read access key|created/i,
  read: /read|probe/i,
  delete: /delet/i,
  "deletion poll": /delet|read access key/i,
};

/**
 * What is wrong with an error as the user would see it: it must be one of the library's
 * user-facing errors, name the cloud and the operation, carry no stack frames (the host prints
 * `${e}: ${e.stack}`), and hold no secret or token. Empty = clear.
 */
function errorProblems(c: Case, err: unknown, needles: string[]): string[] {
  if (!(err instanceof Error)) return [`rejected with a non-Error: ${String(err)}`];
  const problems: string[] = [];
  if (err instanceof TypeError) problems.push(`raw TypeError: ${err.message}`);
  const known = [ProviderApiError, LifecycleError, PartialCreateError, ConfigurationError].some((k) => err instanceof k);
  if (!known) problems.push(`not a user-facing error class: ${err.constructor.name}`);
  if (!CLOUD_WORD[c.cloud].test(err.message)) problems.push("does not name the cloud");
  if (!OP_WORD[c.op].test(err.message)) problems.push("does not name the operation");
  if (/\n\s+at /.test(err.message) || /\n\s+at /.test(err.stack ?? "")) problems.push("stack frames in the message or stack");
  if (/undefined|\[object Object\]/.test(err.message)) problems.push("'undefined' or '[object Object]' in the message");
  if (needles.some((n) => err.message.includes(n))) problems.push("a secret or token in the message");
  return problems.map((p) => `${p} (message: ${err.message})`);
}

/** An orphan counts as reported when the error names it and tells the user to delete it. */
function isReported(orphan: { id: string; name: string }, message: string | undefined): boolean {
  if (!message) return false;
  const named = message.includes(`"${orphan.name}"`) || message.includes(orphan.id);
  return named && /delete it|and delete|DELETE \//.test(message) && !/nothing was left behind/.test(message);
}

// ---------------------------------------------------------------------------------------------
// Steps

/** Creates the key a read/delete case starts from (no fault active), shaped for the case. */
async function prepareExisting(c: Case, inputs: Record<string, unknown>): Promise<StateKey> {
  if (c.cloud === "nscale" && c.fault === "slow provisioning" && c.op === "read") {
    emu.configure({ nscale: { pollsUntilProvisioned: 1_000_000 } });
    process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = "0.2";
    const err = await provider.create(inputs).catch((e: unknown) => e);
    process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = PROVISIONING_TIMEOUT_SECONDS;
    expect(err).toBeInstanceOf(PartialCreateError);
    const p = err as PartialCreateError;
    return { id: p.id, props: p.properties, partial: true };
  }
  if (c.cloud === "nscale" && c.fault === "provisioning error" && c.op === "delete") {
    emu.failNextNscaleProvisioning();
    const err = await provider.create(inputs).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialCreateError);
    const p = err as PartialCreateError;
    return { id: p.id, props: p.properties, partial: true };
  }
  const { id, outs } = await provider.create(inputs);
  const state: StateKey = { id, props: { ...outs, __provider: SHIM }, partial: false };
  if (c.cloud === "nscale" && c.fault === "provisioning error" && c.op === "read") emu.setNscaleKeyStatus(id, "error");
  return state;
}

/** Arms the case's fault (HTTP rule or emulator behaviour). */
function arm(c: Case): void {
  if (HTTP_FAULTS.includes(c.fault as HttpFault)) {
    Object.assign(defaultRetryPolicy, c.persistent ? FAST_POLICY : REAL_POLICY);
    // The lifecycles' own create re-sends read the budget from settings: shortened with the policy.
    if (c.persistent) process.env.OSK_HTTP_RETRY_BUDGET_MS = String(FAST_POLICY.totalBudgetMs);
    emu.injectFault({ ...faultTarget(c.cloud, c.op), times: c.persistent ? Infinity : 1, action: faultAction(c) });
    return;
  }
  if (c.fault === "late commit") {
    process.env.NSCALE_API_URL = proxy.origin;
    process.env.HOSTUP_API_URL = `${proxy.origin}/api`;
    const t = faultTarget(c.cloud, c.op);
    const path = t.path instanceof RegExp ? t.path : new RegExp(`^${String(t.path).replace(/\*$/, "")}`);
    proxy.arm({ method: t.method!, path, delayMs: TIMEOUT_DELAY_MS });
    return;
  }
  if (c.fault === "slow provisioning") {
    if (c.op === "create") emu.configure({ nscale: { notFoundGetsAfterCreate: 3, pollsUntilProvisioned: 6 } });
    if (c.op === "provisioning poll") {
      emu.configure({ nscale: { pollsUntilProvisioned: 1_000_000 } });
      process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = "0.3";
    }
    if (c.op === "delete") emu.configure({ nscale: { pollsUntilDeleted: 6 } });
    if (c.op === "deletion poll") {
      emu.configure({ nscale: { pollsUntilDeleted: 1_000_000 } });
      process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = "0.3";
    }
    return;
  }
  // provisioning error
  if (c.op === "create") {
    emu.configure({ nscale: { pollsUntilProvisioned: 0 } });
    emu.failNextNscaleProvisioning();
  }
  if (c.op === "provisioning poll") {
    emu.configure({ nscale: { notFoundGetsAfterCreate: 2, pollsUntilProvisioned: 4 } });
    emu.failNextNscaleProvisioning();
  }
  if (c.op === "deletion poll") emu.configure({ nscale: { pollsUntilDeleted: 1_000_000 } });
}

/** Runs the operation under test; returns the error (if any) and the resulting state. */
async function runOperation(
  c: Case,
  inputs: Record<string, unknown>,
  before: StateKey | undefined,
): Promise<{ err?: unknown; state: StateKey | undefined; readSaidDeleted: boolean }> {
  if (c.op === "create" || c.op === "provisioning poll") {
    try {
      const { id, outs } = await provider.create(inputs);
      return { state: { id, props: { ...outs, __provider: SHIM }, partial: false }, readSaidDeleted: false };
    } catch (err) {
      if (err instanceof PartialCreateError) {
        return { err, state: { id: err.id, props: err.properties, partial: true }, readSaidDeleted: false };
      }
      return { err, state: undefined, readSaidDeleted: false };
    }
  }
  const current = before!;
  if (c.op === "read") {
    try {
      const r = await provider.read(current.id, current.props);
      if (r.id === undefined) return { state: undefined, readSaidDeleted: true };
      return { state: { id: r.id, props: { ...(r.props as Record<string, unknown>), __provider: SHIM }, partial: current.partial }, readSaidDeleted: false };
    } catch (err) {
      return { err, state: current, readSaidDeleted: false };
    }
  }
  // delete / deletion poll
  let flipToError: Promise<void> | undefined;
  if (c.fault === "provisioning error" && c.op === "deletion poll") {
    // Once the DELETE has been accepted, the key's status turns to "error" while deprovisioning.
    flipToError = waitFor(() => emu.requests.some((r) => r.method === "DELETE" && r.status === 202), 2_000, "the DELETE").then(() =>
      emu.setNscaleKeyStatus(current.id, "error"),
    );
  }
  try {
    await provider.delete(current.id, current.props);
    await flipToError;
    return { state: undefined, readSaidDeleted: false };
  } catch (err) {
    await flipToError?.catch(() => undefined);
    return { err, state: current, readSaidDeleted: false };
  }
}

/**
 * What the engine does next once the fault is gone: `up` resumes a partial create (update), then
 * `destroy` deletes what state holds. Nscale finishing a stuck deletion and provisioning
 * completing are simulated on the emulator first.
 */
async function recover(c: Case, inputs: Record<string, unknown>, state: StateKey | undefined): Promise<void> {
  emu.clearFaults();
  proxy.disarm();
  process.env.NSCALE_API_URL = emu.nscaleApiUrl;
  process.env.HOSTUP_API_URL = emu.hostupApiUrl;
  Object.assign(defaultRetryPolicy, REAL_POLICY);
  delete process.env.OSK_HTTP_RETRY_BUDGET_MS;
  process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = PROVISIONING_TIMEOUT_SECONDS;
  emu.configure({ nscale: { pollsUntilProvisioned: 1, notFoundGetsAfterCreate: 0, pollsUntilDeleted: 1 } });
  for (const k of emu.inspect().nscale.keys) {
    if (k.deleting) emu.deleteOutOfBand("nscale", k.id);
    else if (k.provisioningStatus === "provisioning" || k.provisioningStatus === "pending") emu.setNscaleKeyStatus(k.id, "provisioned");
  }
  if (!state) return;
  if (state.partial && c.cloud === "nscale" && state.props.provisioningStatus !== "error") {
    const id = state.id;
    const held = emu.inspect().nscale.keys.find((k) => k.id === id);
    if (held && held.provisioningStatus !== "error") {
      const { outs } = await provider.update(state.id, state.props, inputs);
      expect(outs.secretAccessKey, "resume keeps the secret").toBe(state.props.secretAccessKey);
      expect(outs.provisioningStatus).toBe("provisioned");
      state = { ...state, props: { ...outs, __provider: SHIM } };
    }
  }
  await provider.delete(state.id, state.props);
}

// ---------------------------------------------------------------------------------------------
// The suite

describe("fault matrix (provider methods against the emulator)", () => {
  it("has at least 40 cases, named <cloud> <operation> <fault>", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const row: Row = {
      name: c.name,
      fault: FAULT_LABEL[c.fault],
      outcome: "not run",
      orphansReported: 0,
      orphansSilent: 0,
      lostSecrets: 0,
      ghosts: 0,
      falseDeleted: 0,
      leftAfterRecovery: 0,
      unclear: false,
      passed: false,
      note: c.note,
    };
    rows.push(row);

    const inputs = await checkedInputs(c.cloud);
    const baseline = new Set(liveKeys(c.cloud).map((k) => k.id));
    const before = c.op === "create" || c.op === "provisioning poll" ? undefined : await prepareExisting(c, inputs);
    const requestsBefore = emu.requests.length;
    const lateCommitsBefore = proxy.lateCommits();
    arm(c);
    const { err, state, readSaidDeleted } = await runOperation(c, inputs, before);
    await settle();
    emu.clearFaults();

    // -- measure everything first (the summary must reflect failures too) -------------------
    const message = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
    row.outcome = err === undefined ? "ok" : "error";
    row.errorType = err instanceof Error ? err.constructor.name : err === undefined ? undefined : typeof err;
    row.message = message;
    const live = liveKeys(c.cloud).filter((k) => !baseline.has(k.id));
    const orphans = live.filter((k) => k.id !== state?.id);
    const reported = orphans.filter((o) => isReported(o, message));
    row.orphansReported = reported.length;
    row.orphansSilent = orphans.length - reported.length;
    let stateSecretOk = true;
    if (state) {
      const accessKeyId = state.props.accessKeyId as string;
      const issued = emu.secretFor(accessKeyId);
      if (issued === undefined) row.ghosts = 1;
      else if (issued !== state.props.secretAccessKey) {
        row.lostSecrets = 1;
        stateSecretOk = false;
      }
    }
    const stillExists = before !== undefined && liveKeys(c.cloud).some((k) => k.id === before.id);
    row.falseDeleted = readSaidDeleted && stillExists ? 1 : 0;
    const problems = err === undefined ? [] : errorProblems(c, err, allNeedles());
    row.unclear = problems.length > 0;

    // -- assert ------------------------------------------------------------------------------
    // The fault really fired: a case that passes without it proves nothing.
    if (HTTP_FAULTS.includes(c.fault as HttpFault)) {
      const kind = faultAction(c).kind;
      const hits = emu.requests.slice(requestsBefore).filter((r) => r.fault === kind);
      expect(hits.length, `the injected ${kind} fault was hit`).toBeGreaterThan(0);
    }
    if (c.fault === "late commit") expect(proxy.lateCommits() - lateCommitsBefore, "the proxy committed a request late").toBeGreaterThan(0);
    if (c.expectOutcome) {
      expect(row.outcome, `expected ${c.expectOutcome}; error: ${message ?? "-"}`).toBe(c.expectOutcome);
    }
    expect(row.orphansSilent, `silent orphans: ${JSON.stringify(orphans.filter((o) => !isReported(o, message)))}; message: ${message ?? "-"}`).toBe(0);
    expect(stateSecretOk, "the secret in state is the one the cloud issued").toBe(true);
    expect(row.falseDeleted, "read answered deleted for a key that exists").toBe(0);
    if (state) {
      expect(state.props.__provider, "state keeps __provider (destroy needs it)").toBe(SHIM);
      if (c.op !== "read" && c.op !== "delete" && c.op !== "deletion poll") {
        // A key recorded as usable always has its secret.
        expect(state.props.secretAccessKey).toEqual(expect.any(String));
      }
    }
    // A create POST is never sent twice unless the first got a 429 (not processed), or (Nscale) the
    // key a 429-after-commit left was found by its marker and deleted: the orphan checks above
    // and the recovery check below prove nothing of those attempts is left.
    const posts = emu.requests.slice(requestsBefore).filter((r) => r.method === "POST");
    const processedPosts = posts.filter((r) => r.fault !== "status" && r.fault !== "rateLimit" && r.fault !== "reset" && r.fault !== "foreign");
    if (c.fault !== "429afterCommit" || c.cloud !== "nscale") {
      expect(processedPosts.length, "at most one create POST reached the handler").toBeLessThanOrEqual(1);
    }

    // -- recovery ----------------------------------------------------------------------------
    await recover(c, inputs, state);
    await settle();
    const left = liveKeys(c.cloud).filter((k) => !baseline.has(k.id));
    row.leftAfterRecovery = left.length;
    expect(left.map((k) => k.id).sort(), "after recovery only reported orphans remain").toEqual(reported.map((k) => k.id).sort());
    expect(problems, "the error is clear").toEqual([]);
    row.passed = true;
  });
});

// ---------------------------------------------------------------------------------------------
// Summary

/**
 * The matrix's table for the README and the issue's closing note: the invariants per fault shape
 * (both clouds, every operation, transient and persistent), and the total.
 */
function matrixTable(all: Row[]): string[] {
  const cols = (rs: Row[]) => {
    const sum = (f: (r: Row) => number) => rs.reduce((n, r) => n + f(r), 0);
    return `${rs.length} | ${sum((r) => r.orphansReported)} | ${sum((r) => r.orphansSilent)} | ${sum((r) => r.lostSecrets)} | ${sum((r) => r.falseDeleted)} | ${sum((r) => r.ghosts)} |`;
  };
  const faults = [...new Set(all.map((r) => r.fault))];
  return [
    '| fault (both clouds, every operation, once and persistent) | cases | orphans reported | silent orphans | lost secrets | false "deleted" | ghosts |',
    "|---|---|---|---|---|---|---|",
    ...faults.map((f) => `| ${f} | ${cols(all.filter((r) => r.fault === f))}`),
    `| **all** | ${cols(all)}`,
  ];
}

function printSummary(): void {
  const sum = (f: (r: Row) => number) => rows.reduce((n, r) => n + f(r), 0);
  const lines: string[] = [];
  const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
  lines.push("", "Fault matrix: per case");
  lines.push(`${pad("case", 62)} ${pad("outcome", 34)} orphans(rep/silent) lost ghost pass`);
  for (const r of rows) {
    const outcome = r.outcome === "error" ? `error ${r.errorType ?? ""}${r.unclear ? " UNCLEAR" : ""}` : r.outcome;
    lines.push(
      `${pad(r.name, 62)} ${pad(outcome, 34)} ${pad(`${r.orphansReported}/${r.orphansSilent}`, 19)} ${pad(String(r.lostSecrets), 4)} ${pad(String(r.ghosts), 5)} ${r.passed ? "yes" : "NO"}${r.note ? `  (${r.note})` : ""}`,
    );
  }
  lines.push("", "Fault matrix: summary");
  lines.push(
    "| cases | passed | op succeeded | op failed, clear error | op failed, unclear error | orphans reported to the user | silent orphans | lost secrets | read said deleted for a live key | ghosts in state |",
  );
  lines.push("|---|---|---|---|---|---|---|---|---|---|");
  lines.push(
    `| ${rows.length} | ${sum((r) => (r.passed ? 1 : 0))} | ${sum((r) => (r.outcome === "ok" ? 1 : 0))} | ${sum((r) => (r.outcome === "error" && !r.unclear ? 1 : 0))} | ${sum((r) => (r.unclear ? 1 : 0))} | ${sum((r) => r.orphansReported)} | ${sum((r) => r.orphansSilent)} | ${sum((r) => r.lostSecrets)} | ${sum((r) => r.falseDeleted)} | ${sum((r) => r.ghosts)} |`,
  );
  lines.push("(ghost = state keeps a key the cloud already deleted, e.g. a DELETE whose every response was lost; the next destroy gets 404 = gone: harmless)");
  lines.push("", ...matrixTable(rows));
  const failedCount = rows.filter((r) => !r.passed).length;
  if (process.env.FAULT_MATRIX_TABLE && failedCount === 0) writeFileSync(process.env.FAULT_MATRIX_TABLE, `${matrixTable(rows).join("\n")}\n`);
  const failed = rows.filter((r) => !r.passed);
  if (failed.length > 0) {
    lines.push("", "Failed cases:");
    for (const r of failed) lines.push(`  ${r.name}: ${r.message ?? "(no error from the operation; an invariant failed)"}`);
  }
  console.log(lines.join("\n"));
}
