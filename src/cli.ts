#!/usr/bin/env node
/**
 * `pulumi-object-storage-keys emulator`: runs the local Nscale + HostUp + S3 emulator.
 * `pulumi-object-storage-keys import-file`: writes a `pulumi import --file` file for an existing key.
 */
import { messageOf } from "./errors";
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { startEmulator, type Emulator } from "./emulator";
import { importUsage } from "./import/usage";
import { PACKAGE_NAME, PACKAGE_VERSION } from "./version";

const USAGE = `Usage: ${PACKAGE_NAME} <command> [options]

Commands:
  emulator    Run a local emulator of the Nscale and HostUp object-storage APIs,
              plus a minimal S3 endpoint that accepts the keys they issue.
  import-file Read an existing access key from its cloud's API and write a Pulumi
              import file for it (\`pulumi import --file\`, Pulumi CLI >= 3.254).

Options for "emulator":
  --port <n>      Control-plane port for both APIs (default 8080; 0 = random)
  --s3-port <n>   S3 port (default 0 = random)
  --host <addr>   Interface to listen on (default 127.0.0.1)
  --quiet         Do not print one line per request

The emulator's state is in memory and lost on exit. Stop it with Ctrl-C.

${importUsage()}

  -h, --help      Show this help
  -v, --version   Show the version`;

function parsePort(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${name} must be a port number (0-65535)`);
  return port;
}

class UsageError extends Error {}

function banner(emu: Emulator): string {
  return [
    `${PACKAGE_NAME} emulator ${PACKAGE_VERSION}`,
    ``,
    `  Nscale API   ${emu.nscaleApiUrl}   (Bearer token: ${emu.nscaleToken}; read-only: emulator-nscale-readonly)`,
    `  HostUp API   ${emu.hostupApiUrl}   (X-API-Key: ${emu.hostupApiKey})`,
    `  S3           ${emu.s3Url}   (path-style; Nscale region us-east-1, HostUp region eu-north-1)`,
    `  Nscale endpoint ID: ${emu.endpointId}   (identity policies: bucket-admin, bucket-readonly, system-default-admin)`,
    ``,
    `These are fixed development credentials of the emulator, not real ones. Example environment:`,
    ``,
    `  export NSCALE_API_URL=${emu.nscaleApiUrl} NSCALE_API_TOKEN=${emu.nscaleToken}`,
    `  export HOSTUP_API_URL=${emu.hostupApiUrl} HOSTUP_API_KEY=${emu.hostupApiKey}`,
    ``,
    `Press Ctrl-C to stop.`,
    ``,
  ].join("\n");
}

async function runEmulator(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string" },
      "s3-port": { type: "string" },
      host: { type: "string" },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const emu = await startEmulator({
    host: values.host ?? "127.0.0.1",
    port: parsePort(values.port, "--port", 8080),
    s3Port: parsePort(values["s3-port"], "--s3-port", 0),
    log: values.quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(banner(emu));

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stdout.write(`\nReceived ${signal}, shutting down.\n`);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void emu.close().then(resolve);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Loaded only for this command: it needs @pulumi/pulumi (to serialize the provider) and HTTP code. */
async function runImportFileCommand(args: string[]): Promise<void> {
  const [{ runImportFile }, { pulumiVersionOnPath }, { serializedAccessKeyProvider }] = await Promise.all([
    import("./import/command.js"),
    import("./import/cli-version.js"),
    import("./import/provider-text.js"),
  ]);
  await runImportFile(args, {
    env: process.env,
    cwd: process.cwd(),
    stdout: (text: string) => process.stdout.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    pulumiVersion: () => pulumiVersionOnPath(process.env),
    providerText: serializedAccessKeyProvider,
    runPulumi: (args: string[], interrupt?: AbortSignal) =>
      new Promise((resolve, reject) => {
        if (interrupt?.aborted) return resolve(null);
        const child = spawn("pulumi", args, { stdio: ["inherit", "inherit", "inherit"] });
        // The stop signal this process got goes on to `pulumi` (a terminal's Ctrl-C reaches both).
        const forward = () => child.kill(interrupt?.reason as NodeJS.Signals);
        interrupt?.addEventListener("abort", forward, { once: true });
        child.on("error", reject);
        child.on("close", (code) => {
          interrupt?.removeEventListener("abort", forward);
          resolve(code);
        });
      }),
  });
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "-v" || command === "--version") {
      process.stdout.write(`${PACKAGE_VERSION}\n`);
      return 0;
    }
    if (command === "import-file") {
      await runImportFileCommand(rest);
      return 0;
    }
    if (command !== "emulator") throw new UsageError(`unknown command "${command}"`);
    await runEmulator(rest);
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError || (err as { usage?: boolean }).usage === true || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`${PACKAGE_NAME}: ${messageOf(err)}\n`);
    if (usage) process.stderr.write(`Run "${PACKAGE_NAME} --help" for usage.\n`);
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
