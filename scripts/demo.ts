/**
 * `npm run demo` (scripts/demo sets up, then runs this): the repo-root Pulumi project (Pulumi.yaml,
 * demo/program.ts) deployed as an Automation API inline program on a local file backend under
 * .pulumi-local/, against the embedded emulator, or against the real clouds whose credentials are
 * in the environment. Shows the outputs with secrets masked, proves each key works by writing and
 * reading an object through S3, checks no secret reached the state files in plaintext, and tears
 * everything down (unless --keep / KEEP_STACK=1).
 */
import { promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import type { OutputMap, Stack } from "@pulumi/pulumi/automation";

import { demoProgram } from "../demo/program";
import {
  describeChanges,
  destroyAndRemove,
  ensureEngine,
  formatOutputs,
  mask,
  openLocalStack,
  plaintextInState,
  Progress,
  REPO_ROOT,
  resourceLines,
  s3RoundTrip,
  setUpClouds,
  str,
  type Cloud,
  type CloudSetup,
  type LocalStack,
  type RoundTrip,
} from "./lib/local-stack";

const HELP = `Usage: npm run demo [-- options]        (or: bash scripts/demo [options])

Deploys one Nscale and one HostUp object-storage access key, each with a bucket, through the Pulumi
Automation API on a local file backend (.pulumi-local/), shows the outputs with secrets masked,
writes and reads an object with each key through S3, and tears everything down.

Clouds: the embedded emulator, unless real credentials are in the environment; then only the clouds
whose credentials are present:
  NSCALE_API_TOKEN + NSCALE_ENDPOINT_ID  [NSCALE_IDENTITY_POLICY, NSCALE_API_URL, NSCALE_S3_REGION]
  HOSTUP_API_KEY                         [HOSTUP_API_URL]

Options:
  --keep            Keep the stack (also KEEP_STACK=1). With the emulator, waits for Ctrl-C so the
                    stack stays usable; with real clouds, tear down later with --destroy
  --destroy         Only destroy and remove a kept stack
  --emulator        Use the embedded emulator even if real credentials are present
  --stack <name>    Stack name (default: demo)
  --verbose         Stream the engine's own output instead of one line per resource
  --state-dir <dir> Where the backend, PULUMI_HOME and workspace live (default: .pulumi-local)
  --json <file>     Also write a summary as JSON (secrets masked)
  -h, --help        Show this help`;

interface Options {
  keep: boolean;
  destroyOnly: boolean;
  emulator: boolean;
  stack: string;
  verbose: boolean;
  stateDir: string;
  json?: string;
}

function parseOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      keep: { type: "boolean", default: false },
      destroy: { type: "boolean", default: false },
      emulator: { type: "boolean", default: false },
      stack: { type: "string", default: "demo" },
      verbose: { type: "boolean", default: false },
      "state-dir": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const keepEnv = process.env.KEEP_STACK;
  return {
    keep: values.keep! || (keepEnv !== undefined && keepEnv !== "" && keepEnv !== "0" && keepEnv.toLowerCase() !== "false"),
    destroyOnly: values.destroy!,
    emulator: values.emulator!,
    stack: values.stack!,
    verbose: values.verbose!,
    stateDir: path.resolve(values["state-dir"] ?? path.join(REPO_ROOT, ".pulumi-local")),
    json: values.json,
  };
}

/** The project as Pulumi.yaml declares it, so `pulumi up` and this script deploy the same project. */
function projectName(): string {
  const yaml = readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8");
  const name = /^name:\s*(\S+)\s*$/m.exec(yaml)?.[1];
  if (!name) throw new Error("Pulumi.yaml has no `name:`");
  return name;
}

interface Summary {
  project: string;
  stack: string;
  mode?: CloudSetup["mode"];
  clouds: Cloud[];
  keys: Record<string, { accessKeyId?: string; secretAccessKey?: string; bucket?: string; s3Endpoint?: string; roundTrip?: RoundTrip }>;
  outputsSecret: Record<string, boolean>;
  plaintextSecretsInState?: number;
  secretsChecked?: number;
  destroyed: boolean;
  kept: boolean;
  seconds: Record<string, number>;
  totalSeconds?: number;
  error?: string;
}

async function main(): Promise<number> {
  let parsed: Options | "help";
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const opts = parsed;
  const progress = new Progress();
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";
  const summary: Summary = { project: projectName(), stack: opts.stack, clouds: [], keys: {}, outputsSecret: {}, destroyed: false, kept: false, seconds: {} };
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      summary.seconds[name] = Math.round((Date.now() - t0) / 100) / 10;
    }
  };

  let clouds: CloudSetup | undefined;
  let local: LocalStack | undefined;
  let deployed = false;
  try {
    await fs.mkdir(opts.stateDir, { recursive: true });
    const engine = await timed("engine", () => ensureEngine(opts.stateDir));
    if (!process.env.PULUMI_OSK_BIN) progress.phase("engine", `pulumi v${engine.version} (${engine.binDir})`);

    clouds = await timed("clouds", () => setUpClouds({ forceEmulator: opts.emulator }));
    summary.mode = clouds.mode;
    summary.clouds = clouds.clouds;
    progress.phase(clouds.mode, clouds.reason);
    if (clouds.emulator) progress.detail(`Nscale + HostUp APIs ${clouds.emulator.url}, S3 ${clouds.emulator.s3Url}`);

    // An emulator's resources die with it: a stack left by an earlier emulator run is replaced.
    local = await timed("stack", () =>
      openLocalStack({
        engine,
        stateDir: opts.stateDir,
        projectName: summary.project,
        stackName: opts.stack,
        program: async () => demoProgram(),
        mainDir: path.join(REPO_ROOT, "demo"),
        description: "pulumi-object-storage-keys demo",
        fresh: clouds!.mode === "emulator",
      }),
    );
    const { stack } = local;
    const note = local.existed ? (clouds.mode === "emulator" ? " (replaced a stack left by an earlier emulator run)" : " (the kept stack)") : "";
    progress.phase("stack", `${summary.project}/${opts.stack} on file backend ${rel(local.backendDir)}${note}`);

    if (opts.destroyOnly && clouds.mode === "emulator") {
      // Opening the stack already removed it: its resources lived in an emulator that is gone.
      await stack.workspace.removeStack(stack.name);
      summary.destroyed = true;
      progress.phase("destroy", local.existed ? "removed the kept emulator stack (its resources died with that emulator)" : "no kept stack to remove");
      return 0;
    }
    if (opts.destroyOnly) {
      const n = await timed("destroy", () => destroyAndRemove(stack));
      summary.destroyed = true;
      progress.phase("destroy", `${n} resources deleted, stack removed (${summary.seconds.destroy}s)`);
      return 0;
    }

    await timed("config", () =>
      stack.setAllConfig({
        clouds: { value: clouds!.clouds.join(",") },
        ...(clouds!.nscaleEndpointId ? { nscaleEndpointId: { value: clouds!.nscaleEndpointId } } : {}),
        nscaleIdentityPolicy: { value: clouds!.nscaleIdentityPolicy },
        ...clouds!.providerConfig,
      }),
    );
    const secretConfig = Object.entries(clouds.providerConfig).filter(([, v]) => v.secret).map(([k]) => k);
    progress.phase(
      "config",
      `clouds=${clouds.clouds.join(",")}${secretConfig.length ? `; ${secretConfig.join(", ")} set as secrets` : "; credentials read from the environment by the provider"} (${summary.seconds.config}s)`,
    );

    const what = clouds.clouds.map((c) => (c === "nscale" ? "1 Nscale key" : "1 HostUp key")).join(" + ");
    progress.phase("up", `creating ${what}, and a bucket for each`);
    deployed = true;
    const up = await timed("up", () =>
      opts.verbose
        ? stack.up({ onOutput: (s) => process.stdout.write(s) })
        : stack.up({ onEvent: resourceLines((l) => progress.detail(l)) }),
    );
    const changes = describeChanges(up.summary.resourceChanges);
    progress.phase("up", `${changes} (${summary.seconds.up}s)`);

    const outputs = up.outputs;
    progress.phase("outputs", "secrets masked:");
    for (const line of formatOutputs(outputs)) progress.detail(line);
    for (const [name, o] of Object.entries(outputs)) summary.outputsSecret[name] = o.secret;

    // Each key, used the way an application would: write an object through S3 and read it back.
    await timed("s3", async () => {
      for (const cloud of clouds!.clouds) {
        const target = s3Target(outputs, cloud);
        const objectKey = `demo/hello-${Date.now()}.txt`;
        const body = `Hello from pulumi-object-storage-keys: written with ${cloud} key ${target.accessKeyId} at ${new Date().toISOString()}\n`;
        const rt = await s3RoundTrip(target, objectKey, body);
        summary.keys[cloud] = { accessKeyId: target.accessKeyId, secretAccessKey: mask(target.secretAccessKey), bucket: target.bucketName, s3Endpoint: target.s3Endpoint, roundTrip: rt };
        progress.phase("s3", `${cloud.padEnd(6)} PUT + GET ${rt.object} (${rt.bytes} bytes) with ${target.accessKeyId}: identical (${rt.ms} ms)`);
      }
    });

    // Secrets at rest: every secret value must be ciphertext in the state and config files.
    const secrets = [
      ...Object.values(outputs).filter((o) => o.secret && typeof o.value === "string").map((o) => o.value as string),
      ...Object.values(clouds.providerConfig).filter((v) => v.secret).map((v) => v.value),
    ];
    const leaked = [
      ...(await plaintextInState(local.backendDir, secrets)),
      ...(await plaintextInState(local.workspaceDir, secrets)),
    ];
    summary.secretsChecked = secrets.length;
    summary.plaintextSecretsInState = new Set(leaked).size;
    progress.phase(
      "state",
      leaked.length === 0
        ? `${secrets.length} secret values, none in plaintext under ${rel(opts.stateDir)} (state, history, stack config)`
        : `WARNING: ${new Set(leaked).size} secret value(s) found in plaintext under ${rel(opts.stateDir)}`,
    );
    if (leaked.length > 0) throw new Error("a secret was found in plaintext in the local state");

    if (opts.keep) {
      summary.kept = true;
      await keep(progress, local, clouds, opts);
    } else {
      const n = await timed("destroy", () => destroyAndRemove(stack));
      deployed = false;
      summary.destroyed = true;
      progress.phase("destroy", `${n} resources deleted (buckets and their objects, then keys), stack removed (${summary.seconds.destroy}s)`);
    }
    return 0;
  } catch (err) {
    summary.error = (err as Error).message;
    progress.phase("FAILED", summary.error.split("\n").slice(0, 20).join("\n                  "));
    if (deployed && local && !opts.keep) {
      try {
        const n = await destroyAndRemove(local.stack);
        progress.phase("cleanup", `destroyed ${n} resources after the failure, stack removed`);
      } catch (cleanupErr) {
        progress.phase("cleanup", `could not destroy after the failure (${(cleanupErr as Error).message.split("\n")[0]}); run: npm run demo -- --destroy`);
      }
    }
    return 1;
  } finally {
    await clouds?.close();
    summary.totalSeconds = Math.round(progress.elapsed() * 10) / 10;
    if (opts.json) await fs.writeFile(opts.json, `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(`\n${summary.error ? "demo FAILED" : "demo finished"} in ${summary.totalSeconds.toFixed(1)}s (wall time since npm run demo started)\n`);
  }
}

function s3Target(outputs: OutputMap, cloud: Cloud) {
  const get = (suffix: string) => {
    const v = str(outputs, `${cloud}${suffix}`);
    if (v === undefined) throw new Error(`stack output ${cloud}${suffix} is missing`);
    return v;
  };
  return {
    accessKeyId: get("AccessKeyId"),
    secretAccessKey: get("SecretAccessKey"),
    s3Endpoint: get("S3Endpoint"),
    region: get("Region"),
    bucketName: get("Bucket"),
  };
}

async function keep(progress: Progress, local: LocalStack, clouds: CloudSetup, opts: Options): Promise<void> {
  const env = Object.entries(local.env)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(" ");
  progress.phase("kept", `stack ${opts.stack} kept (--keep). Inspect it with the same CLI:`);
  progress.detail(`export PATH="${process.env.PULUMI_OSK_BIN ?? "<pulumi bin dir>"}:$PATH" ${env}`);
  progress.detail(`pulumi -C ${local.workspaceDir} stack output --show-secrets -s ${opts.stack}`);
  if (local.passphraseIsDefault && clouds.mode === "real") {
    progress.detail(`note: secrets are encrypted with the default local passphrase; set PULUMI_CONFIG_PASSPHRASE for real credentials`);
  }
  if (clouds.mode === "real") {
    progress.detail(`tear down later with: npm run demo -- --destroy${opts.stack !== "demo" ? ` --stack ${opts.stack}` : ""}`);
    return;
  }
  // The emulator's state lives in this process: keep it alive while the user looks around.
  if (!process.stdin.isTTY) {
    progress.detail("the emulator stops when this process exits, and the stack's resources with it (no terminal to wait on)");
    return;
  }
  progress.detail("the emulator keeps running until Ctrl-C; the stack's resources live only in it (the next run replaces the stack)");
  await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
