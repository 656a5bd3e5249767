/** HostUp buckets go through HostUp's bucket API, managed by the account's API key. */
import type { BucketOps } from "../contract";
import { LifecycleError } from "../../errors";
import { hostupClient } from "./lifecycle";

export const hostupBuckets: BucketOps = {
  async create(b, ctx) {
    await hostupClient(ctx.connect()).createBucket(b.bucketName);
  },
  async exists(b, ctx) {
    return (await hostupClient(ctx.connect()).getBucket(b.bucketName)) !== undefined;
  },
  async delete(b, ctx) {
    // HostUp's bucket delete is recursive; honour forceDestroy=false by refusing non-empty buckets.
    const api = hostupClient(ctx.connect());
    const bucket = await api.getBucket(b.bucketName);
    if (!bucket) return;
    if (bucket.numObjects > 0 && !b.forceDestroy) {
      throw new LifecycleError({ code: "bucket_not_empty", bucketName: b.bucketName, objects: bucket.numObjects });
    }
    await api.deleteBucket(b.bucketName);
  },
};
