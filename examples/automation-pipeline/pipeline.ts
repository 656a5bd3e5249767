/**
 * A CI pipeline for object-storage access keys, written with the Pulumi Automation API: select or
 * create a stack, put the settings and credentials into stack config (credentials as secrets),
 * deploy with streamed engine output, rotate the key on request (the new key is checked through S3
 * before the old one is deleted), and print a summary.
 *
 *   npx tsx pipeline.ts --help
 *
 * Needs only the `pulumi` CLI on PATH: the program is inline (./program.ts), so no Pulumi.yaml and
 * no Node.js language host are involved.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { LocalWorkspace, type ConfigMap, type EngineEvent, type OutputMap, type Stack } from "@pulumi/pulumi/automation";
import { probeKey } from "pulumi-object-storage-keys";
import { startEmulator, type Emulator } from "pulumi-object-storage-keys/emulator";

import { PROJECT, pipelineProgram, type Cloud } from "./program";

const HELP = `Usage: npx tsx pipeline.ts [options]

Deploys an object-storage access key, a bucket made with it and an S3 check of the key with the
Pulumi Automation API, rotates the key on request, and prints a summary.

Options:
  --stack <name>          Stack to select or create (default: dev)
  --cloud <cloud>         nscale | hostup (default: the stack's current cloud, else nscale)
  --rotate <trigger>      Rotate the key: set rotationTrigger to <trigger>, e.g. a date. Shows a
                          preview, then creates the new key, checks it through S3, and only then
                          lets the engine delete the old key.
  --destroy               Destroy the stack's resources and remove the stack at the end
  --emulator              Start the embedded Nscale/HostUp/S3 emulator and use a throwaway stack:
                          it is deployed once first (so --rotate has a key to rotate) and always
                          destroyed at the end, since the emulator's state dies with this process
  --backend <url>         Pulumi state backend (default: file://<this folder>/.pulumi-local/backend,
                          or a temporary directory with --emulator)
  --endpoint-id <id>      Nscale: object storage endpoint ID (default: NSCALE_ENDPOINT_ID, else the
                          stack's current one)
  --identity-policy <p>   Nscale: identity policy for the key (default: bucket-admin)
  --summary-json <file>   Also write the summary as JSON (secrets masked)
  -h, --help              Show this help

Environment:
  NSCALE_API_TOKEN        Nscale service token; stored in stack config as a secret (nscale:apiToken)
  HOSTUP_API_KEY          HostUp API key; stored in stack config as a secret (hostup:apiKey)
  NSCALE_API_URL, HOSTUP_API_URL   API base URL overrides (stored as nscale:apiUrl, hostup:apiUrl)
  PULUMI_CONFIG_PASSPHRASE         Encrypts secrets in file backends (--emulator uses a throwaway one)

Examples:
  npx tsx pipeline.ts --emulator --rotate 2026-11                 # try it, no account needed
  npx tsx pipeline.ts --stack prod --cloud hostup                 # deploy or update
  npx tsx pipeline.ts --stack prod --rotate "$(date +%Y-%m-%d)"    # rotate
  npx tsx pipeline.ts --stack prod --destroy                      # tear down

Exit status: 0 on success, 1 when a step fails (including a failed key check), 2 on bad usage.`;

interface Options {
  stack: string;
  cloud?: Cloud;
  rotate?: string;
  destroy: boolean;
  emulator: boolean;
  backend?: string;
  endpointId?: string;
  identityPolicy: string;
  summaryJson?: string;
  help: boolean;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      stack: { type: "string", default: "dev" },
      cloud: { type: "string" },
      rotate: { type: "string" },
      destroy: { type: "boolean", default: false },
      emulator: { type: "boolean", default: false },
      backend: { type: "string" },
      "endpoint-id": { type: "string" },
      "identity-policy": { type: "string", default: "bucket-admin" },
      "summary-json": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.cloud !== undefined && values.cloud !== "nscale" && values.cloud !== "hostup") {
    throw new UsageError(`--cloud must be "nscale" or "hostup", got "${values.cloud}"`);
  }
  if (values.rotate !== undefined && values.rotate.trim() === "") throw new UsageError("--rotate needs a non-empty trigger, e.g. a date");
  if (!/^[a-zA-Z0-9._-]+$/.test(values.stack!)) throw new UsageError(`--stack "${values.stack}" is not a valid stack name`);
  return {
    stack: values.stack!,
    cloud: values.cloud as Cloud | undefined,
    rotate: values.rotate,
    destroy: values.destroy!,
    emulator: values.emulator!,
    backend: values.backend,
    endpointId: values["endpoint-id"],
    identityPolicy: values["identity-policy"]!,
    summaryJson: values["summary-json"],
    help: values.help!,
  };
}

// ---------------------------------------------------------------------------------------------
// Progress output: one line per phase with the elapsed time; engine output streamed, indented.

const started = Date.now();
const timings: Record<string, number> = {};

function log(phase: string, message: string): void {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[${t}s] ${phase.padEnd(9)} ${message}\n`);
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round((Date.now() - t0) / 100) / 10;
  }
}

/** Streams engine output line by line, indented under the current phase. */
function engineOutput(): (chunk: string) => void {
  let partial = "";
  return (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") process.stdout.write(`          │ ${line}\n`);
  };
}

export function mask(secret: string | undefined): string {
  if (!secret) return "(none)";
  return `${secret.slice(0, 4)}${"*".repeat(8)} (${secret.length} chars, secret)`;
}

function outputValue(outputs: OutputMap, name: string): string | undefined {
  const v = outputs[name]?.value;
  return typeof v === "string" && v !== "" ? v : undefined;
}

// ---------------------------------------------------------------------------------------------

interface Summary {
  project: string;
  stack: string;
  cloud: Cloud;
  backend: string;
  emulator: boolean;
  rotated: boolean;
  previousTrigger?: string;
  rotationTrigger?: string;
  oldAccessKeyId?: string;
  newAccessKeyId?: string;
  secretAccessKey?: string;
  bucketName?: string;
  preview?: Record<string, number>;
  verification?: {
    ok: boolean;
    accessKeyId?: string;
    object?: string;
    at?: string;
    /** Engine event sequence numbers: new key created < checked < old key deleted. */
    order?: { newKeyCreated?: number; checked?: number; oldKeyDeleted?: number };
    checkedBeforeOldKeyDeleted?: boolean;
    newKeyAfterUp?: string;
    oldKeyAfterUp?: string;
  };
  destroyed: boolean;
  timings: Record<string, number>;
  error?: string;
}

async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`pipeline: ${(err as Error).message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }

  const cleanups: Array<() => Promise<void> | void> = [];
  const summary: Summary = {
    project: PROJECT,
    stack: opts.stack,
    cloud: opts.cloud ?? "nscale",
    backend: "",
    emulator: opts.emulator,
    rotated: false,
    destroyed: false,
    timings,
  };
  try {
    await run(opts, summary, cleanups);
    return 0;
  } catch (err) {
    summary.error = (err as Error).message;
    process.stdout.write(`\nFAILED: ${summary.error}\n`);
    return 1;
  } finally {
    for (const c of cleanups.reverse()) await c();
    timings.total = Math.round((Date.now() - started) / 100) / 10;
    printSummary(summary);
    if (opts.summaryJson) writeFileSync(opts.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
  }
}

async function run(opts: Options, summary: Summary, cleanups: Array<() => Promise<void> | void>): Promise<void> {
  const here = __dirname;
  const env: Record<string, string> = { PULUMI_SKIP_UPDATE_CHECK: "true" };
  let emulator: Emulator | undefined;
  let workDir = path.join(here, ".pulumi-local", "workspace");
  let backend = opts.backend ?? `file://${path.join(here, ".pulumi-local", "backend")}`;

  if (opts.emulator) {
    emulator = await timed("emulator", () => startEmulator());
    cleanups.push(() => emulator!.close());
    // A throwaway stack: its resources live in this process's emulator only.
    const tmp = mkdtempSync(path.join(os.tmpdir(), "automation-pipeline-"));
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
    workDir = path.join(tmp, "workspace");
    if (!opts.backend) backend = `file://${path.join(tmp, "backend")}`;
    env.PULUMI_HOME = path.join(tmp, "pulumi-home");
    env.PULUMI_CONFIG_PASSPHRASE = process.env.PULUMI_CONFIG_PASSPHRASE ?? "automation-pipeline-emulator-only";
    log("emulator", `Nscale + HostUp APIs at ${emulator.url}, S3 at ${emulator.s3Url}`);
  } else if (
    backend.startsWith("file:") &&
    !process.env.PULUMI_CONFIG_PASSPHRASE &&
    !process.env.PULUMI_CONFIG_PASSPHRASE_FILE
  ) {
    throw new Error("PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) must be set: it encrypts the secrets in the file backend");
  }
  env.PULUMI_BACKEND_URL = backend;
  summary.backend = backend;
  for (const d of [workDir, ...(backend.startsWith("file://") ? [backend.slice("file://".length)] : [])]) mkdirSync(d, { recursive: true });

  const stack = await timed("stack", () =>
    LocalWorkspace.createOrSelectStack(
      { stackName: opts.stack, projectName: PROJECT, program: async () => pipelineProgram() },
      {
        workDir,
        envVars: env,
        // `main` is where the engine runs the dynamic providers: this folder, whose node_modules
        // (or a parent's) has pulumi-object-storage-keys and @pulumi/pulumi.
        projectSettings: { name: PROJECT, runtime: "nodejs", main: here, description: "CI pipeline for object-storage access keys" },
      },
    ),
  );
  log("stack", `${PROJECT}/${opts.stack} on ${backend} (${timings.stack}s)`);

  // What is deployed now: the pipeline's own outputs, so a fresh CI checkout (no local config) knows it.
  const before = await stack.outputs();
  const deployedCloud = outputValue(before, "cloud") as Cloud | undefined;

  if (opts.destroy && !opts.emulator && opts.rotate === undefined) {
    // --destroy alone: tear down what is deployed, whatever it is.
    await destroy(stack, summary);
    return;
  }

  const cloud: Cloud = opts.cloud ?? deployedCloud ?? "nscale";
  summary.cloud = cloud;
  let oldAccessKeyId = outputValue(before, "accessKeyId");
  // The deployed trigger comes from the stack's outputs, not local config: a fresh CI checkout has
  // no Pulumi.<stack>.yaml, and losing the trigger would rotate the key by accident.
  let previousTrigger = outputValue(before, "rotationTrigger");
  await timed("config", () => configure(stack, opts, cloud, before, emulator, previousTrigger));
  log("config", `cloud=${cloud}; credentials stored in stack config as secrets (${timings.config}s)`);

  if (opts.emulator && opts.rotate && !oldAccessKeyId) {
    log("up", "first deployment (so that there is a key to rotate)");
    const first = await timed("up (initial)", () => stack.up({ onOutput: engineOutput() }));
    oldAccessKeyId = outputValue(first.outputs, "accessKeyId");
    previousTrigger = outputValue(first.outputs, "rotationTrigger");
    log("up", `done: accessKeyId ${oldAccessKeyId} (${timings["up (initial)"]}s)`);
  }

  const trigger = opts.rotate ?? previousTrigger;
  if (opts.rotate !== undefined) await stack.setConfig("rotationTrigger", { value: opts.rotate });
  const rotating = opts.rotate !== undefined && oldAccessKeyId !== undefined && opts.rotate !== previousTrigger;
  summary.previousTrigger = previousTrigger;
  summary.rotationTrigger = trigger;
  summary.oldAccessKeyId = oldAccessKeyId;

  if (rotating) {
    log("preview", `rotationTrigger ${previousTrigger ?? "(none)"} -> ${trigger}: what will change`);
    const preview = await timed("preview", () => stack.preview({ onOutput: engineOutput() }));
    summary.preview = Object.fromEntries(Object.entries(preview.changeSummary).filter(([, n]) => n > 0));
    log("preview", `${Object.entries(summary.preview).map(([op, n]) => `${op} ${n}`).join(", ")} (${timings.preview}s)`);
  }

  // The update. For a rotation the engine runs: create new key -> update bucket and KeyCheck (the
  // S3 check with the new key) -> delete the old key. Event sequence numbers record that order.
  const order: { newKeyCreated?: number; checked?: number; oldKeyDeleted?: number } = {};
  const onEvent = (e: EngineEvent) => {
    const m = e.resOutputsEvent?.metadata;
    if (!m) return;
    if (m.type.endsWith(":AccessKey") && m.op === "create-replacement") order.newKeyCreated = e.sequence;
    if (m.type.endsWith(":KeyCheck") && (m.op === "create" || m.op === "update")) order.checked = e.sequence;
    if (m.type.endsWith(":AccessKey") && m.op === "delete-replaced") order.oldKeyDeleted = e.sequence;
  };
  const upName = rotating ? "up (rotate)" : "up";
  log("up", rotating ? "rotating: new key, S3 check with it, then delete the old key" : "deploying");
  const up = await timed(upName, async () => {
    try {
      return await stack.up({ onOutput: engineOutput(), onEvent });
    } catch (err) {
      const text = (err as Error).message;
      const check = /Key check failed:[^\n]*/.exec(text)?.[0];
      throw new Error(check ?? `pulumi up failed: ${text.split("\n").filter((l) => /error/i.test(l)).slice(0, 5).join(" | ") || text.slice(0, 500)}`);
    }
  });
  const outputs = up.outputs;
  const newAccessKeyId = outputValue(outputs, "accessKeyId");
  summary.rotated = rotating && newAccessKeyId !== oldAccessKeyId;
  summary.newAccessKeyId = newAccessKeyId;
  summary.secretAccessKey = mask(outputValue(outputs, "secretAccessKey"));
  summary.bucketName = outputValue(outputs, "bucketName");
  log("up", `done: ${Object.entries(up.summary.resourceChanges ?? {}).map(([op, n]) => `${op} ${n}`).join(", ")} (${timings[upName]}s)`);

  // After the update: the new key works, the old one (if rotated) is gone.
  const s3 = { endpoint: outputValue(outputs, "s3Endpoint")!, region: outputValue(outputs, "region")! };
  const secret = outputValue(outputs, "secretAccessKey")!;
  const verifiedKey = outputValue(outputs, "verifiedAccessKeyId");
  const verification: NonNullable<Summary["verification"]> = {
    ok: verifiedKey !== undefined && verifiedKey === newAccessKeyId,
    accessKeyId: verifiedKey,
    object: outputValue(outputs, "verifiedObject"),
    at: outputValue(outputs, "verifiedAt"),
  };
  await timed("probe", async () => {
    verification.newKeyAfterUp = await probeKey({ ...s3, credentials: { accessKeyId: newAccessKeyId!, secretAccessKey: secret } });
    if (summary.rotated && oldAccessKeyId) {
      // Any secret will do: S3 answers InvalidAccessKeyId for a deleted key before it checks signatures.
      verification.oldKeyAfterUp = await probeKey({ ...s3, credentials: { accessKeyId: oldAccessKeyId, secretAccessKey: "x".repeat(40) } }).catch(
        (err: Error) => `unknown (${err.message.split("\n")[0]})`,
      );
    }
  });
  if (rotating) {
    verification.order = order;
    verification.checkedBeforeOldKeyDeleted =
      order.newKeyCreated !== undefined && order.checked !== undefined && order.oldKeyDeleted !== undefined &&
      order.newKeyCreated < order.checked && order.checked < order.oldKeyDeleted;
    verification.ok = verification.ok && verification.checkedBeforeOldKeyDeleted;
  }
  verification.ok = verification.ok && verification.newKeyAfterUp === "exists";
  summary.verification = verification;
  log("verify", `${verification.ok ? "OK" : "FAILED"}: ${verification.object ?? "no check object"} written and read back with ${verifiedKey}; ` +
    `S3 says new key ${verification.newKeyAfterUp}${verification.oldKeyAfterUp ? `, old key ${verification.oldKeyAfterUp}` : ""} (${timings.probe}s)`);
  if (!verification.ok) throw new Error("the key check did not confirm the new key (see the summary)");

  if (opts.destroy || opts.emulator) await destroy(stack, summary);
}

/** All config in one `pulumi config set-all` call: credentials as secrets. */
async function configure(stack: Stack, opts: Options, cloud: Cloud, before: OutputMap, emulator: Emulator | undefined, trigger: string | undefined): Promise<void> {
  const config: ConfigMap = { cloud: { value: cloud } };
  const existing = await stack.getAllConfig();
  const has = (key: string) => existing[key] !== undefined;

  if (cloud === "nscale") {
    const endpointId = emulator?.endpointId ?? opts.endpointId ?? process.env.NSCALE_ENDPOINT_ID ?? outputValue(before, "endpointId");
    if (endpointId) config.endpointId = { value: endpointId };
    else if (!has(`${PROJECT}:endpointId`)) throw new Error("Nscale needs an object storage endpoint ID: pass --endpoint-id or set NSCALE_ENDPOINT_ID");
    config.identityPolicy = { value: opts.identityPolicy };
  }
  if (trigger !== undefined) config.rotationTrigger = { value: trigger };

  const token = cloud === "nscale" ? emulator?.nscaleToken ?? process.env.NSCALE_API_TOKEN ?? process.env.NSCALE_SERVICE_TOKEN : emulator?.hostupApiKey ?? process.env.HOSTUP_API_KEY;
  const apiUrl = cloud === "nscale" ? emulator?.nscaleApiUrl ?? process.env.NSCALE_API_URL : emulator?.hostupApiUrl ?? process.env.HOSTUP_API_URL;
  const tokenKey = cloud === "nscale" ? "nscale:apiToken" : "hostup:apiKey";
  if (token) config[tokenKey] = { value: token, secret: true };
  else if (!has(tokenKey)) {
    throw new Error(`No ${cloud === "nscale" ? "Nscale API token" : "HostUp API key"}: set ${cloud === "nscale" ? "NSCALE_API_TOKEN" : "HOSTUP_API_KEY"} (it is stored in stack config as a secret)`);
  }
  if (apiUrl) config[`${cloud}:apiUrl`] = { value: apiUrl };
  if (emulator) config["nscale:pollIntervalMs"] = { value: "200" }; // the emulator provisions at once
  await stack.setAllConfig(config);
}

async function destroy(stack: Stack, summary: Summary): Promise<void> {
  log("destroy", "deleting the stack's resources");
  const res = await timed("destroy", () => stack.destroy({ onOutput: engineOutput() }));
  await stack.workspace.removeStack(stack.name);
  summary.destroyed = res.summary.result === "succeeded";
  log("destroy", `${Object.entries(res.summary.resourceChanges ?? {}).map(([op, n]) => `${op} ${n}`).join(", ") || "nothing to delete"}; stack removed (${timings.destroy}s)`);
}

function printSummary(s: Summary): void {
  const rows: Array<[string, string | undefined]> = [
    ["stack", `${s.project}/${s.stack} (${s.cloud}${s.emulator ? ", emulator" : ""})`],
    ["backend", s.backend],
  ];
  if (s.newAccessKeyId !== undefined) {
    rows.push(["rotation trigger", s.rotated ? `${s.previousTrigger ?? "(none)"} -> ${s.rotationTrigger}` : `${s.rotationTrigger ?? "(none)"} (no rotation)`]);
    if (s.oldAccessKeyId === s.newAccessKeyId) rows.push(["accessKeyId", `${s.newAccessKeyId} (unchanged)`]);
    else {
      rows.push(["old accessKeyId", s.oldAccessKeyId ?? "(none: first deployment)"]);
      rows.push(["new accessKeyId", s.newAccessKeyId]);
    }
    rows.push(["secretAccessKey", s.secretAccessKey], ["bucket", s.bucketName]);
  } else if (s.oldAccessKeyId !== undefined) {
    rows.push(["accessKeyId", `${s.oldAccessKeyId} (as deployed before this run)`]);
  }
  const v = s.verification;
  if (v) {
    rows.push(["S3 verification", `${v.ok ? "OK" : "FAILED"}: ${v.object ?? "-"} written and read back with ${v.accessKeyId ?? "-"} at ${v.at ?? "-"}`]);
    if (v.order) {
      rows.push([
        "engine order",
        `new key created #${v.order.newKeyCreated ?? "?"} -> checked through S3 #${v.order.checked ?? "?"} -> old key deleted #${v.order.oldKeyDeleted ?? "?"}` +
          (v.checkedBeforeOldKeyDeleted ? " (checked before the old key was deleted)" : " (ORDER NOT CONFIRMED)"),
      ]);
    }
    rows.push(["keys after up", `new: ${v.newKeyAfterUp ?? "-"}${v.oldKeyAfterUp ? `; old: ${v.oldKeyAfterUp}` : ""}`]);
  }
  rows.push(["destroyed", s.destroyed ? "yes (stack removed)" : "no (stack kept)"]);
  rows.push(["timings", Object.entries(s.timings).map(([k, t]) => `${k} ${t}s`).join(", ")]);
  if (s.error) rows.push(["error", s.error]);
  process.stdout.write(`\nSummary\n${rows.filter(([, v]) => v !== undefined).map(([k, v]) => `  ${k.padEnd(17)} ${v}`).join("\n")}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`pipeline: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
