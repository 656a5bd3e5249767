/**
 * An existing Nscale key, described as this library would have recorded it (for import): the
 * inputs check produces and the state create writes, with `imported: true`.
 */
import type { DescribedKey, ImportRequest, OperationContext } from "../contract";
import { compact } from "../../model/fields";
import { DEFAULT_SIGNING_REGION } from "../../s3/region";
import { verifyKeySecret } from "../verify-secret";
import { s3EndpointFromDnsName } from "./client";
import { nscaleClient } from "./lifecycle";
import { NscaleState } from "./model";
import { nscaleError } from "./reasons";

export async function describeNscaleKey(req: ImportRequest, ctx: OperationContext, nothingDone: string): Promise<DescribedKey> {
  const endpointId = req.ids["endpointId"]!;
  const keyId = req.ids["keyId"]!;
  const api = nscaleClient(ctx);
  const key = await api.getAccessKey(endpointId, keyId);
  if (!key) {
    // Only the endpoint itself answering with these credentials makes "no such key" believable.
    await api.getEndpoint(endpointId);
    throw nscaleError({ code: "nscale.import_key_not_found", endpointId, keyId, consequence: nothingDone });
  }
  const status = key.metadata.provisioningStatus;
  if (status !== "provisioned" || !key.spec.accessKeyId) {
    throw nscaleError({ code: "nscale.import_not_provisioned", keyId, status, hasAccessKeyId: Boolean(key.spec.accessKeyId), consequence: nothingDone });
  }
  const dns = (await api.getEndpoint(endpointId)).status.exposure?.public?.dnsName;
  const s3Endpoint = dns ? s3EndpointFromDnsName(dns) : "";
  const secretAccessKey = req.secret ?? "";
  if (secretAccessKey) {
    await verifyKeySecret(
      { s3Endpoint, region: ctx.region ?? DEFAULT_SIGNING_REGION, accessKeyId: key.spec.accessKeyId, secretAccessKey, http: ctx.connection.http },
      `The secret from ${req.secretFrom}`,
      nothingDone,
    );
  }
  const described = compact({
    name: key.metadata.name,
    description: key.metadata.description,
    identityPolicy: key.spec.identityPolicy,
  });
  const inputs = compact({ cloud: "nscale", resourceName: req.resourceName, imported: true as const, endpointId, ...described });
  const outputs = compact({
    cloud: "nscale",
    resourceName: req.resourceName,
    endpointId,
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
  return { id: key.metadata.id, inputs, outputs: NscaleState.parse(outputs) };
}
