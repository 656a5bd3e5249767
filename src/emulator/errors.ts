/** Error bodies in each cloud's own shape. */
import { STATUS_CODES } from "node:http";
import { jsonResponse, type EmuResponse } from "./http";
import { s3RequestId, traceId, uuid } from "./ids";

const NSCALE_CODES: Record<number, [code: string, description: string]> = {
  400: ["invalid_request", "the request is not valid"],
  401: ["access_denied", "authentication failed"],
  403: ["forbidden", "user credentials do not have the required privileges"],
  404: ["not_found", "resource not found"],
  405: ["method_not_allowed", "the requested method was not allowed"],
  409: ["conflict", "the requested resource already exists"],
  413: ["request_entity_too_large", "request entity too large"],
  415: ["unsupported_media_type", "the requested content type is not supported"],
  422: ["unprocessable_content", "the request body was in the wrong format"],
};

/** Nscale (uni-core) error: `{error, error_description, trace_id}` with `Cache-Control: no-cache`. */
export function nscaleError(status: number, description?: string, code?: string, headers: Record<string, string> = {}): EmuResponse {
  const [defaultCode, defaultDescription] = NSCALE_CODES[status] ?? ["server_error", "an internal error has occurred, please contact support"];
  return jsonResponse(
    status,
    { error: code ?? defaultCode, error_description: description ?? defaultDescription, trace_id: traceId() },
    { "cache-control": "no-cache", ...headers },
  );
}

export function nscaleUnauthorized(description: string, origin: string): EmuResponse {
  return nscaleError(401, description, "access_denied", {
    "www-authenticate":
      `Bearer error="access_denied",error_description="${description}",` + `resource_metadata="${origin}/.well-known/openid-protected-resource"`,
  });
}

const HOSTUP_CODES: Record<number, [code: string, message: string]> = {
  400: ["BAD_REQUEST", "Bad request"],
  401: ["UNAUTHORIZED", "Authentication required"],
  403: ["FORBIDDEN", "Forbidden"],
  404: ["NOT_FOUND", "Not found"],
  405: ["METHOD_NOT_ALLOWED", "Method not allowed"],
  409: ["CONFLICT", "Conflict"],
  413: ["PAYLOAD_TOO_LARGE", "Payload too large"],
  429: ["RATE_LIMIT_EXCEEDED", "Too many requests."],
  500: ["INTERNAL_ERROR", "An unexpected error occurred"],
  502: ["BAD_GATEWAY", "Bad gateway"],
  503: ["SERVICE_UNAVAILABLE", "Service temporarily unavailable"],
};

/**
 * HostUp object-storage error, shape (a): `{code, error, message, requestId, timestamp}`.
 * `now` is the emulated server's clock (EmulatorState.now()).
 */
export function hostupError(status: number, message?: string, code?: string, now: Date = new Date()): EmuResponse {
  const [defaultCode, defaultMessage] = HOSTUP_CODES[status] ?? [
    (STATUS_CODES[status] ?? "ERROR").toUpperCase().replace(/[^A-Z0-9]+/g, "_"),
    STATUS_CODES[status] ?? "Error",
  ];
  const requestId = uuid();
  return jsonResponse(
    status,
    {
      code: code ?? defaultCode,
      error: STATUS_CODES[status] ?? "Error",
      message: message ?? defaultMessage,
      requestId,
      timestamp: now.toISOString(),
    },
    { "x-request-id": requestId },
  );
}

/** The v2 rate-limit headers HostUp documents for 429s. */
export function hostupRateLimitHeaders(limit: number, retryAfterSeconds: number, nowMs: number = Date.now()): Record<string, string> {
  return {
    "retry-after": String(retryAfterSeconds),
    "x-ratelimit-limit": String(limit),
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": new Date(nowMs + retryAfterSeconds * 1000).toISOString(),
  };
}

const S3_CODES: Record<number, [code: string, message: string]> = {
  400: ["InvalidRequest", "Invalid Request"],
  403: ["AccessDenied", "Access Denied"],
  404: ["NoSuchKey", "The specified key does not exist."],
  409: ["OperationAborted", "A conflicting conditional operation is currently in progress."],
  429: ["SlowDown", "Please reduce your request rate."],
  500: ["InternalError", "We encountered an internal error. Please try again."],
  501: ["NotImplemented", "A header or query you provided implies functionality that is not implemented."],
  503: ["SlowDown", "Please reduce your request rate."],
};

/** For XML text content (the emulator never puts dynamic values in attributes). */
export function xmlEscape(s: string): string {
  const entities: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };
  return s.replace(/[<>&]/g, (c) => entities[c] ?? c);
}

export function s3Error(status: number, code?: string, message?: string, resource?: string): EmuResponse {
  const [defaultCode, defaultMessage] = S3_CODES[status] ?? ["InternalError", STATUS_CODES[status] ?? "Error"];
  const requestId = s3RequestId();
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(code ?? defaultCode)}</Code>` +
    `<Message>${xmlEscape(message ?? defaultMessage)}</Message>` +
    (resource ? `<Resource>${xmlEscape(resource)}</Resource>` : "") +
    `<RequestId>${requestId}</RequestId></Error>`;
  return { status, headers: { "content-type": "application/xml", "x-amz-request-id": requestId }, body };
}
