/**
 * HostUp access-key lifecycle. HostUp keys are synchronous and have no get or list endpoint, so
 * refresh asks S3 itself whether the key still works (a signed, read-only probe).
 */
import { HostUpClient } from "../clouds/hostup/client";
import { ConfigurationError, LifecycleError, ProviderApiError } from "../errors";
import { probeKey } from "../s3/client";
import type { HostUpInputs } from "./inputs";
import { requireCredential, resolveApiUrl, type Environment } from "./settings";
import { compact, verifyAdoptedSecret, type KeyOutputs } from "./state";

export const HOSTUP_DEFAULT_S3_ENDPOINT = "https://s3.hostup.se";
export const HOSTUP_DEFAULT_REGION = "eu-north-1";

export function hostupClient(e: Environment, from: { apiKey?: string; apiUrl?: string }): HostUpClient {
  return new HostUpClient({
    apiUrl: resolveApiUrl("hostup", from.apiUrl, e),
    apiKey: requireCredential("hostup", from.apiKey, e),
  });
}

export async function createHostUpKey(inputs: HostUpInputs, e: Environment): Promise<{ id: string; outs: KeyOutputs }> {
  const client = hostupClient(e, inputs);
  // Read the service first: it fails fast when object storage is not active, and gives the S3
  // endpoint and region before a key exists (so nothing can fail after the key is created).
  const status = await client.getServiceStatus();
  if (!status.provisioned) {
    throw new LifecycleError(
      "HostUp object storage is not provisioned for this account (GET /api/object-storage reports provisioned: false). Activate object storage in the HostUp dashboard first.",
    );
  }
  const common = compact({
    cloud: "hostup" as const,
    resourceName: inputs.resourceName,
    rotationTrigger: inputs.rotationTrigger,
    rotateAfter: inputs.rotateAfter,
    apiUrl: inputs.apiUrl,
    apiKey: inputs.apiKey,
    s3Endpoint: status.endpoint ?? HOSTUP_DEFAULT_S3_ENDPOINT,
    region: status.awsRegion ?? HOSTUP_DEFAULT_REGION,
  });

  if (inputs.adopt) {
    const outs: KeyOutputs = compact({
      ...common,
      keyId: inputs.adopt.keyId,
      accessKeyId: inputs.adopt.keyId,
      secretAccessKey: inputs.adopt.secretAccessKey ?? "",
      createdAt: new Date().toISOString(),
      label: inputs.label,
      adopted: true,
      adopt: inputs.adopt,
    });
    if (outs.secretAccessKey) {
      await verifyAdoptedSecret(outs, outs.region!);
    }
    return { id: outs.keyId, outs };
  }

  const label = inputs.label;
  if (label === undefined) throw new ConfigurationError("label: missing after check; this is a bug in this library.");
  let created;
  try {
    created = await client.createKey(label);
  } catch (err) {
    if (err instanceof ProviderApiError && err.outcomeUnknown) {
      throw new LifecycleError(
        `${err.message} HostUp has no way to list keys, so this library cannot tell whether a key labelled "${inputs.label}" was created. ` +
          `Check the Object Storage page of the HostUp dashboard (https://cloud.hostup.se/object-storage) for a key labelled "${inputs.label}" and delete it ` +
          "(its secret was never received, so it cannot be used), or call DELETE /api/object-storage/keys/{base64(accessKey)}; then run `pulumi up` again.",
      );
    }
    throw err;
  }
  const outs: KeyOutputs = compact({
    ...common,
    keyId: created.key.accessKey,
    accessKeyId: created.key.accessKey,
    secretAccessKey: created.key.secretKey,
    createdAt: new Date().toISOString(),
    label: created.key.label,
  });
  return { id: created.key.accessKey, outs };
}

/**
 * Refresh. No API returns a key, so a signed S3 request with the key itself decides:
 * InvalidAccessKeyId → deleted out of band (undefined drops it from state); success or
 * AccessDenied → it exists (state unchanged); anything else fails the refresh. Adopted keys
 * without a secret cannot be probed and are kept as they are.
 */
export async function readHostUpKey(_id: string, props: KeyOutputs): Promise<KeyOutputs | undefined> {
  if (!props.secretAccessKey || !props.s3Endpoint) return props;
  const outcome = await probeKey({
    endpoint: props.s3Endpoint,
    region: props.region ?? HOSTUP_DEFAULT_REGION,
    credentials: { accessKeyId: props.accessKeyId, secretAccessKey: props.secretAccessKey },
  });
  return outcome === "deleted" ? undefined : props;
}

export async function deleteHostUpKey(id: string, props: KeyOutputs, e: Environment): Promise<void> {
  const client = hostupClient(e, props);
  await client.deleteKey(id);
}
