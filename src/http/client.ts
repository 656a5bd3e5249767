/**
 * The one HTTP client every cloud adapter uses: a process-wide undici Agent (one keep-alive pool
 * per API origin), connect/headers/body timeouts, a User-Agent naming this package, undici's retry
 * interceptor with our safe policy, and zod parsing of every response body.
 */
import { Agent, interceptors, request, type Dispatcher } from "undici";
import type { z } from "zod";
import { ProviderApiError, type ApiErrorDetails } from "../errors";
import { USER_AGENT } from "../version";
import { setTimeout as sleep } from "node:timers/promises";
import { createRetryDecider, defaultRetryPolicy, hostPauseMs, RETRYABLE_ERROR_CODES, RETRYABLE_METHODS, RETRYABLE_STATUS, type RetryObserver, type RetryPolicy } from "./retry";

export interface HttpTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export const defaultTimeouts: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

function envMs(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** Timeouts in force: the defaults, overridable by OSK_HTTP_{CONNECT,HEADERS,BODY}_TIMEOUT_MS. */
export function effectiveTimeouts(overrides: Partial<HttpTimeouts> = {}): HttpTimeouts {
  return {
    connectMs: envMs("OSK_HTTP_CONNECT_TIMEOUT_MS") ?? defaultTimeouts.connectMs,
    headersMs: envMs("OSK_HTTP_HEADERS_TIMEOUT_MS") ?? defaultTimeouts.headersMs,
    bodyMs: envMs("OSK_HTTP_BODY_TIMEOUT_MS") ?? defaultTimeouts.bodyMs,
    ...overrides,
  };
}

export interface HttpClientOptions {
  cloud: ApiErrorDetails["cloud"];
  /** Base URL; request paths are appended to it (its own path is kept). */
  baseUrl: string;
  /** Auth headers. Never logged, never part of an error. */
  authHeaders: Record<string, string>;
  /** Turns a non-2xx response into the cloud's error details (code, message, request id, hint). */
  describeError: (res: RawResponse, operation: string) => Omit<ApiErrorDetails, "cloud" | "operation" | "status">;
  retry?: Partial<RetryPolicy>;
  timeouts?: Partial<HttpTimeouts>;
  observer?: RetryObserver;
  /** Tests may inject a dispatcher; otherwise a shared Agent per policy is used. */
  dispatcher?: Dispatcher;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when the body is not JSON, or undefined when empty. */
  body: unknown;
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
  /** Statuses returned as-is (not thrown), e.g. 404 on a refresh GET. */
  passthroughStatuses?: number[];
}

export type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

const agents = new Map<string, Dispatcher>();

/** The retry policy in force: the defaults, with the total budget overridable by OSK_HTTP_RETRY_BUDGET_MS. */
export function effectiveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const budget = envMs("OSK_HTTP_RETRY_BUDGET_MS");
  return { ...defaultRetryPolicy, ...(budget !== undefined ? { totalBudgetMs: budget, maxDelayMs: Math.min(defaultRetryPolicy.maxDelayMs, budget) } : {}), ...overrides };
}

/** The process-wide retrying dispatcher for a policy and timeouts (used by the S3 client too). */
export function sharedDispatcher(policy: RetryPolicy = effectiveRetryPolicy(), timeouts: HttpTimeouts = effectiveTimeouts(), observer?: RetryObserver): Dispatcher {
  const key = JSON.stringify([policy, timeouts, observer ? "observed" : ""]);
  const existing = observer ? undefined : agents.get(key);
  if (existing) return existing;
  const agent = new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  }).compose(
    interceptors.retry({
      retry: createRetryDecider(policy, observer),
      // Our decider applies the per-method rules (including POST on 429); undici only gates on this list.
      methods: [...RETRYABLE_METHODS, "POST"],
      statusCodes: RETRYABLE_STATUS,
      errorCodes: RETRYABLE_ERROR_CODES,
      maxRetries: policy.maxRetries,
      // Hand the last response to us instead of throwing, so its error body can be parsed.
      throwOnError: false,
    }),
  );
  if (!observer) agents.set(key, agent);
  return agent;
}

export class HttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly base: URL;

  constructor(private readonly options: HttpClientOptions) {
    this.base = new URL(options.baseUrl.endsWith("/") ? options.baseUrl : `${options.baseUrl}/`);
    const policy = effectiveRetryPolicy(options.retry);
    const timeouts = effectiveTimeouts(options.timeouts);
    this.dispatcher = options.dispatcher ?? sharedDispatcher(policy, timeouts, options.observer);
  }

  url(path: string): URL {
    return new URL(path.replace(/^\//, ""), this.base);
  }

  async send<S extends z.ZodType | undefined>(spec: RequestSpec<S>): Promise<{ status: number; data: Parsed<S>; raw: RawResponse }> {
    const raw = await this.exchange(spec);
    const ok = spec.okStatuses ? spec.okStatuses.includes(raw.status) : raw.status >= 200 && raw.status < 300;
    if (!ok) {
      if (spec.passthroughStatuses?.includes(raw.status)) {
        return { status: raw.status, data: undefined as Parsed<S>, raw };
      }
      throw this.apiError(spec.operation, raw);
    }
    if (!spec.schema) return { status: raw.status, data: undefined as Parsed<S>, raw };
    const parsed = spec.schema.safeParse(raw.body);
    if (!parsed.success) {
      throw new ProviderApiError({
        cloud: this.options.cloud,
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
      operation,
      status: raw.status,
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
    const pause = hostPauseMs(url.origin);
    if (pause > 0) await sleep(pause);
    try {
      const res = await request(url, { method: spec.method, headers, body, dispatcher: this.dispatcher });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: parseBody(text) };
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new ProviderApiError({
        cloud: this.options.cloud,
        operation: spec.operation,
        transportCode: e.code ?? e.name,
        providerMessage: transportMessage(e, url),
        hint:
          spec.method === "POST"
            ? "The request may or may not have reached the server; it was not retried because creating twice could leave an extra key."
            : `Check that the API URL ${url.origin} is reachable.`,
      });
    }
  }
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  }
}

/** Transport errors name the origin only: never the path's query or any header. */
function transportMessage(e: Error & { code?: string }, url: URL): string {
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
export function headerValue(raw: RawResponse, name: string): string | undefined {
  const v = raw.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
