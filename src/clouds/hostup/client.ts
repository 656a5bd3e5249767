/**
 * HostUp object-storage API client: the only code that knows HostUp's paths and envelope.
 */
import type { Dispatcher } from "undici";
import { ProviderApiError } from "../../errors";
import { HttpClient, headerValue, type RawResponse } from "../../http/client";
import type { z } from "zod";
import type { HttpSettings } from "../../settings";
import { describeAnswer } from "../describe-answer";
import { retryPolicyWithBudget, type RetryObserver, type RetryPolicy } from "../../http/retry";
import { BucketListResponse, BucketResponse, DeletedResponse, OwnErrorBody, KeyCreateResponse, ServiceStatusResponse } from "./schemas";

/** Advice for a failure, in the caller's terms (input and setting names); undefined for none. */
export type HintFor = (status: number, code: string | undefined, message: string | undefined, operation: string) => string | undefined;

export interface HostUpClientOptions {
  apiUrl: string;
  apiKey: string;
  http?: HttpSettings;
  hints?: HintFor;
  observer?: RetryObserver;
  /** Tests tighten the retry policy; operations pass `http` instead. */
  retry?: Partial<RetryPolicy>;
  /** The transport to send through; default: the shared pool. */
  transport?: Dispatcher;
}

/** HostUp's own error body (either documented shape), or undefined for a body from anything else. */
export function hostupError(raw: RawResponse): { code?: string; message?: string; requestId?: string } | undefined {
  const parsed = OwnErrorBody.safeParse(raw.body);
  if (!parsed.success) return undefined;
  const b = parsed.data;
  return { code: b.code, message: "message" in b ? b.message : (b.detail ?? b.title), requestId: b.requestId };
}

/**
 * HostUp's not-found, the one home of that rule: a 404 whose own error body (see `hostupError`)
 * says `NOT_FOUND` or `not_found`. `code` must come from HostUp's own body, never a proxy's.
 */
export function isHostUpNotFoundAnswer(status: number | undefined, code: string | undefined): boolean {
  return status === 404 && /^not_found$/i.test(code ?? "");
}

/** The API's own not-found, not a proxy's or a wrong URL's 404. */
export function isHostUpNotFound(raw: RawResponse): boolean {
  return isHostUpNotFoundAnswer(raw.status, hostupError(raw)?.code);
}

/**
 * A 429 that HostUp itself sent: its error envelope. Rate-limit headers alone prove nothing
 * (gateways and CDNs send X-RateLimit-* too), and a create is re-sent only after HostUp's own 429.
 */
export function isHostUpRateLimit(raw: RawResponse): boolean {
  return raw.status === 429 && hostupError(raw) !== undefined;
}

/** A 404 is "gone" only when HostUp itself says so; any other 404 is thrown. */
const GONE_ON_OWN_404 = { passthroughStatuses: [404], passthroughWhen: isHostUpNotFound };

const FORBIDDEN =
  "The API key is not allowed to manage object storage: grant it the object-storage scope (see GET /api/keys/scopes), and make sure the account is identity-verified and object storage is activated.";

function describe(hints: HintFor | undefined) {
  return (raw: RawResponse, operation: string) => {
    const own = hostupError(raw);
    const described = describeAnswer(raw, "HostUp", own, {
      hint: hints?.(raw.status, own?.code, own?.message, operation),
      forbidden: FORBIDDEN,
      ownAnswer: own !== undefined,
    });
    return { ...described, requestId: described.requestId ?? headerValue(raw, "x-request-id") };
  };
}

/** HostUp addresses a key by base64(accessKey) in the path (standard alphabet, padded, then URL-encoded). */
export function encodeAccessKeyForPath(accessKey: string): string {
  return encodeURIComponent(Buffer.from(accessKey, "utf8").toString("base64"));
}

export class HostUpClient {
  private readonly http: HttpClient;

  constructor(options: HostUpClientOptions) {
    this.http = new HttpClient({
      cloud: "hostup",
      serviceName: "HostUp",
      baseUrl: options.apiUrl,
      authHeaders: { "x-api-key": options.apiKey },
      describeError: describe(options.hints),
      ...(options.http ? { timeouts: options.http.timeouts } : {}),
      retry: { ...(options.http ? retryPolicyWithBudget(options.http.retryBudgetMs) : {}), ...options.retry },
      observer: options.observer,
      ...(options.transport ? { dispatcher: options.transport } : {}),
    });
  }

  /** H1. Sent exactly once: never retried. */
  async createKey(label: string) {
    const res = await this.http.send({
      operation: "create object storage key",
      method: "POST",
      path: "object-storage/keys",
      body: { label },
      schema: KeyCreateResponse,
    });
    return { key: res.data.data.key, requestId: res.data.requestId };
  }

  /** H2. "deleted", or "gone" on the API's own not-found. */
  async deleteKey(accessKey: string): Promise<"deleted" | "gone"> {
    const res = await this.http.send({
      operation: "delete object storage key",
      method: "DELETE",
      path: `object-storage/keys/${encodeAccessKeyForPath(accessKey)}`,
      schema: DeletedResponse,
      ...GONE_ON_OWN_404,
    });
    if (res.status === 404) return "gone";
    this.requireDeleted(res.data, res.status, "delete object storage key", "The key was not deleted and stays in state");
    return "deleted";
  }

  /** H3. */
  async getServiceStatus() {
    const res = await this.http.send({
      operation: "read object storage status",
      method: "GET",
      path: "object-storage",
      schema: ServiceStatusResponse,
    });
    return res.data.data;
  }

  /** H5. */
  async createBucket(name: string) {
    const res = await this.http.send({
      operation: "create bucket",
      method: "POST",
      path: "object-storage/buckets",
      body: { name },
      schema: BucketResponse,
    });
    return res.data.data.bucket;
  }

  /** H6. `undefined` on the API's own not-found. */
  async getBucket(name: string) {
    const res = await this.http.send({
      operation: "read bucket",
      method: "GET",
      path: `object-storage/buckets/${encodeURIComponent(name)}`,
      schema: BucketResponse,
      ...GONE_ON_OWN_404,
    });
    return res.status === 404 ? undefined : res.data.data.bucket;
  }

  /** H4. */
  async listBuckets() {
    const res = await this.http.send({
      operation: "list buckets",
      method: "GET",
      path: "object-storage/buckets",
      schema: BucketListResponse,
    });
    return res.data.data.buckets;
  }

  /** H7. "deleted", or "gone" on the API's own not-found. */
  async deleteBucket(name: string): Promise<"deleted" | "gone"> {
    const res = await this.http.send({
      operation: "delete bucket",
      method: "DELETE",
      path: `object-storage/buckets/${encodeURIComponent(name)}`,
      schema: DeletedResponse,
      ...GONE_ON_OWN_404,
    });
    if (res.status === 404) return "gone";
    this.requireDeleted(res.data, res.status, "delete bucket", `Bucket ${name} was not deleted and stays in state`);
    return "deleted";
  }

  /** A 2xx is a deletion only when HostUp's body says so: `data.deleted: false` is a failure. */
  private requireDeleted(body: z.infer<typeof DeletedResponse> | undefined, status: number, operation: string, kept: string): void {
    if (body?.data.deleted === true) return;
    throw new ProviderApiError({
      cloud: "hostup",
      serviceName: "HostUp",
      operation,
      status,
      code: "NOT_DELETED",
      providerMessage: "HostUp answered with success, but its body says deleted: false",
      requestId: body?.requestId,
      hint: `${kept}; run the command again, and if HostUp keeps refusing, check the Object Storage page of the HostUp dashboard (https://cloud.hostup.se/object-storage).`,
      ownAnswer: true,
    });
  }
}
