/**
 * Peak RSS of processes below this one, sampled from /proc (Linux), for the benchmarks: the
 * dynamic-provider process (bench-engine) and the native plugin (bench-plugin). Figures only.
 */
import { readdirSync, readFileSync } from "node:fs";

function procChildrenMap(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const name of readdirSafe("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  return children;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Peak RSS (VmHWM, KiB) of every process below this one whose command line contains `match`, now. */
function peaksKiB(match: string): Map<number, number> {
  const children = procChildrenMap();
  const out = new Map<number, number>();
  const stack = [...(children.get(process.pid) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    stack.push(...(children.get(pid) ?? []));
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!cmdline.includes(match)) continue;
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) out.set(pid, Number(m[1]));
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** Samples every 100 ms while `fn` runs; resolves its result and the highest peak RSS (MiB) of a `match` process. */
export async function withRssSampling<T>(match: string, fn: () => Promise<T>): Promise<{ result: T; peakMiB: number }> {
  let peak = 0;
  const sample = () => {
    for (const kib of peaksKiB(match).values()) peak = Math.max(peak, kib);
  };
  const timer = setInterval(sample, 100);
  try {
    const result = await fn();
    return { result, peakMiB: peak / 1024 };
  } finally {
    clearInterval(timer);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
