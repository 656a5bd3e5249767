/**
 * The request pipeline shared by both listeners: request log, fault injection, rate limiting,
 * body reading, then the cloud handler. Handlers return a response value; only this module
 * touches sockets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostupError, nscaleError, s3Error } from "./errors";
import {
  FaultBook,
  TokenBucket,
  afterCommitResponse,
  foreignFaultResponse,
  rateLimitedResponse,
  redirectFaultResponse,
  statusFaultResponse,
  type RequestView,
} from "./faults";
import type { EmuRequest, EmuResponse } from "./http";
import type { EmulatedCloud, RequestLogEntry } from "./types";

/** X-RateLimit-Limit on an injected HostUp 429 when no rate limit is configured (the real value is unknown). */
const NOMINAL_RATE_LIMIT = 60;

export interface PipelineContext {
  faults: FaultBook;
  requests: RequestLogEntry[];
  nextSeq(): number;
  rateLimiter(): TokenBucket | undefined;
  log?: (line: string) => void;
  /** Resolves after `ms`, or never once the emulator is closing. */
  sleep(ms: number): Promise<void>;
}

export interface ListenerSpec {
  classify(path: string): EmulatedCloud;
  handle(cloud: EmulatedCloud, req: EmuRequest): EmuResponse | Promise<EmuResponse>;
  maxBodyBytes: number;
  /**
   * The listener's clock in ms since the epoch (the emulated server's, offset included). When
   * given, it stamps the HTTP Date header and rate-limit timestamps; otherwise Node's Date is sent.
   */
  now?(): number;
}

export function createListener(ctx: PipelineContext, spec: ListenerSpec): Server {
  const server = createServer((req, res) => {
    handleRequest(ctx, spec, req, res).catch(() => {
      // A handler bug must not take the emulator down; the client sees a 500.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end("emulator internal error");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handleRequest(ctx: PipelineContext, spec: ListenerSpec, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = Date.now();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? "" : url.slice(q + 1);
  const method = (req.method ?? "GET").toUpperCase();
  const cloud = spec.classify(path);
  const entry: RequestLogEntry = { seq: ctx.nextSeq(), at: started, cloud, method, path, status: 0 };
  ctx.requests.push(entry);
  const finish = () => {
    ctx.log?.(
      `${cloud} ${method} ${path} -> ${entry.status === 0 ? "no response" : entry.status}` +
        `${entry.fault ? ` [fault: ${entry.fault}]` : ""} (${Date.now() - started} ms)`,
    );
  };

  const nowMs = () => spec.now?.() ?? Date.now();
  const view: RequestView = { method, url, httpVersion: req.httpVersion, rawHeaders: req.rawHeaders };
  const sendNow = (response: EmuResponse) => send(res, entry, response, spec.now?.());
  const rateLimit = () => ctx.rateLimiter()?.capacity ?? NOMINAL_RATE_LIMIT;

  const fault = ctx.faults.take(cloud, method, path, credentialOf(req));
  if (fault?.kind === "reset") {
    entry.fault = "reset";
    req.socket.destroy();
    finish();
    return;
  }
  if (fault?.kind === "status" || fault?.kind === "foreign" || fault?.kind === "redirect") {
    entry.fault = fault.kind;
    await drain(req);
    sendNow(
      fault.kind === "status"
        ? statusFaultResponse(cloud, fault, rateLimit(), nowMs())
        : fault.kind === "foreign"
          ? foreignFaultResponse(fault, view)
          : redirectFaultResponse(fault, view),
    );
    finish();
    return;
  }
  const limiter = cloud === "s3" ? undefined : ctx.rateLimiter();
  const retryAfter = limiter?.take();
  if (limiter && retryAfter !== undefined) {
    entry.fault = "rateLimit";
    await drain(req);
    sendNow(rateLimitedResponse(cloud, limiter.capacity, retryAfter, nowMs()));
    finish();
    return;
  }
  if (fault?.kind === "delay") {
    entry.fault = "delay";
    await ctx.sleep(fault.ms);
  }

  const body = await readBody(req, spec.maxBodyBytes);
  let response: EmuResponse;
  if (body === undefined) response = tooLarge(cloud);
  else response = await spec.handle(cloud, { method, path, rawQuery, headers: req.headers, body });

  if (fault?.kind === "dropAfterCommit") {
    entry.fault = "dropAfterCommit";
    entry.status = response.status;
    entry.backendStatus = response.status;
    res.destroy();
    req.socket.destroy();
    finish();
    return;
  }
  if (fault?.kind === "afterCommit") {
    entry.fault = "afterCommit";
    entry.backendStatus = response.status;
    response = afterCommitResponse(cloud, fault, view, rateLimit(), nowMs());
  }
  sendNow(response);
  finish();
}

/** The Bearer token or X-API-Key a request carries, for FaultRule.credential. */
function credentialOf(req: IncomingMessage): string | undefined {
  const apiKey = req.headers["x-api-key"];
  if (typeof apiKey === "string") return apiKey;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return bearer?.[1];
}

function send(res: ServerResponse, entry: RequestLogEntry, response: EmuResponse, nowMs?: number): void {
  entry.status = response.status;
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { ...response.headers };
  if (nowMs !== undefined && headers["date"] === undefined) headers["date"] = new Date(nowMs).toUTCString();
  if (response.body !== undefined && headers["content-length"] === undefined) {
    headers["content-length"] = String(Buffer.byteLength(response.body));
  }
  res.writeHead(response.status, headers);
  res.end(response.body);
}

function tooLarge(cloud: EmulatedCloud): EmuResponse {
  if (cloud === "nscale") return nscaleError(413);
  if (cloud === "hostup") return hostupError(413, "Request body too large");
  return s3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
}

/** The whole body, or undefined when it exceeds `limit` (the rest is discarded). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) over = true;
    if (!over) chunks.push(buf);
  }
  return over ? undefined : Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) {
    // discard
  }
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
