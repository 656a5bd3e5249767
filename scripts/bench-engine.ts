/**
 * `npm run bench:engine [-- options]`: the provider's overhead under the real engine (issue 11).
 * Figures only: nothing here is asserted, and no test times anything.
 *
 * Through the Automation API on a local file backend, against the embedded emulator on loopback
 * with no injected latency (Nscale keys provisioned at once), per cloud and per stack size N:
 *   A  N ObjectStorageAccessKey resources (the package's dist/),
 *   A' (with --before) the same from another build of the package, e.g. the last release's,
 *   B  N no-op dynamic resources (a small inline provider) that return the same outputs, with the
 *      same secret outputs, as A's (copied from a warm-up key of that cloud): the engine's floor
 *      for this state shape,
 * `pulumi up`, `pulumi refresh` and `pulumi destroy` of each, alternating A A' B A A' B for
 * --rounds rounds. Printed: the median seconds per op and the ratio to B; the dynamic-provider
 * process's peak RSS (VmHWM, sampled from /proc for the `cmd/dynamic-provider` descendants of this
 * process) next to B's; the HTTP requests each op of A sent (the emulator's request log); and the
 * Nscale "seen after provisioned" lag: with the key made provisioned D ms after its POST, how long
 * after that the provider's GET saw it and the engine got the result.
 *
 *   --n <list>         resources per stack (default 5,100)
 *   --rounds <count>   A B rounds (default 3, at least 1)
 *   --clouds <list>    nscale,hostup (default both)
 *   --delays <list>    provisioning delays for the lag, ms (default 0,500,1100,3000)
 *   --lag-keys <count> keys per lag measurement (default 5)
 *   --package <dir>    the package to measure (its dist/ and its emulator; default this repo)
 *   --before <dir>     also measure this build of the package (A'), alternating with A: a worktree
 *                      of an earlier commit, built, with node_modules linked to this repo's
 *   --profile <dir>    record each provider process's CPU profile and memory timeline under
 *                      <dir>/<stack> (scripts/lib/provider-profile.cjs), for
 *                      `node scripts/lib/run-ts.cjs scripts/profile-summary.ts <dir>`
 *   --json <file>      also write every sample as JSON
 */
import { promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, PulumiFn, Stack } from "@pulumi/pulumi/automation";

import { startEmulatorProcess, type EmulatorProcess } from "./lib/emulator-process";
import { createConsumerDir, ensureEngine, makeTempDir, openLocalStack, REPO_ROOT, type Engine } from "./lib/local-stack";
import { median, withRssSampling as withPeakRss } from "./lib/proc-rss";

/** The dynamic-provider processes' peak RSS while `fn` runs. */
const withRssSampling = <T>(fn: () => Promise<T>) => withPeakRss("cmd/dynamic-provider", fn);

type Cloud = "nscale" | "hostup";
type Op = "up" | "refresh" | "destroy";
type Variant = "library" | "before" | "no-op";
const OPS: Op[] = ["up", "refresh", "destroy"];
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The emulator of the package being measured, in a process of its own (an older release's has the same surface). */
type Emu = EmulatorProcess;

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
  n: number;
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
  n: number[];
  rounds: number;
  clouds: Cloud[];
  delays: number[];
  lagKeys: number;
  packageDir: string;
  beforeDir?: string;
  profile?: string;
  json?: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      n: { type: "string", default: "5,100" },
      rounds: { type: "string", default: "3" },
      clouds: { type: "string", default: "nscale,hostup" },
      delays: { type: "string", default: "0,500,1100,3000" },
      "lag-keys": { type: "string", default: "5" },
      package: { type: "string" },
      before: { type: "string" },
      profile: { type: "string" },
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
  const list = (name: string, v: string, min: number) =>
    v
      .split(",")
      .filter((d) => d.trim() !== "")
      .map((d) => int(name, d.trim(), min));
  return {
    n: list("n", values.n!, 1),
    rounds: int("rounds", values.rounds!, 1),
    clouds: clouds as Cloud[],
    delays: list("delays", values.delays!, 0),
    lagKeys: int("lag-keys", values["lag-keys"]!, 1),
    packageDir: path.resolve(values.package ?? REPO_ROOT),
    beforeDir: values.before === undefined ? undefined : path.resolve(values.before),
    profile: values.profile === undefined ? undefined : path.resolve(values.profile),
    json: values.json,
  };
}

type KeyClass = new (name: string, args: never) => pulumi.CustomResource;

/** A built package's resource class, by path (this checkout's, or another build's); its emulator runs in a process of its own. */
async function loadPackage(dir: string): Promise<{ name: string; version: string; ObjectStorageAccessKey: KeyClass }> {
  for (const entry of ["dist/index.js", "dist/emulator/index.js"]) {
    if (!(await fs.stat(path.join(dir, entry)).catch(() => undefined))) throw new Error(`${path.join(dir, entry)} is missing: build that package first`);
  }
  const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string; version: string };
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ObjectStorageAccessKey } = require(path.join(dir, "dist", "index.js")) as { ObjectStorageAccessKey: KeyClass };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { ...pkg, ObjectStorageAccessKey };
}

/** With --profile: the provider processes of one stack record a CPU profile and memory timeline into a folder of their own. */
function profileEnv(opts: Options, stackName: string): Record<string, string> {
  if (!opts.profile) return {};
  return { NODE_OPTIONS: `--require "${path.join(__dirname, "lib", "provider-profile.cjs")}"`, OSK_PROFILE_DIR: path.join(opts.profile, stackName) };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const t0 = Date.now();
  const lib = await loadPackage(opts.packageDir);
  const before = opts.beforeDir === undefined ? undefined : await loadPackage(opts.beforeDir);
  const variants: Variant[] = before ? ["library", "before", "no-op"] : ["library", "no-op"];

  const tmp = await makeTempDir("osk-bench-engine-");
  const log = (s: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${s}\n`);
  const emu = await startEmulatorProcess(opts.packageDir, { nscale: { createStatus: "provisioned", pollsUntilDeleted: 0 }, hostup: { seedKeys: 1 } });
  try {
    const engine = await ensureEngine(tmp.dir);
    // Each package as a consumer has it: node_modules/pulumi-object-storage-keys -> the package dir
    // (the shim in state loads the package by name from the program's folder).
    const mainDirs: Record<Exclude<Variant, "no-op">, string> = {
      library: await createConsumerDir(path.join(tmp.dir, "consumer"), opts.packageDir),
      before: opts.beforeDir ? await createConsumerDir(path.join(tmp.dir, "consumer-before"), opts.beforeDir) : "",
    };
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
    const keysProgram =
      (Key: KeyClass, cloud: Cloud, n: number): PulumiFn =>
      async () => {
        for (let i = 0; i < n; i++) new Key(`k${i}`, keyArgs(cloud) as never);
      };
    const libProgram = (cloud: Cloud, n: number) => keysProgram(lib.ObjectStorageAccessKey, cloud, n);
    const open = (project: string, program: PulumiFn, mainDir = mainDirs.library) =>
      openLocalStack({
        engine,
        stateDir: tmp.dir,
        projectName: project,
        stackName: "bench",
        program,
        mainDir,
        passphrase: "osk-bench",
        envVars: { ...envVars, ...profileEnv(opts, project) },
      });
    log(
      `pulumi ${engine.version}, ${lib.name} ${lib.version} from ${opts.packageDir}${before ? `, before: ${opts.beforeDir}` : ""}; N=${opts.n.join(",")}, rounds=${opts.rounds}`,
    );

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
      log(`${cloud}: the no-op copies ${declared.length} outputs, secret: ${secretOutputs.join(", ")}`);
      for (const n of opts.n) {
        const noopProgram: PulumiFn = async () => {
          for (let i = 0; i < n; i++) new NoopKey(`k${i}`, provider, inputs, declared, secretOutputs);
        };
        const stacks: Partial<Record<Variant, Stack>> = {
          library: (await open(`bench-library-${cloud}-${n}`, libProgram(cloud, n))).stack,
          "no-op": (await open(`bench-noop-${cloud}-${n}`, noopProgram)).stack,
        };
        if (before) stacks.before = (await open(`bench-before-${cloud}-${n}`, keysProgram(before.ObjectStorageAccessKey, cloud, n), mainDirs.before)).stack;
        for (let round = 1; round <= opts.rounds; round++) {
          for (const variant of variants) {
            const stack = stacks[variant]!;
            for (const op of OPS) {
              const from = await emu.requestCount();
              const started = Date.now();
              const { peakMiB } = await withRssSampling(() => (op === "up" ? stack.up() : op === "refresh" ? stack.refresh() : stack.destroy()));
              const seconds = (Date.now() - started) / 1000;
              const reqs = await emu.requests(from);
              const requestsByKind: Record<string, number> = {};
              for (const r of reqs) {
                const kind = `${r.method} ${r.cloud === "s3" ? "s3" : r.path.replace(/\/[0-9a-f-]{36}/g, "/{id}").replace(/\/keys\/[^/]+$/, "/keys/{key}")}`;
                requestsByKind[kind] = (requestsByKind[kind] ?? 0) + 1;
              }
              samples.push({ cloud, n, variant, round, op, seconds, peakRssMiB: peakMiB, requests: reqs.length, requestsByKind });
              log(
                `${cloud} N=${n} ${variant.padEnd(7)} round ${round} ${op.padEnd(7)} ${seconds.toFixed(2)} s, provider peak RSS ${peakMiB.toFixed(0)} MiB, ${reqs.length} requests`,
              );
            }
          }
        }
      }
    }

    const lags = opts.clouds.includes("nscale") && opts.delays.length > 0 ? await measureLag(emu, opts, open, libProgram, log) : [];
    const tookS = (Date.now() - t0) / 1000;
    process.stdout.write(report(samples, lags, opts, engine, lib, before, tookS));
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
  await emu.configure({ nscale: { createStatus: "provisioning", pollsUntilProvisioned: 1_000_000_000 } });
  try {
    for (const delayMs of opts.delays) {
      const provisionedAt = new Map<string, number>();
      const tracked = new Set<string>();
      const timers: NodeJS.Timeout[] = [];
      let watching = false;
      const watch = setInterval(() => {
        if (watching) return;
        watching = true;
        void emu
          .inspect()
          .then((snapshot) => {
            for (const k of snapshot.nscale.keys) {
              if (tracked.has(k.id) || k.provisioningStatus !== "provisioning") continue;
              tracked.add(k.id);
              timers.push(
                setTimeout(() => {
                  // Stamped as it is sent: an IPC hop early, so the lag is, if anything, overstated.
                  provisionedAt.set(k.id, Date.now());
                  void emu.setNscaleKeyStatus(k.id, "provisioned");
                }, delayMs),
              );
            }
          })
          .finally(() => (watching = false));
      }, 2);
      const returnedAt = new Map<string, number>();
      const onEvent = (e: EngineEvent) => {
        const m = e.resOutputsEvent?.metadata;
        const keyId = (m?.new?.outputs as Record<string, unknown> | undefined)?.["keyId"];
        if (m?.op === "create" && typeof keyId === "string") returnedAt.set(keyId, Date.now());
      };
      const from = await emu.requestCount();
      try {
        await stack.up({ onEvent });
      } finally {
        clearInterval(watch);
        for (const t of timers) clearTimeout(t);
      }
      const reqs = await emu.requests(from);
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
    await emu.configure({ nscale: { createStatus: "provisioned", pollsUntilProvisioned: 1 } });
  }
  return out;
}

function report(
  samples: Sample[],
  lags: LagSample[],
  opts: Options,
  engine: Engine,
  pkg: { name: string; version: string },
  before: { name: string; version: string } | undefined,
  tookS: number,
): string {
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const measured: Variant[] = before ? ["library", "before"] : ["library"];
  const label: Record<Variant, string> = { library: "library", before: "before", "no-op": "floor" };
  lines.push("");
  lines.push(
    `## Engine benchmark: ${pkg.name} ${pkg.version}${before ? ` (before: ${opts.beforeDir})` : ""}, N=${opts.n.join(" and ")} per stack, ${opts.rounds} rounds (${[...measured, "no-op" as const].map((v) => label[v]).join(", ")} alternating)`,
  );
  lines.push("");
  lines.push(
    `Pulumi CLI ${engine.version}, Node.js ${process.version}, ${os.cpus().length} × ${cpu}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; took ${tookS.toFixed(0)} s.`,
  );
  const pick = (cloud: Cloud, n: number, variant: Variant, op?: Op) =>
    samples.filter((s) => s.cloud === cloud && s.n === n && s.variant === variant && (op === undefined || s.op === op));
  const seconds = (cloud: Cloud, n: number, variant: Variant, op: Op) => median(pick(cloud, n, variant, op).map((s) => s.seconds));
  const peak = (cloud: Cloud, n: number, variant: Variant) => Math.max(...pick(cloud, n, variant).map((s) => s.peakRssMiB));

  // The headline: up and destroy against the floor, and the provider process's peak RSS.
  lines.push("");
  lines.push(
    `| cloud | N | ${measured.map((v) => `${label[v]} up / destroy s`).join(" | ")} | floor up / destroy s | ${measured.map((v) => `${label[v]} ratio`).join(" | ")} | ${measured.map((v) => `${label[v]} peak RSS MiB`).join(" | ")} | floor peak RSS MiB |`,
  );
  lines.push(`|---|---:|${"---:|".repeat(3 * measured.length + 2)}`);
  for (const cloud of opts.clouds) {
    for (const n of opts.n) {
      const upDown = (v: Variant) => `${fmt(seconds(cloud, n, v, "up"))} / ${fmt(seconds(cloud, n, v, "destroy"))}`;
      const total = (v: Variant) => seconds(cloud, n, v, "up") + seconds(cloud, n, v, "destroy");
      const floorPeak = peak(cloud, n, "no-op");
      lines.push(
        `| ${cloud} | ${n} | ${measured.map(upDown).join(" | ")} | ${upDown("no-op")} | ${measured.map((v) => `${fmt(total(v) / total("no-op"))}×`).join(" | ")} | ${measured
          .map((v) => `${fmt(peak(cloud, n, v), 0)} (+${fmt(peak(cloud, n, v) - floorPeak, 0)})`)
          .join(" | ")} | ${fmt(floorPeak, 0)} |`,
      );
    }
  }
  lines.push("");
  lines.push("Ratio: (up + destroy) over the floor's, medians. Per op, with the requests the library sent:");
  lines.push("");
  lines.push("| cloud | N | op | library median s | floor median s | ratio | library requests (median) | requests by kind (last round) |");
  lines.push("|---|---:|---|---:|---:|---:|---:|---|");
  for (const cloud of opts.clouds) {
    for (const n of opts.n) {
      for (const op of OPS) {
        const a = pick(cloud, n, "library", op);
        const ma = seconds(cloud, n, "library", op);
        const mb = seconds(cloud, n, "no-op", op);
        const kinds = Object.entries(a[a.length - 1]?.requestsByKind ?? {})
          .sort(([, x], [, y]) => y - x)
          .map(([k, c]) => `${c} ${k}`)
          .join("; ");
        lines.push(`| ${cloud} | ${n} | ${op} | ${fmt(ma)} | ${fmt(mb)} | ${fmt(ma / mb)}× | ${fmt(median(a.map((s) => s.requests)), 0)} | ${kinds || "-"} |`);
      }
    }
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
