/**
 * Nscale Storage API client: the only code that knows Nscale's paths. Every body is parsed with
 * the zod schemas in ./schemas; every failure becomes a ProviderApiError. It receives resolved
 * values (URL, token, HTTP settings, hints), never setting names.
 */
import type { Dispatcher } from "undici";
import { HttpClient, type RawResponse } from "../../http/client";
import { retryPolicyWithBudget, type RetryObserver, type RetryPolicy } from "../../http/retry";
import type { HttpSettings } from "../../settings";
import { describeAnswer } from "../describe-answer";
import { AccessKeyCreateResponse, AccessKeyList, AccessKeyRead, EndpointRead, ErrorBody, type AccessKeyCreateRequest } from "./schemas";

/** Advice for a failure, in the caller's terms (input and setting names); undefined for none. */
export type HintFor = (status: number, code: string | undefined, operation: string) => string | undefined;

export interface NscaleClientOptions {
  apiUrl: string;
  token: string;
  http?: HttpSettings;
  hints?: HintFor;
  observer?: RetryObserver;
  /** Tests tighten the retry policy; operations pass `http` instead. */
  retry?: Partial<RetryPolicy>;
  /** The transport to send through; default: the shared pool. */
  transport?: Dispatcher;
}

/** Nscale's own error body (see ErrorBody), or undefined for a body from anything else. */
export function nscaleError(raw: RawResponse): { code: string; message: string; requestId?: string } | undefined {
  const parsed = ErrorBody.safeParse(raw.body);
  return parsed.success ? { code: parsed.data.error, message: parsed.data.error_description, requestId: parsed.data.trace_id } : undefined;
}

/**
 * Nscale's not-found, the one home of that rule: a 404 whose own error body (see `nscaleError`)
 * says `not_found`. `code` must come from Nscale's own body, never a proxy's.
 */
export function isNscaleNotFoundAnswer(status: number | undefined, code: string | undefined): boolean {
  return status === 404 && code === "not_found";
}

/** The API's own not-found: its JSON error body with `not_found`, not a proxy's or a wrong URL's 404. */
export function isNscaleNotFound(raw: RawResponse): boolean {
  return isNscaleNotFoundAnswer(raw.status, nscaleError(raw)?.code);
}

/** The API's own conflict (a key name taken on the endpoint): its JSON error body with `conflict`. */
export function isNscaleConflict(raw: RawResponse): boolean {
  return raw.status === 409 && nscaleError(raw)?.code === "conflict";
}

/** A 404 is "gone" only when Nscale itself says so; any other 404 is thrown. */
const GONE_ON_OWN_404 = { passthroughStatuses: [404], passthroughWhen: isNscaleNotFound };

const FORBIDDEN =
  "The token lacks a required scope: it needs `storage:objectstorageendpoints/accesskeys` (create, read, delete) and `storage:objectstorageendpoints` (read), which the organization administrator and project user roles hold.";

function describe(hints: HintFor | undefined) {
  return (raw: RawResponse, operation: string) => {
    const own = nscaleError(raw);
    return describeAnswer(raw, "Nscale", own, { hint: hints?.(raw.status, own?.code, operation), forbidden: FORBIDDEN });
  };
}

export class NscaleClient {
  private readonly http: HttpClient;

  constructor(options: NscaleClientOptions) {
    this.http = new HttpClient({
      cloud: "nscale",
      serviceName: "Nscale",
      baseUrl: options.apiUrl,
      authHeaders: { authorization: `Bearer ${options.token}` },
      describeError: describe(options.hints),
      ...(options.http ? { timeouts: options.http.timeouts } : {}),
      retry: { ...(options.http ? retryPolicyWithBudget(options.http.retryBudgetMs) : {}), ...options.retry },
      observer: options.observer,
      ...(options.transport ? { dispatcher: options.transport } : {}),
    });
  }

  private keysPath(endpointId: string, keyId?: string): string {
    const base = `api/v1/objectstorageendpoints/${encodeURIComponent(endpointId)}/accesskeys`;
    return keyId === undefined ? base : `${base}/${encodeURIComponent(keyId)}`;
  }

  /** K1. Sent once: the HTTP layer never retries a POST (a retry could make a second key). */
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

  /** K3. `undefined` only on the API's own not-found. */
  async getAccessKey(endpointId: string, keyId: string) {
    const res = await this.http.send({
      operation: "read access key",
      method: "GET",
      path: this.keysPath(endpointId, keyId),
      schema: AccessKeyRead,
      ...GONE_ON_OWN_404,
    });
    return res.status === 404 ? undefined : res.data;
  }

  /** K2. */
  async listAccessKeys(endpointId: string) {
    const res = await this.http.send({ operation: "list access keys", method: "GET", path: this.keysPath(endpointId), schema: AccessKeyList });
    return res.data;
  }

  /** K4. "accepted" when deletion started (202), "gone" on the API's own not-found. */
  async deleteAccessKey(endpointId: string, keyId: string): Promise<"accepted" | "gone"> {
    const res = await this.http.send({ operation: "delete access key", method: "DELETE", path: this.keysPath(endpointId, keyId), ...GONE_ON_OWN_404 });
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
