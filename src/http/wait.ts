/**
 * How long to wait before trying again: the server's own request (`Retry-After`,
 * `X-RateLimit-Reset`), exponential backoff, and the bounds that keep a rate-limited client from
 * hammering a server that answers "come back in 0 seconds".
 *
 * Pure functions of headers, the attempt number and a policy: the retry interceptor, the host
 * pacing interceptor and callers that retry a request themselves all use the same arithmetic.
 */
import type { RetryPolicy } from "./retry";

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The bounds a wait is computed within. */
export type WaitBounds = Pick<RetryPolicy, "minDelayMs" | "maxDelayMs">;

/** The first value of a header (undici gives repeated headers as an array). */
export function firstHeader(headers: ResponseHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * How long the server asked us to wait, in ms, unbounded (never negative): `Retry-After` (seconds
 * or an HTTP date), else `X-RateLimit-Reset` (an ISO timestamp, epoch seconds, or seconds from
 * now). Undefined when neither header is present or parseable.
 */
export function serverRequestedDelayMs(headers: ResponseHeaders | undefined, now = Date.now()): number | undefined {
  const retryAfter = firstHeader(headers, "retry-after");
  if (retryAfter !== undefined && retryAfter.trim() !== "") {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = firstHeader(headers, "x-ratelimit-reset");
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

/**
 * Exponential backoff with full jitter: uniform in [0, min(max, min*2^attempt)]. `attempt` counts
 * the retries already made (0 before the first retry).
 */
export function backoffDelayMs(policy: WaitBounds, attempt: number, random = Math.random): number {
  return Math.round(random() * backoffCeilingMs(policy, attempt));
}

/** The backoff step for an attempt without jitter: min(max, min*2^attempt). */
export function backoffCeilingMs(policy: WaitBounds, attempt: number): number {
  return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.max(0, attempt));
}

/**
 * The wait before the next attempt when the server said when to come back (always the case for a
 * 429, with or without a usable header): the server's wait, but never less than the backoff step
 * for this attempt (so `Retry-After: 0`, a date in the past or a past reset still slow down
 * exponentially), capped at `maxDelayMs`, plus up to min(1 s, step) of jitter so clients told the
 * same second do not all come back in it. `attempt` counts the retries already made (0 before the
 * first retry).
 */
export function rateLimitDelayMs(
  headers: ResponseHeaders | undefined,
  attempt: number,
  policy: WaitBounds,
  options: { random?: () => number; now?: number } = {},
): number {
  return waitAfter429Ms(serverRequestedDelayMs(headers, options.now ?? Date.now()), attempt, policy, options.random);
}

/** The same wait for a caller that has the server's request in ms already (e.g. a create it retries itself). */
export function waitAfter429Ms(serverMs: number | undefined, attempt: number, policy: WaitBounds, random: () => number = Math.random): number {
  const step = backoffCeilingMs(policy, attempt);
  const base = Math.min(policy.maxDelayMs, Math.max(serverMs ?? 0, step));
  return base + Math.round(random() * Math.min(1000, step));
}

/**
 * How long a 429 pauses every request to its host: the server's wait, at least `minDelayMs` (a 429
 * that says "now" still slows the host down) and at most `maxDelayMs`.
 */
export function hostPauseAfter429Ms(headers: ResponseHeaders | undefined, policy: WaitBounds, now = Date.now()): number {
  const server = serverRequestedDelayMs(headers, now) ?? 0;
  return Math.min(policy.maxDelayMs, Math.max(policy.minDelayMs, server));
}
