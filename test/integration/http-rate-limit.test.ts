/**
 * The HTTP layer against tiny node:http servers on 127.0.0.1 (not the emulator): 429 handling is
 * bounded (a minimum wait per retry, a retry count, the total budget) even when the server says
 * "retry now" forever; a POST is never re-sent; a 429 pauses every request to that host through
 * the shared dispatcher, raw undici requests (as the S3 client sends them) included; responses
 * carry their content type and raw text; transport hints come from the caller.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { HttpClient, type TransportErrorInfo } from "../../src/http/client";
import { sharedDispatcher } from "../../src/http/dispatcher";
import type { RetryPolicy } from "../../src/http/retry";
import { apiError as failure } from "./support";

interface Hit {
  method: string;
  url: string;
  at: number;
}

interface Loopback {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

const servers: Loopback[] = [];

async function serve(handler: (req: IncomingMessage, res: ServerResponse, hits: Hit[]) => void): Promise<Loopback> {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method ?? "", url: req.url ?? "", at: Date.now() });
    req.resume();
    req.on("end", () => handler(req, res, hits));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const loopback: Loopback = {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(loopback);
  return loopback;
}

const tooManyForever = (retryAfter: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(429, { "content-type": "application/json", "retry-after": retryAfter });
  res.end(JSON.stringify({ error: "rate_limited" }));
};

function client(baseUrl: string, retry: Partial<RetryPolicy>, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  return new HttpClient({ cloud: "test", baseUrl, authHeaders: {}, describeError: () => ({}), retry, ...extra });
}

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("429 handling is bounded", () => {
  it("a server answering 429 with Retry-After: 0 forever gets maxRetries429 + 1 requests, spaced by the backoff floor", async () => {
    const srv = await serve(tooManyForever("0"));
    // No jitter: what is left is the floor alone (today's code would retry at once, every time).
    vi.spyOn(Math, "random").mockReturnValue(0);
    const policy = { maxRetries: 3, maxRetries429: 4, minDelayMs: 20, maxDelayMs: 1000, totalBudgetMs: 1500 };
    const err = await failure(client(srv.url, policy).send({ operation: "list", method: "GET", path: "/things" }));
    expect(err.status).toBe(429);
    expect(srv.hits).toHaveLength(policy.maxRetries429 + 1);
    const gaps = srv.hits.slice(1).map((h, i) => h.at - srv.hits[i]!.at);
    // Floors 20, 40, 80, 160 ms (a few ms of timer slack allowed below).
    [20, 40, 80, 160].forEach((floor, i) => expect(gaps[i]).toBeGreaterThanOrEqual(floor - 3));
  });

  it("with a large retry count, the growing floor and the total budget bound the requests", async () => {
    const srv = await serve(tooManyForever("0"));
    vi.spyOn(Math, "random").mockReturnValue(0);
    const policy = { maxRetries: 3, maxRetries429: 100, minDelayMs: 100, maxDelayMs: 5000, totalBudgetMs: 1000 };
    const started = Date.now();
    await failure(client(srv.url, policy).send({ operation: "list", method: "GET", path: "/things" }));
    // Waits 100, 200, 400 fit in 1 s; the next (800) would not.
    expect(srv.hits).toHaveLength(4);
    expect(Date.now() - started).toBeLessThan(policy.totalBudgetMs + 500);
  });

  it("a past Retry-After date and a past X-RateLimit-Reset are floored the same way", async () => {
    const past = new Date(Date.now() - 60_000);
    const srv = await serve((_req, res, hits) => {
      const headers: Record<string, string> =
        hits.length % 2 === 1 ? { "retry-after": past.toUTCString() } : { "x-ratelimit-reset": String(Math.floor(past.getTime() / 1000)) };
      res.writeHead(429, headers);
      res.end();
    });
    vi.spyOn(Math, "random").mockReturnValue(0);
    const policy = { maxRetries: 3, maxRetries429: 3, minDelayMs: 30, maxDelayMs: 1000, totalBudgetMs: 5000 };
    await failure(client(srv.url, policy).send({ operation: "list", method: "GET", path: "/things" }));
    expect(srv.hits).toHaveLength(4);
    const gaps = srv.hits.slice(1).map((h, i) => h.at - srv.hits[i]!.at);
    [30, 60, 120].forEach((floor, i) => expect(gaps[i]).toBeGreaterThanOrEqual(floor - 3));
  });
});

describe("a POST is never re-sent by the HTTP layer", () => {
  it("a 429 on a POST comes back after one request, with what the caller needs to retry itself", async () => {
    const srv = await serve(tooManyForever("1"));
    const c = client(srv.url, { maxRetries: 3, minDelayMs: 10, maxDelayMs: 5000, totalBudgetMs: 10_000 });
    const res = await c.send({ operation: "create", method: "POST", path: "/things", body: { a: 1 }, passthroughStatuses: [429] });
    expect(res.status).toBe(429);
    expect(srv.hits).toHaveLength(1);
    expect(res.raw.retryAfterMs).toBe(1000);
    // The 429 paused the host; the caller's wait covers the server's request and that pause.
    expect(c.hostPauseMs()).toBeGreaterThan(500);
    expect(c.retryDelayMs(res.raw, 0)).toBeGreaterThanOrEqual(1000);
    // Thrown instead of passed through, the error carries the wait too.
    const err = await failure(c.send({ operation: "create", method: "POST", path: "/things", body: { a: 1 } }));
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(1000);
    expect(srv.hits).toHaveLength(2);
  });

  it("a 429 without headers still reports the minimum wait", async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(429);
      res.end();
    });
    const c = client(srv.url, { minDelayMs: 40, maxDelayMs: 5000 });
    const res = await c.send({ operation: "create", method: "POST", path: "/things", body: {}, passthroughStatuses: [429] });
    expect(srv.hits).toHaveLength(1);
    expect(res.raw.retryAfterMs).toBe(40);
    expect(c.retryDelayMs(res.raw, 3)).toBeGreaterThanOrEqual(320);
  });
});

describe("host pacing is a dispatcher interceptor", () => {
  it("a 429 pauses raw requests through sharedDispatcher() (as S3 sends them) to the same host", async () => {
    let firstAnswered: () => void = () => {};
    const answered = new Promise<void>((resolve) => (firstAnswered = resolve));
    const srv = await serve((req, res, hits) => {
      if (req.method === "POST" && hits.length === 1) {
        res.writeHead(429, { "retry-after": "1" });
        res.end();
        firstAnswered();
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
    const c = client(srv.url, { minDelayMs: 10, maxDelayMs: 5000, totalBudgetMs: 10_000 });
    const post = c.send({ operation: "create", method: "POST", path: "/things", body: {}, passthroughStatuses: [429] });
    // Today the POST answers at once; if it were held for a retry, go on shortly after the 429 anyway.
    await Promise.race([post, answered.then(() => new Promise((r) => setTimeout(r, 200)))]);
    const res = await request(`${srv.url}/bucket`, { method: "GET", dispatcher: sharedDispatcher() });
    expect(await res.body.text()).toBe("ok");
    await post;
    const limited = srv.hits[0]!;
    const paced = srv.hits.find((h) => h.url === "/bucket")!;
    expect(paced.at - limited.at).toBeGreaterThanOrEqual(950);
  });

  it("requests to another host are not paused", async () => {
    const limited = await serve(tooManyForever("5"));
    const other = await serve((_req, res) => {
      res.writeHead(200);
      res.end("fine");
    });
    await client(limited.url, { maxDelayMs: 10_000 }).send({ operation: "create", method: "POST", path: "/x", body: {}, passthroughStatuses: [429] });
    const started = Date.now();
    const res = await request(`${other.url}/y`, { dispatcher: sharedDispatcher() });
    expect(await res.body.text()).toBe("fine");
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("RawResponse", () => {
  it("carries the content type and the raw text (capped at 2 KB) of a non-JSON page; body stays the capped text", async () => {
    const page = `<html><body>${"x".repeat(5000)}</body></html>`;
    const srv = await serve((_req, res) => {
      res.writeHead(502, { "content-type": "text/html; charset=utf-8" });
      res.end(page);
    });
    const res = await client(srv.url, {}).send({ operation: "create", method: "POST", path: "/", body: {}, passthroughStatuses: [502] });
    expect(res.raw.contentType).toBe("text/html; charset=utf-8");
    expect(res.raw.text).toBe(page.slice(0, 2048));
    expect(res.raw.body).toBe(`${page.slice(0, 500)}…`);
  });

  it("keeps JSON parsed in body and as sent in text", async () => {
    const json = '{"error":"not_found","error_description":"no such thing"}';
    const srv = await serve((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(json);
    });
    const res = await client(srv.url, {}).send({ operation: "read", method: "GET", path: "/k", passthroughStatuses: [404] });
    expect(res.raw.body).toEqual({ error: "not_found", error_description: "no such thing" });
    expect(res.raw.text).toBe(json);
    expect(res.raw.contentType).toBe("application/json");
    expect(res.raw.retryAfterMs).toBeUndefined();
  });
});

describe("transport errors", () => {
  async function closedPortUrl(): Promise<string> {
    const srv = await serve(() => {});
    await srv.close();
    servers.splice(servers.indexOf(srv), 1);
    return srv.url;
  }

  it("use the request's own hint first, then the caller's describer, then a generic one", async () => {
    const url = await closedPortUrl();
    const seen: TransportErrorInfo[] = [];
    const c = client(url, { maxRetries: 0 }, { describeTransportError: (info) => (seen.push(info), info.method === "POST" ? "caller's hint" : undefined) });

    const own = await failure(c.send({ operation: "create", method: "POST", path: "/a?secret=1", body: {}, transportHint: "request's hint" }));
    expect(own.hint).toBe("request's hint");

    const described = await failure(c.send({ operation: "create", method: "POST", path: "/a", body: {} }));
    expect(described.hint).toBe("caller's hint");
    expect(described.status).toBeUndefined();
    expect(seen.at(-1)).toEqual({ operation: "create", method: "POST", origin: url, code: "ECONNREFUSED", retried: false, sent: true });

    const generic = await failure(c.send({ operation: "list", method: "GET", path: "/a" }));
    expect(generic.hint).toBe(`Check that the API URL ${url} is reachable.`);
    expect(seen.at(-1)?.retried).toBe(true);

    const plain = await failure(client(url, {}).send({ operation: "create", method: "POST", path: "/a", body: {} }));
    expect(plain.hint).toMatch(/may or may not have reached the server/);
    expect(plain.hint).not.toMatch(/key|cloud|Nscale|HostUp/i);
    expect(plain.message).not.toContain("secret=1");
  });

  it("say plainly when undici refused the request before sending anything (an invalid header)", async () => {
    const srv = await serve((_req, res) => res.end());
    const seen: TransportErrorInfo[] = [];
    const c = new HttpClient({
      cloud: "test",
      baseUrl: srv.url,
      authHeaders: { authorization: "Bearer token-from-a-file\n" },
      describeError: () => ({}),
      describeTransportError: (info) => (seen.push(info), undefined),
    });
    const err = await failure(c.send({ operation: "create", method: "POST", path: "/a", body: {}, transportHint: "may or may not exist" }));
    expect(srv.hits).toHaveLength(0);
    expect(err.transportCode).toBe("UND_ERR_INVALID_ARG");
    expect(seen[0]?.sent).toBe(false);
    expect(err.hint).toMatch(/not sent/);
    expect(err.message).not.toContain("token-from-a-file");
  });
});
