import type { RawResponse } from "../http/client";

/**
 * What a body that is not the API's own error format was, without its content: a gateway or debug
 * page may reflect request headers, credentials included, so it is described, never copied.
 */
export function foreignSummary(raw: RawResponse): string | undefined {
  if (raw.body === undefined) return undefined;
  const type = String(raw.headers["content-type"] ?? "").split(";")[0]?.trim() || "unknown type";
  return `a response that is not the API's own (${type}${typeof raw.body === "string" ? `, ${raw.body.length} characters` : ""})`;
}
