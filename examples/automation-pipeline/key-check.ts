/**
 * KeyCheck: proves, *during* `pulumi up`, that an access key works through S3.
 *
 * It takes the key's credentials and a bucket as inputs. Whenever they change (the first deploy, or
 * a rotation that replaced the key) its create/update writes an object with the key, reads it back,
 * compares it and deletes it. If that fails, `up` fails.
 *
 * Why this gives "verify the new key before the old one is deleted": a rotation replaces the key
 * create-before-delete. The engine creates the new key, then updates everything that depends on it
 * (the bucket, this check), and deletes the old key only at the very end of the update, after all
 * of those steps succeeded. A failing check therefore stops the update with the old key still in
 * place (the engine keeps it in state as "pending deletion" and deletes it on the next successful up).
 */
import * as pulumi from "@pulumi/pulumi";

export interface KeyCheckArgs {
  accessKeyId: pulumi.Input<string>;
  secretAccessKey: pulumi.Input<string>;
  s3Endpoint: pulumi.Input<string>;
  region: pulumi.Input<string>;
  bucketName: pulumi.Input<string>;
}

interface CheckInputs {
  accessKeyId: string;
  secretAccessKey: string;
  s3Endpoint: string;
  region: string;
  bucketName: string;
}

export interface CheckResult {
  verifiedAccessKeyId: string;
  verifiedObject: string;
  verifiedBytes: number;
  verifiedAt: string;
  attempts: number;
}

const WATCHED = ["accessKeyId", "secretAccessKey", "s3Endpoint", "region", "bucketName"] as const;

/**
 * Put, get, compare, delete. A brand-new key can take a moment to be accepted by S3 on a real
 * cloud, so failures are retried a few times (about 8 s in all) before the check gives up.
 *
 * The engine serializes this function's source into state, so it must not capture imports:
 * `require` by name at run time, as the package's own resources do.
 */
async function roundTrip(inputs: CheckInputs): Promise<CheckResult> {
  const { S3Client } = require("pulumi-object-storage-keys");
  const client = new S3Client({
    endpoint: inputs.s3Endpoint,
    region: inputs.region,
    credentials: { accessKeyId: inputs.accessKeyId, secretAccessKey: inputs.secretAccessKey },
  });
  const objectKey = `pulumi-key-check/${inputs.accessKeyId}-${Date.now()}.txt`;
  const body = `written and read back with access key ${inputs.accessKeyId} at ${new Date().toISOString()}\n`;
  const delays = [500, 1000, 2000, 4000];
  let lastError: unknown;
  for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
    try {
      await client.putObject(inputs.bucketName, objectKey, body, "text/plain");
      const back = (await client.getObject(inputs.bucketName, objectKey)).toString("utf8");
      await client.deleteObject(inputs.bucketName, objectKey);
      if (back !== body) throw new Error(`read back ${back.length} bytes that differ from the ${body.length} written`);
      return {
        verifiedAccessKeyId: inputs.accessKeyId,
        verifiedObject: `s3://${inputs.bucketName}/${objectKey}`,
        verifiedBytes: Buffer.byteLength(body),
        verifiedAt: new Date().toISOString(),
        attempts: attempt,
      };
    } catch (err) {
      lastError = err;
      const delay = delays[attempt - 1];
      if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `Key check failed: access key ${inputs.accessKeyId} could not write and read back s3://${inputs.bucketName}/${objectKey} ` +
      `at ${inputs.s3Endpoint} after ${delays.length + 1} attempts: ${reason}. ` +
      "The update stops here, so a key being rotated out is NOT deleted and the app configuration keeps the old key.",
  );
}

function pick(inputs: Record<string, unknown>): CheckInputs {
  return {
    accessKeyId: String(inputs.accessKeyId),
    secretAccessKey: String(inputs.secretAccessKey),
    s3Endpoint: String(inputs.s3Endpoint),
    region: String(inputs.region),
    bucketName: String(inputs.bucketName),
  };
}

const keyCheckProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    const checked = pick(inputs);
    return { id: checked.bucketName, outs: { ...checked, ...(await roundTrip(checked)) } };
  },
  async diff(_id, olds, news) {
    // Any change of the credentials re-runs the check (in place: nothing to replace).
    return { changes: WATCHED.some((k) => olds[k] !== news[k]) };
  },
  async update(_id, _olds, news) {
    const checked = pick(news);
    return { outs: { ...checked, ...(await roundTrip(checked)) } };
  },
  async delete() {
    // Nothing to clean up: the check object is deleted as soon as it has been read back.
  },
};

export class KeyCheck extends pulumi.dynamic.Resource {
  declare readonly verifiedAccessKeyId: pulumi.Output<string>;
  declare readonly verifiedObject: pulumi.Output<string>;
  declare readonly verifiedBytes: pulumi.Output<number>;
  declare readonly verifiedAt: pulumi.Output<string>;
  declare readonly attempts: pulumi.Output<number>;

  constructor(name: string, args: KeyCheckArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      keyCheckProvider,
      name,
      {
        ...args,
        secretAccessKey: pulumi.secret(args.secretAccessKey),
        verifiedAccessKeyId: undefined,
        verifiedObject: undefined,
        verifiedBytes: undefined,
        verifiedAt: undefined,
        attempts: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secretAccessKey"] }),
      "pipeline",
      "KeyCheck",
    );
  }
}
