/**
 * A bucket next to its key. Nscale buckets are created through S3 with the key itself (Nscale's
 * API has no bucket endpoint); HostUp buckets through HostUp's bucket API.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ObjectStorageAccessKey } from "./resource";

/** Serialized as `__provider`: forwards to the installed implementation, captures nothing. */
export const bucketProvider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    return require("pulumi-object-storage-keys/provider").configure(req);
  },
  async check(olds, news) {
    return require("pulumi-object-storage-keys/provider").bucket.check(olds, news);
  },
  async diff(id, olds, news) {
    return require("pulumi-object-storage-keys/provider").bucket.diff(id, olds, news);
  },
  async create(inputs) {
    return require("pulumi-object-storage-keys/provider").bucket.create(inputs);
  },
  async read(id, props) {
    return require("pulumi-object-storage-keys/provider").bucket.read(id, props);
  },
  async update(id, olds, news) {
    return require("pulumi-object-storage-keys/provider").bucket.update(id, olds, news);
  },
  async delete(id, props) {
    return require("pulumi-object-storage-keys/provider").bucket.delete(id, props);
  },
};

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
  declare readonly cloud: pulumi.Output<"nscale" | "hostup">;
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
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["secretAccessKey", "apiKey"] }),
      "objectstorage",
      "Bucket",
    );
  }
}
