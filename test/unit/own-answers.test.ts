/**
 * Issue 16, behaviour 2: each cloud's own answers are recognised by the fields its documentation
 * requires (docs/provider-apis.md §1.4 Nscale `{error, error_description, trace_id?}`, §2.4 HostUp
 * `{code, error, message, requestId?, timestamp?}` and its v2 problem under developer.hostup.se),
 * never by any JSON with a `title` or `message`. Foreign look-alikes: test/fixtures/foreign-error-bodies.ts.
 * The foreign rows failed before this change (RFC 9457, ASP.NET and CDN bodies counted as HostUp's
 * own; headers alone made a HostUp 429 "own").
 */
import { describe, expect, it } from "vitest";
import { hostupError, isHostUpNotFound, isHostUpRateLimit } from "../../src/clouds/hostup/client";
import { isNscaleConflict, isNscaleNotFound, nscaleError } from "../../src/clouds/nscale/client";
import type { RawResponse } from "../../src/http/client";
import { FOREIGN_LOOKALIKES } from "../fixtures/foreign-error-bodies";

const raw = (status: number, body: unknown, headers: Record<string, string> = { "content-type": "application/json" }): RawResponse => ({
  status,
  headers,
  body,
  text: typeof body === "string" ? body : JSON.stringify(body),
});

/** The HostUp error example of the seed (test/fixtures/seeds/003_2eae1a3466ac7278.txt, 500 response). */
const HOSTUP_OWN = {
  code: "INTERNAL_ERROR",
  error: "Internal Server Error",
  message: "An unexpected error occurred",
  requestId: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba",
  timestamp: "2026-02-10T00:00:00.000Z",
};
/** HostUp's v2 problem example (docs/provider-apis.md §2.4 (b), verbatim). */
const HOSTUP_V2 = {
  type: "https://developer.hostup.se/errors/vps_not_found",
  title: "VPS not found",
  status: 404,
  detail: "No VPS matching the given ID was found.",
  code: "vps_not_found",
  instance: "/api/v2/vps/vps_abc123",
  requestId: "req_xyz789",
  timestamp: "2026-04-27T12:00:00.000Z",
};
/** Nscale's error example (docs/provider-apis.md §1.4). */
const NSCALE_OWN = { error: "not_found", error_description: "the requested resource does not exist", trace_id: "57bc14d9bd461f0b5a72db830149b67a" };

/** Every foreign look-alike, also dressed as a not-found (code/error `not_found`) and a conflict. */
const foreign = Object.entries(FOREIGN_LOOKALIKES).flatMap(
  ([name, body]) =>
    [
      [name, body],
      [`${name} saying not_found`, { ...body, code: "not_found", error: body.error ?? "not_found" }],
      [`${name} with Nscale's field names`, { ...body, error: "not_found", error_description: "not found" }],
    ] as const,
);

describe("HostUp's own error answer", () => {
  it.each([
    ["the object-storage envelope", HOSTUP_OWN],
    ["the envelope with requestId only", { code: "NOT_FOUND", error: "Not Found", message: "Not found", requestId: "r-1" }],
    ["the v2 problem under developer.hostup.se", HOSTUP_V2],
  ])("%s is HostUp's own", (_t, body) => {
    expect(hostupError(raw(500, body))).toBeDefined();
    expect(isHostUpRateLimit(raw(429, body))).toBe(true);
  });

  it("its own not-found is recognised in both documented shapes", () => {
    expect(isHostUpNotFound(raw(404, { ...HOSTUP_OWN, code: "NOT_FOUND" }))).toBe(true);
    expect(isHostUpNotFound(raw(404, { ...HOSTUP_V2, code: "not_found", type: "https://developer.hostup.se/errors/not_found" }))).toBe(true);
  });

  it.each([
    ...foreign,
    ["the envelope without requestId or timestamp", { code: "NOT_FOUND", error: "Not Found", message: "Not found" }],
    ["the envelope with a non-string message", { ...HOSTUP_OWN, message: 42 }],
    ["a problem whose type is another site's", { ...HOSTUP_V2, type: "https://developer.hostup.se.evil.example/errors/not_found" }],
    ["a problem without HostUp's code", { ...HOSTUP_V2, code: undefined }],
    ["an array", [HOSTUP_OWN]],
    ["text", "Not Found"],
    ["nothing", undefined],
  ] as Array<readonly [string, unknown]>)("%s is foreign: never own, never not-found, never HostUp's rate limit", (_t, body) => {
    expect(hostupError(raw(404, body))).toBeUndefined();
    expect(isHostUpNotFound(raw(404, body))).toBe(false);
    expect(isHostUpRateLimit(raw(429, body))).toBe(false);
  });

  it("rate-limit headers on a foreign body do not make a 429 HostUp's own", () => {
    const headers = {
      "content-type": "text/plain",
      "x-ratelimit-limit": "100",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": "2026-02-10T00:00:05.000Z",
      "retry-after": "5",
    };
    expect(isHostUpRateLimit(raw(429, "Too Many Requests", headers))).toBe(false);
    expect(isHostUpRateLimit(raw(429, FOREIGN_LOOKALIKES["an RFC 9457 problem (about:blank)"], headers))).toBe(false);
  });
});

describe("Nscale's own error answer", () => {
  it.each([
    ["the documented body", NSCALE_OWN],
    ["without trace_id", { error: "not_found", error_description: "resource not found" }],
    ["with a code this library does not know", { error: "gone_fishing", error_description: "new code", trace_id: "t" }],
  ])("%s is Nscale's own", (_t, body) => {
    expect(nscaleError(raw(404, body))).toBeDefined();
  });

  it("its own not-found and conflict are recognised", () => {
    expect(isNscaleNotFound(raw(404, NSCALE_OWN))).toBe(true);
    expect(isNscaleConflict(raw(409, { ...NSCALE_OWN, error: "conflict" }))).toBe(true);
  });

  it.each([
    ...foreign,
    ["Spring's error JSON with Nscale's fields", { timestamp: "t", status: 404, error: "not_found", error_description: "x", path: "/api" }],
    ["a problem with Nscale's fields", { type: "about:blank", title: "Not Found", error: "not_found", error_description: "x" }],
    ["an error code that is a status title", { error: "Not Found", error_description: "x" }],
    ["a missing error_description", { error: "not_found" }],
    ["text", "not_found"],
    ["nothing", undefined],
  ] as Array<readonly [string, unknown]>)("%s is foreign: never Nscale's not-found or conflict", (_t, body) => {
    expect(isNscaleNotFound(raw(404, body))).toBe(false);
    const asConflict = body && typeof body === "object" && (body as { error?: unknown }).error === "not_found" ? { ...body, error: "conflict" } : body;
    expect(isNscaleConflict(raw(409, asConflict))).toBe(false);
  });
});
