/**
 * `npm run bench:engine [-- options]`: the provider's overhead under the real engine (issue 11).
 * Figures only: nothing here is asserted, and no test times anything.
 *
 * Through the Automation API on a local file backend, against the embedded emulator on loopback
 * with no injected latency (Nscale keys provisioned at once), per cloud:
 *   A  N ObjectStorageAccessKey resources (the package's dist/),
 *   B  N no-op dynamic resources (a small inline provider) that return the same outputs, with the
 *      same secret outputs, as A's (copied from a warm-up key of that cloud),
 * `pulumi up`, `pulumi refresh` and `pulumi destroy` of each, alternating A B A B for --rounds
 * rounds. Printed: the median seconds per op and the ratio A/B; the dynamic-provider process's
 * peak RSS (VmHWM, sampled from /proc for the `cmd/dynamic-provider` descendants of this
 * process); the HTTP requests each op of A sent (the emulator's request log); and the Nscale
 * "seen after provisioned" lag: with the key made provisioned D ms after its POST, how long after
 * that the provider's GET saw it and the engine got the result.
 *
 *   --n <count>        resources per stack (default 100)
 *   --rounds <count>   A B rounds (default 3, at least 1)
 *   --clouds <list>    nscale,hostup (default both)
 *   --delays <list>    provisioning delays for the lag, ms (default 0,500,1100,3000)
 *   --lag-keys <count> keys per lag measurement (default 5)
 *   --package <dir>    the package to measure (its dist/ and its emulator; default this repo),
 *                      e.g. a built worktree of an older release
 *   --json <file>      also write every sample as JSON
 */
import { promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import type { Emulator, EmulatorOptions } from "pulumi-object-storage-keys/emulator";

import { createConsumerDir, ensureEngine, makeTempDir, openLocalStack, REPO_ROOT, type Engine } from "./lib/local-stack";
import { median, withRssSampling as withPeakRss } from "./lib/proc-rss";

/** The dynamic-provider processes' peak RSS while `fn` runs. */
const withRssSampling = <T>(fn: () => Promise<T>) => withPeakRss("cmd/dynamic-provider", fn);

type Cloud = "nscale" | "hostup";
type Op = "up" | "refresh" | "destroy";
type Variant = "library" | "no-op";
const OPS: Op[] = ["up", "refresh", "destroy"];
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The emulator of the package being measured (an older release's has the same surface). */
type Emu = Emulator;

// -------------------------------------------------------------------------------------------------
// The no-op resource: the engine's floor for the same state shape

/** A provider that does nothing but hand back `template` with this resource's own ids. */
function noopProvider(template: Record<string, unknown>): pulumi.dynamic.ResourceProvider {
  return {
    async check(_olds: unknown, news: Record<string, unknown>) {
      return { inputs: news };
    },
    async diff() {
      return { changes: false };
    },
    async create(inputs: Record<string, unknown>) {
      const id = `noop-${String(inputs["resourceName"])}`;
      return { id, outs: { ...template, ...inputs, keyId: id } };
    },
    async read(id: string, props: Record<string, unknown>) {
      return { id, props };
    },
    async delete() {},
  };
}

class NoopKey extends pulumi.dynamic.Resource {
  constructor(name: string, provider: pulumi.dynamic.ResourceProvider, inputs: Record<string, unknown>, declared: string[], secretOutputs: string[]) {
    const props: Record<string, unknown> = Object.fromEntries(declared.map((k) => [k, undefined]));
    super(provider, name, { ...props, ...inputs, resourceName: name }, { additionalSecretOutputs: secretOutputs }, "bench", "NoopKey");
  }
}

// -------------------------------------------------------------------------------------------------
// Figures

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "-");

interface Sample {
  cloud: Cloud;
  variant: Variant;
  round: number;
  op: Op;
  seconds: number;
  peakRssMiB: number;
  requests: number;
  requestsByKind: Record<string, number>;
}

interface LagSample {
  delayMs: number;
  keyId: string;
  /** Provisioned → the first GET of the key that arrived after. */
  seenMs: number;
  /** Provisioned → the engine's resource-outputs event for the key. */
  returnedMs: number;
}

// -------------------------------------------------------------------------------------------------

interface Options {
  n: number;
  rounds: number;
  clouds: Cloud[];
  delays: number[];
  lagKeys: number;
  packageDir: string;
  json?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      n: { type: "string", default: "100" },
      rounds: { type: "string", default: "3" },
      clouds: { type: "string", default: "nscale,hostup" },
      delays: { type: "string", default: "0,500,1100,3000" },
      "lag-keys": { type: "string", default: "5" },
      package: { type: "string" },
      json: { type: "string" },
    },
  });
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, not "${v}"`);
    return n;
  };
  const clouds = values.clouds!.split(",").map((c) => c.trim());
  for (const c of clouds) if (c !== "nscale" && c !== "hostup") throw new Error(`--clouds: unknown cloud "${c}"`);
  return {
    n: int("n", values.n!, 1),
    rounds: int("rounds", values.rounds!, 1),
    clouds: clouds as Cloud[],
    delays: values
      .delays!.split(",")
      .filter((d) => d.trim() !== "")
      .map((d) => int("delays", d.trim(), 0)),
    lagKeys: int("lag-keys", values["lag-keys"]!, 1),
    packageDir: path.resolve(values.package ?? REPO_ROOT),
    json: values.json,
  };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const t0 = Date.now();
  const pkg = JSON.parse(readFileSync(path.join(opts.packageDir, "package.json"), "utf8")) as { name: string; version: string };
  for (const entry of ["dist/index.js", "dist/emulator/index.js"]) {
    if (!(await fs.stat(path.join(opts.packageDir, entry)).catch(() => undefined)))
      throw new Error(`${path.join(opts.packageDir, entry)} is missing: build that package first`);
  }
  // The package under test, by path (a build of another checkout, or this one).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const lib = require(path.join(opts.packageDir, "dist", "index.js")) as { ObjectStorageAccessKey: new (name: string, args: never) => pulumi.CustomResource };
  const { startEmulator } = require(path.join(opts.packageDir, "dist", "emulator")) as { startEmulator: (o: EmulatorOptions) => Promise<Emu> };
  /* eslint-enable @typescript-eslint/no-require-imports */

  const tmp = await makeTempDir("osk-bench-engine-");
  const log = (s: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}\n`);
  const emu = await startEmulator({ nscale: { createStatus: "provisioned", pollsUntilDeleted: 0 }, hostup: { seedKeys: 1 } });
  try {
    const engine = await ensureEngine(tmp.dir);
    // The package as a consumer has it: node_modules/pulumi-object-storage-keys -> the package dir.
    const mainDir = await createConsumerDir(path.join(tmp.dir, "consumer"), opts.packageDir);
    const envVars = {
      NSCALE_API_TOKEN: emu.nscaleToken,
      NSCALE_API_URL: emu.nscaleApiUrl,
      HOSTUP_API_KEY: emu.hostupApiKey,
      HOSTUP_API_URL: emu.hostupApiUrl,
      NSCALE_SERVICE_TOKEN: "",
      NSCALE_S3_REGION: "",
    };
    const keyArgs = (cloud: Cloud): Record<string, unknown> =>
      cloud === "nscale" ? { cloud, endpointId: emu.endpointId, identityPolicy: "bucket-admin" } : { cloud };
    const libProgram =
      (cloud: Cloud, n: number): PulumiFn =>
      async () => {
        for (let i = 0; i < n; i++) new lib.ObjectStorageAccessKey(`k${i}`, keyArgs(cloud) as never);
      };
    const open = (project: string, program: PulumiFn) =>
      openLocalStack({ engine, stateDir: tmp.dir, projectName: project, stackName: "bench", program, mainDir, passphrase: "osk-bench", envVars });
    log(`pulumi ${engine.version}, ${pkg.name} ${pkg.version} from ${opts.packageDir}; N=${opts.n}, rounds=${opts.rounds}`);

    const samples: Sample[] = [];
    for (const cloud of opts.clouds) {
      // Warm-up (not measured): one real key, whose outputs and secret outputs the no-op copies.
      const warm = await open(`bench-warmup-${cloud}`, libProgram(cloud, 1));
      await warm.stack.up();
      const res = ((await warm.stack.exportStack()).deployment as { resources: Array<{ type: string; outputs?: Record<string, unknown> }> }).resources.find(
        (r) => r.type.endsWith(":AccessKey"),
      )!;
      await warm.stack.destroy();
      const template: Record<string, unknown> = {};
      const secretOutputs: string[] = [];
      for (const [k, v] of Object.entries(res.outputs ?? {})) {
        if (k === "__provider") continue;
        if (v && typeof v === "object" && SECRET_SIG in (v as object)) {
          secretOutputs.push(k);
          template[k] = JSON.parse((v as { plaintext: string }).plaintext);
        } else template[k] = v;
      }
      const declared = Object.keys(template);
      const inputs = keyArgs(cloud);
      const provider = noopProvider(template);
      const noopProgram: PulumiFn = async () => {
        for (let i = 0; i < opts.n; i++) new NoopKey(`k${i}`, provider, inputs, declared, secretOutputs);
      };
      const stacks: Record<Variant, Stack> = {
        library: (await open(`bench-library-${cloud}`, libProgram(cloud, opts.n))).stack,
        "no-op": (await open(`bench-noop-${cloud}`, noopProgram)).stack,
      };
      log(`${cloud}: the no-op copies ${declared.length} outputs, secret: ${secretOutputs.join(", ")}`);
      for (let round = 1; round <= opts.rounds; round++) {
        for (const variant of ["library", "no-op"] as Variant[]) {
          for (const op of OPS) {
            const from = emu.requests.length;
            const started = Date.now();
            const { peakMiB } = await withRssSampling(() =>
              op === "up" ? stacks[variant].up() : op === "refresh" ? stacks[variant].refresh() : stacks[variant].destroy(),
            );
            const seconds = (Date.now() - started) / 1000;
            const reqs = emu.requests.slice(from);
            const requestsByKind: Record<string, number> = {};
            for (const r of reqs) {
              const kind = `${r.method} ${r.cloud === "s3" ? "s3" : r.path.replace(/\/[0-9a-f-]{36}/g, "/{id}").replace(/\/keys\/[^/]+$/, "/keys/{key}")}`;
              requestsByKind[kind] = (requestsByKind[kind] ?? 0) + 1;
            }
            samples.push({ cloud, variant, round, op, seconds, peakRssMiB: peakMiB, requests: reqs.length, requestsByKind });
            log(
              `${cloud} ${variant.padEnd(7)} round ${round} ${op.padEnd(7)} ${seconds.toFixed(2)} s, provider peak RSS ${peakMiB.toFixed(0)} MiB, ${reqs.length} requests`,
            );
          }
        }
      }
    }

    const lags = opts.clouds.includes("nscale") ? await measureLag(emu, opts, open, libProgram, log) : [];
    const tookS = (Date.now() - t0) / 1000;
    process.stdout.write(report(samples, lags, opts, engine, pkg, tookS));
    if (opts.json) await fs.writeFile(opts.json, `${JSON.stringify({ options: opts, samples, lags, tookS }, null, 2)}\n`);
  } finally {
    await emu.close();
    await tmp.cleanup();
  }
}

/**
 * With Nscale keys left "provisioning" until this script provisions each one `delay` ms after it
 * appeared in the emulator, how long after that the provider noticed (its GET) and returned.
 */
async function measureLag(
  emu: Emu,
  opts: Options,
  open: (project: string, program: PulumiFn) => Promise<{ stack: Stack }>,
  libProgram: (cloud: Cloud, n: number) => PulumiFn,
  log: (s: string) => void,
): Promise<LagSample[]> {
  const out: LagSample[] = [];
  const { stack } = await open("bench-lag-nscale", libProgram("nscale", opts.lagKeys));
  emu.configure({ nscale: { createStatus: "provisioning", pollsUntilProvisioned: 1_000_000_000 } });
  try {
    for (const delayMs of opts.delays) {
      const provisionedAt = new Map<string, number>();
      const tracked = new Set<string>();
      const timers: NodeJS.Timeout[] = [];
      const watch = setInterval(() => {
        for (const k of emu.inspect().nscale.keys) {
          if (tracked.has(k.id) || k.provisioningStatus !== "provisioning") continue;
          tracked.add(k.id);
          timers.push(
            setTimeout(() => {
              emu.setNscaleKeyStatus(k.id, "provisioned");
              provisionedAt.set(k.id, Date.now());
            }, delayMs),
          );
        }
      }, 2);
      const returnedAt = new Map<string, number>();
      const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        const keyId = (m?.new?.outputs as Record<string, unknown> | undefined)?.["keyId"];
        if (m?.op === "create" && typeof keyId === "string") returnedAt.set(keyId, Date.now());
      };
      const from = emu.requests.length;
      try {
        await stack.up({ onEvent });
      } finally {
        clearInterval(watch);
        for (const t of timers) clearTimeout(t);
      }
      const reqs = emu.requests.slice(from);
      for (const [keyId, at] of provisionedAt) {
        const seen = reqs.find((r) => r.method === "GET" && r.path.endsWith(`/accesskeys/${keyId}`) && r.at >= at);
        const returned = returnedAt.get(keyId);
        out.push({ delayMs, keyId, seenMs: seen ? seen.at - at : Number.NaN, returnedMs: returned !== undefined ? returned - at : Number.NaN });
      }
      const mine = out.filter((s) => s.delayMs === delayMs);
      log(
        `nscale lag, provisioned ${delayMs} ms after create: seen after ${fmt(median(mine.map((s) => s.seenMs)), 0)} ms, returned after ${fmt(median(mine.map((s) => s.returnedMs)), 0)} ms (median of ${mine.length})`,
      );
      await stack.destroy();
    }
  } finally {
    emu.configure({ nscale: { createStatus: "provisioned", pollsUntilProvisioned: 1 } });
  }
  return out;
}

function report(samples: Sample[], lags: LagSample[], opts: Options, engine: Engine, pkg: { name: string; version: string }, tookS: number): string {
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  lines.push("");
  lines.push(`## Engine benchmark: ${pkg.name} ${pkg.version}, N=${opts.n} per stack, ${opts.rounds} rounds (A B alternating)`);
  lines.push("");
  lines.push(
    `Pulumi CLI ${engine.version}, Node.js ${process.version}, ${os.cpus().length} × ${cpu}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; took ${tookS.toFixed(0)} s.`,
  );
  lines.push("");
  lines.push("| cloud | op | library median s | no-op median s | ratio | library requests (median) | requests by kind (last round) |");
  lines.push("|---|---|---:|---:|---:|---:|---|");
  const pick = (cloud: Cloud, variant: Variant, op?: Op) =>
    samples.filter((s) => s.cloud === cloud && s.variant === variant && (op === undefined || s.op === op));
  for (const cloud of opts.clouds) {
    for (const op of OPS) {
      const a = pick(cloud, "library", op);
      const b = pick(cloud, "no-op", op);
      const ma = median(a.map((s) => s.seconds));
      const mb = median(b.map((s) => s.seconds));
      const kinds = Object.entries(a[a.length - 1]?.requestsByKind ?? {})
        .sort(([, x], [, y]) => y - x)
        .map(([k, n]) => `${n} ${k}`)
        .join("; ");
      lines.push(`| ${cloud} | ${op} | ${fmt(ma)} | ${fmt(mb)} | ${fmt(ma / mb)}× | ${fmt(median(a.map((s) => s.requests)), 0)} | ${kinds || "-"} |`);
    }
  }
  lines.push("");
  lines.push("| cloud | provider peak RSS, library MiB | no-op MiB | difference MiB |");
  lines.push("|---|---:|---:|---:|");
  for (const cloud of opts.clouds) {
    const a = Math.max(...pick(cloud, "library").map((s) => s.peakRssMiB));
    const b = Math.max(...pick(cloud, "no-op").map((s) => s.peakRssMiB));
    lines.push(`| ${cloud} | ${fmt(a, 0)} | ${fmt(b, 0)} | ${fmt(a - b, 0)} |`);
  }
  if (lags.length > 0) {
    lines.push("");
    lines.push(`| Nscale provisioning delay ms | seen after provisioned, median / max ms | returned after provisioned, median / max ms | keys |`);
    lines.push("|---:|---:|---:|---:|");
    for (const delayMs of opts.delays) {
      const l = lags.filter((s) => s.delayMs === delayMs);
      const seen = l.map((s) => s.seenMs);
      const ret = l.map((s) => s.returnedMs);
      lines.push(
        `| ${delayMs} | ${fmt(median(seen), 0)} / ${fmt(Math.max(...seen), 0)} | ${fmt(median(ret), 0)} / ${fmt(Math.max(...ret), 0)} | ${l.length} |`,
      );
    }
  }
  lines.push("");
  return lines.join("\n");
}

main().catch((err) => {
  process.stderr.write(`bench-engine: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
