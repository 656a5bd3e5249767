/** An existing HostUp key, described for import. HostUp cannot read or list keys: a signed S3 request with the secret is the only proof the key exists. */
import type { DescribedKey, ImportRequest, OperationContext } from "../contract";
import { verifyKeySecret } from "../verify-secret";
import { hostupClient, service } from "./lifecycle";
import { HostUpState } from "./model";

export async function describeHostUpKey(req: ImportRequest, ctx: OperationContext, now: () => Date, nothingDone: string): Promise<DescribedKey> {
  const accessKey = req.ids["accessKey"]!;
  const label = req.ids["label"]!;
  const secret = req.secret ?? "";
  const svc = await service(hostupClient(ctx), ctx);
  await verifyKeySecret(
    { s3Endpoint: svc.s3Endpoint, region: svc.region, accessKeyId: accessKey, secretAccessKey: secret, http: ctx.connection.http },
    `The secret from ${req.secretFrom}`,
    nothingDone,
  );
  const inputs = { cloud: "hostup", resourceName: req.resourceName, imported: true as const, label };
  const outputs = {
    cloud: "hostup",
    resourceName: req.resourceName,
    keyId: accessKey,
    accessKeyId: accessKey,
    secretAccessKey: secret,
    s3Endpoint: svc.s3Endpoint,
    region: svc.region,
    // HostUp does not say when a key was made: the import is when Pulumi's record of it starts.
    createdAt: now().toISOString(),
    label,
    imported: true,
  };
  return { id: accessKey, inputs, outputs: HostUpState.parse(outputs) };
}
