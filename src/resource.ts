/**
 * The public resource. It validates nothing itself (the provider's `check` does, so errors show at
 * `pulumi preview`), declares the outputs, marks the secret outputs, and hands the engine a tiny
 * provider shim.
 */
import * as pulumi from "@pulumi/pulumi";
import { clouds } from "./clouds/registry";
import { isSecret } from "./model/fields";
import { providerShim } from "./shim";

/** Serialized into state as `__provider` (see ./shim). */
export const accessKeyProvider: pulumi.dynamic.ResourceProvider = providerShim("accessKey");

interface CommonArgs {
  /** Any string; changing it replaces the key (new key first, then the old one is deleted). */
  rotationTrigger?: pulumi.Input<string>;
  /**
   * A duration such as "90d", "12h", "2w": once the key is older, the next `up` replaces it (new
   * key first; dependents are updated to the new key before the old one is deleted).
   */
  rotateAfter?: pulumi.Input<string>;
  /** Overrides the API base URL for this resource (else stack config, env, then the default). */
  apiUrl?: pulumi.Input<string>;
}

/** Adopt an existing key instead of creating one (dynamic resources cannot be `pulumi import`ed). */
export interface AdoptArgs {
  /** Nscale: the key's metadata.id (UUID). HostUp: its accessKey. */
  keyId: pulumi.Input<string>;
  /** If given, verified with a signed S3 request and exposed as `secretAccessKey`. */
  secretAccessKey?: pulumi.Input<string>;
}

export interface NscaleAccessKeyArgs extends CommonArgs {
  cloud: "nscale";
  /** The object storage endpoint's ID (metadata.id). */
  endpointId: pulumi.Input<string>;
  /** Name of an identity policy configured on the endpoint, e.g. "bucket-admin". */
  identityPolicy: pulumi.Input<string>;
  /** Key name; default: the resource name plus a random suffix. */
  name?: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Service token for this resource only; always stored as a secret. */
  apiToken?: pulumi.Input<string>;
  adopt?: pulumi.Input<AdoptArgs>;
}

export interface HostUpAccessKeyArgs extends CommonArgs {
  cloud: "hostup";
  /** Key label; default: the resource name plus a random suffix. */
  label?: pulumi.Input<string>;
  /** API key for this resource only; always stored as a secret. */
  apiKey?: pulumi.Input<string>;
  adopt?: pulumi.Input<AdoptArgs>;
}

export type ObjectStorageAccessKeyArgs = NscaleAccessKeyArgs | HostUpAccessKeyArgs;

function secretOrUndefined<T>(value: pulumi.Input<T> | undefined): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return value === undefined ? undefined : pulumi.secret(value);
}

/** Every field any cloud stores, and those its schema marks secret: derived, never restated. */
const stateShapes = Object.values(clouds).map((m) => m.state.shape);
const DECLARED = [...new Set(stateShapes.flatMap((shape) => Object.keys(shape)))];

/** Outputs the engine must treat as secrets whatever the program passes. */
export const SECRET_OUTPUTS = [...new Set(stateShapes.flatMap((shape) => Object.entries(shape).filter(([, f]) => isSecret(f)).map(([k]) => k)))];

export class ObjectStorageAccessKey extends pulumi.dynamic.Resource {
  declare readonly cloud: pulumi.Output<"nscale" | "hostup">;
  /** Nscale: metadata.id; HostUp: the accessKey. Also the Pulumi resource ID. */
  declare readonly keyId: pulumi.Output<string>;
  /** The S3 access key ID. */
  declare readonly accessKeyId: pulumi.Output<string>;
  /** The S3 secret access key: a Pulumi secret, returned by the provider only once. */
  declare readonly secretAccessKey: pulumi.Output<string>;
  /** S3 endpoint URL to use with this key. */
  declare readonly s3Endpoint: pulumi.Output<string>;
  /** S3 signing region (HostUp: awsRegion; Nscale: nscale:region config, else unset). */
  declare readonly region: pulumi.Output<string | undefined>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;
  declare readonly rotateAfter: pulumi.Output<string | undefined>;
  declare readonly adopted: pulumi.Output<boolean | undefined>;
  // Nscale
  declare readonly endpointId: pulumi.Output<string | undefined>;
  declare readonly name: pulumi.Output<string | undefined>;
  declare readonly description: pulumi.Output<string | undefined>;
  declare readonly identityPolicy: pulumi.Output<string | undefined>;
  declare readonly organizationId: pulumi.Output<string | undefined>;
  declare readonly projectId: pulumi.Output<string | undefined>;
  declare readonly createdBy: pulumi.Output<string | undefined>;
  declare readonly provisioningStatus: pulumi.Output<string | undefined>;
  declare readonly healthStatus: pulumi.Output<string | undefined>;
  // HostUp
  declare readonly label: pulumi.Output<string | undefined>;

  constructor(name: string, args: ObjectStorageAccessKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const given: Record<string, unknown> = { ...args };
    const props: Record<string, unknown> = Object.fromEntries(DECLARED.map((k) => [k, undefined]));
    for (const [k, v] of Object.entries(given)) props[k] = SECRET_OUTPUTS.includes(k) ? secretOrUndefined(v) : v;
    props.resourceName = name;
    super(
      accessKeyProvider,
      name,
      props,
      pulumi.mergeOptions(opts, { additionalSecretOutputs: SECRET_OUTPUTS }),
      "objectstorage",
      "AccessKey",
    );
  }
}
