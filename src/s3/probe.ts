/** Whether an access key is still alive, told by S3 itself. */
import { ProviderApiError } from "../errors";
import { S3Transport, type S3ClientOptions, type S3Response } from "./transport";

export type KeyProbe = "exists" | "deleted";

/**
 * Is this key alive? Signs a cheap ListBuckets with it. InvalidAccessKeyId means the key was
 * deleted; success or AccessDenied (a live key without list rights) means it exists. Anything
 * else (SignatureDoesNotMatch, 5xx, network) is an error, never "deleted".
 */
export async function probeKey(options: S3ClientOptions): Promise<KeyProbe> {
  let res: S3Response;
  try {
    res = await new S3Transport(options).send("GET", "/");
  } catch (err) {
    if (!(err instanceof ProviderApiError)) throw err;
    throw new ProviderApiError({
      cloud: "s3",
      serviceName: "S3",
      operation: "probe access key (refresh)",
      transportCode: err.transportCode,
      providerMessage: err.providerMessage,
      hint: `Could not tell whether key ${options.credentials.accessKeyId} still exists; state was left unchanged. Check that ${options.endpoint} is reachable and refresh again.`,
    });
  }
  if (res.status === 200) return "exists";
  if (res.status === 403 && res.errorCode === "AccessDenied") return "exists";
  if (res.status === 403 && res.errorCode === "InvalidAccessKeyId") return "deleted";
  throw new ProviderApiError({
    cloud: "s3",
    serviceName: "S3",
    operation: "probe access key",
    status: res.status,
    code: res.errorCode,
    providerMessage: res.errorMessage,
    hint:
      res.errorCode === "SignatureDoesNotMatch"
        ? "The key exists but the secret in state does not match it (was it rotated outside Pulumi?). State was left unchanged."
        : "Could not tell whether the key still exists; state was left unchanged.",
  });
}
