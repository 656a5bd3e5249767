/**
 * Issue 16, behaviours 4, 5 and 6, against small hostile servers on loopback:
 * - every request has an overall deadline (headers plus body, retries included): a server that
 *   dribbles one byte every 500 ms cannot hold a refresh or a destroy past it;
 * - response bodies are bounded: an endless or huge body is refused while it streams (the
 *   connection is closed long before the server has written it all), naming the host and limit;
 * - S3 pagination always ends: a continuation token seen before, or more pages than the bound,
 *   is an error, never a loop (forceDestroy's emptyBucket walks this list).
 * Each case failed (hung until the test timeout, or read everything) before this change.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HostUpClient } from "../../src/clouds/hostup/client";
import { NscaleClient } from "../../src/clouds/nscale/client";
import { ProviderApiError } from "../../src/errors";
import { MAX_RESPONSE_BYTES } from "../../src/http/bounds";
import { defaultTimeouts } from "../../src/http/timeouts";
import { S3Client, probeKey } from "../../src/s3/client";
import type { HttpSettings } from "../../src/settings";

const DEADLINE_MS = 1_500;
const http: HttpSettings = { timeouts: { ...defaultTimeouts, totalMs: DEADLINE_MS }, retryBudgetMs: 1_000 };
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function listen(server: ReturnType<typeof createHttpServer> | ReturnType<typeof createTcpServer>, sockets: Set<Socket>): Promise<string> {
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers every request with `handler`; counts requests. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createHttpServer((req, res) => {
    hits++;
    handler(req, res);
  });
  return { url: await listen(server, new Set()), hits: () => hits };
}

/** Headers at once, then one body byte every 500 ms, forever (never idle long enough for bodyMs). */
function dribbleBody(contentType: string) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { "content-type": contentType, "content-length": "100000" });
    const timer = setInterval(() => res.write(" "), 500);
    res.on("close", () => clearInterval(timer));
  };
}

/** A raw TCP server that sends the status line and then one header byte every 500 ms. */
async function dribbleHeaders(): Promise<string> {
  const server = createTcpServer((socket) => {
    socket.on("data", () => {});
    socket.write("HTTP/1.1 200 OK\r\n");
    const timer = setInterval(() => socket.write("x"), 500);
    socket.on("close", () => clearInterval(timer));
    socket.on("error", () => clearInterval(timer));
  });
  return listen(server, new Set());
}

async function timed(p: Promise<unknown>): Promise<{ err: ProviderApiError; ms: number }> {
  const started = Date.now();
  const err: unknown = await p.then(
    (): unknown => expect.unreachable("expected a failure"),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderApiError);
  return { err: err as ProviderApiError, ms: Date.now() - started };
}

const nscale = (url: string) => new NscaleClient({ apiUrl: url, token: "t0ken-never-shown", http });
const hostup = (url: string) => new HostUpClient({ apiUrl: url, apiKey: "k3y-never-shown", http });
const s3 = (url: string) => ({
  endpoint: url,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s3cret-never-shown" },
  http,
});

describe("an overall deadline per request (behaviour 4)", () => {
  it.each([
    ["an Nscale refresh (GET key), body dribbled", "body", (url: string) => nscale(url).getAccessKey("ep", "key")],
    ["an Nscale destroy (DELETE key), body dribbled", "body", (url: string) => nscale(url).deleteAccessKey("ep", "key")],
    ["a HostUp destroy (DELETE key), body dribbled", "body", (url: string) => hostup(url).deleteKey("AKIAIOSFODNN7EXAMPLE")],
    ["a HostUp refresh (S3 probe), body dribbled", "body", (url: string) => probeKey(s3(url))],
    ["an Nscale refresh (GET key), headers dribbled", "headers", (url: string) => nscale(url).getAccessKey("ep", "key")],
    ["a HostUp refresh (S3 probe), headers dribbled", "headers", (url: string) => probeKey(s3(url))],
  ] as Array<readonly [string, "body" | "headers", (url: string) => Promise<unknown>]>)(
    "%s ends at the deadline, naming host and setting",
    async (_t, what, run) => {
      const url =
        what === "body"
          ? (await httpServer(dribbleBody(run.toString().includes("probeKey") ? "application/xml" : "application/json"))).url
          : await dribbleHeaders();
      const { err, ms } = await timed(run(url));
      expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      expect(ms).toBeLessThan(DEADLINE_MS + 2_000);
      expect(err.message).toContain(new URL(url).origin);
      expect(err.message).toContain("OSK_HTTP_REQUEST_TIMEOUT_MS");
      expect(err.message).toMatch(/did not complete within 1500 ms/);
      expect(err.message).not.toMatch(/t0ken|k3y|s3cret/);
    },
    15_000,
  );

  it("a create cut by the deadline is an unknown outcome (sent once, not re-sent)", async () => {
    const server = await httpServer(dribbleBody("application/json"));
    const { err } = await timed(hostup(server.url).createKey("label"));
    expect(server.hits()).toBe(1);
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/sent once and not re-sent/);
  }, 15_000);
});

describe("bounded response bodies (behaviour 5)", () => {
  /** Streams `total` bytes of JSON-ish filler as fast as the socket takes it; reports what it wrote. */
  function flood(total: number, contentType: string) {
    let written = 0;
    const handler = (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { "content-type": contentType });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => (written = Math.min(written, total)));
      pump();
    };
    return { handler, written: () => written };
  }

  it.each([
    ["Nscale list", "application/json", (url: string) => nscale(url).listAccessKeys("ep")],
    ["HostUp bucket list", "application/json", (url: string) => hostup(url).listBuckets()],
    ["an S3 listing page", "application/xml", (url: string) => new S3Client(s3(url)).listObjectKeys("b").next()],
  ] as Array<readonly [string, string, (url: string) => Promise<unknown>]>)(
    "%s: a 256 MiB body is refused while it streams, naming host and limit",
    async (_t, type, run) => {
      const total = 256 * 1024 * 1024;
      const f = flood(total, type);
      const server = await httpServer(f.handler);
      const { err } = await timed(run(server.url));
      expect(err.message).toContain(new URL(server.url).origin);
      expect(err.message).toMatch(/larger than 8 MiB/);
      // Refused while streaming: the server got nowhere near writing it all (socket buffers aside).
      expect(f.written()).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1024 * 1024);
    },
    30_000,
  );
});

describe("S3 pagination always ends (behaviour 6)", () => {
  /** A ListObjectsV2 server that answers page n with `pages(n, token)`. */
  async function lister(page: (n: number, token: string | null) => { keys: string[]; next?: string }) {
    let n = 0;
    return httpServer((req, res) => {
      const token = new URL(req.url ?? "/", "http://x").searchParams.get("continuation-token");
      const p = page(n++, token);
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><IsTruncated>${p.next ? "true" : "false"}</IsTruncated>` +
          (p.next ? `<NextContinuationToken>${p.next}</NextContinuationToken>` : "") +
          p.keys.map((k) => `<Contents><Key>${k}</Key></Contents>`).join("") +
          "</ListBucketResult>",
      );
    });
  }

  async function walk(client: S3Client, bucket: string, opts?: { maxPages?: number }): Promise<string[]> {
    const all: string[] = [];
    for await (const keys of client.listObjectKeys(bucket, opts)) all.push(...keys);
    return all;
  }

  it("a token seen two pages back (A, B, A, ...) is an error, not a loop", async () => {
    const server = await lister((n) => ({ keys: [`k${n}`], next: n % 2 === 0 ? "A" : "B" }));
    const { err } = await timed(walk(new S3Client(s3(server.url)), "b"));
    expect(err.message).toMatch(/continuation token it had already given \(seen before, after 3 pages\)/);
    expect(server.hits()).toBe(3);
  }, 15_000);

  it("more pages than the bound is an error naming the bound", async () => {
    const server = await lister((n) => ({ keys: [], next: `t${n}` }));
    const { err } = await timed(walk(new S3Client(s3(server.url)), "b", { maxPages: 20 }));
    expect(err.message).toMatch(/more than 20 pages/);
    expect(server.hits()).toBe(20);
  }, 15_000);

  it("emptyBucket (forceDestroy) ends on a looping listing instead of deleting forever", async () => {
    const server = await lister((n) => ({ keys: [], next: n % 2 === 0 ? "A" : "B" }));
    const { err } = await timed(new S3Client(s3(server.url)).emptyBucket("b"));
    expect(err.message).toMatch(/seen before/);
  }, 15_000);

  it("an honest listing with fresh tokens is walked to its end", async () => {
    const server = await lister((n) => (n < 4 ? { keys: [`k${n}`], next: `t${n}` } : { keys: ["last"] }));
    expect(await walk(new S3Client(s3(server.url)), "b")).toEqual(["k0", "k1", "k2", "k3", "last"]);
  });
});
