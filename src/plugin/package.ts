/**
 * What the native plugin serves: its package name and one entry per resource type, each with the
 * shared operations, the schemas its inputs and outputs come from, and which fields are secret.
 * Everything here is derived from the clouds' and the bucket's zod schemas.
 */
import { clouds } from "../clouds/registry";
import { BucketInputs, BucketState } from "../model/bucket";
import { secretFieldsOf } from "../model/fields";
import { describeImport } from "../import/native-id";
import { accessKeyOperations, bucketOperations, type ResourceOperations } from "../provider/operations";
import type { ObjectSchema } from "../clouds/contract";

/** The Pulumi package name: resource tokens, the executable's name and the config namespace. */
export const PACKAGE = "object-storage-keys";
export const PLUGIN_EXECUTABLE = `pulumi-resource-${PACKAGE}`;

export interface ServedResource {
  token: string;
  description: string;
  operations: ResourceOperations;
  /** Every schema whose fields the resource accepts (inputs) and records (outputs). */
  inputs: readonly ObjectSchema[];
  outputs: readonly ObjectSchema[];
  /** Inputs a program must set. */
  requiredInputs: readonly string[];
  /** Outputs every instance has. */
  requiredOutputs: readonly string[];
  secrets: ReadonlySet<string>;
  /** What `pulumi import <token> <name> <id>` reads (the key); absent: the type cannot be imported. */
  importer?: typeof describeImport;
}

const cloudModules = Object.values(clouds);

function served(name: string, r: Omit<ServedResource, "token" | "secrets">): ServedResource {
  const secrets = new Set([...r.inputs, ...r.outputs].flatMap((s) => secretFieldsOf(s)));
  return { ...r, token: `${PACKAGE}:index:${name}`, secrets };
}

export const RESOURCES: readonly ServedResource[] = [
  served("ObjectStorageAccessKey", {
    description:
      "An object-storage access key on Nscale or HostUp. The secret is returned by the cloud only once and kept as a Pulumi secret; changing a replacing input (or `rotationTrigger`) creates the new key before the old one is deleted.",
    operations: accessKeyOperations,
    importer: describeImport,
    inputs: cloudModules.map((m) => m.inputs),
    outputs: cloudModules.map((m) => m.state),
    requiredInputs: ["cloud"],
    requiredOutputs: ["cloud", "keyId", "accessKeyId", "secretAccessKey", "s3Endpoint", "createdAt"],
  }),
  served("ObjectStorageBucket", {
    description: "A bucket made with an access key's outputs (Nscale: through S3 with the key; HostUp: through HostUp's bucket API).",
    operations: bucketOperations,
    inputs: [BucketInputs],
    outputs: [BucketState],
    requiredInputs: ["cloud", "s3Endpoint", "accessKeyId", "secretAccessKey"],
    requiredOutputs: ["cloud", "bucketName", "s3Endpoint", "accessKeyId", "secretAccessKey", "createdAt"],
  }),
];

export function resourceFor(token: string): ServedResource | undefined {
  return RESOURCES.find((r) => r.token === token);
}
