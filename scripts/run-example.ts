/**
 * Runs an example from examples/ the way CI does (scripts/run-example wraps this with the setup):
 *
 *   nscale-bucket-app, hostup-bucket-app: the example's own program (examples/<name>/program.ts,
 *     the same function its index.ts runs under `pulumi up`) as an Automation API inline program on
 *     a local file backend, against the embedded emulator (or, with --real, the clouds whose
 *     credentials are in the environment). Then the verification: the credentials from the
 *     example's `dotenv` output (what the application would read) write an object through S3 and
 *     read it back; the env map and Kubernetes Secret must carry the same values, and every output
 *     holding the secret must be a secret. Then destroy and stack rm (unless --keep).
 *
 *   automation-pipeline: runs examples/automation-pipeline/pipeline.ts as a child process with the
 *     given arguments (default: --emulator --rotate <today>).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

import type { ConfigMap, OutputMap } from "@pulumi/pulumi/automation";
import type * as pulumi from "@pulumi/pulumi";

import { REPO_ROOT, RUN_TS } from "./lib/local-stack";
import {
  mask,
  parseAppArgs,
  projectNameOf,
  runStackApp,
  s3RoundTrip,
  setUpClouds,
  str,
  untilInterrupted,
  type AppOptions,
  type AppSummary,
  type Cloud,
  type RoundTrip,
} from "./lib/stack-app";

const BUCKET_APPS: Record<string, Cloud> = { "nscale-bucket-app": "nscale", "hostup-bucket-app": "hostup" };
const EXAMPLES = [...Object.keys(BUCKET_APPS), "automation-pipeline"];

const HELP = `Usage: scripts/run-example <example> [options]
       scripts/run-example automation-pipeline [pipeline options]   (default: --emulator --rotate <today>)

Examples: ${EXAMPLES.join(", ")}

Options for the bucket apps:
  --real            Use the real cloud (credentials from the environment: NSCALE_API_TOKEN and
                    NSCALE_ENDPOINT_ID, or HOSTUP_API_KEY) instead of the embedded emulator
  --keep            Keep the stack (emulator: until Ctrl-C)
  --stack <name>    Stack name (default: example)
  --verbose         Stream the engine's own output
  --state-dir <dir> Backend, PULUMI_HOME and workspace (default: .pulumi-local)
  --json <file>     Also write a summary as JSON (secrets masked)
  -h, --help        Show this help`;

async function main(argv: string[]): Promise<number> {
  const [example, ...rest] = argv;
  if (example === undefined || example === "-h" || example === "--help") {
    process.stdout.write(`${HELP}\n`);
    return example === undefined ? 2 : 0;
  }
  if (example === "automation-pipeline") return runPipeline(rest);
  const cloud = BUCKET_APPS[example];
  if (!cloud) {
    process.stderr.write(`run-example: unknown example "${example}" (one of: ${EXAMPLES.join(", ")})\n`);
    return 2;
  }
  let parsed: ReturnType<typeof parseAppArgs>;
  try {
    parsed = parseAppArgs(rest, { defaultStack: "example", extra: { real: { type: "boolean", default: false } } });
  } catch (err) {
    process.stderr.write(`run-example: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  return runBucketApp(example, cloud, { ...parsed.app, real: parsed.values.real === true });
}

function runPipeline(args: string[]): Promise<number> {
  const today = new Date().toISOString().slice(0, 10);
  const finalArgs = args.length > 0 ? args : ["--emulator", "--rotate", today];
  const script = path.join(REPO_ROOT, "examples", "automation-pipeline", "pipeline.ts");
  process.stdout.write(`$ pipeline.ts ${finalArgs.join(" ")}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN_TS, script, ...finalArgs], { stdio: "inherit" });
    child.on("close", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

interface BucketAppOptions extends AppOptions {
  real: boolean;
}

interface BucketAppSummary extends AppSummary {
  example: string;
  cloud: Cloud;
  accessKeyId?: string;
  secretAccessKey?: string;
  bucketName?: string;
  checks: Record<string, boolean>;
  roundTrip?: RoundTrip;
  /** Emulator only: keys and buckets of this stack still in the emulator after destroy. */
  leftovers?: { keys: number; buckets: number };
}

function runBucketApp(example: string, cloud: Cloud, opts: BucketAppOptions): Promise<number> {
  const exampleDir = path.join(REPO_ROOT, "examples", example);
  const summary: BucketAppSummary = { example, cloud, outputsSecret: {}, checks: {}, destroyed: false, seconds: {} };
  const projectName = projectNameOf(readFileSync(path.join(exampleDir, "Pulumi.yaml"), "utf8"));
  return runStackApp<BucketAppSummary>({
    opts,
    summary,
    async clouds() {
      const clouds = await setUpClouds({ forceEmulator: !opts.real, only: [cloud] });
      if (opts.real && clouds.mode !== "real") {
        await clouds.close();
        throw new Error(`--real: no ${cloud === "nscale" ? "NSCALE_API_TOKEN" : "HOSTUP_API_KEY"} in the environment`);
      }
      return clouds;
    },
    announceClouds: (clouds, progress) =>
      progress.phase(clouds.mode, clouds.mode === "emulator" ? `Nscale + HostUp APIs ${clouds.emulator!.url}, S3 ${clouds.emulator!.s3Url}` : clouds.reason),
    project() {
      // The example's own program: the function its index.ts calls under `pulumi up`.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { program } = require(path.join(exampleDir, "program.ts")) as { program: () => Record<string, pulumi.Output<unknown>> };
      return { projectName, program: async () => program(), mainDir: exampleDir };
    },
    announceStack: ({ local, progress, rel }) =>
      progress.phase("stack", `${projectName}/${opts.stack} (main: examples/${example}) on ${rel(local.backendDir)}`),
    config: (clouds): ConfigMap =>
      cloud === "nscale" ? { endpointId: { value: clouds.nscaleEndpointId! }, identityPolicy: { value: clouds.nscaleIdentityPolicy } } : {},
    upMessage: () => `deploying examples/${example}`,
    async verify({ progress, timed }, outputs) {
      summary.accessKeyId = str(outputs, "accessKeyId");
      summary.secretAccessKey = mask(str(outputs, "secretAccessKey") ?? "");
      summary.bucketName = str(outputs, "bucketName");
      // Verification, with what the application gets: the dotenv bundle.
      const checks = appBundleChecks(outputs);
      summary.checks = checks.results;
      const failed = Object.entries(checks.results)
        .filter(([, ok]) => !ok)
        .map(([name]) => name);
      progress.phase(
        "bundle",
        failed.length === 0
          ? `dotenv, environment and kubernetesSecret agree with the key; all secret (${Object.keys(checks.results).length} checks)`
          : `FAILED checks: ${failed.join(", ")}`,
      );
      if (failed.length > 0) throw new Error(`app bundle checks failed: ${failed.join(", ")}`);
      const env = checks.env;
      const rt = await timed("s3", () =>
        s3RoundTrip(
          {
            accessKeyId: env.AWS_ACCESS_KEY_ID!,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
            s3Endpoint: env.AWS_ENDPOINT_URL_S3!,
            region: env.AWS_REGION!,
            bucketName: env.S3_BUCKET!,
          },
          `run-example/${example}-${Date.now()}.txt`,
          `written by scripts/run-example with the credentials from the ${example} dotenv output\n`,
          // The example's bucket has forceDestroy off (as an app's should): leave it empty.
          { cleanUp: true },
        ),
      );
      summary.roundTrip = rt;
      progress.phase(
        "s3",
        `PUT + GET ${rt.object} (${rt.bytes} bytes) with the dotenv credentials (${env.AWS_ACCESS_KEY_ID}): identical; object deleted (${rt.ms} ms)`,
      );
    },
    secretNeedles: (outputs) =>
      Object.values(outputs)
        .filter((o) => o.secret)
        .map((o) => (typeof o.value === "string" ? o.value : JSON.stringify(o.value))),
    async keep({ progress, local, clouds }) {
      progress.phase("kept", `stack kept; state in ${local.backendDir}`);
      if (clouds.mode === "emulator" && process.stdin.isTTY) {
        progress.detail("the emulator keeps running until Ctrl-C");
        await untilInterrupted();
      }
    },
    destroyLine({ clouds }, n) {
      if (clouds.emulator) {
        const snap = clouds.emulator.inspect();
        const keys = cloud === "nscale" ? snap.nscale.keys.length : snap.hostup.keys.filter((k) => k.accessKey === summary.accessKeyId).length;
        const buckets = [...snap.s3.buckets, ...snap.hostup.buckets].filter((b) => b.name === summary.bucketName).length;
        summary.leftovers = { keys, buckets };
      }
      return `${n} resources deleted, stack removed${summary.leftovers ? `; emulator holds ${summary.leftovers.keys} of its keys, ${summary.leftovers.buckets} of its buckets` : ""} (${summary.seconds.destroy}s)`;
    },
    cleanupHint: `pulumi destroy on stack ${opts.stack} (file backend under ${opts.stateDir})`,
    finalLine: (s) => `${example} ${s.error ? "FAILED" : "passed"} in ${s.totalSeconds!.toFixed(1)}s`,
  });
}

/** Parses the bundle outputs and checks they agree with the key's own outputs. */
function appBundleChecks(outputs: OutputMap): { results: Record<string, boolean>; env: Record<string, string> } {
  const env: Record<string, string> = {};
  for (const line of (str(outputs, "dotenv") ?? "").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  const expected: Record<string, string | undefined> = {
    AWS_ACCESS_KEY_ID: str(outputs, "accessKeyId"),
    AWS_SECRET_ACCESS_KEY: str(outputs, "secretAccessKey"),
    AWS_ENDPOINT_URL_S3: str(outputs, "s3Endpoint"),
    AWS_REGION: str(outputs, "region"),
    S3_BUCKET: str(outputs, "bucketName"),
  };
  const map = outputs.environment?.value as Record<string, string> | undefined;
  const manifest = str(outputs, "kubernetesSecret") ?? "";
  const results: Record<string, boolean> = {
    "dotenv has exactly the 5 variables": Object.keys(env).sort().join() === Object.keys(expected).sort().join(),
    "dotenv matches the key": Object.entries(expected).every(([k, v]) => v !== undefined && env[k] === v),
    "environment map matches the key": Object.entries(expected).every(([k, v]) => map?.[k] === v),
    "kubernetesSecret is a v1 Secret with stringData": /^apiVersion: v1\nkind: Secret\n/.test(manifest) && manifest.includes("\nstringData:\n"),
    "kubernetesSecret carries every value": Object.entries(expected).every(([k, v]) => manifest.includes(`  ${k}: ${JSON.stringify(v)}\n`)),
  };
  for (const name of ["secretAccessKey", "dotenv", "kubernetesSecret", "environment"]) {
    results[`${name} is a secret output`] = outputs[name]?.secret === true;
  }
  results["accessKeyId is not a secret output"] = outputs.accessKeyId?.secret === false;
  return { results, env };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`run-example: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
