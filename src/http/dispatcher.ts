/**
 * The process-wide undici dispatcher: one keep-alive pool per origin, connect/headers/body
 * timeouts, and two composed interceptors: host pacing (a 429 pauses every request to its host)
 * inside undici's own `interceptors.retry` driven by our decider. Anything sent through it, JSON
 * API calls and signed S3 requests alike, is paced and retried by the same rules.
 */
import type { Dispatcher } from "undici";
import { Agent, interceptors } from "./undici";
import { defaultRetryPolicy } from "./retry";
import { defaultTimeouts } from "./timeouts";
import { hostPacer, hostPacing, type HostPacer } from "./pacing";
import {
  createRetryDecider,
  maxRetriesFor429,
  RETRYABLE_ERROR_CODES,
  RETRYABLE_METHODS,
  RETRYABLE_STATUS,
  type RetryObserver,
  type RetryPolicy,
} from "./retry";
import type { HttpTimeouts } from "./timeouts";

/** A new (uncached) dispatcher for a policy and timeouts. Prefer `sharedDispatcher`. */
export function createDispatcher(policy: RetryPolicy, timeouts: HttpTimeouts, observer?: RetryObserver, pacer: HostPacer = hostPacer): Dispatcher {
  return new Agent({
    connections: 16,
    keepAliveTimeout: 10_000,
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  }).compose(
    // Inner: sees every attempt, so each 429 pauses its host before the retry decision runs.
    hostPacing({ pacer, minPauseMs: policy.minDelayMs, maxPauseMs: policy.maxDelayMs }),
    interceptors.retry({
      retry: createRetryDecider(policy, observer, pacer),
      // The decider applies the per-method rules; these lists only document the same policy to undici.
      methods: RETRYABLE_METHODS,
      statusCodes: RETRYABLE_STATUS,
      errorCodes: RETRYABLE_ERROR_CODES,
      maxRetries: Math.max(policy.maxRetries, maxRetriesFor429(policy)),
      // Hand the last response to the caller instead of throwing, so its error body can be read.
      throwOnError: false,
    }),
  );
}

const agents = new Map<string, Dispatcher>();

/**
 * The process-wide retrying, pacing dispatcher for a policy and timeouts (one Agent per distinct
 * pair; all share the process-wide `hostPacer`). With an observer, a fresh uncached one.
 * Callers pass resolved settings (src/settings.ts); the defaults are the library's own.
 */
export function sharedDispatcher(policy: RetryPolicy = defaultRetryPolicy, timeouts: HttpTimeouts = defaultTimeouts, observer?: RetryObserver): Dispatcher {
  if (observer) return createDispatcher(policy, timeouts, observer);
  const key = JSON.stringify([policy, timeouts]);
  const existing = agents.get(key);
  if (existing) return existing;
  const agent = createDispatcher(policy, timeouts);
  agents.set(key, agent);
  return agent;
}
