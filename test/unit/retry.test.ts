import { describe, expect, it, vi } from "vitest";
import { HostPacer } from "../../src/http/pacing";
import { createRetryDecider, defaultRetryPolicy } from "../../src/http/retry";
import { backoffDelayMs, serverRequestedDelayMs } from "../../src/http/wait";

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
    decider(Object.assign(new Error("x"), err), { state: { counter }, opts: { method, retryOptions: {} } }, (e) => resolve(e ? "stop" : "retry"));
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
    ["POST 429 is never retried: a gateway may answer 429 after the backend acted", "POST", { statusCode: 429 }, "stop"],
    ["POST 429 with Retry-After is never retried", "POST", { statusCode: 429, headers: { "retry-after": "0" } }, "stop"],
    ["PATCH 429 is not retried", "PATCH", { statusCode: 429 }, "stop"],
    ["HEAD 429", "HEAD", { statusCode: 429 }, "retry"],
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

  it("bounds 429s by maxRetries429 (default 10), not only by the time budget", async () => {
    expect(defaultRetryPolicy.maxRetries429).toBe(10);
    expect(await decide("GET", { statusCode: 429, headers: { "retry-after": "0" } }, 10)).toBe("retry");
    expect(await decide("GET", { statusCode: 429, headers: { "retry-after": "0" } }, 11)).toBe("stop");
    const policy = { ...defaultRetryPolicy, maxRetries429: 2 };
    expect(await decide("GET", { statusCode: 429 }, 2, policy)).toBe("retry");
    expect(await decide("GET", { statusCode: 429 }, 3, policy)).toBe("stop");
  });

  it.each([
    ["Retry-After: 0", { "retry-after": "0" }],
    ["a Retry-After date in the past", { "retry-after": "Mon, 23 Nov 2020 09:00:00 GMT" }],
    ["a past X-RateLimit-Reset", { "x-ratelimit-reset": "2020-11-23T10:00:00Z" }],
    ["no header", {}],
  ])("waits at least the backoff step after a 429 with %s", async (_t, headers) => {
    const policy = { ...defaultRetryPolicy, minDelayMs: 10, maxDelayMs: 1000 };
    const delays: number[] = [];
    const decider = createRetryDecider(policy, { onRetry: (i) => delays.push(i.delayMs) }, new HostPacer());
    const random = vi.spyOn(Math, "random").mockReturnValue(0);
    try {
      for (const counter of [1, 2, 3, 4]) {
        await new Promise<void>((resolve) =>
          decider(Object.assign(new Error("x"), { statusCode: 429, headers }), { state: { counter }, opts: { method: "GET", retryOptions: {} } }, () =>
            resolve(),
          ),
        );
      }
    } finally {
      random.mockRestore();
    }
    expect(delays).toEqual([10, 20, 40, 80]);
  });

  it("waits at least the host pause another request's 429 set", async () => {
    const pacer = new HostPacer();
    const policy = { ...defaultRetryPolicy, minDelayMs: 1, maxDelayMs: 5000 };
    const delays: number[] = [];
    const decider = createRetryDecider(policy, { onRetry: (i) => delays.push(i.delayMs) }, pacer);
    pacer.pause("http://127.0.0.1:9", 300);
    await new Promise<void>((resolve) =>
      decider(
        Object.assign(new Error("x"), { statusCode: 503 }),
        { state: { counter: 1 }, opts: { method: "GET", origin: "http://127.0.0.1:9", retryOptions: {} } },
        () => resolve(),
      ),
    );
    expect(delays[0]).toBeGreaterThanOrEqual(250);
  });

  it("stops when the server asks for a wait beyond the total budget", async () => {
    const policy = { ...defaultRetryPolicy, totalBudgetMs: 1000, maxDelayMs: 60_000 };
    const decider = createRetryDecider(policy);
    const outcome = await new Promise<string>((resolve) =>
      decider(
        Object.assign(new Error("x"), { statusCode: 429, headers: { "retry-after": "30" } }),
        { state: { counter: 1 }, opts: { method: "GET", retryOptions: {} } },
        (e) => resolve(e ? "stop" : "retry"),
      ),
    );
    expect(outcome).toBe("stop");
  });
});
