/**
 * The wait after a 429: the server's request (Retry-After seconds or HTTP date, X-RateLimit-Reset
 * as ISO, epoch seconds or seconds from now), never below the backoff step for the attempt (so a
 * wait that comes out as zero still slows down), never above maxDelayMs, plus bounded jitter.
 */
import { describe, expect, it } from "vitest";
import { HostPacer } from "../../src/http/pacing";
import { hostPauseAfter429Ms, rateLimitDelayMs } from "../../src/http/wait";

const now = Date.parse("2026-11-23T10:00:00Z");
const policy = { minDelayMs: 100, maxDelayMs: 5000 };
const noJitter = () => 0;
const fullJitter = () => 1;

describe("rateLimitDelayMs", () => {
  it.each([
    // [case, headers, attempt, expected ms without jitter]
    ["Retry-After seconds above the floor", { "retry-after": "3" }, 0, 3000],
    ["Retry-After: 0 takes the floor", { "retry-after": "0" }, 0, 100],
    ["Retry-After: 0 on the 4th retry takes that step's floor", { "retry-after": "0" }, 3, 800],
    ["Retry-After below the floor takes the floor", { "retry-after": "0.05" }, 0, 100],
    ["Retry-After date in the past takes the floor", { "retry-after": "Mon, 23 Nov 2026 09:00:00 GMT" }, 0, 100],
    ["Retry-After date in the future", { "retry-after": "Mon, 23 Nov 2026 10:00:04 GMT" }, 0, 4000],
    ["Retry-After garbage takes the floor", { "retry-after": "soon" }, 0, 100],
    ["Retry-After garbage falls back to X-RateLimit-Reset", { "retry-after": "soon", "x-ratelimit-reset": "2026-11-23T10:00:02Z" }, 0, 2000],
    ["Retry-After beyond maxDelayMs is capped", { "retry-after": "60" }, 0, 5000],
    ["X-RateLimit-Reset ISO in the past takes the floor", { "x-ratelimit-reset": "2026-11-23T09:59:00Z" }, 1, 200],
    ["X-RateLimit-Reset ISO in the future", { "x-ratelimit-reset": "2026-11-23T10:00:02.500Z" }, 0, 2500],
    ["X-RateLimit-Reset epoch seconds in the future", { "x-ratelimit-reset": String(now / 1000 + 4) }, 0, 4000],
    ["X-RateLimit-Reset epoch seconds in the past takes the floor", { "x-ratelimit-reset": String(now / 1000 - 30) }, 2, 400],
    ["X-RateLimit-Reset seconds from now", { "x-ratelimit-reset": "1.5" }, 0, 1500],
    ["X-RateLimit-Reset 0 takes the floor", { "x-ratelimit-reset": "0" }, 0, 100],
    ["no header takes the floor", {}, 0, 100],
    ["the floor is capped at maxDelayMs", {}, 20, 5000],
  ] as const)("%s", (_t, headers, attempt, expected) => {
    expect(rateLimitDelayMs(headers, attempt, policy, { random: noJitter, now })).toBe(expected);
  });

  it.each([
    ["a server wait", { "retry-after": "3" }, 0, 3000 + 100],
    ["a zero wait", { "retry-after": "0" }, 0, 100 + 100],
    ["a zero wait on a late attempt (jitter at most 1 s)", { "retry-after": "0" }, 5, 3200 + 1000],
    ["a capped wait", { "retry-after": "60" }, 0, 5000 + 100],
  ] as const)("adds at most min(1 s, step) of jitter to %s", (_t, headers, attempt, expected) => {
    expect(rateLimitDelayMs(headers, attempt, policy, { random: fullJitter, now })).toBe(expected);
  });

  it("never returns less than the floor, whatever the jitter", () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const floor = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt);
      for (const r of [0, 0.3, 0.999]) {
        expect(rateLimitDelayMs({ "retry-after": "0" }, attempt, policy, { random: () => r, now })).toBeGreaterThanOrEqual(floor);
      }
    }
  });
});

describe("hostPauseAfter429Ms", () => {
  it.each([
    ["Retry-After seconds", { "retry-after": "2" }, 2000],
    ["Retry-After: 0 still pauses minDelayMs", { "retry-after": "0" }, 100],
    ["a past date still pauses minDelayMs", { "retry-after": "Mon, 23 Nov 2026 09:00:00 GMT" }, 100],
    ["a past X-RateLimit-Reset still pauses minDelayMs", { "x-ratelimit-reset": String(now / 1000 - 5) }, 100],
    ["garbage pauses minDelayMs", { "retry-after": "later" }, 100],
    ["a huge wait is capped at maxDelayMs", { "retry-after": "3600" }, 5000],
  ] as const)("%s", (_t, headers, expected) => {
    expect(hostPauseAfter429Ms(headers, policy, now)).toBe(expected);
  });
});

describe("HostPacer", () => {
  it("keeps the longest pause per origin and forgets it once over", () => {
    const pacer = new HostPacer();
    pacer.pause("https://a.example", 1000, now);
    pacer.pause("https://a.example", 200, now);
    expect(pacer.pauseMs("https://a.example", now)).toBe(1000);
    expect(pacer.pauseMs("https://b.example", now)).toBe(0);
    expect(pacer.pauseMs("https://a.example", now + 400)).toBe(600);
    expect(pacer.pauseMs("https://a.example", now + 1000)).toBe(0);
    pacer.pause("https://a.example", 0, now);
    expect(pacer.pauseMs("https://a.example", now)).toBe(0);
  });
});
