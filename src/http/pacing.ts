/**
 * Host pacing as an undici dispatcher interceptor, in the style of undici's own
 * `lib/interceptor/*`: a function `(dispatch) => dispatch` that composes with `interceptors.retry`.
 *
 * When a host answers 429, every request to that host through a dispatcher carrying this
 * interceptor (new requests, retries of others, requests from another Agent sharing the same
 * `HostPacer`) waits until the pause the 429 set is over. One process serves many concurrent
 * requests to the same API, so this paces all of them instead of letting each waiting request
 * come back in the same second.
 *
 * Compose it *inside* the retry interceptor (`agent.compose(hostPacing(...), interceptors.retry(...))`:
 * undici applies the last one outermost) so that every attempt, retries included, passes through it
 * and its 429 is recorded before the retry decision runs.
 */
import type { Dispatcher } from "undici";
import { hostPauseAfter429Ms, type ResponseHeaders } from "./wait";

/** When each origin may be sent to again. Process-wide by default (`hostPacer`). */
export class HostPacer {
  private readonly until = new Map<string, number>();

  /** Milliseconds left before `origin` may be sent to (0 when not paused). */
  pauseMs(origin: string, now = Date.now()): number {
    const until = this.until.get(origin);
    if (until === undefined) return 0;
    if (until <= now) {
      this.until.delete(origin);
      return 0;
    }
    return until - now;
  }

  /** Pauses `origin` for `ms` from `now`; a longer pause already in force is kept. */
  pause(origin: string, ms: number, now = Date.now()): void {
    if (!(ms > 0)) return;
    const until = now + ms;
    if ((this.until.get(origin) ?? 0) < until) this.until.set(origin, until);
  }

  /** Forgets every pause (tests). */
  clear(): void {
    this.until.clear();
  }
}

/** The process-wide pacer every shared dispatcher uses. */
export const hostPacer = new HostPacer();

/** Normalizes undici's dispatch `origin` (a string or URL) to `scheme://host:port`. */
export function originOf(origin: unknown): string {
  try {
    return new URL(String(origin)).origin;
  } catch {
    return "";
  }
}

export interface HostPacingOptions {
  pacer?: HostPacer;
  /** Shortest pause a 429 sets, even when it says "retry now" (the retry policy's minDelayMs). */
  minPauseMs: number;
  /** Longest pause a 429 sets, whatever it asks for (the retry policy's maxDelayMs). */
  maxPauseMs: number;
}

/** Forwards every callback, recording a 429's pause for its origin first. */
class PacingHandler implements Dispatcher.DispatchHandler {
  constructor(
    private readonly handler: Dispatcher.DispatchHandler,
    private readonly onStatus: (statusCode: number, headers: ResponseHeaders) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler["onRequestUpgrade"]>>): void {
    this.handler.onRequestUpgrade?.(...args);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders, statusMessage?: string): void {
    this.onStatus(statusCode, headers);
    this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Dispatcher.DispatchController, trailers: ResponseHeaders): void {
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.handler.onResponseError?.(controller, error);
  }
}

/** A controller for an error raised before the request reached the next dispatcher. */
function detachedController(): Dispatcher.DispatchController {
  let reason: Error | null = null;
  return {
    get aborted() {
      return reason !== null;
    },
    get paused() {
      return false;
    },
    get reason() {
      return reason;
    },
    abort(r: Error) {
      reason = r;
    },
    pause() {},
    resume() {},
  };
}

/**
 * The pacing interceptor: holds a request while its origin is paused, and pauses the origin when a
 * response is a 429 (for the server's `Retry-After` / `X-RateLimit-Reset`, within the bounds).
 */
export function hostPacing(options: HostPacingOptions): Dispatcher.DispatcherComposeInterceptor {
  const pacer = options.pacer ?? hostPacer;
  const bounds = { minDelayMs: options.minPauseMs, maxDelayMs: options.maxPauseMs };
  return (dispatch) =>
    function pacedDispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      const origin = originOf(opts.origin);
      const paced = new PacingHandler(handler, (statusCode, headers) => {
        if (statusCode === 429) pacer.pause(origin, hostPauseAfter429Ms(headers, bounds));
      });
      const wait = pacer.pauseMs(origin);
      if (wait <= 0) return dispatch(opts, paced);

      const signal = "signal" in opts && opts.signal instanceof AbortSignal ? opts.signal : undefined;
      if (signal?.aborted) return dispatch(opts, paced);
      let sent = false;
      const send = (afterPause: boolean) => {
        if (sent) return;
        sent = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        try {
          // After the pause, go round again: a longer pause set meanwhile by another 429 is
          // honoured too. An aborted request is dispatched at once so undici reports the abort.
          if (afterPause) pacedDispatch(opts, handler);
          else dispatch(opts, paced);
        } catch (err) {
          handler.onResponseError?.(detachedController(), err instanceof Error ? err : new Error(String(err)));
        }
      };
      const onAbort = () => send(false);
      const timer = setTimeout(() => send(true), wait);
      signal?.addEventListener("abort", onAbort, { once: true });
      return true;
    };
}
