/**
 * A JSON-over-HTTP client on the shared dispatcher (./dispatcher: keep-alive pools, timeouts,
 * host pacing after 429, undici's retry interceptor with our policy), with a User-Agent naming
 * this package and zod parsing of every success body. It knows nothing about what the API
 * manages: callers supply how to describe an error response and, optionally, a failed send.
 */
import type { Dispatcher } from "undici";
import { request } from "./undici";
import type { z } from "zod";
import { ProviderApiError, type ApiErrorDetails, thrownDetails } from "../errors";
import { USER_AGENT } from "../version";
import { sharedDispatcher } from "./dispatcher";
import { hostPacer, type HostPacer } from "./pacing";
import { defaultRetryPolicy, RETRYABLE_METHODS, type RetryObserver, type RetryPolicy } from "./retry";
import { boundOrError, deadline, readBounded, MAX_RESPONSE_BYTES, REQUEST_TIMEOUT_SETTING, DEADLINE_CODE, TOO_LARGE_CODE } from "./bounds";
import { defaultTimeouts, type HttpTimeouts } from "./timeouts";
import { firstHeader, rateLimitDelayMs, serverRequestedDelayMs } from "./wait";

// The module's former exports, kept so existing imports of "http/client" keep working.

/** What a caller may want to say about a request that got no response. */
export interface TransportErrorInfo {
  operation: string;
  method: Dispatcher.HttpMethod;
  /** `scheme://host:port` of the request (never its path or query). */
  origin: string;
  /** undici's or the socket's error code (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, ...). */
  code?: string;
  /** True for GET/HEAD/DELETE, which the dispatcher retries; false when the request was sent once. */
  retried: boolean;
  /**
   * False when undici refused the request before sending anything (UND_ERR_INVALID_ARG: e.g. a
   * header value with a newline): the outcome is known, nothing reached the server.
   */
  sent: boolean;
}

export interface HttpClientOptions {
  /** The name users know the service by, for error messages ("Nscale"); default: `cloud`. */
  serviceName?: string;
  cloud: ApiErrorDetails["cloud"];
  /** Base URL; request paths are appended to it (its own path is kept). */
  baseUrl: string;
  /** Auth headers. Never logged, never part of an error. */
  authHeaders: Record<string, string>;
  /** Turns a non-2xx response into the API's error details (code, message, request id, hint). */
  describeError: (res: RawResponse, operation: string) => Omit<ApiErrorDetails, "cloud" | "operation" | "status">;
  /**
   * The hint for a request that got no response, when the request's own `transportHint` is not
   * set; return undefined for the generic one.
   */
  describeTransportError?: (info: TransportErrorInfo) => string | undefined;
  /** Overrides of the retry policy; the rest are the defaults (settings are resolved by the caller). */
  retry?: Partial<RetryPolicy>;
  /** Overrides of the timeouts; the rest are the defaults. */
  timeouts?: Partial<HttpTimeouts>;
  observer?: RetryObserver;
  /** Tests may inject a dispatcher; otherwise the shared one for this policy and timeouts is used. */
  dispatcher?: Dispatcher;
  /** Whose host pauses `hostPauseMs` / `retryDelayMs` report. Default: the process-wide one. */
  pacer?: HostPacer;
}

/** At most this much of a response body is kept as `text`. */
export const RAW_TEXT_LIMIT = 2048;
/** A non-JSON body is kept in `body` up to this many characters. */
const BODY_TEXT_LIMIT = 500;

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text (capped at 500 characters) when the body is not JSON, or undefined when empty. */
  body: unknown;
  /** The Content-Type header, when present (tells a JSON API error from a proxy's text or HTML page). */
  contentType?: string;
  /** The body as received, capped at RAW_TEXT_LIMIT characters ("" when empty). */
  text: string;
  /**
   * For a 429, or any response naming a wait (Retry-After, X-RateLimit-Reset): the wait the server
   * asked for, at least the policy's minDelayMs and at most its maxDelayMs. For an attempt-aware
   * wait that includes the host pause, use `HttpClient.retryDelayMs`.
   */
  retryAfterMs?: number;
}

export interface RequestSpec<S extends z.ZodType | undefined> {
  operation: string;
  method: Dispatcher.HttpMethod;
  path: string;
  body?: unknown;
  /** Schema of the success body; omit for bodiless responses (202, 204). */
  schema?: S;
  /** Statuses that count as success. Default: any 2xx. */
  okStatuses?: number[];
  /** Statuses returned as-is (not thrown), e.g. 404 on a read, or 429 on a request the caller retries itself. */
  passthroughStatuses?: number[];
  /** Passes a passthrough status on only when this says the answer is the API's own; else it is thrown. */
  passthroughWhen?: (raw: RawResponse) => boolean;
  /** The hint if this request gets no response (overrides `describeTransportError`). */
  transportHint?: string;
}

export type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

export class HttpClient {
  /** The retry policy in force for this client (what a caller retrying itself should respect too). */
  readonly policy: RetryPolicy;
  private readonly dispatcher: Dispatcher;
  private readonly base: URL;
  private readonly pacer: HostPacer;
  private readonly totalMs: number;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    const timeouts = { ...defaultTimeouts, ...options.timeouts };
    this.totalMs = timeouts.totalMs;
    this.dispatcher = options.dispatcher ?? sharedDispatcher(this.policy, timeouts, options.observer);
    this.pacer = options.pacer ?? hostPacer;
  }

  /** Milliseconds before the dispatcher will send to this client's host again (a 429's pause; 0 if none). */
  hostPauseMs(): number {
    return this.pacer.pauseMs(this.base.origin);
  }

  /**
   * How long to wait before re-sending a request yourself after `raw` (typically a 429 on a POST,
   * which the dispatcher never re-sends): the server's wait, floored by the backoff step for
   * `attempt` (the retries already made, 0 before the first), capped by the policy, with jitter,
   * and at least the host pause. Also check `attempt < maxRetriesFor429(client.policy)` and your
   * own time budget.
   */
  retryDelayMs(raw: RawResponse, attempt: number): number {
    return Math.max(rateLimitDelayMs(raw.headers, attempt, this.policy), this.hostPauseMs());
  }

  url(path: string): URL {
    return new URL(path.replace(/^\//, ""), this.base);
  }

  async send<S extends z.ZodType | undefined>(spec: RequestSpec<S>): Promise<{ status: number; data: Parsed<S>; raw: RawResponse }> {
    const raw = await this.exchange(spec);
    const ok = spec.okStatuses ? spec.okStatuses.includes(raw.status) : raw.status >= 200 && raw.status < 300;
    if (!ok) {
      if (spec.passthroughStatuses?.includes(raw.status) && (spec.passthroughWhen?.(raw) ?? true)) {
        return { status: raw.status, data: undefined as Parsed<S>, raw };
      }
      throw this.apiError(spec.operation, raw);
    }
    if (!spec.schema) return { status: raw.status, data: undefined as Parsed<S>, raw };
    const parsed = spec.schema.safeParse(raw.body);
    if (!parsed.success) {
      throw new ProviderApiError({
        cloud: this.options.cloud,
        serviceName: this.options.serviceName,
        operation: spec.operation,
        status: raw.status,
        code: "UNEXPECTED_RESPONSE",
        providerMessage: `the response body did not match the documented format (${summarizeIssues(parsed.error)})`,
        hint: "The API may have changed; please report this with the request id.",
        requestId: this.options.describeError(raw, spec.operation).requestId,
      });
    }
    return { status: raw.status, data: parsed.data as Parsed<S>, raw };
  }

  apiError(operation: string, raw: RawResponse): ProviderApiError {
    return new ProviderApiError({
      cloud: this.options.cloud,
      serviceName: this.options.serviceName,
      operation,
      status: raw.status,
      ...(raw.retryAfterMs !== undefined ? { retryAfterMs: raw.retryAfterMs } : {}),
      ...this.options.describeError(raw, operation),
    });
  }

  private async exchange(spec: RequestSpec<z.ZodType | undefined>): Promise<RawResponse> {
    const url = this.url(spec.path);
    const headers: Record<string, string> = {
      accept: "application/json",
      "user-agent": USER_AGENT,
      ...this.options.authHeaders,
    };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers["content-type"] = "application/json";
    }
    const bound = deadline(this.totalMs, url.origin);
    try {
      const res = await request(url, { method: spec.method, headers, body, dispatcher: this.dispatcher, signal: bound.signal });
      const text = (await readBounded(res.body, MAX_RESPONSE_BYTES, url.origin)).toString("utf8");
      return this.rawResponse(res.statusCode, res.headers, text);
    } catch (err) {
      const e = thrownDetails(boundOrError(err, bound.signal));
      const info: TransportErrorInfo = {
        operation: spec.operation,
        method: spec.method,
        origin: url.origin,
        code: e.code,
        retried: RETRYABLE_METHODS.includes(spec.method),
        sent: e.code !== "UND_ERR_INVALID_ARG",
      };
      throw new ProviderApiError({
        cloud: this.options.cloud,
        serviceName: this.options.serviceName,
        operation: spec.operation,
        transportCode: e.code ?? e.name,
        providerMessage: transportMessage(e, url),
        hint:
          boundHint(e.code, info) ?? (info.sent ? spec.transportHint : undefined) ?? this.options.describeTransportError?.(info) ?? defaultTransportHint(info),
      });
    } finally {
      bound.clear();
    }
  }

  private rawResponse(status: number, headers: RawResponse["headers"], text: string): RawResponse {
    const raw: RawResponse = {
      status,
      headers,
      body: parseBody(text),
      text: text.length > RAW_TEXT_LIMIT ? text.slice(0, RAW_TEXT_LIMIT) : text,
    };
    const contentType = firstHeader(headers, "content-type");
    if (contentType !== undefined) raw.contentType = contentType;
    const server = serverRequestedDelayMs(headers);
    if (status === 429 || server !== undefined) {
      raw.retryAfterMs = Math.min(this.policy.maxDelayMs, Math.max(this.policy.minDelayMs, server ?? 0));
    }
    return raw;
  }
}

/** What to do when a call hit one of the bounds of ./bounds (the message already names the host and bound). */
function boundHint(code: string | undefined, info: TransportErrorInfo): string | undefined {
  const once = info.retried ? "" : " The request was sent once and not re-sent; it may or may not have taken effect.";
  if (code === DEADLINE_CODE) return `Raise ${REQUEST_TIMEOUT_SETTING} if the service is slow but working, or check the network path to ${info.origin}.${once}`;
  if (code === TOO_LARGE_CODE) return `Check that the API URL ${info.origin} points at the API itself.${once}`;
  return undefined;
}

function defaultTransportHint(info: TransportErrorInfo): string {
  if (!info.sent)
    return "The request was not sent: a header or other request value is invalid (for example a credential with a trailing newline or another control character).";
  return info.retried
    ? `Check that the API URL ${info.origin} is reachable.`
    : "The request may or may not have reached the server; it was sent once and not re-sent.";
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > BODY_TEXT_LIMIT ? `${text.slice(0, BODY_TEXT_LIMIT)}…` : text;
  }
}

/** Transport errors name the origin only: never the path's query or any header. */
function transportMessage(e: Error & { code?: string }, url: URL): string {
  if (e.code === DEADLINE_CODE || e.code === TOO_LARGE_CODE) return e.message; // names the origin and the bound
  const reason =
    e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT"
      ? "timed out waiting for the server"
      : e.code === "UND_ERR_CONNECT_TIMEOUT"
        ? "timed out connecting"
        : e.code === "ECONNREFUSED"
          ? "connection refused"
          : e.code === "ECONNRESET" || e.code === "UND_ERR_SOCKET"
            ? "connection reset by the server"
            : e.message;
  return `${reason} (${url.origin})`;
}

export function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

/** The first value of a response header. */
export function headerValue(raw: Pick<RawResponse, "headers">, name: string): string | undefined {
  return firstHeader(raw.headers, name);
}
