/**
 * Nscale Storage API client: the only code that knows Nscale's paths. Every body is parsed with
 * the zod schemas in ./schemas; every failure becomes a ProviderApiError with a hint.
 */
import { HttpClient, type RawResponse, type HttpClientOptions } from "../../http/client";
import type { RetryObserver } from "../../http/retry";
import {
  AccessKeyCreateResponse,
  AccessKeyList,
  AccessKeyRead,
  EndpointRead,
  ErrorBody,
  type AccessKeyCreateRequest,
} from "./schemas";

export interface NscaleClientOptions {
  apiUrl: string;
  token: string;
  retry?: HttpClientOptions["retry"];
  timeouts?: HttpClientOptions["timeouts"];
  observer?: RetryObserver;
}

const TOKEN_HINT =
  "Set a valid service token: `pulumi config set --secret nscale:apiToken <token>`, or the NSCALE_API_TOKEN environment variable.";

export function describeNscaleError(raw: RawResponse, operation: string) {
  const parsed = ErrorBody.safeParse(raw.body);
  const code = parsed.success ? parsed.data.error : undefined;
  const providerMessage = parsed.success
    ? parsed.data.error_description
    : typeof raw.body === "string" && raw.body
      ? raw.body
      : undefined;
  const requestId = parsed.success ? parsed.data.trace_id : undefined;
  let hint: string | undefined;
  switch (raw.status) {
    case 401:
      hint = `The token was rejected (missing, invalid or expired). ${TOKEN_HINT}`;
      break;
    case 403:
      hint =
        "The token lacks a required scope: it needs `storage:objectstorageendpoints/accesskeys` (create, read, delete) and `storage:objectstorageendpoints` (read), which the organization administrator and project user roles hold.";
      break;
    case 404:
      hint = operation.includes("endpoint")
        ? "Check `endpointId`: it must be the `metadata.id` (a UUID) of an object storage endpoint your token can see."
        : "Check `endpointId` and that the key was not deleted outside Pulumi.";
      break;
    case 409:
      hint =
        "An access key with this name already exists on the endpoint. During a replacement the old key still exists until the new one is created: omit `name` so a unique name is generated, or choose a different name.";
      break;
    case 422:
      hint =
        "Nscale could not process the request: most often `identityPolicy` names a policy that is not configured on the endpoint (see the endpoint's spec.identityPolicies), or the endpoint is not provisioned yet.";
      break;
    case 429:
      hint = "Rate limited by Nscale even after retries; reduce parallelism (`pulumi up --parallel 2`) or try again later.";
      break;
    default:
      if (raw.status >= 500) hint = "Nscale reported a server error; it may be transient, try again.";
  }
  return { code, providerMessage, requestId, hint };
}

export class NscaleClient {
  private readonly http: HttpClient;

  constructor(options: NscaleClientOptions) {
    this.http = new HttpClient({
      cloud: "nscale",
      baseUrl: options.apiUrl,
      authHeaders: { authorization: `Bearer ${options.token}` },
      describeError: describeNscaleError,
      retry: options.retry,
      timeouts: options.timeouts,
      observer: options.observer,
    });
  }

  private keysPath(endpointId: string, keyId?: string): string {
    const base = `api/v1/objectstorageendpoints/${encodeURIComponent(endpointId)}/accesskeys`;
    return keyId === undefined ? base : `${base}/${encodeURIComponent(keyId)}`;
  }

  /** K1. Sent exactly once: never retried. */
  async createAccessKey(endpointId: string, body: AccessKeyCreateRequest) {
    const res = await this.http.send({
      operation: "create access key",
      method: "POST",
      path: this.keysPath(endpointId),
      body,
      schema: AccessKeyCreateResponse,
      okStatuses: [200, 201],
    });
    return res.data;
  }

  /** K3. `undefined` when the key does not exist (404). */
  async getAccessKey(endpointId: string, keyId: string) {
    const res = await this.http.send({
      operation: "read access key",
      method: "GET",
      path: this.keysPath(endpointId, keyId),
      schema: AccessKeyRead,
      passthroughStatuses: [404],
    });
    return res.status === 404 ? undefined : res.data;
  }

  /** K2. */
  async listAccessKeys(endpointId: string) {
    const res = await this.http.send({
      operation: "list access keys",
      method: "GET",
      path: this.keysPath(endpointId),
      schema: AccessKeyList,
    });
    return res.data;
  }

  /** K4. "accepted" when deletion started (202), "gone" when the key did not exist (404). */
  async deleteAccessKey(endpointId: string, keyId: string): Promise<"accepted" | "gone"> {
    const res = await this.http.send({
      operation: "delete access key",
      method: "DELETE",
      path: this.keysPath(endpointId, keyId),
      passthroughStatuses: [404],
    });
    return res.status === 404 ? "gone" : "accepted";
  }

  /** E3. */
  async getEndpoint(endpointId: string) {
    const res = await this.http.send({
      operation: "read object storage endpoint",
      method: "GET",
      path: `api/v1/objectstorageendpoints/${encodeURIComponent(endpointId)}`,
      schema: EndpointRead,
    });
    return res.data;
  }
}

/** `https://` + dnsName; a dnsName that is already a URL (the emulator's) is used as it is. */
export function s3EndpointFromDnsName(dnsName: string): string {
  return dnsName.includes("://") ? dnsName : `https://${dnsName}`;
}
