/** Nscale has no bucket API: buckets are made through S3 with the access key itself. */
import { S3Client } from "../../s3/client";
import type { BucketState } from "../../model/bucket";
import type { BucketOps } from "../contract";

/** Nscale's S3 reports no region; SigV4 needs one, and this is what S3-compatible servers expect by default. */
const DEFAULT_SIGNING_REGION = "us-east-1";

export function s3For(b: BucketState, fallbackRegion = DEFAULT_SIGNING_REGION): S3Client {
  return new S3Client({
    endpoint: b.s3Endpoint,
    region: b.region ?? fallbackRegion,
    credentials: { accessKeyId: b.accessKeyId, secretAccessKey: b.secretAccessKey },
  });
}

export const nscaleBuckets: BucketOps = {
  async create(b) {
    await s3For(b).createBucket(b.bucketName);
  },
  async exists(b) {
    return s3For(b).headBucket(b.bucketName);
  },
  async delete(b) {
    const s3 = s3For(b);
    if (b.forceDestroy) await s3.emptyBucket(b.bucketName);
    await s3.deleteBucket(b.bucketName);
  },
};
