/** Per-request timeouts of the shared dispatcher, and the overall deadline of one call. */
export interface HttpTimeouts {
  connectMs: number;
  /** Idle: the longest wait for the response headers. */
  headersMs: number;
  /** Idle: the longest gap between two pieces of the body. */
  bodyMs: number;
  /**
   * Overall: one call from sending to its last body byte, the dispatcher's retries included
   * (src/http/bounds.ts). Default 120 s: the 90 s retry budget plus one slow answer.
   */
  totalMs: number;
}

export const defaultTimeouts: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000, totalMs: 120_000 };
