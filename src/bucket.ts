/**
 * A bucket next to its key. Nscale buckets are created through S3 with the key itself (Nscale's
 * API has no bucket endpoint); HostUp buckets through HostUp's bucket API.
 */
import * as pulumi from "@pulumi/pulumi";
import { BucketState } from "./model/bucket";
import { secretFieldsOf } from "./model/fields";
import { providerShim } from "./shim";

/** Derived from the bucket's state schema. */
const BUCKET_SECRET_OUTPUTS = secretFieldsOf(BucketState);
import type { CloudArgs } from "./clouds/registry";
import type { ObjectStorageAccessKey } from "./resource";

/** Serialized into state as `__provider` (see ./shim). */
export const bucketProvider: pulumi.dynamic.ResourceProvider = providerShim("bucket");

export interface ObjectStorageBucketArgs {
  /** The key the bucket is made with (Nscale) and that its outputs point at. */
  key: ObjectStorageAccessKey;
  /** 3-63 lowercase letters, digits, hyphens; default: the resource name plus a random suffix. */
  bucketName?: pulumi.Input<string>;
  /** Delete the objects in the bucket on destroy (default false: a non-empty bucket fails to delete). */
  forceDestroy?: pulumi.Input<boolean>;
  /** HostUp only: API key override (else hostup:apiKey config or HOSTUP_API_KEY). */
  apiKey?: pulumi.Input<string>;
  /** HostUp only: API URL override. */
  apiUrl?: pulumi.Input<string>;
}

export class ObjectStorageBucket extends pulumi.dynamic.Resource {
  declare readonly bucketName: pulumi.Output<string>;
  declare readonly cloud: pulumi.Output<CloudArgs["cloud"]>;
  declare readonly s3Endpoint: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string | undefined>;
  declare readonly accessKeyId: pulumi.Output<string>;
  declare readonly secretAccessKey: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;

  constructor(name: string, args: ObjectStorageBucketArgs, opts?: pulumi.CustomResourceOptions) {
    const key = args.key;
    super(
      bucketProvider,
      name,
      {
        resourceName: name,
        bucketName: args.bucketName,
        forceDestroy: args.forceDestroy,
        cloud: key.cloud,
        s3Endpoint: key.s3Endpoint,
        region: key.region,
        accessKeyId: key.accessKeyId,
        secretAccessKey: key.secretAccessKey,
        apiKey: args.apiKey === undefined ? undefined : pulumi.secret(args.apiKey),
        apiUrl: args.apiUrl,
        createdAt: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: BUCKET_SECRET_OUTPUTS }),
      "objectstorage",
      "Bucket",
    );
  }
}
