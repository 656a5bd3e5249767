/**
 * Bounds on one call through the HTTP layer, beyond undici's idle timeouts (connect, headers, body
 * gap): an overall deadline from sending to the last body byte, retries included, and a ceiling on
 * the size of a response body, refused while it streams so memory stays flat. A server that
 * dribbles one byte every half second, or streams without end, cannot hold or fill a refresh or a
 * destroy.
 */
import type { Readable } from "node:stream";

/** The most an API answer or an S3 listing page may be; real ones are a few KiB to ~1.5 MiB. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The environment variable of the overall deadline (see src/settings.ts, HTTP_KNOBS). */
export const REQUEST_TIMEOUT_SETTING = "OSK_HTTP_REQUEST_TIMEOUT_MS";

/** Error codes of the two bounds, as `transportCode` of the ProviderApiError a client throws. */
export const DEADLINE_CODE = "OSK_REQUEST_DEADLINE";
export const TOO_LARGE_CODE = "OSK_RESPONSE_TOO_LARGE";

export class BoundExceeded extends Error {
  constructor(
    readonly code: typeof DEADLINE_CODE | typeof TOO_LARGE_CODE,
    message: string,
  ) {
    super(message);
    this.name = "BoundExceeded";
  }
}

/** An abort signal that fires `totalMs` after the call, with a BoundExceeded naming the origin and setting. */
export function deadline(totalMs: number, origin: string): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      new BoundExceeded(
        DEADLINE_CODE,
        `the request to ${origin} did not complete within ${formatMs(totalMs)} (the overall deadline per request, retries included; ${REQUEST_TIMEOUT_SETTING})`,
      ),
    );
  }, totalMs);
  timer.unref?.();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * Reads a response body up to `limit` bytes. Past the limit the stream is destroyed at once (the
 * connection is closed, nothing more is read) and a BoundExceeded names the origin and the limit.
 */
export async function readBounded(body: Readable, limit: number, origin: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      const err = new BoundExceeded(
        TOO_LARGE_CODE,
        `the response from ${origin} is larger than ${formatBytes(limit)}, the most an answer of this API may be; it was refused unread. This is not an answer the API sends: check the URL and any proxy in between`,
      );
      body.destroy(err);
      throw err;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** The signal's reason when a request was cut by its deadline, else the error itself. */
export function boundOrError(err: unknown, signal: AbortSignal): unknown {
  return signal.aborted && signal.reason instanceof BoundExceeded ? signal.reason : err;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
