/**
 * `npm run demo` (scripts/demo sets up, then runs this): the repo-root Pulumi project (Pulumi.yaml,
 * demo/program.ts) deployed as an Automation API inline program on a local file backend under
 * .pulumi-local/, against the embedded emulator, or against the real clouds whose credentials are
 * in the environment. Shows the outputs with secrets masked, proves each key works by writing and
 * reading an object through S3, checks no secret reached the state files in plaintext, and tears
 * everything down (unless --keep / KEEP_STACK=1).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

import type { OutputMap } from "@pulumi/pulumi/automation";

import { demoProgram } from "../demo/program";
import { REPO_ROOT } from "./lib/local-stack";
import {
  destroyAndRemove,
  mask,
  parseAppArgs,
  projectNameOf,
  runStackApp,
  s3RoundTrip,
  setUpClouds,
  str,
  untilInterrupted,
  type AppOptions,
  type AppRun,
  type AppSummary,
  type Cloud,
  type RoundTrip,
} from "./lib/stack-app";

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

interface Options extends AppOptions {
  destroyOnly: boolean;
  emulator: boolean;
}

function parseOptions(argv: string[]): Options | "help" {
  const { help, app, values } = parseAppArgs(argv, {
    defaultStack: "demo",
    keepEnv: true,
    extra: { destroy: { type: "boolean", default: false }, emulator: { type: "boolean", default: false } },
  });
  if (help) return "help";
  return { ...app, destroyOnly: values.destroy === true, emulator: values.emulator === true };
}

interface Summary extends AppSummary {
  project: string;
  stack: string;
  clouds: Cloud[];
  keys: Record<string, { accessKeyId?: string; secretAccessKey?: string; bucket?: string; s3Endpoint?: string; roundTrip?: RoundTrip }>;
  kept: boolean;
}

async function main(): Promise<number> {
  let parsed: Options | "help";
  try {
    parsed = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\nRun with --help for usage.\n`);
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const opts = parsed;
  // The project as Pulumi.yaml declares it, so `pulumi up` and this script deploy the same project.
  const project = projectNameOf(readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
  const summary: Summary = { project, stack: opts.stack, clouds: [], keys: {}, outputsSecret: {}, destroyed: false, kept: false, seconds: {} };
  return runStackApp<Summary>({
    opts,
    summary,
    clouds: () => setUpClouds({ forceEmulator: opts.emulator }),
    announceClouds(clouds, progress) {
      summary.clouds = clouds.clouds;
      progress.phase(clouds.mode, clouds.reason);
      if (clouds.emulator) progress.detail(`Nscale + HostUp APIs ${clouds.emulator.url}, S3 ${clouds.emulator.s3Url}`);
    },
    project: () => ({
      projectName: project,
      program: async () => demoProgram(),
      mainDir: path.join(REPO_ROOT, "demo"),
      description: "pulumi-object-storage-keys demo",
    }),
    announceStack({ local, clouds, progress, rel }) {
      const note = local.existed ? (clouds.mode === "emulator" ? " (replaced a stack left by an earlier emulator run)" : " (the kept stack)") : "";
      progress.phase("stack", `${project}/${opts.stack} on file backend ${rel(local.backendDir)}${note}`);
    },
    async beforeDeploy({ local, clouds, progress, timed }) {
      if (!opts.destroyOnly) return false;
      if (clouds.mode === "emulator") {
        // Opening the stack already removed it: its resources lived in an emulator that is gone.
        await local.stack.workspace.removeStack(local.stack.name);
        summary.destroyed = true;
        progress.phase("destroy", local.existed ? "removed the kept emulator stack (its resources died with that emulator)" : "no kept stack to remove");
        return true;
      }
      const n = await timed("destroy", () => destroyAndRemove(local.stack));
      summary.destroyed = true;
      progress.phase("destroy", `${n} resources deleted, stack removed (${summary.seconds.destroy}s)`);
      return true;
    },
    config: (clouds) => ({
      clouds: { value: clouds.clouds.join(",") },
      ...(clouds.nscaleEndpointId ? { nscaleEndpointId: { value: clouds.nscaleEndpointId } } : {}),
      nscaleIdentityPolicy: { value: clouds.nscaleIdentityPolicy },
    }),
    announceConfig({ clouds, progress }) {
      const secretConfig = Object.entries(clouds.providerConfig)
        .filter(([, v]) => v.secret)
        .map(([k]) => k);
      progress.phase(
        "config",
        `clouds=${clouds.clouds.join(",")}${secretConfig.length ? `; ${secretConfig.join(", ")} set as secrets` : "; credentials read from the environment by the provider"} (${summary.seconds.config}s)`,
      );
    },
    upMessage: (clouds) => `creating ${clouds.clouds.map((c) => (c === "nscale" ? "1 Nscale key" : "1 HostUp key")).join(" + ")}, and a bucket for each`,
    // Each key, used the way an application would: write an object through S3 and read it back.
    verify: ({ clouds, progress, timed }, outputs) =>
      timed("s3", async () => {
        for (const cloud of clouds.clouds) {
          const target = s3Target(outputs, cloud);
          const objectKey = `demo/hello-${Date.now()}.txt`;
          const body = `Hello from pulumi-object-storage-keys: written with ${cloud} key ${target.accessKeyId} at ${new Date().toISOString()}\n`;
          const rt = await s3RoundTrip(target, objectKey, body);
          summary.keys[cloud] = {
            accessKeyId: target.accessKeyId,
            secretAccessKey: mask(target.secretAccessKey),
            bucket: target.bucketName,
            s3Endpoint: target.s3Endpoint,
            roundTrip: rt,
          };
          progress.phase("s3", `${cloud.padEnd(6)} PUT + GET ${rt.object} (${rt.bytes} bytes) with ${target.accessKeyId}: identical (${rt.ms} ms)`);
        }
      }),
    secretNeedles: (outputs) =>
      Object.values(outputs)
        .filter((o) => o.secret && typeof o.value === "string")
        .map((o) => o.value as string),
    keep: (run) => keep(run, opts),
    destroyLine: (_run, n) => `${n} resources deleted (buckets and their objects, then keys), stack removed (${summary.seconds.destroy}s)`,
    cleanupHint: "npm run demo -- --destroy",
    finalLine: (s) => `${s.error ? "demo FAILED" : "demo finished"} in ${s.totalSeconds!.toFixed(1)}s (wall time since npm run demo started)`,
  });
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

async function keep({ progress, local, clouds }: AppRun<Summary>, opts: Options): Promise<void> {
  const env = Object.entries(local.env)
    .filter(([k]) => k !== "PATH")
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
  await untilInterrupted();
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
