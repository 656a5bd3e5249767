/**
 * `pulumi-object-storage-keys import-file`: reads one key from its cloud's API and writes a Pulumi
 * import file for it (see ./build for the format), then prints the exact next steps. The secret,
 * when given, comes from an environment variable or stdin (never an argument, which `ps` and shell
 * history would show), is checked with a signed S3 request first, and the file holding it is
 * created with mode 0600, never over an existing file.
 */
import { promises as fs, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

import type { CloudModule, KeyIds } from "../clouds/contract";
import { clouds, cloudFor } from "../clouds/registry";
import { thrownDetails } from "../errors";
import { credentialValue, type Sources } from "../settings";
import { ACCESS_KEY_TYPE, buildImportFile, secretStateFields } from "./build";
import { judgeCliVersion } from "./cli-version";
import { describeKey } from "./describe";
import { importUsage, SECRET_ENV } from "./usage";

export class ImportUsageError extends Error {
  readonly usage = true;
}

export interface ImportIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout(text: string): void;
  readStdin(): Promise<string>;
  /** `pulumi version` from PATH, undefined when it cannot be run. */
  pulumiVersion(): Promise<string | undefined>;
  /** The serialized shim (`__provider`). */
  providerText(): Promise<string>;
  /**
   * Runs `pulumi <args>` in `cwd` with the terminal attached; resolves its exit code (--import only).
   * When `interrupt` aborts (this process got SIGINT, SIGTERM or SIGHUP), the child gets that
   * signal (its `reason`); if it is aborted before the child starts, nothing is run (resolve null).
   */
  runPulumi(args: string[], interrupt?: AbortSignal): Promise<number | null>;
  now?: () => Date;
}

interface Requested {
  cloud: string;
  resourceName: string;
  ids: KeyIds;
}

interface Parsed {
  request: Requested;
  /** The file to write; undefined with --import (a private temp file, removed afterwards). */
  out?: string;
  /** --import: run `pulumi import` on the file, then remove it. */
  runImport: boolean;
  stack?: string;
  secretFromStdin: boolean;
  mod: CloudModule;
  /** The cloud's notes, printed after the import (e.g. a label that stood in). */
  notes: string[];
}

function parse(args: string[]): Parsed | "help" {
  const { values } = parseArgs({
    args,
    options: {
      cloud: { type: "string" },
      ...Object.fromEntries(cloudFlags().map((f) => [f, { type: "string" as const }])),
      name: { type: "string" },
      out: { type: "string" },
      "secret-from-stdin": { type: "boolean", default: false },
      import: { type: "boolean", default: false },
      stack: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const name = values.name?.trim();
  if (!name)
    throw new ImportUsageError("--name is required: the resource name the program will give the key (the first argument of `new ObjectStorageAccessKey`).");
  const runImport = values.import === true;
  if (runImport && values.out !== undefined)
    throw new ImportUsageError("--import writes a private temporary file and removes it after `pulumi import`: leave out --out.");
  if (!runImport && !values.out) {
    throw new ImportUsageError(
      "--out <file> is required (the import file to create; it may hold the key's secret, so it is written with mode 0600), or --import to run `pulumi import` here and leave no file.",
    );
  }
  if (!runImport && values.stack !== undefined) throw new ImportUsageError("--stack is for --import (it is passed to `pulumi import`).");
  const base = { out: values.out, runImport, stack: values.stack, secretFromStdin: values["secret-from-stdin"] === true };
  const mod = cloudFor(values.cloud);
  if (!mod) {
    const ids = Object.keys(clouds).map((c) => JSON.stringify(c));
    const list = ids.length > 1 ? `${ids.slice(0, -1).join(", ")} or ${ids[ids.length - 1]}` : ids.join("");
    throw new ImportUsageError(`--cloud must be ${list}${values.cloud === undefined ? "" : `, got ${JSON.stringify(values.cloud)}`}.`);
  }
  const flags: Record<string, unknown> = values;
  const text = (f: string): string | undefined => {
    const v = flags[f];
    return typeof v === "string" ? v : undefined;
  };
  const wrong = cloudFlags().filter((f) => !mod.importing.flags.includes(f) && text(f) !== undefined);
  if (wrong.length > 0)
    throw new ImportUsageError(`${wrong.map((f) => `--${f}`).join(", ")} ${wrong.length > 1 ? "are" : "is"} not an option for --cloud ${mod.id}.`);
  const own = Object.fromEntries(mod.importing.flags.map((f) => [f, text(f)]));
  const { ids, notes } = mod.importing.fromFlags(own, name, (message) => new ImportUsageError(message));
  return { ...base, mod, notes, request: { cloud: mod.id, resourceName: name, ids } };
}

/** Every cloud's import-file options, each once, in registry order. */
function cloudFlags(): string[] {
  return [...new Set(Object.values(clouds).flatMap((m) => m.importing.flags))];
}

async function readSecret(parsed: Parsed, io: ImportIo): Promise<{ secret?: string; from: string }> {
  const fromEnv = io.env[SECRET_ENV];
  const envSet = fromEnv !== undefined && fromEnv.trim() !== "";
  if (parsed.secretFromStdin && envSet) throw new ImportUsageError(`the secret comes from stdin (--secret-from-stdin) or $${SECRET_ENV}, not both: unset one.`);
  const raw = parsed.secretFromStdin ? await io.readStdin() : envSet ? fromEnv : undefined;
  const from = parsed.secretFromStdin ? "stdin" : SECRET_ENV;
  if (raw === undefined) return { from };
  try {
    return { secret: credentialValue(raw), from };
  } catch (err) {
    throw new ImportUsageError(`the secret from ${from} ${err instanceof Error ? err.message : String(err)}`);
  }
}

function declaration(parsed: Parsed, inputs: Record<string, unknown>): string {
  const args: Record<string, unknown> = { cloud: inputs.cloud, ...parsed.mod.importing.declaration(inputs) };
  const body = Object.entries(args)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
  return `new ObjectStorageAccessKey(${JSON.stringify(parsed.request.resourceName)}, { ${body} }, { protect: true });`;
}

function shellWord(word: string): string {
  return /^[\w./:=@-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The `pulumi import` arguments for a file (without the leading `pulumi`). */
export function importArgs(file: string, stack?: string): string[] {
  return ["import", "--file", file, "--yes", "--generate-code=false", ...(stack ? ["--stack", stack] : [])];
}

/** What to do after the file is written (`file`), or after the command ran the import itself (undefined). */
export function nextSteps(file: string | undefined, parsed: Parsed, inputs: Record<string, unknown>, hasSecret: boolean, cliVersion: string): string {
  const urn = `urn:pulumi:<stack>::<project>::${ACCESS_KEY_TYPE}::${parsed.request.resourceName}`;
  const nameNote = `     ${parsed.mod.importing.nameNote(inputs)}`;
  const declare = [
    `Declare the key in the program (the import marked it protected, as \`pulumi import\` always does):`,
    `       ${declaration(parsed, inputs)}`,
    nameNote,
  ];
  const head =
    file === undefined
      ? [
          `Imported ${JSON.stringify(parsed.request.resourceName)} (Pulumi CLI ${cliVersion}); the import file was removed.`,
          ``,
          `Next steps:`,
          `  1. ${declare[0]}`,
          ...declare.slice(1),
          `  2. pulumi preview --expect-no-changes     (then \`pulumi up\`: no changes)`,
        ]
      : [
          `Wrote ${file} (mode 0600)${hasSecret ? ": it holds the key's secret in plain text; delete it right after step 1" : ""}.`,
          ``,
          `Next steps, in the Pulumi project, with the stack selected (Pulumi CLI ${cliVersion}):`,
          `  1. pulumi ${importArgs(file).map(shellWord).join(" ")}`,
          `  2. rm ${shellWord(file)}`,
          `  3. ${declare[0]}`,
          ...declare.slice(1),
          `  4. pulumi preview --expect-no-changes     (then \`pulumi up\`: no changes)`,
        ];
  return [
    ...head,
    ``,
    `Destroy: a protected resource is never deleted: \`pulumi destroy\` refuses until you remove \`protect: true\``,
    `and run \`pulumi up\`, or run \`pulumi state unprotect '${urn}'\`.`,
    `Then \`pulumi destroy\` deletes the key itself, unless the resource has \`retainOnDelete: true\`.`,
    ``,
  ].join("\n");
}

export async function runImportFile(args: string[], io: ImportIo): Promise<void> {
  const parsed = parse(args);
  if (parsed === "help") {
    io.stdout(`${importUsage()}\n`);
    return;
  }
  const cli = judgeCliVersion(await io.pulumiVersion());
  if (!cli.ok) throw new Error(cli.reason);
  const file = parsed.out === undefined ? undefined : path.resolve(io.cwd, parsed.out);
  if (file !== undefined && (await exists(file))) {
    throw new ImportUsageError(`${parsed.out} already exists: choose another --out, or remove it first (the import file is created new, with mode 0600).`);
  }
  const { secret, from } = await readSecret(parsed, io);
  const required = parsed.mod.importing.secretRequired;
  if (required && secret === undefined) throw new ImportUsageError(required.importFile(SECRET_ENV));
  const sources: Sources = { env: io.env };
  const key = await describeKey({ ...parsed.request, secret, secretFrom: from }, sources, io.now);
  const content = buildImportFile(parsed.request.resourceName, key, await io.providerText(), secretStateFields(parsed.mod));
  const text = `${JSON.stringify(content, null, 2)}\n`;
  if (file !== undefined) {
    await writePrivate(file, text);
    io.stdout(nextSteps(parsed.out, parsed, key.inputs, secret !== undefined, cli.version));
  } else {
    // A directory only this user can enter, removed whatever `pulumi import` does: when it ends, when
    // it dies, and at once when this process is told to stop (SIGINT, SIGTERM, SIGHUP), before the
    // signal is passed on to `pulumi`. Only SIGKILL, which no process can handle, could leave it.
    const { code, interrupted } = await inPrivateDir(io.env, async (dir, interrupt) => {
      const temp = path.join(dir, "import.json");
      await writePrivate(temp, text);
      return interrupt.aborted ? null : io.runPulumi(importArgs(temp, parsed.stack), interrupt);
    });
    if (interrupted)
      throw new Error(`\`pulumi import\` was interrupted (${interrupted}); the import file was removed, so no copy of the secret is left on disk.`);
    if (code !== 0) throw new Error(`\`pulumi import\` failed (exit ${code ?? "by a signal"}; its output is above); the import file was removed.`);
    io.stdout(nextSteps(undefined, parsed, key.inputs, secret !== undefined, cli.version));
  }
  for (const note of parsed.notes) io.stdout(`${note}\n`);
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `work` with a fresh 0700 directory that is removed afterwards, however `work` ends, and
 * synchronously the moment a stop signal arrives (then `interrupt` aborts with that signal's name,
 * for `work` to pass on). Also removed on `process.exit`, as a last resort.
 */
async function inPrivateDir<T>(
  env: NodeJS.ProcessEnv,
  work: (dir: string, interrupt: AbortSignal) => Promise<T>,
): Promise<{ code: T; interrupted?: NodeJS.Signals }> {
  const controller = new AbortController();
  let dir: string | undefined;
  let interrupted: NodeJS.Signals | undefined;
  const removeNow = () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    removeNow();
    interrupted ??= signal;
    controller.abort(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  process.on("exit", removeNow);
  try {
    dir = await fs.mkdtemp(path.join(env.TMPDIR || os.tmpdir(), "osk-import-"));
    const code = await work(dir, controller.signal);
    return { code, ...(interrupted ? { interrupted } : {}) };
  } catch (err) {
    if (interrupted) return { code: undefined as T, interrupted };
    throw err;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, onSignal);
    process.off("exit", removeNow);
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if (thrownDetails(err).code === "ENOENT") return false;
    throw err;
  }
}

/** Created new (`wx`: never through an existing file or symlink) with mode 0600, whatever the umask. */
async function writePrivate(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, "wx", 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
}
