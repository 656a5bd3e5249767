/**
 * Load: 200 keys (100 Nscale + 100 HostUp) in one stack, through the real engine, against an
 * emulator rate-limited to 10 control-plane requests per second (one token bucket shared by both
 * APIs, Retry-After in whole seconds). `up` and `destroy` must complete with zero failures: the
 * clients absorb 429s by retrying (GET/DELETE always; a create POST on 429 only, since a 429 means
 * the request was not processed). Every key in state must carry the secret the cloud issued.
 *
 * Reports the number of 429s (by method), the requests sent and the wall time of up and destroy.
 * Knobs: OSK_LOAD_NSCALE / OSK_LOAD_HOSTUP (keys per cloud, default 100), OSK_LOAD_PARALLEL (the
 * engine's --parallel; default 32, see PARALLEL), OSK_LOAD_RPS (default 10).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator, RequestLogEntry } from "../../src/emulator";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { createTestStack } from "./harness";
import { TIMING_ENV, accessKeysInState, emulatorEnv, loadLib, startSuiteEmulator, suiteGate } from "./support";

const lib = loadLib();
const gate = suiteGate();
const N_NSCALE = Number(process.env["OSK_LOAD_NSCALE"] ?? 100);
const N_HOSTUP = Number(process.env["OSK_LOAD_HOSTUP"] ?? 100);
/**
 * The CLI's default --parallel is 4 x CPUs (8 on a 2-CPU runner, 32 on an 8-core laptop): pinned
 * to 32 so the result does not depend on the machine. OSK_LOAD_PARALLEL=default uses the CLI's.
 */
const PARALLEL_ENV = process.env["OSK_LOAD_PARALLEL"] ?? "32";
const PARALLEL = PARALLEL_ENV === "default" ? undefined : Number(PARALLEL_ENV);
const RPS = Number(process.env["OSK_LOAD_RPS"] ?? 10);
const TIMEOUT = 420_000;

let emu: Emulator;

const program = async (): Promise<Record<string, unknown>> => {
  const keys: unknown[] = [];
  for (let i = 0; i < N_NSCALE; i++) {
    keys.push(new lib.ObjectStorageAccessKey(`load-nscale-${i}`, { cloud: "nscale", endpointId: emu.endpointId, identityPolicy: "bucket-admin" }));
  }
  for (let i = 0; i < N_HOSTUP; i++) {
    keys.push(new lib.ObjectStorageAccessKey(`load-hostup-${i}`, { cloud: "hostup" }));
  }
  return { keys: keys.length };
};

interface Phase {
  name: string;
  wallMs: number;
  result: string;
  requests: number;
  by429: Record<string, number>;
  failedResources: number;
  /** Distinct first lines of the per-resource error diagnostics, with counts. */
  failures: Record<string, number>;
  firstFailure?: string;
  /** After the phase: keys the emulator holds that state does not know (up) / still holds (destroy). */
  orphans?: number;
  lostSecrets?: number;
}
const phases: Phase[] = [];

function count429(log: RequestLogEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of log) if (r.status === 429) out[`${r.cloud} ${r.method}`] = (out[`${r.cloud} ${r.method}`] ?? 0) + 1;
  return out;
}

const ourNscale = () => emu.inspect().nscale.keys.filter((k) => k.name.startsWith("load-nscale-"));
const ourHostup = () => emu.inspect().hostup.keys.filter((k) => k.label.startsWith("load-hostup-"));

async function runPhase(name: string, op: (o: Record<string, unknown>) => Promise<{ summary: { result: string } }>): Promise<Phase> {
  const events: EngineEvent[] = [];
  const from = emu.requests.length;
  const started = Date.now();
  let result: string;
  let error = "";
  try {
    const res = await op({ ...(PARALLEL !== undefined ? { parallel: PARALLEL } : {}), onEvent: (e: EngineEvent) => void events.push(e), color: "never" });
    result = res.summary.result;
  } catch (err) {
    result = "failed";
    error = err instanceof Error ? err.message : String(err);
  }
  const log = emu.requests.slice(from);
  const failures = events.filter((e) => e.resOpFailedEvent !== undefined);
  const distinct: Record<string, number> = {};
  for (const e of events) {
    const d = e.diagnosticEvent;
    if (d?.severity !== "error" || !d.urn) continue;
    // The engine wraps provider errors as "1 error occurred:\n\t* <message>".
    const body = d.message.split("\n").filter((l) => !/^\s*\d+ errors? occurred/.test(l) && l.trim() !== "");
    if (body.length === 0) continue;
    const line = (body.find((l) => /failed|Rate limited/i.test(l)) ?? body[0]!)
      .trim()
      .replace(/^\*\s*/, "")
      .replace(/\[request id [^\]]+\]/, "[request id …]")
      .slice(0, 300);
    distinct[line] = (distinct[line] ?? 0) + 1;
  }
  const phase: Phase = {
    name,
    wallMs: Date.now() - started,
    result,
    requests: log.length,
    by429: count429(log),
    failedResources: failures.length,
    failures: distinct,
    firstFailure: Object.keys(distinct)[0] ?? (error ? error.split("\n").find((l) => /error/i.test(l)) : undefined),
  };
  phases.push(phase);
  console.log(`[load] ${name}: ${JSON.stringify(phase)}`);
  return phase;
}

describe(`load: ${N_NSCALE + N_HOSTUP} keys at ${RPS} requests/s (real engine)`, () => {
  beforeAll(async () => {
    emu = await startSuiteEmulator({ rateLimit: { requestsPerSecond: RPS } });
    if (!(await gate.ready())) return;
    gate.set(
      await createTestStack({
        projectName: "osk-e2e-load",
        program,
        envVars: { ...emulatorEnv(emu), ...TIMING_ENV, NSCALE_POLL_INTERVAL_MS: "100", NSCALE_PROVISIONING_TIMEOUT_SECONDS: "120" },
      }),
    );
  }, TIMEOUT);

  afterAll(async () => {
    const lines = [
      "",
      `Load: ${N_NSCALE} Nscale + ${N_HOSTUP} HostUp keys, emulator rate limit ${RPS} req/s, engine --parallel ${PARALLEL ?? "default"}`,
      "| phase | result | wall time | requests | 429s (total) | 429s by cloud/method | failed resources |",
      "|---|---|---|---|---|---|---|",
      ...phases.map(
        (p) =>
          `| ${p.name} | ${p.result} | ${(p.wallMs / 1000).toFixed(1)} s | ${p.requests} | ${Object.values(p.by429).reduce((a, b) => a + b, 0)} | ${JSON.stringify(p.by429)} | ${p.failedResources} |`,
      ),
    ];
    for (const p of phases) {
      if (p.orphans !== undefined)
        lines.push(`${p.name}: keys in the emulator that state does not hold: ${p.orphans}; keys in state with a wrong/missing secret: ${p.lostSecrets ?? 0}`);
      for (const [m, n] of Object.entries(p.failures)) lines.push(`${p.name} failure x${n}: ${m}`);
    }
    console.log(lines.join("\n"));
    // Leave nothing behind even when up failed half-way.
    if (gate.current && (ourNscale().length > 0 || ourHostup().length > 0)) {
      emu.configure({ rateLimit: null });
      await gate.current.stack.destroy().catch(() => undefined);
    }
    await gate.current?.cleanup();
    await emu?.close();
  }, TIMEOUT);

  it(
    "up creates every key with zero failures; 429s are absorbed",
    async (ctx) => {
      const { stack } = gate.stack(ctx);
      const phase = await runPhase("up", (o) => stack.up(o));

      // Whatever happened: every key in state carries the secret the cloud issued (exportStack
      // shows secrets), and every key the emulator holds is in state.
      const keys = await accessKeysInState(stack);
      let lost = 0;
      for (const k of keys) {
        const env = k.outputs?.["secretAccessKey"] as { plaintext?: string } | undefined;
        const secret = env?.plaintext ? (JSON.parse(env.plaintext) as string) : undefined;
        if (secret === undefined || secret !== emu.secretFor(k.outputs?.["accessKeyId"] as string)) lost += 1;
      }
      const inState = new Set(keys.map((k) => k.id));
      phase.orphans = [
        ...ourNscale()
          .filter((k) => !k.deleting)
          .map((k) => k.id),
        ...ourHostup().map((k) => k.accessKey),
      ].filter((id) => !inState.has(id)).length;
      phase.lostSecrets = lost;
      console.log(`[load] up: orphans ${phase.orphans}, lost secrets ${lost}, failures ${JSON.stringify(phase.failures)}`);

      expect(lost, "keys whose secret in state is not the issued one").toBe(0);
      expect(phase.orphans, "keys the cloud holds that state does not").toBe(0);
      expect(phase.failedResources, phase.firstFailure).toBe(0);
      expect(phase.result).toBe("succeeded");
      // The rate limit really bit: otherwise "429s are absorbed" is untested.
      expect(
        Object.values(phase.by429).reduce((a, b) => a + b, 0),
        "429 responses during up",
      ).toBeGreaterThan(0);
      expect(ourNscale()).toHaveLength(N_NSCALE);
      expect(ourHostup()).toHaveLength(N_HOSTUP);
      expect(keys).toHaveLength(N_NSCALE + N_HOSTUP);
    },
    TIMEOUT,
  );

  it(
    "destroy deletes every key with zero failures",
    async (ctx) => {
      const { stack } = gate.stack(ctx);
      const phase = await runPhase("destroy", (o) => stack.destroy(o));
      expect(phase.failedResources, phase.firstFailure).toBe(0);
      expect(phase.result).toBe("succeeded");
      expect(
        Object.values(phase.by429).reduce((a, b) => a + b, 0),
        "429 responses during destroy",
      ).toBeGreaterThan(0);
      expect(ourNscale().filter((k) => !k.deleting)).toHaveLength(0);
      expect(ourHostup()).toHaveLength(0);
      expect(await accessKeysInState(stack)).toHaveLength(0);
    },
    TIMEOUT,
  );
});
