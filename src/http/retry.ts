/**
 * Retry policy plugged into undici's own retry interceptor (`interceptors.retry`): undici owns the
 * re-dispatching and body handling; this module only decides *whether* and *when* to retry.
 *
 * Safe by construction: idempotent methods (GET, HEAD, DELETE) are retried on 429, 502, 503, 504
 * and transport errors. A POST that creates a key is never retried blindly, because a retry after
 * a lost response or a 5xx can mint a second key whose secret nobody holds. The one exception is
 * 429: the server says it did not process the request, so re-sending cannot duplicate anything
 * (Nscale's own Terraform client retries 429 for every method too).
 */
import type { Dispatcher } from "undici";

export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  /** First backoff step, doubled each retry (with full jitter). */
  minDelayMs: number;
  /** Cap for any single wait, including server-requested ones. */
  maxDelayMs: number;
  /** Give up once the next wait would end later than this after the first attempt. */
  totalBudgetMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 8,
  minDelayMs: 250,
  maxDelayMs: 20_000,
  totalBudgetMs: 90_000,
};

export const RETRYABLE_METHODS: Dispatcher.HttpMethod[] = ["GET", "HEAD", "DELETE"];
export const RETRYABLE_STATUS = [429, 502, 503, 504];
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

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long the server asked us to wait, in ms: `Retry-After` (seconds or HTTP date), else
 * HostUp's `X-RateLimit-Reset` (an ISO timestamp, or epoch seconds as many APIs send).
 */
export function serverRequestedDelayMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const retryAfter = header(headers, "retry-after");
  if (retryAfter !== undefined && retryAfter.trim() !== "") {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = header(headers, "x-ratelimit-reset");
  if (reset !== undefined && reset.trim() !== "") {
    const asNumber = Number(reset);
    if (Number.isFinite(asNumber)) {
      // Epoch seconds are > 1e9; small numbers are "seconds from now".
      return Math.max(0, asNumber > 1e9 ? asNumber * 1000 - now : asNumber * 1000);
    }
    const at = Date.parse(reset);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}

/** Exponential backoff with full jitter: uniform in [0, min(max, min*2^attempt)]. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/**
 * When a host answers 429 with a wait, every request to that host (new ones and retries) waits at
 * least that long: the whole stack runs in one provider process, so this paces the entire
 * `pulumi up` instead of letting every waiting request retry in the same second.
 */
const hostBlockedUntil = new Map<string, number>();

/** Normalizes undici's dispatch `origin` (a string or URL) to `scheme://host:port`. */
export function originOf(origin: unknown): string {
  try {
    return new URL(String(origin)).origin;
  } catch {
    return "";
  }
}

export function hostPauseMs(origin: string, now = Date.now()): number {
  const until = hostBlockedUntil.get(origin);
  return until === undefined ? 0 : Math.max(0, until - now);
}

export function pauseHost(origin: string, ms: number, now = Date.now()): void {
  const until = now + ms;
  if ((hostBlockedUntil.get(origin) ?? 0) < until) hostBlockedUntil.set(origin, until);
}

export interface RetryObserver {
  onRetry?(info: { method: string; attempt: number; delayMs: number; status?: number; code?: string }): void;
}

/** Builds the `retry` callback for undici's RetryHandler. */
export function createRetryDecider(policy: RetryPolicy, observer: RetryObserver = {}) {
  const startedAt = new WeakMap<object, number>();
  return function retry(
    err: Error & { statusCode?: number; code?: string; headers?: Headers },
    context: { state: { counter: number }; opts: { method?: string; retryOptions?: unknown } & object },
    callback: (err?: Error | null) => void,
  ): void {
    const method = (context.opts.method ?? "GET").toUpperCase();
    const counter = context.state.counter;
    const status = err.statusCode;
    const code = err.code;
    const retryableStatus = status !== undefined && RETRYABLE_STATUS.includes(status);
    const retryableTransport =
      status === undefined && code !== undefined && RETRYABLE_ERROR_CODES.includes(code);
    const idempotent = RETRYABLE_METHODS.includes(method as Dispatcher.HttpMethod);
    const rejectedUnprocessed = status === 429;
    if (!(idempotent && (retryableStatus || retryableTransport)) && !rejectedUnprocessed) {
      callback(err);
      return;
    }
    // 429s are bounded by the time budget alone: under a rate limit, attempts are cheap and the
    // server says exactly when to come back. Other failures are also bounded by attempt count.
    if (status !== 429 && counter > policy.maxRetries) {
      callback(err);
      return;
    }
    // undici rebuilds context.opts per attempt, but its retryOptions object lives as long as the
    // logical request: key the time budget on that.
    const budgetKey = (context.opts.retryOptions ?? context.opts) as object;
    const started = startedAt.get(budgetKey) ?? Date.now();
    startedAt.set(budgetKey, started);
    const requested = serverRequestedDelayMs(err.headers);
    const origin = originOf((context.opts as { origin?: unknown }).origin);
    if (status === 429) pauseHost(origin, Math.min(requested ?? policy.minDelayMs, policy.maxDelayMs));
    // Jitter on top of a server-requested wait spreads the herd that was told the same second.
    const base =
      requested !== undefined
        ? Math.min(requested, policy.maxDelayMs) + Math.round(Math.random() * Math.min(1000, policy.minDelayMs * 2 ** Math.min(counter, 4)))
        : backoffDelayMs(policy, counter - 1);
    const delayMs = Math.max(base, hostPauseMs(origin));
    if (Date.now() + delayMs - started > policy.totalBudgetMs) {
      callback(err);
      return;
    }
    observer.onRetry?.({ method, attempt: counter, delayMs, status, code });
    setTimeout(() => callback(null), delayMs);
  };
}
