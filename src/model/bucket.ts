/** The bucket resource's inputs and state: the same record (a bucket has no server-made fields but createdAt). */
import { z } from "zod";
import { secret } from "./fields";

/** 3-63 characters of lowercase letters, digits and hyphens: valid on both clouds. */
export const bucketNamePattern = /^[a-z0-9-]{3,63}$/;

const bucketFields = {
  cloud: z.string({ error: "must be the cloud of the access key" }).describe("The cloud of the access key the bucket is made with (its `cloud` output)."),
  resourceName: z.string().min(1),
  bucketName: z
    .string()
    .regex(bucketNamePattern, {
      error: 'must be 3-63 characters of lowercase letters, digits and hyphens (e.g. "app-data"); omit it to derive one from the resource name',
    })
    .describe("3-63 lowercase letters, digits and hyphens; default: the resource name plus a random suffix."),
  s3Endpoint: z.string().min(1, { error: "must not be empty: the key's s3Endpoint" }).describe("The key's `s3Endpoint` output."),
  region: z.string().min(1).optional().describe("The key's `region` output (the S3 signing region)."),
  accessKeyId: z.string().min(1, { error: "must not be empty: the key's accessKeyId" }).describe("The key's `accessKeyId` output."),
  secretAccessKey: secret(
    z
      .string()
      .min(1, { error: "must not be empty: the key's secretAccessKey (keys adopted without a secret cannot manage buckets)" })
      .describe("The key's `secretAccessKey` output."),
  ),
  forceDestroy: z
    .boolean({ error: "must be a boolean" })
    .optional()
    .describe("Delete the objects in the bucket on destroy (default false: a non-empty bucket fails to delete)."),
  apiUrl: z.string().optional().describe("HostUp only: the API base URL for this bucket only."),
  apiKey: secret(z.string().trim().min(1).optional().describe("HostUp only: the API key for this bucket only (else provider config, then the environment).")),
};

export const BucketInputs = z.strictObject(bucketFields);
export type BucketInputs = z.infer<typeof BucketInputs>;

/** Lenient: older states and unknown fields still parse. */
export const BucketState = z.looseObject({
  ...bucketFields,
  bucketName: z.string().describe("The bucket's name."),
  createdAt: z.string().default("").describe("When the bucket was created (RFC 3339)."),
});
export type BucketState = z.infer<typeof BucketState>;

/** Inputs whose change makes a new bucket; the rest update in place. */
export const BUCKET_REPLACES = ["cloud", "bucketName", "s3Endpoint"] as const;
export const BUCKET_IN_PLACE = ["accessKeyId", "secretAccessKey", "region", "forceDestroy", "apiUrl", "apiKey"] as const;
