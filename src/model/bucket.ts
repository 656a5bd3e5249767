/** The bucket resource's inputs and state: the same record (a bucket has no server-made fields but createdAt). */
import { z } from "zod";
import { secret } from "./fields";

/** 3-63 characters of lowercase letters, digits and hyphens: valid on both clouds. */
export const bucketNamePattern = /^[a-z0-9-]{3,63}$/;

const bucketFields = {
  cloud: z.string({ error: "must be the cloud of the access key" }),
  resourceName: z.string().min(1),
  bucketName: z.string().regex(bucketNamePattern, {
    error: 'must be 3-63 characters of lowercase letters, digits and hyphens (e.g. "app-data"); omit it to derive one from the resource name',
  }),
  s3Endpoint: z.string().min(1, { error: "must not be empty: the key's s3Endpoint" }),
  region: z.string().min(1).optional(),
  accessKeyId: z.string().min(1, { error: "must not be empty: the key's accessKeyId" }),
  secretAccessKey: secret(
    z.string().min(1, { error: "must not be empty: the key's secretAccessKey (keys adopted without a secret cannot manage buckets)" }),
  ),
  forceDestroy: z.boolean({ error: "must be a boolean" }).optional(),
  apiUrl: z.string().optional(),
  apiKey: secret(z.string().trim().min(1).optional()),
};

export const BucketInputs = z.strictObject(bucketFields);
export type BucketInputs = z.infer<typeof BucketInputs>;

/** Lenient: older states and unknown fields still parse. */
export const BucketState = z.looseObject({ ...bucketFields, bucketName: z.string(), createdAt: z.string().default("") });
export type BucketState = z.infer<typeof BucketState>;

/** Inputs whose change makes a new bucket; the rest update in place. */
export const BUCKET_REPLACES = ["cloud", "bucketName", "s3Endpoint"] as const;
export const BUCKET_IN_PLACE = ["accessKeyId", "secretAccessKey", "region", "forceDestroy", "apiUrl", "apiKey"] as const;
