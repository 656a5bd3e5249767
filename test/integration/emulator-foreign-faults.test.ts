/**
 * Foreign failure shapes: responses that do not come from the clouds' APIs (proxies, gateways,
 * wrong upstreams, redirects), a 429 after the backend committed, a server clock offset, Nscale
 * tags, same-name races between two "stacks", and the APIs' own not-found bodies that the library
 * must tell apart from a proxy's 404. Over loopback HTTP.
 */
import { describe, expect, it } from "vitest";
import * as hostup from "../../src/clouds/hostup/schemas";
import * as nscale from "../../src/clouds/nscale/schemas";
import { startEmulator, type Emulator, type FaultAction } from "../../src/emulator";
import { call, useEmulator } from "./support";

const TOKEN_A = "stack-a-token";
const TOKEN_B = "stack-b-token";

let emu: Emulator;
useEmulator({ nscale: { tokens: ["emulator-nscale-token", TOKEN_A, TOKEN_B] } }, (e) => (emu = e));
const keysPath = () => `/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`;
const keysUrl = () => `${emu.nscaleApiUrl}${keysPath()}`;
const hostupKeysUrl = () => `${emu.hostupApiUrl}/object-storage/keys`;
const ns = (token = emu.nscaleToken) => ({ authorization: `Bearer ${token}` });
const hu = () => ({ "x-api-key": emu.hostupApiKey });
const keyBody = (name: string, tags?: Array<{ name: string; value: string }>) => ({
  metadata: { name, ...(tags ? { tags } : {}) },
  spec: { identityPolicy: "bucket-admin" },
});
const nscaleKeyCount = () => emu.inspect().nscale.keys.length;
const hostupKeyCount = () => emu.inspect().hostup.keys.length;
const lastLog = () => emu.requests[emu.requests.length - 1];

describe("foreign: a proxy's plain-text and HTML pages, on any route", () => {
  it("plain-text 404 `404 page not found` on the Nscale key route; the request never reaches the API", async () => {
    emu.injectFault({ cloud: "nscale", path: `${keysPath()}*`, action: { kind: "foreign", status: 404, body: { type: "text" } } });
    const res = await call("POST", keysUrl(), { headers: ns(), body: keyBody("proxied") });
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.text).toBe("404 page not found\n");
    expect(res.headers["retry-after"]).toBeUndefined();
    expect(nscaleKeyCount()).toBe(0);
    expect(lastLog()).toMatchObject({ cloud: "nscale", method: "POST", status: 404, fault: "foreign" });
    expect(lastLog()?.backendStatus).toBeUndefined();
  });

  it("plain-text 404 on a HostUp route and on a path no API serves", async () => {
    emu.injectFault({ cloud: "hostup", times: Infinity, action: { kind: "foreign", status: 404, body: { type: "text" } } });
    emu.injectFault({ path: /^\/wrong\//, times: Infinity, action: { kind: "foreign", status: 404, body: { type: "text" } } });
    const del = await call("DELETE", `${hostupKeysUrl()}/${Buffer.from("AKIAEXAMPLE").toString("base64")}`, { headers: hu() });
    const wrong = await call("GET", `${emu.url}/wrong/api/v1/objectstorageendpoints`, { headers: ns() });
    for (const res of [del, wrong]) {
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(res.text).toBe("404 page not found\n");
    }
  });

  it("plain-text 502 `Bad Gateway`, with a custom text and with Retry-After when asked", async () => {
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "foreign", status: 502, body: { type: "text" } } });
    const res = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "x" } });
    expect(res.status).toBe(502);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.text).toBe("Bad Gateway");
    expect(hostupKeyCount()).toBe(1);

    emu.injectFault({
      cloud: "nscale",
      action: { kind: "foreign", status: 503, body: { type: "text", text: "upstream connect error" }, retryAfter: "7", headers: { Via: "1.1 envoy" } },
    });
    const custom = await call("GET", keysUrl(), { headers: ns() });
    expect(custom.status).toBe(503);
    expect(custom.text).toBe("upstream connect error");
    expect(custom.headers["retry-after"]).toBe("7");
    expect(custom.headers["via"]).toBe("1.1 envoy");
  });

  it("nginx's HTML 502 and 503 pages (text/html)", async () => {
    emu.injectFault({ cloud: "nscale", method: "GET", action: { kind: "foreign", status: 502, body: { type: "html" } } });
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "foreign", status: 503, body: { type: "html" } } });
    const n = await call("GET", `${keysUrl()}/some-id`, { headers: ns() });
    expect(n.status).toBe(502);
    expect(n.headers["content-type"]).toBe("text/html");
    expect(n.headers["server"]).toBe("nginx");
    expect(n.text).toBe(
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n" +
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    );
    const h = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "x" } });
    expect(h.status).toBe(503);
    expect(h.headers["content-type"]).toBe("text/html");
    expect(h.text).toContain("<title>503 Service Temporarily Unavailable</title>");
    expect(h.text).toContain("<center>nginx</center>");
    expect(hostupKeyCount()).toBe(1);
  });

  it("a custom HTML body, and an empty body", async () => {
    emu.injectFault({ cloud: "nscale", action: { kind: "foreign", status: 500, body: { type: "html", html: "<h1>oops</h1>" } } });
    emu.injectFault({ cloud: "nscale", action: { kind: "foreign", status: 504, body: { type: "empty" } } });
    const html = await call("GET", keysUrl(), { headers: ns() });
    expect([html.status, html.headers["content-type"], html.text]).toEqual([500, "text/html", "<h1>oops</h1>"]);
    const empty = await call("GET", keysUrl(), { headers: ns() });
    expect(empty.status).toBe(504);
    expect(empty.headers["content-type"]).toBeUndefined();
    expect(empty.headers["content-length"]).toBe("0");
    expect(empty.text).toBe("");
  });
});

describe("foreign: a gateway/debug page that reflects the request headers", () => {
  it.each([400, 500, 502])("text/plain, status %i: every request header verbatim, Authorization included", async (status) => {
    emu.injectFault({ cloud: "nscale", action: { kind: "foreign", status, body: { type: "echoHeaders", format: "text" } } });
    const res = await call("GET", `${keysUrl()}?x=1`, { headers: { ...ns(), "X-Trace": "t-1" } });
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    const lines = res.text.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${status} `));
    expect(lines).toContain(`GET ${keysPath()}?x=1 HTTP/1.1`);
    expect(lines).toContain(`authorization: Bearer ${emu.nscaleToken}`);
    expect(lines).toContain("X-Trace: t-1");
    expect(lines.some((l) => /^host: 127\.0\.0\.1:\d+$/i.test(l))).toBe(true);
  });

  it("text/html: the X-API-Key value, HTML-escaped header values", async () => {
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "foreign", status: 502, body: { type: "echoHeaders", format: "html" } } });
    const res = await call("POST", hostupKeysUrl(), { headers: { ...hu(), "x-note": "<b>&'\"" }, body: { label: "x" } });
    expect(res.status).toBe(502);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.text).toMatch(/^<!DOCTYPE html>/);
    expect(res.text).toContain("<title>502 Bad Gateway</title>");
    expect(res.text).toContain(`x-api-key: ${emu.hostupApiKey}`);
    expect(res.text).toContain("x-note: &lt;b&gt;&amp;&#39;&quot;");
    expect(hostupKeyCount()).toBe(1);
  });

  it("an echoing 429 after commit reflects the headers of the committed request", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, body: { type: "echoHeaders", format: "text" } } });
    const res = await call("POST", keysUrl(), { headers: ns(TOKEN_A), body: keyBody("echoed") });
    expect(res.status).toBe(429);
    expect(res.text).toContain(`authorization: Bearer ${TOKEN_A}`);
    expect(emu.inspect().nscale.keys.map((k) => k.name)).toEqual(["echoed"]);
  });

  it("the request log and the logger never carry what the page reflects", async () => {
    const lines: string[] = [];
    const other = await startEmulator({ log: (l) => lines.push(l) });
    try {
      other.injectFault({ action: { kind: "foreign", status: 500, body: { type: "echoHeaders", format: "text" } } });
      const res = await call("GET", `${other.nscaleApiUrl}${"/api/v1/objectstorageendpoints"}`, { headers: { authorization: `Bearer ${other.nscaleToken}` } });
      expect(res.text).toContain(other.nscaleToken);
      expect(JSON.stringify(other.requests)).not.toContain(other.nscaleToken);
      expect(lines.join("\n")).not.toContain(other.nscaleToken);
      expect(lines.join("\n")).toContain("[fault: foreign]");
    } finally {
      await other.close();
    }
  });
});

describe("afterCommit: the backend applies the request, the client gets 429", () => {
  it("Nscale: plain-text `Too Many Requests`, no Retry-After; the key is really created and stored", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", path: keysPath(), action: { kind: "afterCommit", status: 429 } });
    const res = await call("POST", keysUrl(), { headers: ns(), body: keyBody("committed") });
    expect(res.status).toBe(429);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.text).toBe("Too Many Requests");
    expect(res.headers["retry-after"]).toBeUndefined();
    const [key] = emu.inspect().nscale.keys;
    expect(key?.name).toBe("committed");
    expect(emu.secretFor(key?.accessKeyId ?? "")).toMatch(/^.{40}$/);
    expect(lastLog()).toMatchObject({ method: "POST", status: 429, fault: "afterCommit", backendStatus: 201 });
    // The key is visible to the API too, and a re-sent create with the same name is the API's own 409.
    const list = nscale.AccessKeyList.parse((await call("GET", keysUrl(), { headers: ns() })).json);
    expect(list.map((k) => k.metadata.name)).toEqual(["committed"]);
    const again = await call("POST", keysUrl(), { headers: ns(), body: keyBody("committed") });
    expect(again.status).toBe(409);
    expect(nscale.ErrorBody.parse(again.json).error).toBe("conflict");
  });

  it("Nscale: with Retry-After; with the API's own 429 (empty body, as its ingress sends)", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, retryAfter: "3" } });
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, retryAfter: "2", body: { type: "api" } } });
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, body: { type: "api" } } });
    const text = await call("POST", keysUrl(), { headers: ns(), body: keyBody("k1") });
    expect([text.status, text.headers["retry-after"], text.text]).toEqual([429, "3", "Too Many Requests"]);
    const api = await call("POST", keysUrl(), { headers: ns(), body: keyBody("k2") });
    expect([api.status, api.headers["retry-after"], api.text]).toEqual([429, "2", ""]);
    const bare = await call("POST", keysUrl(), { headers: ns(), body: keyBody("k3") });
    expect([bare.status, bare.headers["retry-after"], bare.text]).toEqual([429, undefined, ""]);
    expect(emu.inspect().nscale.keys.map((k) => k.name)).toEqual(["k1", "k2", "k3"]);
  });

  it("HostUp: plain text, then the API's own envelope with and without Retry-After; every key is stored", async () => {
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "afterCommit", status: 429 } });
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "afterCommit", status: 429, retryAfter: "5", body: { type: "api" } } });
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "afterCommit", status: 429, body: { type: "api" } } });
    const text = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "a" } });
    expect([text.status, text.headers["content-type"], text.text]).toEqual([429, "text/plain; charset=utf-8", "Too Many Requests"]);
    expect(text.headers["retry-after"]).toBeUndefined();
    expect(text.headers["x-ratelimit-limit"]).toBeUndefined();

    const api = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "b" } });
    expect(api.status).toBe(429);
    expect(api.headers["content-type"]).toBe("application/json");
    const body = hostup.ErrorBody.parse(api.json);
    expect(body.code).toBe("RATE_LIMIT_EXCEEDED");
    expect(api.headers["retry-after"]).toBe("5");
    expect(api.headers["x-ratelimit-remaining"]).toBe("0");
    expect(api.headers["x-ratelimit-reset"]).toMatch(/^\d{4}-\d\d-\d\dT/);

    const noRetry = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "c" } });
    expect(hostup.ErrorBody.parse(noRetry.json).code).toBe("RATE_LIMIT_EXCEEDED");
    expect(noRetry.headers["retry-after"]).toBeUndefined();
    expect(noRetry.headers["x-ratelimit-limit"]).toBeDefined();

    expect(emu.inspect().hostup.keys.map((k) => k.label)).toEqual(["default", "a", "b", "c"]);
    for (const k of emu.inspect().hostup.keys) expect(emu.secretFor(k.accessKey)).toMatch(/^.{40}$/);
  });

  it("times: N commits N requests, then the API answers normally", async () => {
    emu.injectFault({ cloud: "hostup", method: "POST", path: "/api/object-storage/keys", times: 2, action: { kind: "afterCommit", status: 429 } });
    const statuses: number[] = [];
    for (const label of ["r1", "r2", "r3"]) statuses.push((await call("POST", hostupKeysUrl(), { headers: hu(), body: { label } })).status);
    expect(statuses).toEqual([429, 429, 200]);
    expect(emu.inspect().hostup.keys.map((k) => k.label)).toEqual(["default", "r1", "r2", "r3"]);
    expect(emu.requests.map((r) => r.backendStatus)).toEqual([200, 200, undefined]);
  });

  it("other statuses after commit (a gateway 504 with an HTML page); a DELETE really deletes", async () => {
    const created = nscale.AccessKeyCreateResponse.parse((await call("POST", keysUrl(), { headers: ns(), body: keyBody("gone") })).json);
    emu.configure({ nscale: { pollsUntilDeleted: 0 } });
    emu.injectFault({ cloud: "nscale", method: "DELETE", action: { kind: "afterCommit", status: 504, body: { type: "html" } } });
    const res = await call("DELETE", `${keysUrl()}/${created.metadata.id}`, { headers: ns() });
    expect([res.status, res.headers["content-type"]]).toEqual([504, "text/html"]);
    expect(res.text).toContain("<title>504 Gateway Timeout</title>");
    expect(nscaleKeyCount()).toBe(0);
    expect(lastLog()).toMatchObject({ fault: "afterCommit", backendStatus: 202, status: 504 });
  });
});

describe("server clock offset", () => {
  const HOUR = 3_600_000;
  const near = (iso: string | undefined, expected: number, slackMs = 5_000) => {
    const t = Date.parse(iso ?? "");
    expect(Number.isFinite(t)).toBe(true);
    expect(Math.abs(t - expected)).toBeLessThan(slackMs);
  };

  it("clockOffsetMs at start shifts Nscale creationTime/deletionTime, HostUp timestamps and the Date header", async () => {
    const ahead = await startEmulator({ clockOffsetMs: HOUR });
    try {
      expect(Math.abs(ahead.now().getTime() - (Date.now() + HOUR))).toBeLessThan(1_000);
      const created = await call("POST", `${ahead.nscaleApiUrl}/api/v1/objectstorageendpoints/${ahead.endpointId}/accesskeys`, {
        headers: { authorization: `Bearer ${ahead.nscaleToken}` },
        body: keyBody("clock"),
      });
      expect(created.status).toBe(201);
      const key = nscale.AccessKeyCreateResponse.parse(created.json);
      expect(key.metadata.creationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      near(key.metadata.creationTime, Date.now() + HOUR);
      near(String(created.headers["date"]), Date.now() + HOUR);

      const del = await call("DELETE", `${ahead.nscaleApiUrl}/api/v1/objectstorageendpoints/${ahead.endpointId}/accesskeys/${key.metadata.id}`, {
        headers: { authorization: `Bearer ${ahead.nscaleToken}` },
      });
      expect(del.status).toBe(202);
      near(ahead.inspect().nscale.keys[0]?.deletionTime, Date.now() + HOUR);

      const h = await call("POST", `${ahead.hostupApiUrl}/object-storage/keys`, { headers: { "x-api-key": ahead.hostupApiKey }, body: { label: "c" } });
      near(hostup.KeyCreateResponse.parse(h.json).timestamp, Date.now() + HOUR);
      near(String(h.headers["date"]), Date.now() + HOUR);
      for (const k of ahead.inspect().hostup.keys) near(k.createdAt, Date.now() + HOUR);
      const notFound = await call("DELETE", `${ahead.hostupApiUrl}/object-storage/keys/QUJD`, { headers: { "x-api-key": ahead.hostupApiKey } });
      near(String((notFound.json as { timestamp?: unknown }).timestamp), Date.now() + HOUR);

      ahead.injectFault({ cloud: "hostup", action: { kind: "status", status: 429, retryAfter: "10" } });
      const limited = await call("GET", `${ahead.hostupApiUrl}/object-storage`, { headers: { "x-api-key": ahead.hostupApiKey } });
      near(String(limited.headers["x-ratelimit-reset"]), Date.now() + HOUR + 10_000);
    } finally {
      await ahead.close();
    }
  });

  it("setClockOffset and configure change it at run time (behind too); reset restores the start value", async () => {
    emu.setClockOffset(-5_000);
    const behind = await call("POST", keysUrl(), { headers: ns(), body: keyBody("behind") });
    near(nscale.AccessKeyCreateResponse.parse(behind.json).metadata.creationTime, Date.now() - 5_000, 1_500);
    near(String(behind.headers["date"]), Date.now() - 5_000, 1_500);
    expect(Math.abs(emu.now().getTime() - (Date.now() - 5_000))).toBeLessThan(100);

    emu.configure({ clockOffsetMs: 2 * HOUR });
    const h = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    near(hostup.ServiceStatusResponse.parse(h.json).timestamp, Date.now() + 2 * HOUR);

    emu.reset();
    const now = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    near(String(now.headers["date"]), Date.now(), 1_500);
    expect(() => emu.setClockOffset(Number.NaN)).toThrow(RangeError);
    await expect(startEmulator({ clockOffsetMs: Number.POSITIVE_INFINITY })).rejects.toThrow(RangeError);
  });

  it("the S3 listener keeps the host's clock", async () => {
    emu.setClockOffset(2 * HOUR);
    const res = await call("GET", `${emu.s3Url}/`);
    near(String(res.headers["date"]), Date.now(), 1_500);
  });
});

describe("foreign: a wrong upstream's 401/403 and redirects", () => {
  it.each([
    [401, "Unauthorized"],
    [403, "Forbidden"],
  ])("plain-text %i on either cloud; nothing is applied", async (status, text) => {
    emu.injectFault({
      cloud: "nscale",
      method: "POST",
      action: { kind: "foreign", status, body: { type: "text" }, headers: { "www-authenticate": 'Basic realm="corp"' } },
    });
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "foreign", status, body: { type: "text" } } });
    const n = await call("POST", keysUrl(), { headers: ns(), body: keyBody("denied") });
    expect([n.status, n.headers["content-type"], n.text]).toEqual([status, "text/plain; charset=utf-8", text]);
    expect(n.headers["www-authenticate"]).toBe('Basic realm="corp"');
    const h = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "denied" } });
    expect([h.status, h.headers["content-type"], h.text]).toEqual([status, "text/plain; charset=utf-8", text]);
    expect(nscaleKeyCount()).toBe(0);
    expect(hostupKeyCount()).toBe(1);
  });

  it("302 to another path (default) and 301 to another host with {path}; not followed, nothing applied", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "redirect", location: "/login?next={path}" } });
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "redirect", status: 301, location: "https://moved.example.invalid{path}" } });
    const n = await call("POST", `${keysUrl()}?a=b`, { headers: ns(), body: keyBody("redirected") });
    expect(n.status).toBe(302);
    expect(n.headers["location"]).toBe(`/login?next=${keysPath()}?a=b`);
    expect(n.headers["content-type"]).toBe("text/html");
    expect(n.text).toContain("<title>302 Found</title>");
    const h = await call("POST", hostupKeysUrl(), { headers: hu(), body: { label: "redirected" } });
    expect(h.status).toBe(301);
    expect(h.headers["location"]).toBe("https://moved.example.invalid/api/object-storage/keys");
    expect(h.text).toContain("<title>301 Moved Permanently</title>");
    expect(nscaleKeyCount()).toBe(0);
    expect(hostupKeyCount()).toBe(1);
    expect(emu.requests.map((r) => r.fault)).toEqual(["redirect", "redirect"]);
  });

  it("307/308 keep their status; invalid foreign actions are refused", () => {
    expect(() => emu.injectFault({ action: { kind: "redirect", status: 308, location: "/x" } })).not.toThrow();
    const bad: FaultAction[] = [
      { kind: "foreign", status: 99, body: { type: "text" } },
      { kind: "foreign", status: 404.5, body: { type: "html" } },
      { kind: "afterCommit", status: 600 },
      { kind: "redirect", location: "" },
    ];
    for (const action of bad) expect(() => emu.injectFault({ action })).toThrow(RangeError);
  });
});

describe("Nscale metadata.tags", () => {
  const TAGS = [
    { name: "pulumi-object-storage-keys/marker", value: "5f0c1a3e-77aa-4c47-9b0e-2d5e7d1e9f10" },
    { name: "stack", value: "org/proj/dev" },
    { name: "empty", value: "" },
    { name: "stack", value: "duplicate names are kept, in order" },
  ];

  it("stored on create and echoed exactly by K1, K3 and K2; absent tags stay absent", async () => {
    const res = await call("POST", keysUrl(), { headers: ns(), body: keyBody("tagged", TAGS) });
    expect(res.status).toBe(201);
    const created = nscale.AccessKeyCreateResponse.parse(res.json);
    expect(created.metadata.tags).toEqual(TAGS);
    const get = await call("GET", `${keysUrl()}/${created.metadata.id}`, { headers: ns() });
    expect(nscale.AccessKeyRead.parse(get.json).metadata.tags).toEqual(TAGS);
    expect((get.json as { metadata: Record<string, unknown> }).metadata["tags"]).toEqual(TAGS);

    const plain = nscale.AccessKeyCreateResponse.parse((await call("POST", keysUrl(), { headers: ns(), body: keyBody("untagged") })).json);
    const list = await call("GET", keysUrl(), { headers: ns() });
    const raw = list.json as Array<{ metadata: Record<string, unknown> }>;
    const byName = new Map(raw.map((k) => [k.metadata["name"], k.metadata]));
    expect(byName.get("tagged")?.["tags"]).toEqual(TAGS);
    expect(byName.get("untagged")).not.toHaveProperty("tags");
    expect(plain.metadata).not.toHaveProperty("tags");
  });

  it("an empty tag list is echoed as []; a tag without a value is the API's 400", async () => {
    const empty = nscale.AccessKeyCreateResponse.parse((await call("POST", keysUrl(), { headers: ns(), body: keyBody("none", []) })).json);
    expect(empty.metadata.tags).toEqual([]);
    const bad = await call("POST", keysUrl(), {
      headers: ns(),
      body: { metadata: { name: "bad", tags: [{ name: "x" }] }, spec: { identityPolicy: "bucket-admin" } },
    });
    expect(bad.status).toBe(400);
    expect(nscale.ErrorBody.parse(bad.json).error).toBe("invalid_request");
  });
});

describe("two stacks racing for one key name on one endpoint", () => {
  const race = async (tokenA: string, tokenB: string) => {
    const [a, b] = await Promise.all([
      call("POST", keysUrl(), { headers: ns(tokenA), body: keyBody("shared-name", [{ name: "stack", value: "a" }]) }),
      call("POST", keysUrl(), { headers: ns(tokenB), body: keyBody("shared-name", [{ name: "stack", value: "b" }]) }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.headers["content-type"]).toBe("application/json");
    expect(nscale.ErrorBody.parse(loser.json)).toMatchObject({ error: "conflict", error_description: "the requested resource already exists" });
    expect(emu.inspect().nscale.keys.map((k) => k.name)).toEqual(["shared-name"]);
  };

  it("two tokens of the same project: one 201, one 409 conflict", async () => {
    await race(TOKEN_A, TOKEN_B);
  });

  it("the same token twice: one 201, one 409 conflict", async () => {
    await race(TOKEN_A, TOKEN_A);
  });

  it("a fault aimed at one stack's credential: A's create is lost (503, not committed), B's succeeds", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", credential: TOKEN_A, action: { kind: "status", status: 503 } });
    const [a, b] = await Promise.all([
      call("POST", keysUrl(), { headers: ns(TOKEN_A), body: keyBody("shared-name", [{ name: "stack", value: "a" }]) }),
      call("POST", keysUrl(), { headers: ns(TOKEN_B), body: keyBody("shared-name", [{ name: "stack", value: "b" }]) }),
    ]);
    expect([a.status, b.status]).toEqual([503, 201]);
    // What A's lost-response cleanup would find by name is B's key, with B's marker.
    const listed = nscale.AccessKeyList.parse((await call("GET", keysUrl(), { headers: ns(TOKEN_A) })).json);
    expect(listed.map((k) => [k.metadata.name, k.metadata.tags])).toEqual([["shared-name", [{ name: "stack", value: "b" }]]]);
    expect(listed[0]?.spec.accessKeyId).toBe(nscale.AccessKeyCreateResponse.parse(b.json).spec.accessKeyId);
    // A's retry is the API's own 409.
    const retry = await call("POST", keysUrl(), { headers: ns(TOKEN_A), body: keyBody("shared-name", [{ name: "stack", value: "a" }]) });
    expect([retry.status, nscale.ErrorBody.parse(retry.json).error]).toEqual([409, "conflict"]);
  });

  it("A's create commits but its answer is a 429 (afterCommit): B's create with the same name is the 409", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", credential: TOKEN_A, action: { kind: "afterCommit", status: 429, retryAfter: "1" } });
    const a = await call("POST", keysUrl(), { headers: ns(TOKEN_A), body: keyBody("shared-name", [{ name: "stack", value: "a" }]) });
    const b = await call("POST", keysUrl(), { headers: ns(TOKEN_B), body: keyBody("shared-name", [{ name: "stack", value: "b" }]) });
    expect([a.status, b.status]).toEqual([429, 409]);
    const listed = nscale.AccessKeyList.parse((await call("GET", keysUrl(), { headers: ns(TOKEN_B) })).json);
    expect(listed.map((k) => k.metadata.tags)).toEqual([[{ name: "stack", value: "a" }]]);
  });

  it("credential matching: a rule for one token or API key leaves other credentials alone", async () => {
    emu.injectFault({ cloud: "nscale", credential: TOKEN_B, times: Infinity, action: { kind: "foreign", status: 502, body: { type: "text" } } });
    emu.injectFault({ cloud: "hostup", credential: "other-key", times: Infinity, action: { kind: "foreign", status: 502, body: { type: "text" } } });
    expect((await call("GET", keysUrl(), { headers: ns(TOKEN_A) })).status).toBe(200);
    expect((await call("GET", keysUrl(), { headers: ns(TOKEN_B) })).status).toBe(502);
    expect((await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() })).status).toBe(200);
    expect((await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: { "x-api-key": "other-key" } })).status).toBe(502);
  });
});

describe("the APIs' own not-found, as opposed to a proxy's 404", () => {
  it("Nscale key route: JSON {error: not_found, error_description, trace_id}, no-cache, for GET and DELETE", async () => {
    const unknownKey = `${keysUrl()}/6b1c3f0e-0000-4000-8000-000000000000`;
    const unknownEndpoint = `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/00000000-0000-4000-8000-000000000000/accesskeys/x`;
    for (const [method, url] of [
      ["GET", unknownKey],
      ["DELETE", unknownKey],
      ["GET", unknownEndpoint],
    ] as const) {
      const res = await call(method, url, { headers: ns() });
      expect(res.status).toBe(404);
      expect(res.headers["content-type"]).toBe("application/json");
      expect(res.headers["cache-control"]).toBe("no-cache");
      expect(Object.keys(res.json as object).sort()).toEqual(["error", "error_description", "trace_id"]);
      expect(nscale.ErrorBody.parse(res.json)).toEqual({
        error: "not_found",
        error_description: "resource not found",
        trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    }
  });

  it("Nscale: an unknown route is also its JSON not_found, with a different description", async () => {
    const res = await call("GET", `${emu.nscaleApiUrl}/api/v2/objectstorageendpoints`, { headers: ns() });
    expect(res.status).toBe(404);
    expect(nscale.ErrorBody.parse(res.json)).toMatchObject({ error: "not_found", error_description: "the requested resource does not exist" });
  });

  it("a deletion that finished is the same JSON not_found", async () => {
    emu.configure({ nscale: { pollsUntilDeleted: 0 } });
    const created = nscale.AccessKeyCreateResponse.parse((await call("POST", keysUrl(), { headers: ns(), body: keyBody("bye") })).json);
    expect((await call("DELETE", `${keysUrl()}/${created.metadata.id}`, { headers: ns() })).status).toBe(202);
    const res = await call("GET", `${keysUrl()}/${created.metadata.id}`, { headers: ns() });
    expect([res.status, nscale.ErrorBody.parse(res.json).error]).toEqual([404, "not_found"]);
  });

  it("HostUp key route: the NOT_FOUND envelope {code, error, message, requestId, timestamp}", async () => {
    const res = await call("DELETE", `${hostupKeysUrl()}/${Buffer.from("NOSUCHKEY00000000000").toString("base64")}`, { headers: hu() });
    expect(res.status).toBe(404);
    expect(res.headers["content-type"]).toBe("application/json");
    const body = res.json as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["code", "error", "message", "requestId", "timestamp"]);
    expect(body).toMatchObject({ code: "NOT_FOUND", error: "Not Found", message: "Access key not found" });
    expect(body["requestId"]).toBe(res.headers["x-request-id"]);
    expect(String(body["timestamp"])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body).not.toHaveProperty("success");
  });

  it("HostUp: an unknown route under /api/object-storage is NOT_FOUND `Route not found`", async () => {
    const res = await call("GET", `${emu.hostupApiUrl}/object-storage/keys/a/b`, { headers: hu() });
    expect(res.status).toBe(404);
    expect(hostup.ErrorBody.parse(res.json)).toMatchObject({ code: "NOT_FOUND", message: "Route not found" });
  });

  it("a proxy's 404 on the same routes carries neither shape", async () => {
    emu.injectFault({ times: Infinity, action: { kind: "foreign", status: 404, body: { type: "text" } } });
    const n = await call("GET", `${keysUrl()}/x`, { headers: ns() });
    const h = await call("DELETE", `${hostupKeysUrl()}/QUJD`, { headers: hu() });
    for (const res of [n, h]) {
      expect(res.status).toBe(404);
      expect(res.json).toBeUndefined();
      expect(res.headers["content-type"]).not.toMatch(/json/);
    }
  });
});
