/**
 * Nscale access-key lifecycle. Knows Pulumi's rules (what goes in state, partial creates,
 * refresh semantics) and talks to Nscale only through NscaleClient.
 */
import { NscaleClient, s3EndpointFromDnsName } from "../clouds/nscale/client";
import type { AccessKeyRead } from "../clouds/nscale/schemas";
import { ConfigurationError, LifecycleError, PartialCreateError, ProviderApiError } from "../errors";
import type { NscaleInputs } from "./inputs";
import { pollUntil } from "./poll";
import { requireCredential, resolveApiUrl, resolveNscaleRegion, resolveTiming, type Environment } from "./settings";
import { compact, verifyAdoptedSecret, type KeyOutputs } from "./state";

export function nscaleClient(e: Environment, from: { apiToken?: string; apiUrl?: string }): NscaleClient {
  return new NscaleClient({
    apiUrl: resolveApiUrl("nscale", from.apiUrl, e),
    token: requireCredential("nscale", from.apiToken, e),
  });
}

async function s3EndpointOf(client: NscaleClient, endpointId: string): Promise<string | undefined> {
  const endpoint = await client.getEndpoint(endpointId);
  const dns = endpoint.status.exposure?.public?.dnsName;
  return dns ? s3EndpointFromDnsName(dns) : undefined;
}

function refreshFields(key: AccessKeyRead): Partial<KeyOutputs> {
  return compact({
    name: key.metadata.name,
    description: key.metadata.description,
    identityPolicy: key.spec.identityPolicy,
    accessKeyId: key.spec.accessKeyId ?? undefined,
    organizationId: key.metadata.organizationId,
    projectId: key.metadata.projectId,
    createdBy: key.metadata.createdBy,
    provisioningStatus: key.metadata.provisioningStatus,
    healthStatus: key.metadata.healthStatus,
  });
}

/**
 * Polls a freshly created key until it is provisioned. 404 right after create is Nscale's
 * cache lag and means "keep polling", as do pending/provisioning/unknown.
 */
/** `observe` sees every status read, so a caller that records a failed wait records the last one. */
async function waitProvisioned(
  client: NscaleClient,
  e: Environment,
  endpointId: string,
  keyId: string,
  observe: (key: AccessKeyRead) => void = () => {},
) {
  const timing = resolveTiming(e);
  let last: AccessKeyRead | undefined;
  const result = await pollUntil<AccessKeyRead>(
    async () => {
      const key = await client.getAccessKey(endpointId, keyId);
      if (key === undefined) return { done: false };
      last = key;
      observe(key);
      const s = key.metadata.provisioningStatus;
      return s === "provisioned" || s === "error" || s === "deprovisioning" ? { done: true, value: key } : { done: false };
    },
    { initialIntervalMs: timing.pollIntervalMs, timeoutMs: timing.provisioningTimeoutMs },
  );
  if (result.timedOut) {
    throw new LifecycleError(
      `Nscale access key ${keyId} was created but is still ${last?.metadata.provisioningStatus ?? "not visible"} after ${timing.provisioningTimeoutMs / 1000} s. ` +
        "It is recorded in state with its secret; run `pulumi up` again to resume waiting, or raise nscale:provisioningTimeoutSeconds.",
    );
  }
  const key = result.value;
  if (key.metadata.provisioningStatus !== "provisioned") {
    throw new LifecycleError(
      `Nscale access key ${keyId} was created but its provisioning ended in "${key.metadata.provisioningStatus}" (health "${key.metadata.healthStatus}"). ` +
        "It is recorded in state so nothing is orphaned: run `pulumi destroy` (or `pulumi up --replace <urn>`) to delete it and try again; if it keeps failing, check the endpoint's identity policy and contact Nscale support.",
    );
  }
  return key;
}

export async function createNscaleKey(
  inputs: NscaleInputs,
  providerBlob: unknown,
  e: Environment,
): Promise<{ id: string; outs: KeyOutputs }> {
  const client = nscaleClient(e, inputs);
  const common = {
    cloud: "nscale" as const,
    resourceName: inputs.resourceName,
    endpointId: inputs.endpointId,
    rotationTrigger: inputs.rotationTrigger,
    rotateAfter: inputs.rotateAfter,
    apiUrl: inputs.apiUrl,
    apiToken: inputs.apiToken,
    region: resolveNscaleRegion(e),
  };

  if (inputs.adopt) return adoptNscaleKey(client, inputs, common, e);

  const name = inputs.name;
  if (name === undefined) throw new ConfigurationError("name: missing after check; this is a bug in this library.");
  let created;
  const requestedAt = Date.now();
  try {
    created = await client.createAccessKey(inputs.endpointId, {
      metadata: compact({ name, description: inputs.description }),
      spec: { identityPolicy: inputs.identityPolicy },
    });
  } catch (err) {
    if (err instanceof ProviderApiError && err.outcomeUnknown) {
      throw await reconcileAmbiguousCreate(client, inputs, err, requestedAt, resolveTiming(e));
    }
    throw err;
  }

  // From here on the key exists and its secret is in hand: any failure must record it in state.
  const id = created.metadata.id;
  let outs: KeyOutputs = compact({
    ...common,
    keyId: id,
    accessKeyId: created.spec.accessKeyId,
    secretAccessKey: created.spec.secret,
    s3Endpoint: "",
    createdAt: created.metadata.creationTime,
    name: created.metadata.name,
    description: created.metadata.description,
    identityPolicy: created.spec.identityPolicy,
    organizationId: created.metadata.organizationId,
    projectId: created.metadata.projectId,
    createdBy: created.metadata.createdBy,
    provisioningStatus: created.metadata.provisioningStatus,
    healthStatus: created.metadata.healthStatus,
  });
  try {
    outs.s3Endpoint = (await s3EndpointOf(client, inputs.endpointId)) ?? "";
    const key = await waitProvisioned(client, e, inputs.endpointId, id, (seen) => (outs = { ...outs, ...refreshFields(seen) }));
    outs = { ...outs, ...refreshFields(key) };
    return { id, outs };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const recorded = err instanceof LifecycleError ? "" : `Nscale access key ${id} was created and is recorded in state with its secret, but waiting for it to be ready failed; \`pulumi up\` resumes the wait and \`pulumi destroy\` deletes it. Cause: `;
    throw new PartialCreateError(`${recorded}${message}`, id, { ...outs, __provider: providerBlob });
  }
}

/**
 * The create request may or may not have reached Nscale, and a server that timed out may still
 * commit it later. A key without its secret is useless and invisible to state, so look for it by
 * its (unique) name for a grace period; delete it if it appears, then fail clearly either way.
 * Only a key created after the request was sent is deleted: during a replacement with an explicit
 * name the old key, still in state and in use, carries the same name and must never be touched. A
 * match from just before the request (clock skew, whole-second timestamps) is reported, not deleted.
 */
const CLOCK_SKEW_MS = 2_000;

async function reconcileAmbiguousCreate(
  client: NscaleClient,
  inputs: NscaleInputs,
  cause: ProviderApiError,
  requestedAt: number,
  timing: { pollIntervalMs: number; reconcileGraceMs: number },
): Promise<Error> {
  // Compared at the timestamp's own precision: Nscale reports whole seconds.
  const sentAt = (iso: string) => (/\.\d/.test(iso) ? requestedAt : Math.floor(requestedAt / 1000) * 1000);
  const ours = (k: AccessKeyRead) =>
    k.metadata.name === inputs.name &&
    k.metadata.provisioningStatus !== "deprovisioning" &&
    Date.parse(k.metadata.creationTime) >= sentAt(k.metadata.creationTime) - CLOCK_SKEW_MS;
  let listError: Error | undefined;
  const search = await pollUntil<AccessKeyRead>(
    async () => {
      try {
        const keys = await client.listAccessKeys(inputs.endpointId);
        listError = undefined;
        const found = keys.find(ours);
        return found ? { done: true, value: found } : { done: false };
      } catch (err) {
        listError = err as Error;
        return { done: false };
      }
    },
    { initialIntervalMs: timing.pollIntervalMs, maxIntervalMs: 5_000, timeoutMs: timing.reconcileGraceMs },
  );
  const where = `on endpoint ${inputs.endpointId}`;
  if (search.timedOut) {
    if (listError) {
      return new LifecycleError(
        `${cause.message} The create may have succeeded, and listing keys to check failed too (${listError.message}). ` +
          `Look for an access key named "${inputs.name}" ${where} and delete it if present, then run \`pulumi up\` again.`,
      );
    }
    return new LifecycleError(
      `${cause.message} No key named "${inputs.name}" appeared ${where} within ${timing.reconcileGraceMs / 1000} s, so most likely nothing was created. ` +
        `If a key with that name appears later, it is unusable (its secret was never received): delete it, then run \`pulumi up\` again.`,
    );
  }
  const found = search.value;
  if (Date.parse(found.metadata.creationTime) < sentAt(found.metadata.creationTime)) {
    return new LifecycleError(
      `${cause.message} A key named "${inputs.name}" (${found.metadata.id}) ${where} was created at ${found.metadata.creationTime}, just before this request, ` +
        "so it may be the key this create made or an existing key with the same name; it was left alone. " +
        `If it is not a key you use (or one in this stack's state), delete it; then run \`pulumi up\` again.`,
    );
  }
  try {
    await client.deleteAccessKey(inputs.endpointId, found.metadata.id);
  } catch (delErr) {
    return new LifecycleError(
      `${cause.message} The key "${inputs.name}" (${found.metadata.id}) was created but its secret was lost with the response, and deleting it failed (${(delErr as Error).message}). ` +
        `Delete it in the Nscale console or with DELETE /api/v1/objectstorageendpoints/${inputs.endpointId}/accesskeys/${found.metadata.id}, then run \`pulumi up\` again.`,
    );
  }
  return new LifecycleError(
    `${cause.message} The key "${inputs.name}" was created but its one-time secret was lost with the response, so it was deleted again (id ${found.metadata.id}); nothing was left behind. Run \`pulumi up\` again.`,
  );
}

async function adoptNscaleKey(
  client: NscaleClient,
  inputs: NscaleInputs,
  common: Partial<KeyOutputs>,
  e: Environment,
): Promise<{ id: string; outs: KeyOutputs }> {
  const adopt = inputs.adopt!;
  let key = await client.getAccessKey(inputs.endpointId, adopt.keyId);
  if (!key || key.metadata.provisioningStatus === "deprovisioning") {
    throw new LifecycleError(
      `adopt.keyId: no access key ${adopt.keyId} exists on Nscale endpoint ${inputs.endpointId}. Check the ID (metadata.id of the key, a UUID) or remove \`adopt\` to create a new key.`,
    );
  }
  // A key adopted right after it was made may still be provisioning: S3 rejects it until then.
  if (key.metadata.provisioningStatus !== "provisioned") key = await waitProvisioned(client, e, inputs.endpointId, key.metadata.id);
  const s3Endpoint = (await s3EndpointOf(client, inputs.endpointId)) ?? "";
  const outs: KeyOutputs = compact({
    ...(common as KeyOutputs),
    ...refreshFields(key),
    keyId: key.metadata.id,
    accessKeyId: key.spec.accessKeyId ?? "",
    secretAccessKey: adopt.secretAccessKey ?? "",
    s3Endpoint,
    createdAt: key.metadata.creationTime,
    adopted: true,
    adopt: adopt,
  });
  await verifyAdoptedSecret(outs, outs.region ?? "us-east-1");
  return { id: key.metadata.id, outs };
}


export async function readNscaleKey(id: string, props: KeyOutputs, e: Environment): Promise<KeyOutputs | undefined> {
  const client = nscaleClient(e, props);
  const key = await client.getAccessKey(props.endpointId!, id);
  // A key recorded before it became visible (a partial create) may still 404 for a while after
  // create: keep it, with its secret, rather than drop it from state. `up` resumes the wait.
  if (key === undefined && props.provisioningStatus !== "provisioned") return props;
  if (key === undefined || key.metadata.provisioningStatus === "deprovisioning") return undefined;
  // Never replace or blank the secret: the API cannot return it again.
  return { ...props, ...refreshFields(key), secretAccessKey: props.secretAccessKey };
}

/** After a partial create, `up` calls update: resume waiting for provisioning. */
export async function resumeNscaleKey(id: string, props: KeyOutputs, e: Environment): Promise<KeyOutputs> {
  if (props.provisioningStatus === "provisioned" && props.s3Endpoint) return props;
  const client = nscaleClient(e, props);
  const s3Endpoint = props.s3Endpoint || ((await s3EndpointOf(client, props.endpointId!)) ?? "");
  const key = await waitProvisioned(client, e, props.endpointId!, id);
  return { ...props, ...refreshFields(key), s3Endpoint };
}

export async function deleteNscaleKey(id: string, props: KeyOutputs, e: Environment): Promise<void> {
  const client = nscaleClient(e, props);
  const endpointId = props.endpointId!;
  const timing = resolveTiming(e);
  if ((await client.deleteAccessKey(endpointId, id)) === "gone") {
    if (props.provisioningStatus === "provisioned") return;
    // Recorded before it became visible (a partial create): a 404 may be Nscale's lag after create,
    // and the key could still appear. Watch for it for the reconcile grace period before letting go.
    const appeared = await pollUntil(
      async () => ((await client.getAccessKey(endpointId, id)) ? { done: true, value: true } : { done: false }),
      { initialIntervalMs: timing.pollIntervalMs, maxIntervalMs: 5_000, timeoutMs: timing.reconcileGraceMs },
    );
    if (appeared.timedOut || (await client.deleteAccessKey(endpointId, id)) === "gone") return;
  }
  const result = await pollUntil<AccessKeyRead | undefined>(
    async () => {
      const key = await client.getAccessKey(endpointId, id);
      if (key === undefined) return { done: true, value: undefined };
      return key.metadata.provisioningStatus === "error" ? { done: true, value: key } : { done: false };
    },
    { initialIntervalMs: timing.pollIntervalMs, timeoutMs: timing.provisioningTimeoutMs },
  );
  if (result.timedOut) {
    throw new LifecycleError(
      `Nscale accepted the deletion of access key ${id} but it still exists after ${timing.provisioningTimeoutMs / 1000} s. It stays in state; run the command again to keep waiting.`,
    );
  }
  if (result.value) {
    throw new LifecycleError(
      `Deleting Nscale access key ${id} failed: its status became "error". It stays in state; retry, and contact Nscale support if it persists.`,
    );
  }
}
