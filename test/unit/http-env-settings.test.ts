/**
 * OSK_HTTP_* settings: valid values apply as before; a malformed one is a ConfigurationError
 * naming the variable instead of being silently ignored.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../../src/errors";
import { effectiveRetryPolicy, effectiveTimeouts, readHttpEnvSettings } from "../../src/http/env-settings";
import { defaultRetryPolicy } from "../../src/http/retry";
import { defaultTimeouts } from "../../src/http/timeouts";

afterEach(() => {
  vi.unstubAllEnvs();
});

const VARS = ["OSK_HTTP_CONNECT_TIMEOUT_MS", "OSK_HTTP_HEADERS_TIMEOUT_MS", "OSK_HTTP_BODY_TIMEOUT_MS", "OSK_HTTP_RETRY_BUDGET_MS"];
const MALFORMED = ["abc", "10ms", "-5", "0", "Infinity", "NaN", "1,000"];

describe("readHttpEnvSettings", () => {
  it("reads nothing from an empty environment, and treats blank values as unset", () => {
    expect(readHttpEnvSettings({})).toEqual({ timeouts: {} });
    expect(readHttpEnvSettings({ OSK_HTTP_CONNECT_TIMEOUT_MS: "  ", OSK_HTTP_RETRY_BUDGET_MS: "" })).toEqual({ timeouts: {} });
  });

  it("reads every variable", () => {
    expect(
      readHttpEnvSettings({
        OSK_HTTP_CONNECT_TIMEOUT_MS: "1000",
        OSK_HTTP_HEADERS_TIMEOUT_MS: " 2000 ",
        OSK_HTTP_BODY_TIMEOUT_MS: "3000",
        OSK_HTTP_RETRY_BUDGET_MS: "1500",
      }),
    ).toEqual({ timeouts: { connectMs: 1000, headersMs: 2000, bodyMs: 3000 }, retryBudgetMs: 1500 });
  });

  const rows = VARS.flatMap((name) => MALFORMED.map((value) => [name, value] as const));
  it.each(rows)("%s=%j is an error naming the variable", (name, value) => {
    let err: unknown;
    try {
      readHttpEnvSettings({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(String((err as Error).message)).toContain(name);
    expect(String((err as Error).message)).toMatch(/positive number/);
  });
});

describe("effectiveTimeouts / effectiveRetryPolicy (process.env)", () => {
  it("apply valid values as before", () => {
    vi.stubEnv("OSK_HTTP_HEADERS_TIMEOUT_MS", "1234");
    vi.stubEnv("OSK_HTTP_RETRY_BUDGET_MS", "5000");
    expect(effectiveTimeouts()).toEqual({ ...defaultTimeouts, headersMs: 1234 });
    expect(effectiveTimeouts({ headersMs: 7 })).toEqual({ ...defaultTimeouts, headersMs: 7 });
    expect(effectiveRetryPolicy()).toEqual({ ...defaultRetryPolicy, totalBudgetMs: 5000, maxDelayMs: 5000 });
    expect(effectiveRetryPolicy({ maxRetries: 1 })).toEqual({ ...defaultRetryPolicy, totalBudgetMs: 5000, maxDelayMs: 5000, maxRetries: 1 });
  });

  it("use the defaults when nothing is set", () => {
    for (const name of VARS) vi.stubEnv(name, "");
    expect(effectiveTimeouts()).toEqual(defaultTimeouts);
    expect(effectiveRetryPolicy()).toEqual(defaultRetryPolicy);
  });

  it("throw instead of silently ignoring a malformed value", () => {
    vi.stubEnv("OSK_HTTP_BODY_TIMEOUT_MS", "thirty seconds");
    expect(() => effectiveTimeouts()).toThrow(/OSK_HTTP_BODY_TIMEOUT_MS/);
    vi.stubEnv("OSK_HTTP_BODY_TIMEOUT_MS", "");
    vi.stubEnv("OSK_HTTP_RETRY_BUDGET_MS", "-1");
    expect(() => effectiveRetryPolicy()).toThrow(ConfigurationError);
  });
});
