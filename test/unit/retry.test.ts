import { describe, expect, it } from "vitest";
import { backoffDelayMs, createRetryDecider, defaultRetryPolicy, serverRequestedDelayMs } from "../../src/http/retry";

const now = Date.parse("2026-11-23T10:00:00Z");

describe("serverRequestedDelayMs", () => {
  it.each([
    ["Retry-After seconds", { "retry-after": "3" }, 3000],
    ["Retry-After zero", { "retry-after": "0" }, 0],
    ["Retry-After HTTP date", { "retry-after": "Mon, 23 Nov 2026 10:00:05 GMT" }, 5000],
    ["Retry-After date in the past", { "retry-after": "Mon, 23 Nov 2026 09:00:00 GMT" }, 0],
    ["X-RateLimit-Reset ISO", { "x-ratelimit-reset": "2026-11-23T10:00:02.500Z" }, 2500],
    ["X-RateLimit-Reset epoch seconds", { "x-ratelimit-reset": String(now / 1000 + 4) }, 4000],
    ["Retry-After wins over reset", { "retry-after": "1", "x-ratelimit-reset": "2026-11-23T10:00:09Z" }, 1000],
    ["garbage", { "retry-after": "soon" }, undefined],
    ["none", {}, undefined],
  ] as const)("%s", (_t, headers, expected) => {
    expect(serverRequestedDelayMs(headers as Record<string, string>, now)).toBe(expected);
  });
});

describe("backoffDelayMs", () => {
  it("grows exponentially, is capped, and is jittered down from the ceiling", () => {
    const policy = { ...defaultRetryPolicy, minDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(policy, 0, () => 1)).toBe(100);
    expect(backoffDelayMs(policy, 3, () => 1)).toBe(800);
    expect(backoffDelayMs(policy, 10, () => 1)).toBe(1000);
    expect(backoffDelayMs(policy, 3, () => 0.5)).toBe(400);
    expect(backoffDelayMs(policy, 3, () => 0)).toBe(0);
  });
});

function decide(method: string, err: { statusCode?: number; code?: string; headers?: Record<string, string> }, counter = 1, policy = defaultRetryPolicy) {
  const decider = createRetryDecider({ ...policy, minDelayMs: 1, maxDelayMs: 5 });
  return new Promise<"retry" | "stop">((resolve) => {
    decider(Object.assign(new Error("x"), err), { state: { counter }, opts: { method, retryOptions: {} } }, (e) =>
      resolve(e ? "stop" : "retry"),
    );
  });
}

describe("retry decision", () => {
  it.each([
    ["GET 429", "GET", { statusCode: 429 }, "retry"],
    ["GET 502", "GET", { statusCode: 502 }, "retry"],
    ["GET 503", "GET", { statusCode: 503 }, "retry"],
    ["GET 504", "GET", { statusCode: 504 }, "retry"],
    ["DELETE 503", "DELETE", { statusCode: 503 }, "retry"],
    ["GET reset", "GET", { code: "ECONNRESET" }, "retry"],
    ["GET headers timeout", "GET", { code: "UND_ERR_HEADERS_TIMEOUT" }, "retry"],
    ["GET 500 is not retried (may not be transient, and Nscale's own client never retries 5xx)", "GET", { statusCode: 500 }, "stop"],
    ["GET 404", "GET", { statusCode: 404 }, "stop"],
    ["GET 401", "GET", { statusCode: 401 }, "stop"],
    ["POST 429 is retried: the server did not process it", "POST", { statusCode: 429 }, "retry"],
    ["POST 502 is never retried", "POST", { statusCode: 502 }, "stop"],
    ["POST 503 is never retried", "POST", { statusCode: 503 }, "stop"],
    ["POST reset is never retried", "POST", { code: "ECONNRESET" }, "stop"],
    ["PUT 503 is not retried", "PUT", { statusCode: 503 }, "stop"],
  ] as const)("%s", async (_t, method, err, expected) => {
    expect(await decide(method, err)).toBe(expected);
  });

  it("stops after maxRetries", async () => {
    expect(await decide("GET", { statusCode: 503 }, defaultRetryPolicy.maxRetries + 1)).toBe("stop");
  });

  it("stops when the server asks for a wait beyond the total budget", async () => {
    const policy = { ...defaultRetryPolicy, totalBudgetMs: 1000, maxDelayMs: 60_000 };
    const decider = createRetryDecider(policy);
    const outcome = await new Promise<string>((resolve) =>
      decider(Object.assign(new Error("x"), { statusCode: 429, headers: { "retry-after": "30" } }), { state: { counter: 1 }, opts: { method: "GET", retryOptions: {} } }, (e) =>
        resolve(e ? "stop" : "retry"),
      ),
    );
    expect(outcome).toBe("stop");
  });
});
