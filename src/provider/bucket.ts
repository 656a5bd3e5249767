/**
 * The bucket resource's check, diff and lifecycle. What a bucket is made with differs per cloud
 * (S3 with the key on Nscale, the API on HostUp): each cloud's `buckets` module does the work.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { CloudModule } from "../clouds/contract";
import { cloudFor } from "../clouds/registry";
import { LifecycleError } from "../errors";
import { BUCKET_IN_PLACE, BUCKET_REPLACES, BucketInputs, BucketState } from "../model/bucket";
import { compact } from "../model/fields";
import { DEFAULT_SIGNING_REGION } from "../s3/region";
import { resolveHttp, type Sources } from "../settings";
import { UNKNOWN, userInputs } from "./abi";
import { cloudFailure, parseKnown, settingsFailures, toFailures, type CheckOutcome } from "./check";
import { generateName, reusableGeneratedName } from "./names";
import { contextFor } from "./context";

export function checkBucket(olds: Record<string, unknown>, news: Record<string, unknown>, sources: Sources): CheckOutcome {
  const input = userInputs(news);
  if (input.bucketName === undefined && typeof input.resourceName === "string") {
    input.bucketName = reusableGeneratedName(userInputs(olds), "bucketName", input.resourceName) ?? generateName(input.resourceName).slice(0, 63);
  }
  const parsed = parseKnown(BucketInputs, input);
  if (!parsed.success) return { inputs: input, failures: toFailures(parsed.error, "a bucket", BucketInputs, input) };
  const mod = cloudFor(parsed.data.cloud);
  if (parsed.data.cloud === UNKNOWN) return { inputs: parsed.data, failures: [] };
  if (!mod) return { inputs: parsed.data, failures: [cloudFailure(parsed.data.cloud)] };
  return {
    inputs: parsed.data,
    failures: mod.bucketsUseApi
      ? settingsFailures(mod, { credential: parsed.data.apiKey, apiUrl: parsed.data.apiUrl }, sources).filter((f) => f.property !== "cloud")
      : [],
  };
}

export function diffBucket(olds: Record<string, unknown>, news: Record<string, unknown>): dynamic.DiffResult {
  // During a key rotation's preview the new key's outputs are unknown: that predicts an update of
  // the credentials, not a new bucket. Only a known change of identity or endpoint replaces it.
  const replaces = BUCKET_REPLACES.filter(
    (k) => (k === "bucketName" && news[k] === UNKNOWN) || (news[k] !== UNKNOWN && JSON.stringify(olds[k]) !== JSON.stringify(news[k])),
  );
  // An unknown region alone is no change: in a preview the SDK reports every output the key did not
  // set (an Nscale key's region without config) as unknown, which would show a perpetual update.
  // When the key really changes, its accessKeyId is unknown too and that predicts the update.
  const inPlace = BUCKET_IN_PLACE.filter(
    (k) => !(k === "region" && news[k] === UNKNOWN) && JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null),
  );
  return { changes: replaces.length + inPlace.length > 0, replaces, deleteBeforeReplace: false };
}

function moduleOf(b: BucketState): CloudModule {
  const mod = cloudFor(b.cloud);
  if (!mod) throw new LifecycleError({ code: "unknown_cloud", cloud: b.cloud, bucketName: b.bucketName });
  return mod;
}

async function ops(b: BucketState, sources: Sources) {
  const mod = moduleOf(b);
  const buckets = await mod.buckets();
  // Buckets made through S3 need no API credential: it is resolved only if the cloud's ops ask.
  return { buckets, ctx: { http: resolveHttp(sources), connect: () => contextFor(mod, { credential: b.apiKey, apiUrl: b.apiUrl }, sources) } };
}

export async function createBucket(inputs: Record<string, unknown>, sources: Sources): Promise<{ id: string; outs: BucketState }> {
  const state = BucketState.parse({ ...inputs, createdAt: new Date().toISOString() });
  const { buckets, ctx } = await ops(state, sources);
  await buckets.create(state, ctx);
  return { id: state.bucketName, outs: compact(state) };
}

export async function readBucket(id: string, props: Record<string, unknown>, sources: Sources): Promise<BucketState | undefined> {
  const state = BucketState.parse({ ...props, bucketName: id });
  const { buckets, ctx } = await ops(state, sources);
  return (await buckets.exists(state, ctx)) ? BucketState.parse(props) : undefined;
}

/**
 * On rotation the engine updates dependents (this bucket) before deleting the replaced key, so
 * checking the new credentials here proves the new key works while the old one still exists; if it
 * does not, the update fails and `up` stops before the old key is deleted.
 */
export async function updateBucket(olds: Record<string, unknown>, news: Record<string, unknown>, sources: Sources): Promise<BucketState> {
  const previous = BucketState.parse(olds);
  // Only the new inputs: one the user removed (forceDestroy, an apiKey override) must not linger.
  const next = BucketState.parse(compact({ ...news, createdAt: previous.createdAt }));
  if (next.accessKeyId !== previous.accessKeyId || next.secretAccessKey !== previous.secretAccessKey) {
    const { S3Client } = await import("../s3/client.js");
    const s3 = new S3Client({
      endpoint: next.s3Endpoint,
      region: next.region ?? DEFAULT_SIGNING_REGION,
      credentials: { accessKeyId: next.accessKeyId, secretAccessKey: next.secretAccessKey },
      http: resolveHttp(sources),
    });
    if (!(await s3.headBucket(next.bucketName))) {
      throw new LifecycleError({ code: "bucket_not_visible", bucketName: next.bucketName, accessKeyId: next.accessKeyId });
    }
  }
  return compact(next);
}

export async function deleteBucket(id: string, props: Record<string, unknown>, sources: Sources): Promise<void> {
  const state = BucketState.parse({ ...props, bucketName: id });
  const { buckets, ctx } = await ops(state, sources);
  await buckets.delete(state, ctx);
}
