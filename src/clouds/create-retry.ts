/**
 * The one rule for re-sending a create after a 429, shared by every cloud: on the HTTP client's
 * own retry policy (its 429 waits and retry count), and only while the re-send fits the request's
 * retry budget. Whether a 429 may be re-sent at all (whose 429 it is, whether the create may have
 * committed) is each cloud's own decision, made before asking this.
 */
import type { ProviderApiError } from "../errors";
import { defaultRetryPolicy, maxRetriesFor429 } from "../http/retry";
import { waitAfter429Ms } from "../http/wait";

/**
 * How long to wait before re-sending attempt `attempt` (1-based) that met `err`, or undefined
 * when it was no 429, the retries are spent, or the wait would end past `budgetEnds`.
 */
export function resendAfter429(err: ProviderApiError, attempt: number, budgetEnds: number): number | undefined {
  if (err.status !== 429) return undefined;
  const wait = waitAfter429Ms(err.retryAfterMs, attempt - 1, defaultRetryPolicy);
  if (attempt > maxRetriesFor429(defaultRetryPolicy) || Date.now() + wait >= budgetEnds) return undefined;
  return wait;
}
