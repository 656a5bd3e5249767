/**
 * Retry policy plugged into undici's own retry interceptor (`interceptors.retry`): undici owns the
 * re-dispatching and body handling; this module only decides *whether* and *when* to retry.
 *
 * Safe by construction: only idempotent methods (GET, HEAD, DELETE) are retried, on 429, 502, 503,
 * 504 and transport errors. A non-idempotent request (POST, PUT, PATCH) is never re-sent by this
 * layer, not even after a 429: a 429 may come from a gateway after the backend already acted, so
 * only the caller, which can check what happened, may decide to send it again (see
 * `rateLimitDelayMs` and `HttpClient.retryDelayMs` for the wait it should use).
 *
 * Every retry is bounded three ways: an attempt count (`maxRetries`, or `maxRetries429` for 429s),
 * a minimum wait that grows exponentially even when the server says "retry now", and a total
 * time budget for all attempts of one request.
 */
import type { Dispatcher } from "undici";
import { hostPacer, originOf, type HostPacer } from "./pacing";
import { backoffDelayMs, rateLimitDelayMs, serverRequestedDelayMs, type ResponseHeaders } from "./wait";

export interface RetryPolicy {
  /** Attempts after the first one, for retryable failures other than 429. */
  maxRetries: number;
  /** Attempts after the first one when the answer is 429. Default: DEFAULT_MAX_RETRIES_429. */
  maxRetries429?: number;
  /** First backoff step, doubled each retry; also the shortest wait after a 429. */
  minDelayMs: number;
  /** Cap for any single wait, including server-requested ones. */
  maxDelayMs: number;
  /** Give up once the next wait would end later than this after the first attempt. */
  totalBudgetMs: number;
}

export const DEFAULT_MAX_RETRIES_429 = 10;

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 8,
  maxRetries429: DEFAULT_MAX_RETRIES_429,
  minDelayMs: 250,
  maxDelayMs: 20_000,
  totalBudgetMs: 90_000,
};

/** The default policy with another total budget (no single wait longer than the budget). */
export function retryPolicyWithBudget(totalBudgetMs: number, base: RetryPolicy = defaultRetryPolicy): RetryPolicy {
  return { ...base, totalBudgetMs, maxDelayMs: Math.min(base.maxDelayMs, totalBudgetMs) };
}

export const RETRYABLE_METHODS: Dispatcher.HttpMethod[] = ["GET", "HEAD", "DELETE"];
export const RETRYABLE_STATUS = [429, 502, 503, 504];
/** Transport failures raised before a byte reached the server: such a request certainly did nothing. */
export const NOT_SENT_ERROR_CODES: readonly string[] = [
  "UND_ERR_INVALID_ARG",
  "ERR_INVALID_CHAR",
  "ERR_INVALID_URL",
  "ERR_INVALID_HTTP_TOKEN",
  "ENOTFOUND",
  "ECONNREFUSED",
  "EAI_AGAIN",
];

export const RETRYABLE_ERROR_CODES = [
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
];

/** The retry count in force for 429s. */
export function maxRetriesFor429(policy: RetryPolicy): number {
  return policy.maxRetries429 ?? DEFAULT_MAX_RETRIES_429;
}

export interface RetryObserver {
  onRetry?(info: { method: string; attempt: number; delayMs: number; status?: number; code?: string }): void;
}

/**
 * The wait before retry number `counter` (1 for the first retry) of a failed attempt: after a 429,
 * or any answer naming a wait, `rateLimitDelayMs` (server's wait floored by the backoff step);
 * otherwise full-jitter backoff.
 */
export function retryWaitMs(
  status: number | undefined,
  headers: ResponseHeaders | undefined,
  counter: number,
  policy: RetryPolicy,
  random = Math.random,
): number {
  const attempt = Math.max(0, counter - 1);
  return status === 429 || serverRequestedDelayMs(headers) !== undefined
    ? rateLimitDelayMs(headers, attempt, policy, { random })
    : backoffDelayMs(policy, attempt, random);
}

/** Builds the `retry` callback for undici's RetryHandler. */
export function createRetryDecider(policy: RetryPolicy, observer: RetryObserver = {}, pacer: HostPacer = hostPacer) {
  const startedAt = new WeakMap<object, number>();
  const max429 = maxRetriesFor429(policy);
  return function retry(
    err: Error & { statusCode?: number; code?: string; headers?: ResponseHeaders },
    context: { state: { counter: number }; opts: { method?: string; origin?: unknown; retryOptions?: unknown } & object },
    callback: (err?: Error | null) => void,
  ): void {
    const method = (context.opts.method ?? "GET").toUpperCase();
    const counter = context.state.counter;
    const status = err.statusCode;
    const code = err.code;
    const retryableStatus = status !== undefined && RETRYABLE_STATUS.includes(status);
    const retryableTransport = status === undefined && code !== undefined && RETRYABLE_ERROR_CODES.includes(code);
    const idempotent = RETRYABLE_METHODS.includes(method as Dispatcher.HttpMethod);
    if (!idempotent || !(retryableStatus || retryableTransport)) {
      callback(err);
      return;
    }
    if (counter > (status === 429 ? max429 : policy.maxRetries)) {
      callback(err);
      return;
    }
    // undici rebuilds context.opts per attempt, but its retryOptions object lives as long as the
    // logical request: key the time budget on that.
    const budgetKey = (context.opts.retryOptions ?? context.opts) as object;
    const started = startedAt.get(budgetKey) ?? Date.now();
    startedAt.set(budgetKey, started);
    // The pacing interceptor has already recorded this 429's pause; waiting it out here keeps the
    // budget check honest (the paced re-dispatch would wait for it anyway).
    const delayMs = Math.max(retryWaitMs(status, err.headers, counter, policy), pacer.pauseMs(originOf(context.opts.origin)));
    if (Date.now() + delayMs - started > policy.totalBudgetMs) {
      callback(err);
      return;
    }
    observer.onRetry?.({ method, attempt: counter, delayMs, status, code });
    setTimeout(() => callback(null), delayMs);
  };
}
