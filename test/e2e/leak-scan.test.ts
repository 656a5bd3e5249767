/**
 * Secret-leak scan through the real engine, with the most verbose logging the engine offers.
 *
 * Two runs, both clouds each: credentials from environment variables, then from secret stack
 * config (`nscale:apiToken`, `hostup:apiKey`). Each run goes through up → preview → refresh →
 * rotate (`rotationTrigger`) → destroy, then the error paths (401 wrong token/key, 403 read-only
 * Nscale token, 422 unknown identity policy, 500 injected on both create POSTs), then destroy.
 * Every operation runs with `logVerbosity: 9, logToStdErr, logFlow, debug`, file tracing, and
 * `PULUMI_DEBUG_GRPC=<file>`.
 *
 * Artefacts scanned: all stdout/stderr (the engine's v=9 log goes to stderr) and engine events of
 * every operation, the error text of every failed operation, every state file (checkpoints,
 * history, backups) after every operation, `pulumi stack export` without --show-secrets, the
 * serialized `__provider`, `stack history`, every file of the workspace, backend and PULUMI_HOME,
 * the trace files, the emulator's request log, and the gRPC debug log.
 *
 * Needles: the secret of every key the emulator issued during the run (`emu.secretFor`), the
 * tokens/API keys used (valid, wrong and read-only ones). The bar is zero occurrences in everything
 * a user sees or stores at any verbosity: state, exports, history, workspace/backend/PULUMI_HOME
 * files, `__provider`, non-debug console lines, non-debug engine events, error messages.
 *
 * Scoped out (counted and printed, never asserted): the opt-in debug channels, which log raw
 * payloads by the engine's and SDK's design, outside this library's control (it logs nothing):
 *   - engine-log: `-v=9` glog lines ("marshaling property for RPC[...]: nscale:apiToken={...}"),
 *     also embedded in the Automation API's CommandError text;
 *   - trace: `--tracing` spans carry gRPC request bodies;
 *   - engine-grpc-debug: PULUMI_DEBUG_GRPC logs every gRPC payload, including the plaintext
 *     properties the engine sends to the dynamic provider (secrets reach it unwrapped);
 *   - debug-diagnostics: `--debug` lines/events; the Node SDK logs
 *     "RegisterResource RPC finished ... resp: <the outputs, secret values included>"
 *     (node_modules/@pulumi/pulumi/runtime/resource.js, `log.debug(... resp: ${innerResponse})`),
 *     so `pulumi up --debug` prints every secret output to the console.
 * Console lines are assigned to a channel line by line (see leak-scan-support.ts splitByChannel).
 *
 * `stack.exportStack()` (Automation API passes --show-secrets) holds secrets by design: it is
 * scanned with every secret envelope removed, proving each secret in state is marked secret.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createTestStack, exportStackEncrypted, readStateFile, type TestStack } from "./harness";
import {
  Artefacts,
  Tail,
  addCapture,
  addConsoleText,
  debugLinesOf,
  isDebugKind,
  DEBUG_KINDS,
  formatBytes,
  newCapture,
  splitByChannel,
  textFilesUnder,
  verbose,
  withoutSecretEnvelopes,
  type Hit,
} from "./leak-scan-support";
import {
  CONFIG_ONLY_ENV,
  emulatorEnv,
  expectFailure,
  keysProgram,
  loadLib,
  setCredentialsConfig,
  startSuiteEmulator,
  suiteGate,
  uniqueSuffix,
  type KeySpec,
} from "./support";

const lib = loadLib();
const gate = suiteGate();
const READ_ONLY_TOKEN = "emulator-nscale-readonly";
const suffix = uniqueSuffix();
const WRONG_NSCALE_TOKEN = `wrong-nscale-token-${suffix}`;
const WRONG_HOSTUP_KEY = `wrong-hostup-key-${suffix}`;

let emu: Emulator;
let specs: KeySpec[] = [];
const program = keysProgram(lib, () => specs);
const artefacts = new Artefacts();
/** Every secret the emulator issued, by accessKeyId. */
const secrets = new Map<string, string>();
const emulatorLog: string[] = [];

interface Run {
  label: "env credentials" | "config credentials";
  ts: TestStack;
  grpc: Tail;
  grpcFile: string;
  traceFile: string;
}
const runs: Run[] = [];

function lifecycleSpecs(trigger: string, extra: { nscale?: Record<string, unknown>; hostup?: Record<string, unknown> } = {}): KeySpec[] {
  return [
    {
      name: "leak-nscale",
      exportAs: "n_",
      args: { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin", rotationTrigger: trigger, ...extra.nscale },
    },
    { name: "leak-hostup", exportAs: "h_", args: { cloud: "hostup", rotationTrigger: trigger, ...extra.hostup } },
  ];
}

/** Records the secret of every key the emulator holds now. */
function harvestSecrets(): void {
  const snap = emu.inspect();
  for (const id of [...snap.nscale.keys.map((k) => k.accessKeyId), ...snap.hostup.keys.map((k) => k.accessKey)]) {
    const s = emu.secretFor(id);
    if (s) secrets.set(id, s);
  }
}

/** After an operation: the new stream/debug/trace bytes and the state as it is now. */
async function collectAfter(run: Run, name: string): Promise<void> {
  harvestSecrets();
  const grpc = await run.grpc.next();
  if (grpc) artefacts.add("engine-grpc-debug", `${run.label} / ${name} / PULUMI_DEBUG_GRPC log`, grpc);
  try {
    artefacts.add("trace", `${run.label} / ${name} / trace file`, await fs.readFile(run.traceFile, "utf8"));
    await fs.rm(run.traceFile, { force: true });
  } catch {
    // no trace written
  }
  artefacts.add("state", `${run.label} / after ${name} / .pulumi (checkpoints, history, backups)`, await readStateFile(run.ts.backendDir, ".pulumi"));
  artefacts.add("export", `${run.label} / after ${name} / stack export (encrypted)`, await exportStackEncrypted(run.ts));
}

/** Runs one engine operation verbosely; returns the error text when `fails`. */
async function operate(
  run: Run,
  name: string,
  op: "up" | "preview" | "refresh" | "destroy",
  opts: { fails?: boolean; expectNoChanges?: boolean } = {},
): Promise<string> {
  const cap = newCapture();
  const o = { ...verbose(cap, run.traceFile), ...(opts.expectNoChanges ? { expectNoChanges: true } : {}) };
  const call = (): Promise<unknown> => {
    switch (op) {
      case "up":
        return run.ts.stack.up(o);
      case "preview":
        return run.ts.stack.preview(o);
      case "refresh":
        return run.ts.stack.refresh(o);
      case "destroy":
        return run.ts.stack.destroy(o);
    }
  };
  let errorText = "";
  if (opts.fails) errorText = await expectFailure(call());
  else await call();
  addCapture(artefacts, `${run.label} / ${name}`, cap);
  // The Automation API's CommandError embeds the CLI's stdout and stderr.
  if (opts.fails) addConsoleText(artefacts, "error", `${run.label} / ${name} / error message`, errorText, debugLinesOf(cap));
  await collectAfter(run, name);
  return errorText;
}

let debugDir = "";

async function newRun(label: Run["label"], envVars: Record<string, string>): Promise<Run> {
  const tag = label === "env credentials" ? "env" : "config";
  const grpcFile = path.join(debugDir, `${tag}-grpc-debug.log`);
  const traceFile = path.join(debugDir, `${tag}-trace.json`);
  const ts = await createTestStack({
    projectName: `osk-e2e-leak-${tag}`,
    program,
    envVars: { ...envVars, PULUMI_DEBUG_GRPC: grpcFile },
  });
  return { label, ts, grpc: new Tail(grpcFile), grpcFile, traceFile };
}

describe("secret-leak scan (real engine, most verbose logging)", () => {
  beforeAll(async () => {
    emu = await startSuiteEmulator({ log: (line) => emulatorLog.push(line) });
    if (!(await gate.ready())) return;
    debugDir = await fs.mkdtemp(path.join(os.tmpdir(), "osk-leak-debug-"));
    runs.push(await newRun("env credentials", emulatorEnv(emu)));
    runs.push(await newRun("config credentials", CONFIG_ONLY_ENV));
    await setCredentialsConfig(runs[1]!.ts.stack, emu);
    gate.set(runs[0]!.ts);
  });

  afterAll(async () => {
    for (const r of runs) await r.ts.cleanup();
    if (debugDir && process.env["PULUMI_OSK_KEEP_E2E"] !== "1") await fs.rm(debugDir, { recursive: true, force: true });
    await emu?.close();
  });

  for (const label of ["env credentials", "config credentials"] as const) {
    const run = () => runs.find((r) => r.label === label)!;

    it(`${label}: up, preview, refresh, rotate, destroy (both clouds)`, async (ctx) => {
      gate.stack(ctx);
      const r = run();
      specs = lifecycleSpecs("r1");
      await operate(r, "up", "up");
      const first = await r.ts.stack.outputs();
      expect(first["n_secretAccessKey"]?.secret).toBe(true);
      expect(first["h_secretAccessKey"]?.secret).toBe(true);
      expect(emu.secretFor(first["n_accessKeyId"]?.value as string)).toBe(first["n_secretAccessKey"]?.value);
      expect(emu.secretFor(first["h_accessKeyId"]?.value as string)).toBe(first["h_secretAccessKey"]?.value);

      await operate(r, "preview", "preview", { expectNoChanges: true });
      await operate(r, "refresh", "refresh", { expectNoChanges: true });
      specs = lifecycleSpecs("r2");
      await operate(r, "rotate (up with a new rotationTrigger)", "up");
      const second = await r.ts.stack.outputs();
      expect(second["n_accessKeyId"]?.value).not.toBe(first["n_accessKeyId"]?.value);
      expect(second["h_accessKeyId"]?.value).not.toBe(first["h_accessKeyId"]?.value);

      // The exported state (secrets shown) marks every secret as secret: nothing outside envelopes.
      const shown = await r.ts.stack.exportStack();
      // Scanner self-check: the needles are the real values (this export shows secrets by design).
      expect(JSON.stringify(shown.deployment)).toContain(JSON.stringify(second["n_secretAccessKey"]?.value).slice(1, -1));
      artefacts.add("export", `${label} / exportStack() with secrets, envelopes removed`, JSON.stringify(withoutSecretEnvelopes(shown.deployment)));
      const resources = (shown.deployment as { resources?: Array<{ outputs?: Record<string, unknown> }> }).resources ?? [];
      for (const res of resources) {
        const shim = res.outputs?.["__provider"];
        if (typeof shim === "string") artefacts.add("provider-shim", `${label} / serialized __provider`, shim);
      }
      artefacts.add("history", `${label} / stack history`, JSON.stringify(await r.ts.stack.history(undefined, undefined, false)));

      await operate(r, "destroy", "destroy");
    });

    it(`${label}: error paths (401, 403 read-only token, 422 unknown identity policy, 500) fail without leaking`, async (ctx) => {
      gate.stack(ctx);
      const r = run();
      const viaConfig = label === "config credentials";
      const messages: Record<string, string> = {};

      // 401: a wrong Nscale token and a wrong HostUp key.
      if (viaConfig) {
        await r.ts.stack.setConfig("nscale:apiToken", { value: WRONG_NSCALE_TOKEN, secret: true });
        await r.ts.stack.setConfig("hostup:apiKey", { value: WRONG_HOSTUP_KEY, secret: true });
        specs = lifecycleSpecs("e401");
      } else {
        specs = lifecycleSpecs("e401", { nscale: { apiToken: WRONG_NSCALE_TOKEN }, hostup: { apiKey: WRONG_HOSTUP_KEY } });
      }
      messages["401"] = await operate(r, "up with wrong credentials (401)", "up", { fails: true });
      expect(messages["401"]).toMatch(/HTTP 401/);

      // 403: Nscale's read-only token may read but not create.
      if (viaConfig) {
        await r.ts.stack.setConfig("nscale:apiToken", { value: READ_ONLY_TOKEN, secret: true });
        await r.ts.stack.setConfig("hostup:apiKey", { value: emu.hostupApiKey, secret: true });
        specs = lifecycleSpecs("e403").slice(0, 1);
      } else {
        specs = lifecycleSpecs("e403", { nscale: { apiToken: READ_ONLY_TOKEN } }).slice(0, 1);
      }
      messages["403"] = await operate(r, "up with the read-only token (403)", "up", { fails: true });
      expect(messages["403"]).toMatch(/HTTP 403/);
      if (viaConfig) await r.ts.stack.setConfig("nscale:apiToken", { value: emu.nscaleToken, secret: true });

      // 422: an identity policy the endpoint does not have.
      specs = lifecycleSpecs("e422", { nscale: { identityPolicy: "no-such-policy" } }).slice(0, 1);
      messages["422"] = await operate(r, "up with an unknown identity policy (422)", "up", { fails: true });
      expect(messages["422"]).toMatch(/HTTP 422/);

      // 500 on both create POSTs.
      emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "status", status: 500 } });
      emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "status", status: 500 } });
      specs = lifecycleSpecs("e500");
      messages["500"] = await operate(r, "up with HTTP 500 on create", "up", { fails: true });
      expect(messages["500"]).toMatch(/HTTP 500/);
      emu.clearFaults();

      specs = [];
      await operate(r, "final destroy", "destroy");
      for (const [status, m] of Object.entries(messages)) {
        const line =
          splitByChannel(m)
            .plain.split("\n")
            .find((l) => /HTTP \d{3}/.test(l))
            ?.trim() ?? "(none)";
        console.log(`[leak-scan] ${label} ${status}: ${line.slice(0, 300)}`);
      }
    });
  }

  it("zero occurrences of any secret or token in every artefact", async (ctx) => {
    gate.stack(ctx);
    // Everything on disk the runs left: workspace (Pulumi.<stack>.yaml), backend, PULUMI_HOME, debug files.
    for (const r of runs) {
      const dir = path.dirname(r.ts.backendDir);
      for (const f of await textFilesUnder(dir)) {
        const rel = path.relative(dir, f.file);
        artefacts.add("workspace-file", `${r.label} / file ${rel}`, f.text);
      }
    }
    artefacts.add("emulator-log", "emulator request log", emulatorLog.join("\n"));

    harvestSecrets();
    const needles: Record<string, string> = {
      "Nscale API token": emu.nscaleToken,
      "HostUp API key": emu.hostupApiKey,
      "wrong Nscale token": WRONG_NSCALE_TOKEN,
      "wrong HostUp key": WRONG_HOSTUP_KEY,
      "read-only Nscale token": READ_ONLY_TOKEN,
    };
    for (const [accessKeyId, secret] of secrets) needles[`secret of ${accessKeyId}`] = secret;
    const issuedByUs = secrets.size;

    const dumpDir = process.env["OSK_LEAK_SCAN_DUMP"];
    if (dumpDir) await artefacts.dump(dumpDir);
    const hits = artefacts.scan(needles);
    const debugHits = hits.filter((h) => isDebugKind(h.kind));
    const userHits = hits.filter((h) => !isDebugKind(h.kind));
    const count = (hs: Hit[]) => hs.reduce((n, h) => n + h.count, 0);
    const userArtefacts = artefacts.items.filter((a) => !isDebugKind(a.kind));

    const lines = [
      "",
      "Secret-leak scan",
      `needles: ${Object.keys(needles).length} (${issuedByUs} key secrets issued during the runs, 5 credentials)`,
      "| scope | artefacts | bytes | occurrences |",
      "|---|---|---|---|",
      `| user-visible and stored (asserted zero) | ${userArtefacts.length} | ${formatBytes(artefacts.bytes((a) => !isDebugKind(a.kind)))} | ${count(userHits)} |`,
      ...DEBUG_KINDS.map(
        (k) =>
          `| opt-in debug channel: ${k} | ${artefacts.items.filter((a) => a.kind === k).length} | ${formatBytes(artefacts.bytes((a) => a.kind === k))} | ${count(debugHits.filter((h) => h.kind === k))} |`,
      ),
      "",
      "artefacts by kind:",
      ...Object.entries(
        artefacts.items.reduce<Record<string, { n: number; bytes: number }>>((acc, a) => {
          const e = (acc[a.kind] ??= { n: 0, bytes: 0 });
          e.n += 1;
          e.bytes += Buffer.byteLength(a.text, "utf8");
          return acc;
        }, {}),
      ).map(([k, v]) => `  ${k}: ${v.n} artefacts, ${formatBytes(v.bytes)}`),
    ];
    for (const k of DEBUG_KINDS) {
      const hs = debugHits.filter((h) => h.kind === k);
      if (hs.length === 0) continue;
      const byNeedle = new Map<string, number>();
      for (const h of hs) {
        const n = h.needle.startsWith("secret of") ? "key secrets" : h.needle;
        byNeedle.set(n, (byNeedle.get(n) ?? 0) + h.count);
      }
      lines.push("", `${k}: ${[...byNeedle].map(([n, c]) => `${n} x${c}`).join(", ")}`);
      lines.push(`  e.g. ...${hs[0]!.context.slice(0, 260)}...`);
    }
    if (userHits.length > 0) {
      lines.push("", "LEAKS:");
      for (const h of userHits) lines.push(`  ${h.needle} x${h.count} in ${h.artefact}: ...${h.context}...`);
    }
    console.log(lines.join("\n"));

    expect(issuedByUs, "the runs issued keys whose secrets are searched for").toBeGreaterThanOrEqual(8);
    expect(artefacts.items.some((a) => a.kind === "provider-shim")).toBe(true);
    expect(userHits, "no secret or token in any user-visible or stored artefact").toEqual([]);
  });
});
