/** Nscale has no bucket API: buckets are made through S3 with the access key itself. */
import { S3Client } from "../../s3/client";
import { DEFAULT_SIGNING_REGION } from "../../s3/region";
import type { BucketState } from "../../model/bucket";
import type { BucketContext, BucketOps } from "../contract";

export function s3For(b: BucketState, ctx: BucketContext): S3Client {
  return new S3Client({
    endpoint: b.s3Endpoint,
    region: b.region ?? DEFAULT_SIGNING_REGION,
    credentials: { accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey },
    http: ctx.http,
  });
}

export const nscaleBuckets: BucketOps = {
  async create(b, ctx) {
    await s3For(b, ctx).createBucket(b.bucketName);
  },
  async exists(b, ctx) {
    return s3For(b, ctx).headBucket(b.bucketName);
  },
  async delete(b, ctx) {
    const s3 = s3For(b, ctx);
    if (b.forceDestroy) await s3.emptyBucket(b.bucketName);
    await s3.deleteBucket(b.bucketName);
  },
};
