import { LifecycleError, ProviderApiError } from "../errors";
import type { HttpSettings } from "../settings";

/**
 * Does this secret sign requests for this key? A signed S3 ListBuckets decides. Used before a
 * user-supplied secret (adoption, import) is recorded: state must never hold a secret that fails.
 */
export async function verifyKeySecret(
  key: { s3Endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; http?: HttpSettings },
  what: string,
  consequence: string,
): Promise<void> {
  if (!key.s3Endpoint) throw new LifecycleError({ code: "secret_unverifiable", what, consequence });
  // Loaded on use: most operations never sign an S3 request.
  const { probeKey } = await import("../s3/probe.js");
  try {
    const outcome = await probeKey({
      endpoint: key.s3Endpoint,
      region: key.region,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      http: key.http,
    });
    if (outcome === "exists") return;
    throw new LifecycleError({ code: "secret_key_unknown", what, accessKeyId: key.accessKeyId, consequence });
  } catch (err) {
    if (!(err instanceof ProviderApiError)) throw err;
    throw new LifecycleError({ code: "secret_rejected", what, accessKeyId: key.accessKeyId, answer: err.reason, consequence });
  }
}
