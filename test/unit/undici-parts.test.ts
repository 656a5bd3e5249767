/**
 * src/http/undici.ts takes undici's parts from their own modules to keep the index (and everything
 * it loads) out of the provider process. These prove the parts are the index's own, and that
 * `request` sends what undici's `request` would, so an undici bump that moves a file fails here.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import * as undici from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, interceptors, request } from "../../src/http/undici";

describe("undici parts", () => {
  it.each([
    ["Agent", Agent, undici.Agent],
    ["interceptors.retry", interceptors.retry, undici.interceptors.retry],
  ])("%s is the index's own export", (_name, part, fromIndex) => {
    expect(part).toBe(fromIndex);
  });

  describe("request", () => {
    let seen: Array<{ method?: string; url?: string; body: string; header?: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, body, header: req.headers["x-probe"] as string | undefined });
        res.writeHead(201, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    let origin = "";
    const agent = new Agent();
    beforeAll(async () => {
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await agent.close();
      await new Promise((resolve) => server.close(resolve));
    });

    it.each([
      ["a path and query", "/v1/keys?page=2&q=a%20b", "POST", '{"a":1}'],
      ["a bare origin", "", "GET", undefined],
      ["a path without query", "/keys/abc", "DELETE", undefined],
    ])("sends %s as undici's own request does", async (_label, suffix, method, body) => {
      const send = async (fn: typeof request | typeof undici.request) => {
        seen = [];
        const res = await fn(`${origin}${suffix}`, { method: method as "GET", body, headers: { "x-probe": "1" }, dispatcher: agent });
        return { status: res.statusCode, body: await res.body.json(), seen: seen[0] };
      };
      const ours = await send(request);
      expect(ours).toEqual(await send(undici.request));
      expect(ours.seen?.url).toBe(suffix === "" ? "/" : suffix);
    });

    it.each([
      ["a URL that is not HTTP", "ftp://127.0.0.1/keys"],
      ["a relative URL", "/keys"],
    ])("refuses %s as undici's own request does", async (_label, url) => {
      const refusal = async (fn: typeof request | typeof undici.request) => {
        try {
          await fn(url, { method: "GET", dispatcher: agent });
          return "sent";
        } catch (err) {
          return { name: (err as Error).name, code: (err as { code?: string }).code, message: (err as Error).message };
        }
      };
      const ours = await refusal(request);
      expect(ours).not.toBe("sent");
      expect(ours).toEqual(await refusal(undici.request));
    });
  });
});
