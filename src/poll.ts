/** Waiting for asynchronous provider state, bounded by a deadline. */
import { setTimeout as sleep } from "node:timers/promises";

export interface PollOptions {
  initialIntervalMs: number;
  maxIntervalMs?: number;
  timeoutMs: number;
  /**
   * Wait this fraction of the time spent so far (at least the initial interval): a state reached
   * after t is then seen within max(initial, fraction × t). Default: grow ×1.5 per poll.
   */
  elapsedFraction?: number;
}

export type PollStep<T> = { done: true; value: T } | { done: false };

/** Calls `probe` until it reports done; resolves `{ timedOut: true }` once the deadline passes. */
export async function pollUntil<T>(probe: () => Promise<PollStep<T>>, options: PollOptions): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  const maxInterval = options.maxIntervalMs ?? 10_000;
  let interval = options.initialIntervalMs;
  for (;;) {
    const step = await probe();
    if (step.done) return { timedOut: false, value: step.value };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { timedOut: true };
    await sleep(Math.min(interval, remaining));
    interval =
      options.elapsedFraction === undefined
        ? Math.min(maxInterval, interval * 1.5)
        : Math.min(maxInterval, Math.max(options.initialIntervalMs, (Date.now() - started) * options.elapsedFraction));
  }
}
