/**
 * Errors that reach users. The dynamic-provider host prints `${e}: ${e.stack}` for errors from
 * check/diff/read/delete, so user-facing errors carry their message as their stack: the user sees
 * one clear paragraph, not library internals. Messages never contain tokens or secrets.
 */
abstract class UserFacingError extends Error {
  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.stack = `${this.name}: ${message}`;
  }
}

export interface ApiErrorDetails {
  cloud: string;
  /** What the library was doing, e.g. "create access key". */
  operation: string;
  /** HTTP status, absent for transport failures (timeout, reset, refused). */
  status?: number;
  /** The provider's machine-readable code (`error` for Nscale, `code` for HostUp). */
  code?: string;
  /** The provider's human-readable message. */
  providerMessage?: string;
  /** Nscale `trace_id`, HostUp `requestId`. */
  requestId?: string;
  /** What the user can do about it. */
  hint?: string;
  /** Transport error code (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, ...). */
  transportCode?: string;
  /** How long the server asked to wait before trying again (429, 503), when it said. */
  retryAfterMs?: number;
  /** True when the answer is the API's own (its error format, or its rate-limit headers), not a proxy's. */
  ownAnswer?: boolean;
  /** The name users know the service by ("Nscale", "HostUp", "S3"); default: `cloud`. */
  serviceName?: string;
}

/** One typed error for every failed provider API call. */
export class ProviderApiError extends UserFacingError implements ApiErrorDetails {
  readonly cloud: ApiErrorDetails["cloud"];
  readonly operation: string;
  readonly status?: number;
  readonly code?: string;
  readonly providerMessage?: string;
  readonly requestId?: string;
  readonly hint?: string;
  readonly transportCode?: string;
  readonly retryAfterMs?: number;
  readonly ownAnswer?: boolean;

  constructor(details: ApiErrorDetails) {
    super(formatApiError(details));
    this.cloud = details.cloud;
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
    this.providerMessage = details.providerMessage;
    this.requestId = details.requestId;
    this.hint = details.hint;
    this.transportCode = details.transportCode;
    this.retryAfterMs = details.retryAfterMs;
    this.ownAnswer = details.ownAnswer;
  }
}


function formatApiError(d: ApiErrorDetails): string {
  const what =
    d.status !== undefined
      ? `HTTP ${d.status}${d.code ? ` ${d.code}` : ""}${d.providerMessage ? `: ${d.providerMessage}` : ""}`
      : `no response (${d.transportCode ?? "transport error"})${d.providerMessage ? `: ${d.providerMessage}` : ""}`;
  const id = d.requestId ? ` [request id ${d.requestId}]` : "";
  const hint = d.hint ? ` ${d.hint}` : "";
  return `${d.serviceName ?? d.cloud} ${d.operation} failed: ${what}${id}.${hint}`;
}

/** A missing or invalid setting, reported before any request is sent. */
export class ConfigurationError extends UserFacingError {
  constructor(message: string) {
    super(message);
  }
}

/** A lifecycle rule the library enforces (timeouts, provisioning errors, unsafe outcomes). */
export class LifecycleError extends UserFacingError {
  constructor(message: string) {
    super(message);
  }
}

/**
 * The key exists (its secret is in hand) but a later step failed. The engine adapter records it in
 * state, so nothing is orphaned: the next `up` resumes and `destroy` deletes it.
 */
export class KeyCreatedButFailed extends UserFacingError {
  constructor(
    message: string,
    readonly id: string,
    readonly state: Record<string, unknown>,
  ) {
    super(message);
  }
}
