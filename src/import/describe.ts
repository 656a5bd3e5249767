/**
 * Reads a key from its cloud's API and describes it as the provider would have recorded it: the
 * inputs `check` produces for it and the state `create` writes, with `imported: true`. Only the
 * cloud modules' own clients, settings and secret check are used; nothing here knows a URL path.
 */
import { DEFAULT_SIGNING_REGION } from "../s3/region";
import { clouds } from "../clouds/registry";
import { hostupClient, service } from "../clouds/hostup/lifecycle";
import { nscaleHints } from "../clouds/nscale/answers";
import { NscaleClient, s3EndpointFromDnsName } from "../clouds/nscale/client";
import { verifyKeySecret } from "../clouds/verify-secret";
import { LifecycleError } from "../errors";
import { nscaleError } from "../clouds/nscale/reasons";
import { compact } from "../model/fields";
import { checkKey } from "../provider/check";
import { contextFor } from "../provider/context";
import type { Sources } from "../settings";
import type { DescribedKey } from "./build";

/** Nscale's S3 reports no region; the lifecycle signs with this one when none is configured. */

export type KeyRequest =
  | { cloud: "nscale"; resourceName: string; endpointId: string; keyId: string; secret?: string; secretFrom: string }
  | { cloud: "hostup"; resourceName: string; accessKey: string; label: string; secret: string; secretFrom: string };

/** What a refusal adds: import-file writes no file; the native plugin's import records nothing. */
const NOTHING_WRITTEN = "No import file was written.";

export async function describeKey(req: KeyRequest, sources: Sources, now: () => Date = () => new Date(), nothingDone = NOTHING_WRITTEN): Promise<DescribedKey> {
  const described = req.cloud === "nscale" ? await describeNscale(req, sources, nothingDone) : await describeHostUp(req, sources, now, nothingDone);
  assertCheckAccepts(req.cloud, described, sources, nothingDone);
  return described;
}

async function describeNscale(req: Extract<KeyRequest, { cloud: "nscale" }>, sources: Sources, nothingDone: string): Promise<DescribedKey> {
  const mod = clouds.nscale!;
  const ctx = contextFor(mod, {}, sources);
  const c = ctx.connection;
  const api = new NscaleClient({ apiUrl: c.apiUrl, token: c.credential, http: c.http, hints: nscaleHints });
  const key = await api.getAccessKey(req.endpointId, req.keyId);
  if (!key) {
    // Only the endpoint itself answering with these credentials makes "no such key" believable.
    await api.getEndpoint(req.endpointId);
    throw nscaleError({ code: "nscale.import_key_not_found", endpointId: req.endpointId, keyId: req.keyId, consequence: nothingDone });
  }
  const status = key.metadata.provisioningStatus;
  if (status !== "provisioned" || !key.spec.accessKeyId) {
    throw nscaleError({ code: "nscale.import_not_provisioned", keyId: req.keyId, status, hasAccessKeyId: Boolean(key.spec.accessKeyId), consequence: nothingDone });
  }
  const dns = (await api.getEndpoint(req.endpointId)).status.exposure?.public?.dnsName;
  const s3Endpoint = dns ? s3EndpointFromDnsName(dns) : "";
  const secretAccessKey = req.secret ?? "";
  if (secretAccessKey) {
    await verifyKeySecret(
      { s3Endpoint, region: ctx.region ?? DEFAULT_SIGNING_REGION, accessKeyId: key.spec.accessKeyId, secretAccessKey, http: c.http },
      `The secret from ${req.secretFrom}`,
      nothingDone,
    );
  }
  const described = compact({
    name: key.metadata.name,
    description: key.metadata.description,
    identityPolicy: key.spec.identityPolicy,
  });
  const inputs = compact({ cloud: "nscale", resourceName: req.resourceName, imported: true as const, endpointId: req.endpointId, ...described });
  const outputs = compact({
    cloud: "nscale",
    resourceName: req.resourceName,
    endpointId: req.endpointId,
    region: ctx.region,
    ...described,
    keyId: key.metadata.id,
    accessKeyId: key.spec.accessKeyId,
    secretAccessKey,
    s3Endpoint,
    createdAt: key.metadata.creationTime,
    organizationId: key.metadata.organizationId,
    projectId: key.metadata.projectId,
    createdBy: key.metadata.createdBy,
    provisioningStatus: key.metadata.provisioningStatus,
    healthStatus: key.metadata.healthStatus,
    imported: true,
  });
  return { id: key.metadata.id, inputs, outputs: mod.state.parse(outputs) };
}

/** HostUp cannot read or list keys: a signed S3 request with the secret is the only proof the key exists. */
async function describeHostUp(req: Extract<KeyRequest, { cloud: "hostup" }>, sources: Sources, now: () => Date, nothingDone: string): Promise<DescribedKey> {
  const mod = clouds.hostup!;
  const ctx = contextFor(mod, {}, sources);
  const svc = await service(hostupClient(ctx), ctx);
  await verifyKeySecret(
    { s3Endpoint: svc.s3Endpoint, region: svc.region, accessKeyId: req.accessKey, secretAccessKey: req.secret, http: ctx.connection.http },
    `The secret from ${req.secretFrom}`,
    nothingDone,
  );
  const inputs = { cloud: "hostup", resourceName: req.resourceName, imported: true as const, label: req.label };
  const outputs = {
    cloud: "hostup",
    resourceName: req.resourceName,
    keyId: req.accessKey,
    accessKeyId: req.accessKey,
    secretAccessKey: req.secret,
    s3Endpoint: svc.s3Endpoint,
    region: svc.region,
    // HostUp does not say when a key was made: the import is when Pulumi's record of it starts.
    createdAt: now().toISOString(),
    label: req.label,
    imported: true,
  };
  return { id: req.accessKey, inputs, outputs: mod.state.parse(outputs) };
}

/**
 * The engine runs the provider's check on the imported inputs (as old and new) and the program's
 * first `up` compares against them: they must be exactly what check produces, or the import would
 * record inputs no program can match.
 */
function assertCheckAccepts(cloud: string, key: DescribedKey, sources: Sources, nothingDone: string): void {
  const outcome = checkKey(key.inputs, key.inputs, sources);
  if (outcome.failures.length > 0) {
    throw new LifecycleError({ code: "import_check_refused", failures: outcome.failures, consequence: nothingDone });
  }
  if (JSON.stringify(sortKeys(outcome.inputs)) !== JSON.stringify(sortKeys(key.inputs))) {
    throw new LifecycleError({ code: "import_check_changed", cloud, consequence: nothingDone });
  }
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
