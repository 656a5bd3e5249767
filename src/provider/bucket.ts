/**
 * Bucket lifecycle. Nscale has no bucket API: buckets are made through S3 with an access key.
 * HostUp has a bucket API (and S3 too); its API is used so the account's API key manages them.
 */
import { z } from "zod";
import { HostUpClient } from "../clouds/hostup/client";
import { bucketNamePattern } from "../clouds/hostup/schemas";
import { S3Client } from "../s3/client";
import { generateName, toFailures, UNKNOWN, userInputs, type CheckFailure } from "./inputs";
import { requireCredential, resolveApiUrl, resolveCredential, missingCredentialMessage, type Environment } from "./settings";
import { compact } from "./state";

const bucketName = z.union([
  z.literal(UNKNOWN),
  z.string().regex(bucketNamePattern, {
    error: "must be 3-63 characters of lowercase letters, digits and hyphens (e.g. \"app-data\"); omit it to derive one from the resource name",
  }),
]);

export const BucketInputs = z.strictObject({
  cloud: z.enum(["nscale", "hostup"], { error: 'must be "nscale" or "hostup" (taken from the access key)' }),
  resourceName: z.string().min(1),
  bucketName,
  s3Endpoint: z.string().min(1, { error: "must not be empty: the key's s3Endpoint" }),
  region: z.string().min(1).optional(),
  accessKeyId: z.string().min(1, { error: "must not be empty: the key's accessKeyId" }),
  secretAccessKey: z.string().min(1, { error: "must not be empty: the key's secretAccessKey (keys adopted without a secret cannot manage buckets)" }),
  forceDestroy: z.boolean({ error: "must be a boolean" }).optional(),
  apiUrl: z.string().optional(),
  apiKey: z.string().min(1).optional(),
});
export type BucketInputs = z.infer<typeof BucketInputs>;

export interface BucketOutputs extends BucketInputs {
  createdAt: string;
}

function s3For(b: BucketInputs): S3Client {
  return new S3Client({
    endpoint: b.s3Endpoint,
    region: b.region ?? (b.cloud === "hostup" ? "eu-north-1" : "us-east-1"),
    credentials: { accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey },
  });
}

function hostupFor(b: BucketInputs, e: Environment): HostUpClient {
  return new HostUpClient({ apiUrl: resolveApiUrl("hostup", b.apiUrl, e), apiKey: requireCredential("hostup", b.apiKey, e) });
}

export function checkBucket(olds: Record<string, unknown>, news: Record<string, unknown>, e: Environment): { inputs: Record<string, unknown>; failures: CheckFailure[] } {
  const input = userInputs(news);
  const old = userInputs(olds);
  if (input.bucketName === undefined && typeof input.resourceName === "string") {
    input.bucketName =
      typeof old.bucketName === "string" && old.resourceName === input.resourceName && /-[a-z0-9]{7}$/.test(old.bucketName)
        ? old.bucketName
        : generateName(input.resourceName).slice(0, 63);
  }
  const parsed = BucketInputs.safeParse(input);
  if (!parsed.success) {
    const cloud = input.cloud === "hostup" ? "hostup" : "nscale";
    return { inputs: input, failures: toFailures(parsed.error, cloud, input) };
  }
  const failures: CheckFailure[] = [];
  if (parsed.data.cloud === "hostup" && parsed.data.apiKey !== UNKNOWN && resolveCredential("hostup", parsed.data.apiKey, e) === undefined) {
    failures.push({ property: "apiKey", reason: missingCredentialMessage("hostup") });
  }
  return { inputs: parsed.data, failures };
}

export function diffBucket(olds: Record<string, unknown>, news: Record<string, unknown>) {
  // During a key rotation's preview the new key's outputs are unknown: that predicts an update of
  // the credentials, not a new bucket. Only a known change of identity or endpoint replaces it.
  const replaces = ["cloud", "bucketName", "s3Endpoint"].filter(
    (k) => (k === "bucketName" && news[k] === UNKNOWN) || (news[k] !== UNKNOWN && JSON.stringify(olds[k]) !== JSON.stringify(news[k])),
  );
  // An unknown region alone is no change: in a preview the SDK reports every output the key did not
  // set (an Nscale key's region without config) as unknown, which would show a perpetual update.
  // When the key really changes, its accessKeyId is unknown too and that predicts the update.
  const inPlace = ["accessKeyId", "secretAccessKey", "region", "forceDestroy", "apiUrl", "apiKey"].filter(
    (k) => !(k === "region" && news[k] === UNKNOWN) && JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
  );
  return { changes: replaces.length + inPlace.length > 0, replaces, deleteBeforeReplace: false };
}

export async function createBucket(inputs: BucketInputs, e: Environment): Promise<{ id: string; outs: BucketOutputs }> {
  if (inputs.cloud === "hostup") await hostupFor(inputs, e).createBucket(inputs.bucketName);
  else await s3For(inputs).createBucket(inputs.bucketName);
  return { id: inputs.bucketName, outs: compact({ ...inputs, createdAt: new Date().toISOString() }) };
}

/**
 * On rotation the engine updates dependents (this bucket) before deleting the replaced key, so
 * checking the new credentials here proves the new key works while the old one still exists; if it
 * does not, the update fails and `up` stops before the old key is deleted.
 */
export async function verifyBucketAccess(b: BucketInputs): Promise<void> {
  if (!(await s3For(b).headBucket(b.bucketName))) {
    throw new Error(`Bucket ${b.bucketName} is not visible with access key ${b.accessKeyId}; the old key was kept.`);
  }
}

export async function readBucket(id: string, props: BucketOutputs, e: Environment): Promise<BucketOutputs | undefined> {
  const exists = props.cloud === "hostup" ? (await hostupFor(props, e).getBucket(id)) !== undefined : await s3For(props).headBucket(id);
  return exists ? props : undefined;
}

export async function deleteBucket(id: string, props: BucketOutputs, e: Environment): Promise<void> {
  if (props.cloud === "hostup") {
    // HostUp's bucket delete is recursive; honour forceDestroy=false by refusing non-empty buckets.
    const client = hostupFor(props, e);
    const bucket = await client.getBucket(id);
    if (!bucket) return;
    if (bucket.numObjects > 0 && !props.forceDestroy) {
      throw new Error(`Bucket ${id} still holds ${bucket.numObjects} object(s); empty it first or set forceDestroy: true.`);
    }
    await client.deleteBucket(id);
    return;
  }
  const s3 = s3For(props);
  if (props.forceDestroy) {
    const list = await s3.send("GET", `/${encodeURIComponent(id)}`, { query: { "list-type": "2" } });
    if (list.status === 200) {
      const keys = [...list.body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
      for (const key of keys) await s3.deleteObject(id, key);
    }
  }
  await s3.deleteBucket(id);
}
