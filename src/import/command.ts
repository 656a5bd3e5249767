/**
 * `pulumi-object-storage-keys import-file`: reads one key from its cloud's API and writes a Pulumi
 * import file for it (see ./build for the format), then prints the exact next steps. The secret,
 * when given, comes from an environment variable or stdin (never an argument, which `ps` and shell
 * history would show), is checked with a signed S3 request first, and the file holding it is
 * created with mode 0600, never over an existing file.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { clouds } from "../clouds/registry";
import { credentialValue, type Sources } from "../settings";
import { ACCESS_KEY_TYPE, buildImportFile, parseNscaleImportId, secretStateFields } from "./build";
import { judgeCliVersion } from "./cli-version";
import { describeKey, type KeyRequest } from "./describe";
import { IMPORT_USAGE, SECRET_ENV } from "./usage";

export { IMPORT_USAGE, SECRET_ENV } from "./usage";

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
  now?: () => Date;
}

type Requested =
  | { cloud: "nscale"; resourceName: string; endpointId: string; keyId: string }
  | { cloud: "hostup"; resourceName: string; accessKey: string; label: string };

interface Parsed {
  request: Requested;
  out: string;
  secretFromStdin: boolean;
  labelDefaulted: boolean;
}

function parse(args: string[]): Parsed | "help" {
  const { values } = parseArgs({
    args,
    options: {
      cloud: { type: "string" },
      id: { type: "string" },
      "endpoint-id": { type: "string" },
      "key-id": { type: "string" },
      "access-key": { type: "string" },
      label: { type: "string" },
      name: { type: "string" },
      out: { type: "string" },
      "secret-from-stdin": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return "help";
  const name = values.name?.trim();
  if (!name) throw new ImportUsageError("--name is required: the resource name the program will give the key (the first argument of `new ObjectStorageAccessKey`).");
  if (!values.out) throw new ImportUsageError("--out <file> is required: the import file to create (it may hold the key's secret, so it is written with mode 0600).");
  const only = (cloud: string, flags: string[]) => {
    const wrong = flags.filter((f) => values[f as keyof typeof values] !== undefined);
    if (wrong.length > 0) throw new ImportUsageError(`${wrong.map((f) => `--${f}`).join(", ")} ${wrong.length > 1 ? "are" : "is"} not an option for --cloud ${cloud}.`);
  };
  const base = { out: values.out, secretFromStdin: values["secret-from-stdin"] === true };
  if (values.cloud === "nscale") {
    only("nscale", ["access-key", "label"]);
    let ids: { endpointId: string; keyId: string } | undefined;
    if (values.id !== undefined) {
      if (values["endpoint-id"] !== undefined || values["key-id"] !== undefined) throw new ImportUsageError("give either --id <endpoint_id>/<key_id> or --endpoint-id and --key-id, not both.");
      ids = parseNscaleImportId(values.id);
      if (!ids) throw new ImportUsageError(`--id must be <endpoint_id>/<key_id> (the endpoint's and the key's metadata.id), got ${JSON.stringify(values.id)}.`);
    } else {
      if (!values["endpoint-id"] || !values["key-id"]) throw new ImportUsageError("--cloud nscale needs --id <endpoint_id>/<key_id>, or both --endpoint-id and --key-id.");
      ids = { endpointId: values["endpoint-id"], keyId: values["key-id"] };
    }
    return { ...base, labelDefaulted: false, request: { cloud: "nscale", resourceName: name, ...ids } };
  }
  if (values.cloud === "hostup") {
    only("hostup", ["id", "endpoint-id", "key-id"]);
    if (!values["access-key"]) throw new ImportUsageError("--cloud hostup needs --access-key <key> (the key's access key ID).");
    return { ...base, labelDefaulted: values.label === undefined, request: { cloud: "hostup", resourceName: name, accessKey: values["access-key"], label: values.label ?? name } };
  }
  throw new ImportUsageError(`--cloud must be "nscale" or "hostup"${values.cloud === undefined ? "" : `, got ${JSON.stringify(values.cloud)}`}.`);
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
    throw new ImportUsageError(`the secret from ${from} ${(err as Error).message}`);
  }
}

function declaration(parsed: Parsed, inputs: Record<string, unknown>): string {
  const args: Record<string, unknown> = { cloud: inputs.cloud };
  if (inputs.cloud === "nscale") {
    args.endpointId = inputs.endpointId;
    args.identityPolicy = inputs.identityPolicy;
    if (inputs.description !== undefined) args.description = inputs.description;
  }
  const body = Object.entries(args)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
  return `new ObjectStorageAccessKey(${JSON.stringify(parsed.request.resourceName)}, { ${body} }, { protect: true });`;
}

export function nextSteps(file: string, parsed: Parsed, inputs: Record<string, unknown>, hasSecret: boolean, cliVersion: string): string {
  const quoted = /^[\w./-]+$/.test(file) ? file : JSON.stringify(file);
  const urn = `urn:pulumi:<stack>::<project>::${ACCESS_KEY_TYPE}::${parsed.request.resourceName}`;
  const nameNote =
    inputs.cloud === "nscale"
      ? `     Omit \`name\`: the key keeps its name ${JSON.stringify(inputs.name)} (a rotation later gets a generated one).${inputs.description !== undefined ? " Keep `description` exactly as shown: a different one would replace the key." : ""}`
      : `     Omit \`label\` (the key keeps the label ${JSON.stringify(inputs.label)} recorded here), or set exactly that label.`;
  return [
    `Wrote ${file} (mode 0600)${hasSecret ? ": it holds the key's secret in plain text; delete it right after step 1" : ""}.`,
    ``,
    `Next steps, in the Pulumi project, with the stack selected (Pulumi CLI ${cliVersion}):`,
    `  1. pulumi import --file ${quoted} --yes --generate-code=false`,
    `  2. rm ${quoted}`,
    `  3. Declare the key in the program (the import marked it protected, as \`pulumi import\` always does):`,
    `       ${declaration(parsed, inputs)}`,
    nameNote,
    `  4. pulumi preview --expect-no-changes     (then \`pulumi up\`: no changes)`,
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
    io.stdout(`${IMPORT_USAGE}\n`);
    return;
  }
  const cli = judgeCliVersion(await io.pulumiVersion());
  if (!cli.ok) throw new Error(cli.reason);
  const file = path.resolve(io.cwd, parsed.out);
  if (await exists(file)) throw new ImportUsageError(`${parsed.out} already exists: choose another --out, or remove it first (the import file is created new, with mode 0600).`);
  const { secret, from } = await readSecret(parsed, io);
  if (parsed.request.cloud === "hostup" && secret === undefined) {
    throw new ImportUsageError(
      `a HostUp key needs its secret: HostUp cannot read or list keys, so a signed S3 request with the secret is the only proof the key exists. Put it in $${SECRET_ENV} or pipe it with --secret-from-stdin.`,
    );
  }
  const sources: Sources = { env: io.env };
  const request = { ...parsed.request, secret, secretFrom: from } as KeyRequest;
  const key = await describeKey(request, sources, io.now);
  const mod = clouds[parsed.request.cloud]!;
  const content = buildImportFile(parsed.request.resourceName, key, await io.providerText(), secretStateFields(mod));
  await writePrivate(file, `${JSON.stringify(content, null, 2)}\n`);
  io.stdout(nextSteps(parsed.out, parsed, key.inputs, secret !== undefined, cli.version));
  if (parsed.labelDefaulted) {
    io.stdout(`Note: HostUp cannot report a key's label, so the resource name was recorded as its label; pass --label to record the dashboard's label instead.\n`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
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
