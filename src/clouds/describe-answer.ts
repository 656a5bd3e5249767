import { ProviderApiError } from "../errors";
import type { RawResponse } from "../http/client";
import { NOT_SENT_ERROR_CODES } from "../http/retry";

/** An API's own error body, as each cloud's client parses it. */
export interface OwnError {
  code?: string;
  message?: string;
  requestId?: string;
}

/**
 * What a body that is not the API's own error format was, without its content: a gateway or debug
 * page may reflect request headers, credentials included, so it is described, never copied.
 */
export function foreignSummary(raw: RawResponse): string | undefined {
  if (raw.body === undefined) return undefined;
  const type =
    String(raw.headers["content-type"] ?? "")
      .split(";")[0]
      ?.trim() || "unknown type";
  return `a response that is not the API's own (${type}${typeof raw.body === "string" ? `, ${raw.body.length} characters` : ""})`;
}

/**
 * The error details of a failed call, for every cloud: its own error body when it sent one, else a
 * summary; the caller's hint when it has one, else advice by status.
 */
export function describeAnswer(
  raw: RawResponse,
  service: string,
  own: OwnError | undefined,
  advice: { hint?: string; forbidden: string; ownAnswer?: boolean },
) {
  const hint =
    advice.hint ??
    (!own && raw.status !== 429 && raw.status < 500
      ? `The answer did not come from the ${service} API (not its error format): check the API URL, and any proxy between here and ${service}.`
      : raw.status === 403
        ? advice.forbidden
        : raw.status === 429
          ? `Rate limited by ${service} even after retries; reduce parallelism (\`pulumi up --parallel 2\`) or try again later.`
          : raw.status >= 500
            ? `${service} reported a server error; it may be transient, try again.`
            : undefined);
  return {
    code: own?.code,
    providerMessage: own ? own.message : foreignSummary(raw),
    requestId: own?.requestId,
    hint,
    ownAnswer: advice.ownAnswer ?? own !== undefined,
  };
}

/**
 * Whether a failed request may still have taken effect: no response although it was sent, a 5xx,
 * a 429 (a gateway may send one after the backend committed), or a success that could not be read.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (!(err instanceof ProviderApiError)) return false;
  if (err.status === undefined) return !NOT_SENT_ERROR_CODES.includes(err.transportCode ?? "");
  return err.status >= 500 || err.status === 429 || err.code === "UNEXPECTED_RESPONSE";
}
