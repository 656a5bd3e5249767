/**
 * Helpers for the secret-leak scan (not a test file): an artefact store, verbose operation
 * options that capture every byte the engine emits, and a scanner that counts needle occurrences.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import type { EngineEvent } from "@pulumi/pulumi/automation";

import { SECRET_SIG } from "./support";

/**
 * Debug channels the user opts into (engine/SDK internals that log raw payloads):
 *   engine-log         the CLI's glog output at -v=9 (JSON lines carrying a "v" level)
 *   debug-diagnostics  `--debug` diagnostics (`debug:` lines, events with severity "debug"), which
 *                      include the Node SDK's own "RegisterResource RPC finished ... resp: ..." dumps
 *   trace              `--tracing file:` output
 *   engine-grpc-debug  PULUMI_DEBUG_GRPC
 * Everything else is what a user sees or stores at any verbosity, and must be clean.
 */
export const DEBUG_KINDS = ["engine-log", "debug-diagnostics", "trace", "engine-grpc-debug"] as const;
export type ArtefactKind =
  (typeof DEBUG_KINDS)[number] | "output" | "events" | "error" | "state" | "export" | "provider-shim" | "workspace-file" | "emulator-log" | "history";

export function isDebugKind(kind: ArtefactKind): boolean {
  return (DEBUG_KINDS as readonly string[]).includes(kind);
}

export interface Artefact {
  /** Where it came from, e.g. "env run / up / stderr". */
  name: string;
  /** Scope: `engine-grpc-debug` is the opt-in gRPC payload log (see the test's header). */
  kind: ArtefactKind;
  text: string;
}

export interface Hit {
  artefact: string;
  kind: Artefact["kind"];
  needle: string;
  count: number;
  /** The context of the first occurrence, the needle masked. */
  context: string;
}

export class Artefacts {
  readonly items: Artefact[] = [];

  add(kind: Artefact["kind"], name: string, text: string): void {
    this.items.push({ kind, name, text });
  }

  /** Writes every artefact to `dir` (for inspecting a failure: OSK_LEAK_SCAN_DUMP=<dir>). */
  async dump(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true });
    let i = 0;
    for (const a of this.items) {
      const file = `${String(++i).padStart(3, "0")}-${a.kind}-${a.name.replace(/[^a-zA-Z0-9.-]+/g, "_").slice(0, 120)}.txt`;
      await fs.writeFile(path.join(dir, file), a.text);
    }
  }

  bytes(filter: (a: Artefact) => boolean = () => true): number {
    return this.items.filter(filter).reduce((n, a) => n + Buffer.byteLength(a.text, "utf8"), 0);
  }

  /** Every occurrence of every needle (needles of 8 characters or fewer are refused). */
  scan(needles: Record<string, string>): Hit[] {
    const hits: Hit[] = [];
    for (const a of this.items) {
      for (const [what, needle] of Object.entries(needles)) {
        if (needle.length <= 8) throw new Error(`needle ${what} is too short to be meaningful`);
        let count = 0;
        let first = -1;
        for (let at = a.text.indexOf(needle); at >= 0; at = a.text.indexOf(needle, at + needle.length)) {
          if (first < 0) first = at;
          count += 1;
        }
        if (count > 0) {
          const context = a.text
            .slice(Math.max(0, first - 160), first + needle.length + 80)
            .split(needle)
            .join(`<${what}>`)
            .replace(/\s+/g, " ");
          hits.push({ artefact: a.name, kind: a.kind, needle: what, count, context });
        }
      }
    }
    return hits;
  }
}

/** Collects stdout, stderr and engine events of one operation. */
export interface Capture {
  stdout: string[];
  stderr: string[];
  events: EngineEvent[];
}

export function newCapture(): Capture {
  return { stdout: [], stderr: [], events: [] };
}

/**
 * The most verbose settings the engine offers, with every stream captured: glog verbosity 9
 * flowed to plugins and written to stderr, `--debug` diagnostics, file tracing.
 */
export function verbose(cap: Capture, traceFile: string) {
  return {
    logVerbosity: 9,
    logToStdErr: true,
    logFlow: true,
    debug: true,
    color: "never" as const,
    tracing: `file:${traceFile}`,
    onOutput: (s: string) => void cap.stdout.push(s),
    onError: (s: string) => void cap.stderr.push(s),
    onEvent: (e: EngineEvent) => void cap.events.push(e),
  };
}

/** A glog line of the CLI's verbose log (logToStdErr): JSON with a verbosity level "v". */
export function isEngineLogLine(line: string): boolean {
  const t = line.trim();
  if (!t.startsWith("{") || !t.includes('"v":')) return false;
  try {
    const o = JSON.parse(t) as Record<string, unknown>;
    return typeof o["v"] === "number" && "msg" in o;
  } catch {
    return false;
  }
}

/** A `--debug` diagnostic line as the CLI displays it ("<resource> <op> debug: ..."). */
export function isDebugDiagnosticLine(line: string): boolean {
  return /(^|\s)debug: /.test(line);
}

/**
 * Splits console text (stdout, stderr, an error message that embeds both) by channel. A multi-line
 * debug message is displayed as one "debug:" line plus indented continuation lines: those are
 * recognised by `debugLines`, the lines of the operation's debug-severity events.
 */
export function splitByChannel(text: string, debugLines: Set<string> = new Set()): { plain: string; engineLog: string; debug: string } {
  const plain: string[] = [];
  const engineLog: string[] = [];
  const debug: string[] = [];
  for (const line of text.split("\n")) {
    if (isEngineLogLine(line)) engineLog.push(line);
    else if (isDebugDiagnosticLine(line) || (line.trim() !== "" && debugLines.has(line.trim()))) debug.push(line);
    else plain.push(line);
  }
  return { plain: plain.join("\n"), engineLog: engineLog.join("\n"), debug: debug.join("\n") };
}

/** Adds console-like text, split into its user-visible part and its debug channels. */
export function addConsoleText(store: Artefacts, kind: "output" | "error", name: string, text: string, debugLines?: Set<string>): void {
  const parts = splitByChannel(text, debugLines);
  store.add(kind, name, parts.plain);
  if (parts.engineLog) store.add("engine-log", `${name} (engine -v=9 lines)`, parts.engineLog);
  if (parts.debug) store.add("debug-diagnostics", `${name} (--debug lines)`, parts.debug);
}

// The type omits "debug", but `--debug` runs do emit it.
const isDebugEvent = (e: EngineEvent) => (e.diagnosticEvent?.severity as string | undefined) === "debug";

/** Every (trimmed, non-empty) line of the capture's debug-severity diagnostic messages. */
export function debugLinesOf(cap: Capture): Set<string> {
  const out = new Set<string>();
  for (const e of cap.events) {
    if (!isDebugEvent(e)) continue;
    for (const l of (e.diagnosticEvent?.message ?? "").split("\n")) if (l.trim() !== "") out.add(l.trim());
  }
  return out;
}

export function addCapture(store: Artefacts, name: string, cap: Capture): void {
  const debugLines = debugLinesOf(cap);
  addConsoleText(store, "output", `${name} / stdout`, cap.stdout.join(""), debugLines);
  addConsoleText(store, "output", `${name} / stderr`, cap.stderr.join(""), debugLines);
  store.add(
    "events",
    `${name} / engine events`,
    cap.events
      .filter((e) => !isDebugEvent(e))
      .map((e) => JSON.stringify(e))
      .join("\n"),
  );
  store.add(
    "debug-diagnostics",
    `${name} / engine events with severity debug`,
    cap.events
      .filter(isDebugEvent)
      .map((e) => JSON.stringify(e))
      .join("\n"),
  );
}

/** Text files under `dir` (recursively), skipping `node_modules` and anything larger than `maxBytes`. */
export async function textFilesUnder(dir: string, maxBytes = 64 * 1024 * 1024): Promise<Array<{ file: string; text: string }>> {
  const out: Array<{ file: string; text: string }> = [];
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.name === "node_modules") continue;
    if (e.isDirectory()) out.push(...(await textFilesUnder(p, maxBytes)));
    else if (e.isFile()) {
      const st = await fs.stat(p);
      if (st.size <= maxBytes) out.push({ file: p, text: await fs.readFile(p, "utf8") });
    }
  }
  return out;
}

/** Reads what was appended to `file` since the last call (the whole file if it shrank). */
export class Tail {
  private offset = 0;
  constructor(readonly file: string) {}
  async next(): Promise<string> {
    let buf: Buffer;
    try {
      buf = await fs.readFile(this.file);
    } catch {
      return "";
    }
    const from = buf.length < this.offset ? 0 : this.offset;
    this.offset = buf.length;
    return buf.subarray(from).toString("utf8");
  }
}

/**
 * A deployment with every secret envelope (`{ [SECRET_SIG]: ..., plaintext | ciphertext }`)
 * removed: what is left must hold no secret, i.e. every secret in state is marked secret.
 */
export function withoutSecretEnvelopes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecretEnvelopes);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (SECRET_SIG in o) return "[secret envelope]";
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, withoutSecretEnvelopes(v)]));
  }
  return value;
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
