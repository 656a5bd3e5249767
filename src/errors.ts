/**
 * Errors that reach users. The dynamic-provider host prints `${e}: ${e.stack}` for errors from
 * check/diff/read/delete, so user-facing errors carry their message as their stack: the user sees
 * one clear paragraph, not library internals. Messages never contain tokens or secrets.
 */
export type Cloud = "nscale" | "hostup";

abstract class UserFacingError extends Error {
  protected constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.stack = `${this.name}: ${message}`;
  }
}

export interface ApiErrorDetails {
  cloud: Cloud | "s3";
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
  }

  /**
   * True when the request may have taken effect but its outcome is unknown: no response, a 5xx, or
   * a success whose body could not be read (for a create: the key exists, its secret unreadable).
   */
  get outcomeUnknown(): boolean {
    return this.status === undefined || this.status >= 500 || this.code === "UNEXPECTED_RESPONSE";
  }
}

function cloudLabel(cloud: ApiErrorDetails["cloud"]): string {
  return cloud === "nscale" ? "Nscale" : cloud === "hostup" ? "HostUp" : "S3";
}

function formatApiError(d: ApiErrorDetails): string {
  const what =
    d.status !== undefined
      ? `HTTP ${d.status}${d.code ? ` ${d.code}` : ""}${d.providerMessage ? `: ${d.providerMessage}` : ""}`
      : `no response (${d.transportCode ?? "transport error"})${d.providerMessage ? `: ${d.providerMessage}` : ""}`;
  const id = d.requestId ? ` [request id ${d.requestId}]` : "";
  const hint = d.hint ? ` ${d.hint}` : "";
  return `${cloudLabel(d.cloud)} ${d.operation} failed: ${what}${id}.${hint}`;
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
 * The shape the dynamic-provider host understands as "the resource exists but failed to
 * initialise": it records `id` and `properties` in state so the key is never orphaned.
 */
export class PartialCreateError extends UserFacingError {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];
  constructor(message: string, id: string, properties: Record<string, unknown>) {
    super(message);
    this.id = id;
    this.properties = properties;
    this.reasons = [message];
  }
}
