import { STATUS_CODES } from "node:http";
import { z } from "zod";
import type { EmuResponse } from "./http";
import { hostupError, hostupRateLimitHeaders, nscaleError, s3Error } from "./errors";
import type { ApiBody, EmulatedCloud, FaultAction, FaultRule, ForeignBody } from "./types";

type ForeignKind = "foreign" | "afterCommit" | "redirect";
type ForeignAction = Extract<FaultAction, { kind: ForeignKind }>;

const HttpStatus = z.number().int().min(100).max(599);
const ExtraHeaders = z.record(z.string(), z.string()).optional();
const ForeignBodySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string().optional() }),
  z.object({ type: z.literal("html"), html: z.string().optional() }),
  z.object({ type: z.literal("echoHeaders"), format: z.enum(["text", "html"]) }),
  z.object({ type: z.literal("empty") }),
]) satisfies z.ZodType<ForeignBody>;
const ApiBodySchema = z.object({ type: z.literal("api") }) satisfies z.ZodType<ApiBody>;

/** Run-time check of the actions that shape foreign responses (the older kinds keep their checks). */
const ForeignActionSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("foreign"),
    status: HttpStatus,
    body: ForeignBodySchema,
    retryAfter: z.string().optional(),
    headers: ExtraHeaders,
  }),
  z.object({
    kind: z.literal("afterCommit"),
    status: HttpStatus,
    body: z.union([ForeignBodySchema, ApiBodySchema]).optional(),
    retryAfter: z.string().optional(),
    headers: ExtraHeaders,
  }),
  z.object({
    kind: z.literal("redirect"),
    location: z.string().min(1),
    status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).optional(),
    headers: ExtraHeaders,
  }),
]) satisfies z.ZodType<ForeignAction>;

function isForeign(action: FaultAction): action is ForeignAction {
  return action.kind === "foreign" || action.kind === "afterCommit" || action.kind === "redirect";
}

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
    if (isForeign(rule.action)) {
      const checked = ForeignActionSchema.safeParse(rule.action);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new RangeError(`${rule.action.kind} fault: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
      }
    }
    if (rule.credential !== undefined && typeof rule.credential !== "string") {
      throw new RangeError("FaultRule.credential must be a string");
    }
    this.rules.push({ rule, remaining: times });
  }

  clear(): void {
    this.rules = [];
  }

  /** `credential`: the request's Bearer token or X-API-Key, if any (see FaultRule.credential). */
  take(cloud: EmulatedCloud, method: string, path: string, credential?: string): FaultAction | undefined {
    const armed = this.rules.find((r) => r.remaining > 0 && matches(r.rule, cloud, method, path, credential));
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.rules = this.rules.filter((r) => r !== armed);
    return armed.rule.action;
  }
}

function matches(rule: FaultRule, cloud: EmulatedCloud, method: string, path: string, credential: string | undefined): boolean {
  if (rule.cloud !== undefined && rule.cloud !== cloud) return false;
  if (rule.credential !== undefined && rule.credential !== credential) return false;
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
  nowMs: number = Date.now(),
): EmuResponse {
  const { status } = action;
  const retryAfter = action.retryAfter ?? (status === 429 ? "1" : undefined);
  let res: EmuResponse;
  if (cloud === "nscale") {
    // Nscale's 429s come from the ingress: no JSON body (docs/provider-apis.md N-U2).
    res = status === 429 ? { status, headers: {} } : nscaleError(status);
  } else if (cloud === "hostup") {
    res = hostupError(status, undefined, undefined, new Date(nowMs));
    if (status === 429) {
      const seconds = Number.parseInt(retryAfter ?? "1", 10);
      res.headers = {
        ...res.headers,
        ...hostupRateLimitHeaders(rateLimit, Number.isFinite(seconds) ? seconds : 1, nowMs),
      };
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

export function rateLimitedResponse(cloud: EmulatedCloud, limit: number, retryAfterSeconds: number, nowMs: number = Date.now()): EmuResponse {
  if (cloud === "hostup") {
    const res = hostupError(429, undefined, undefined, new Date(nowMs));
    return { ...res, headers: { ...res.headers, ...hostupRateLimitHeaders(limit, retryAfterSeconds, nowMs) } };
  }
  return { status: 429, headers: { "retry-after": String(retryAfterSeconds) } };
}

// ---- foreign responses ----------------------------------------------------------------------

/** The parts of a request a header-echoing page shows. */
export interface RequestView {
  method: string;
  /** Path and query as received. */
  url: string;
  httpVersion: string;
  /** Alternating names and values, as received (IncomingMessage.rawHeaders). */
  rawHeaders: string[];
}

/** nginx's reason phrases where they differ from Node's. */
const NGINX_REASONS: Record<number, string> = { 503: "Service Temporarily Unavailable" };

const reason = (status: number): string => STATUS_CODES[status] ?? "Unknown";

/** The stock text/plain line: Go's http.NotFound for 404, the reason phrase otherwise. */
export function stockText(status: number): string {
  return status === 404 ? "404 page not found\n" : reason(status);
}

/** nginx's stock error page for `status` (its exact markup, CRLF line ends). */
export function nginxPage(status: number): string {
  const title = `${status} ${NGINX_REASONS[status] ?? reason(status)}`;
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
  );
}

function htmlEscape(s: string): string {
  const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  return s.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** Request line, then one `Name: value` line per header, verbatim. */
export function echoLines(req: RequestView): string[] {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return lines;
}

const TEXT = "text/plain; charset=utf-8";

export function foreignBodyResponse(status: number, body: ForeignBody, req: RequestView): EmuResponse {
  switch (body.type) {
    case "text":
      return {
        status,
        headers: { "content-type": TEXT, "x-content-type-options": "nosniff" },
        body: body.text ?? stockText(status),
      };
    case "html":
      return { status, headers: { "content-type": "text/html", server: "nginx" }, body: body.html ?? nginxPage(status) };
    case "echoHeaders": {
      const lines = echoLines(req);
      if (body.format === "text") {
        return { status, headers: { "content-type": TEXT }, body: `${status} ${reason(status)}\n\n${lines.join("\n")}\n` };
      }
      const title = `${status} ${reason(status)}`;
      return {
        status,
        headers: { "content-type": "text/html; charset=utf-8" },
        body:
          `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body>\n<h1>${title}</h1>\n` +
          `<p>Request received by the gateway:</p>\n<pre>\n${lines.map(htmlEscape).join("\n")}\n</pre>\n</body></html>\n`,
      };
    }
    case "empty":
      return { status, headers: { "content-length": "0" } };
  }
}

function withExtras(res: EmuResponse, retryAfter: string | undefined, extra: Record<string, string> | undefined): EmuResponse {
  const headers = { ...res.headers };
  if (retryAfter !== undefined) headers["retry-after"] = retryAfter;
  for (const [name, value] of Object.entries(extra ?? {})) headers[name.toLowerCase()] = value;
  return { ...res, headers };
}

/** The response of a `foreign` fault. */
export function foreignFaultResponse(action: Extract<FaultAction, { kind: "foreign" }>, req: RequestView): EmuResponse {
  return withExtras(foreignBodyResponse(action.status, action.body, req), action.retryAfter, action.headers);
}

/** The response of a `redirect` fault. */
export function redirectFaultResponse(action: Extract<FaultAction, { kind: "redirect" }>, req: RequestView): EmuResponse {
  const status = action.status ?? 302;
  const res: EmuResponse = {
    status,
    headers: { "content-type": "text/html", server: "nginx", location: action.location.replaceAll("{path}", req.url) },
    body: nginxPage(status),
  };
  return withExtras(res, undefined, action.headers);
}

/** What the client of an `afterCommit` fault gets instead of the cloud's answer. */
export function afterCommitResponse(
  cloud: EmulatedCloud,
  action: Extract<FaultAction, { kind: "afterCommit" }>,
  req: RequestView,
  rateLimit: number,
  nowMs: number,
): EmuResponse {
  const body = action.body ?? { type: "text" };
  if (body.type !== "api") return withExtras(foreignBodyResponse(action.status, body, req), action.retryAfter, action.headers);
  const api = statusFaultResponse(
    cloud,
    { kind: "status", status: action.status, ...(action.retryAfter !== undefined ? { retryAfter: action.retryAfter } : {}) },
    rateLimit,
    nowMs,
  );
  const headers = { ...api.headers };
  if (action.retryAfter === undefined) delete headers["retry-after"];
  return withExtras({ ...api, headers }, undefined, action.headers);
}
