import type { EmuResponse } from "./http";
import { hostupError, hostupRateLimitHeaders, nscaleError, s3Error } from "./errors";
import type { EmulatedCloud, FaultAction, FaultRule } from "./types";

interface ArmedRule {
  rule: FaultRule;
  remaining: number;
}

/** Injected faults; the first armed rule that matches a request is used up by it. */
export class FaultBook {
  private rules: ArmedRule[] = [];

  add(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError("FaultRule.times must be > 0");
    if (rule.action.kind === "delay" && !(rule.action.ms >= 0)) throw new RangeError("delay ms must be >= 0");
    this.rules.push({ rule, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  take(cloud: EmulatedCloud, method: string, path: string): FaultAction | undefined {
    const armed = this.rules.find((r) => r.remaining > 0 && matches(r.rule, cloud, method, path));
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.rules = this.rules.filter((r) => r !== armed);
    return armed.rule.action;
  }
}

function matches(rule: FaultRule, cloud: EmulatedCloud, method: string, path: string): boolean {
  if (rule.cloud !== undefined && rule.cloud !== cloud) return false;
  if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (rule.path === undefined) return true;
  if (rule.path instanceof RegExp) {
    rule.path.lastIndex = 0;
    return rule.path.test(path);
  }
  return rule.path.endsWith("*") ? path.startsWith(rule.path.slice(0, -1)) : path === rule.path;
}

/** The response of a `status` fault: the cloud's own error shape unless a body is given. */
export function statusFaultResponse(
  cloud: EmulatedCloud,
  action: Extract<FaultAction, { kind: "status" }>,
  rateLimit: number,
): EmuResponse {
  const { status } = action;
  const retryAfter = action.retryAfter ?? (status === 429 ? "1" : undefined);
  let res: EmuResponse;
  if (cloud === "nscale") {
    // Nscale's 429s come from the ingress: no JSON body (provider-apis.md N-U2).
    res = status === 429 ? { status, headers: {} } : nscaleError(status);
  } else if (cloud === "hostup") {
    res = hostupError(status);
    if (status === 429) {
      const seconds = Number.parseInt(retryAfter ?? "1", 10);
      res.headers = { ...res.headers, ...hostupRateLimitHeaders(rateLimit, Number.isFinite(seconds) ? seconds : 1) };
    }
  } else {
    res = s3Error(status);
  }
  if (action.body !== undefined) {
    const isText = typeof action.body === "string";
    res = {
      status,
      headers: { "content-type": isText ? (cloud === "s3" ? "application/xml" : "text/plain") : "application/json" },
      body: isText ? (action.body as string) : JSON.stringify(action.body),
    };
  }
  const headers = { ...res.headers };
  if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  for (const [name, value] of Object.entries(action.headers ?? {})) headers[name.toLowerCase()] = value;
  return { ...res, headers };
}

/** Token bucket: `rate` tokens per second, burst of `rate` (at least 1). */
export class TokenBucket {
  get capacity(): number {
    return Math.max(1, Math.floor(this.rate));
  }

  private tokens: number;
  private last: number;

  constructor(readonly rate: number) {
    if (!(rate > 0)) throw new RangeError("rateLimit.requestsPerSecond must be > 0");
    this.tokens = Math.max(1, Math.floor(rate));
    this.last = Date.now();
  }

  /** undefined when a token was taken, else whole seconds until one is available. */
  take(now = Date.now()): number | undefined {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return undefined;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}

export function rateLimitedResponse(cloud: EmulatedCloud, limit: number, retryAfterSeconds: number): EmuResponse {
  if (cloud === "hostup") {
    const res = hostupError(429);
    return { ...res, headers: { ...res.headers, ...hostupRateLimitHeaders(limit, retryAfterSeconds) } };
  }
  return { status: 429, headers: { "retry-after": String(retryAfterSeconds) } };
}
