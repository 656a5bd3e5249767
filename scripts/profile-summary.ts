/**
 * `node scripts/lib/run-ts.cjs scripts/profile-summary.ts <dir>`: reads what
 * `npm run bench:engine -- --profile <dir>` recorded (scripts/lib/provider-profile.cjs) and prints,
 * per stack, the provider processes' CPU time by where it was spent (this package, zod, undici,
 * the Pulumi SDK, gRPC, protobuf, Node itself, the garbage collector), the functions with the most
 * self time, and the memory timeline: RSS and V8 heap when the process was ready, and at its peak.
 * Figures only.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
interface MemorySample {
  t: number;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  modules: number;
}

const MiB = 2 ** 20;
const SELF = "pulumi-object-storage-keys";

/** Where a frame's code lives: a package name, this package, Node, or V8's own pseudo-frames. */
function placeOf(frame: CallFrame): string {
  if (frame.url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (frame.url.startsWith("node:")) return "node";
  const pkgs = [...frame.url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1]!);
  const pkg = pkgs.at(-1);
  if (pkg === undefined) return frame.url.includes("/dist/") || frame.url.includes("/src/") ? SELF : "other";
  if (pkg === SELF) return SELF;
  if (pkg.startsWith("@grpc/")) return "@grpc";
  if (pkg.startsWith("@pulumi/")) return "@pulumi";
  return pkg;
}

function summarizeCpu(files: string[]): { totalMs: number; byPlace: Map<string, number>; byFunction: Map<string, number> } {
  const byPlace = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  for (const f of files) {
    const profile = JSON.parse(readFileSync(f, "utf8")) as CpuProfile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    // The recorder's own work (sampling, writing, the profiler's stop and start) is not the provider's.
    const recorder = new Map<number, boolean>();
    const isRecorder = (id: number): boolean => {
      const known = recorder.get(id);
      if (known !== undefined) return known;
      const node = nodes.get(id);
      const up = parent.get(id);
      const own = node?.callFrame.url.endsWith("provider-profile.cjs") === true || (node?.callFrame.functionName === "dispatch" && node.callFrame.url === "");
      const result = own || (up !== undefined && isRecorder(up));
      recorder.set(id, result);
      return result;
    };
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      if (!node || node.callFrame.functionName === "(idle)" || isRecorder(id)) return;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      totalMs += ms;
      const place = placeOf(node.callFrame);
      byPlace.set(place, (byPlace.get(place) ?? 0) + ms);
      const fn = `${node.callFrame.functionName || "(anonymous)"} ${place === "node" ? node.callFrame.url : path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    });
  }
  return { totalMs, byPlace, byFunction };
}

function top(map: Map<string, number>, n: number): Array<[string, number]> {
  return [...map.entries()].sort(([, a], [, b]) => b - a).slice(0, n);
}

function main(): void {
  const root = process.argv[2];
  if (!root) throw new Error("usage: profile-summary.ts <dir written by bench:engine --profile>");
  const out: string[] = [];
  for (const stack of readdirSync(root).sort()) {
    const dir = path.join(root, stack);
    if (!statSync(dir).isDirectory()) continue;
    const files = readdirSync(dir);
    const pids = [...new Set(files.map((f) => f.split("-")[0]!))];
    const cpu = summarizeCpu(files.filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(dir, f)));
    out.push(`## ${stack}: ${pids.length} provider process(es), ${cpu.totalMs.toFixed(0)} ms of CPU (idle and the recorder's own excluded)`);
    out.push("");
    out.push(`| where | CPU ms | share |`);
    out.push(`|---|---:|---:|`);
    for (const [place, ms] of top(cpu.byPlace, 12)) out.push(`| ${place} | ${ms.toFixed(0)} | ${((100 * ms) / cpu.totalMs).toFixed(0)}% |`);
    out.push("");
    out.push(`| function (self time) | CPU ms |`);
    out.push(`|---|---:|`);
    for (const [fn, ms] of top(cpu.byFunction, 12)) out.push(`| ${fn} | ${ms.toFixed(1)} |`);
    out.push("");
    out.push(
      `| process | ready: RSS / heap committed / heap used MiB, modules | peak RSS MiB (at ms) | peak heap committed MiB | peak external MiB | last sample RSS MiB, modules, ms |`,
    );
    out.push(`|---|---|---:|---:|---:|---|`);
    for (const pid of pids) {
      const memFile = path.join(dir, `${pid}-memory.json`);
      let timeline: MemorySample[];
      try {
        timeline = (JSON.parse(readFileSync(memFile, "utf8")) as { timeline: MemorySample[] }).timeline;
      } catch {
        continue;
      }
      const ready = timeline[0];
      const last = timeline.at(-1);
      if (!ready || !last) continue;
      const peak = timeline.reduce((a, s) => (s.rss > a.rss ? s : a));
      const heapPeak = Math.max(...timeline.map((s) => s.heapTotal));
      const externalPeak = Math.max(...timeline.map((s) => s.external));
      const mib = (x: number) => (x / MiB).toFixed(1);
      out.push(
        `| ${pid} | ${mib(ready.rss)} / ${mib(ready.heapTotal)} / ${mib(ready.heapUsed)}, ${ready.modules} | ${mib(peak.rss)} (${peak.t}) | ${mib(heapPeak)} | ${mib(externalPeak)} | ${mib(last.rss)}, ${last.modules}, ${last.t} |`,
      );
    }
    out.push("");
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

main();
