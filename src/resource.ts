/**
 * The public resource. It validates nothing itself (the provider's `check` does, so errors show at
 * `pulumi preview`), declares the outputs, marks the secret outputs, and hands the engine a tiny
 * provider shim.
 */
import * as pulumi from "@pulumi/pulumi";
import { clouds, type CloudArgs, type CloudOutputs } from "./clouds/registry";
import { secretFieldsOf } from "./model/fields";
import { providerShim } from "./shim";

/** Serialized into state as `__provider` (see ./shim). */
export const accessKeyProvider: pulumi.dynamic.ResourceProvider = providerShim("accessKey");

export type { AdoptArgs } from "./model/args";
export type { NscaleAccessKeyArgs } from "./clouds/nscale/args";
export type { HostUpAccessKeyArgs } from "./clouds/hostup/args";
export type ObjectStorageAccessKeyArgs = CloudArgs;

function secretOrUndefined<T>(value: pulumi.Input<T> | undefined): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return value === undefined ? undefined : pulumi.secret(value);
}

/** Every field any cloud stores, and those its schema marks secret: derived, never restated. */
const stateShapes = Object.values(clouds).map((m) => m.state.shape);
const DECLARED = [...new Set(stateShapes.flatMap((shape) => Object.keys(shape)))];

/** Outputs the engine must treat as secrets whatever the program passes. */
export const SECRET_OUTPUTS = [...new Set(Object.values(clouds).flatMap((m) => secretFieldsOf(m.state)))];

/** Each cloud's own outputs (see src/clouds/<cloud>/args.ts), merged into the class's type. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface ObjectStorageAccessKey extends CloudOutputs {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ObjectStorageAccessKey extends pulumi.dynamic.Resource {
  declare readonly cloud: pulumi.Output<CloudArgs["cloud"]>;
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

  constructor(name: string, args: ObjectStorageAccessKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const given: Record<string, unknown> = { ...args };
    const props: Record<string, unknown> = Object.fromEntries(DECLARED.map((k) => [k, undefined]));
    for (const [k, v] of Object.entries(given)) props[k] = SECRET_OUTPUTS.includes(k) ? secretOrUndefined(v) : v;
    props.resourceName = name;
    super(accessKeyProvider, name, props, pulumi.mergeOptions(opts, { additionalSecretOutputs: SECRET_OUTPUTS }), "objectstorage", "AccessKey");
  }
}
