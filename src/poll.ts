/** Waiting for asynchronous provider state, bounded by a deadline. */
import { setTimeout as sleep } from "node:timers/promises";

export interface PollOptions {
  initialIntervalMs: number;
  maxIntervalMs?: number;
  timeoutMs: number;
}

export type PollStep<T> = { done: true; value: T } | { done: false };

/** Calls `probe` until it reports done; resolves `{ timedOut: true }` once the deadline passes. */
export async function pollUntil<T>(
  probe: () => Promise<PollStep<T>>,
  options: PollOptions,
): Promise<{ timedOut: false; value: T } | { timedOut: true }> {
  const deadline = Date.now() + options.timeoutMs;
  const maxInterval = options.maxIntervalMs ?? 10_000;
  let interval = options.initialIntervalMs;
  for (;;) {
    const step = await probe();
    if (step.done) return { timedOut: false, value: step.value };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { timedOut: true };
    await sleep(Math.min(interval, remaining));
    interval = Math.min(maxInterval, interval * 1.5);
  }
}
