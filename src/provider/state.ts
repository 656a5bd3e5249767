import { LifecycleError } from "../errors";
import { S3Client } from "../s3/client";
/**
 * The outputs stored in Pulumi state for one access key. The same names are used for both clouds;
 * cloud-specific fields are optional. `secretAccessKey` is marked secret by the resource class
 * (additionalSecretOutputs), and credential overrides keep the name of their (secret) input so the
 * engine keeps them secret too.
 */
export interface KeyOutputs {
  cloud: "nscale" | "hostup";
  resourceName: string;
  keyId: string;
  accessKeyId: string;
  secretAccessKey: string;
  s3Endpoint: string;
  region?: string;
  createdAt: string;
  rotationTrigger?: string;
  rotateAfter?: string;
  apiUrl?: string;
  /** true when the key existed before Pulumi managed it (`adopt`). */
  adopted?: boolean;
  adopt?: { keyId: string; secretAccessKey?: string };
  // Nscale
  endpointId?: string;
  name?: string;
  description?: string;
  identityPolicy?: string;
  organizationId?: string;
  projectId?: string;
  createdBy?: string;
  provisioningStatus?: string;
  healthStatus?: string;
  apiToken?: string;
  // HostUp
  label?: string;
  apiKey?: string;
}

/** Pulumi state holds JSON: drop undefined so nothing serializes as null. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * An adopted key's secret, when given, must actually sign requests for that key: otherwise state
 * would hold a secret that does not work. Verified with a signed S3 ListBuckets.
 */
export async function verifyAdoptedSecret(outs: KeyOutputs, region: string): Promise<void> {
  if (!outs.secretAccessKey) return;
  if (!outs.s3Endpoint) {
    throw new LifecycleError("adopt.secretAccessKey cannot be verified: the provider reported no S3 endpoint for this key.");
  }
  const res = await new S3Client({
    endpoint: outs.s3Endpoint,
    region,
    credentials: { accessKeyId: outs.accessKeyId, secretAccessKey: outs.secretAccessKey },
  }).send("GET", "/");
  if (res.status === 200 || (res.status === 403 && res.errorCode === "AccessDenied")) return;
  throw new LifecycleError(
    `adopt.secretAccessKey does not work for access key ${outs.accessKeyId}: S3 answered ${res.status} ${res.errorCode ?? ""}. ` +
      "Pass the secret that belongs to this key, or omit adopt.secretAccessKey (the secretAccessKey output is then empty).",
  );
}
