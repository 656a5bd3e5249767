/**
 * Conformance with the providers' documented examples (test/fixtures/seeds, copied from
 * the workplace's shared/seeds; see its README): the requests this
 * library sends equal the documented request bodies and headers, and the documented responses
 * parse with the schemas the clients use.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HostUpClient } from "../../src/clouds/hostup/client";
import { KeyCreateResponse } from "../../src/clouds/hostup/schemas";
import { NscaleClient } from "../../src/clouds/nscale/client";
import { AccessKeyCreateResponse, AccessKeyCreateRequest } from "../../src/clouds/nscale/schemas";
import { PACKAGE_NAME, PACKAGE_VERSION } from "../../src/version";

const seeds = join(__dirname, "..", "fixtures", "seeds");
const nscaleSeed = readFileSync(join(seeds, "000_0576de9ef56b9e5e.txt"), "utf8");
const hostupSeed = readFileSync(join(seeds, "003_2eae1a3466ac7278.txt"), "utf8");

/** The balanced JSON object starting at the first "{" after `marker`. */
function jsonAfter(text: string, marker: string): unknown {
  const start = text.indexOf("{", text.indexOf(marker) + marker.length);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return JSON.parse(text.slice(start, i + 1));
  }
  throw new Error(`no JSON after ${marker}`);
}

const nscaleRequest = jsonAfter(nscaleSeed, "--data '");
const nscaleResponse = jsonAfter(nscaleSeed, "\n'\n"); // after the closing quote of --data
const hostupRequest = jsonAfter(hostupSeed, "-d '");
const hostupResponse = jsonAfter(hostupSeed, "Response\n");

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server that records one request and answers with a documented response. */
async function recordingServer(status: number, response: unknown): Promise<{ url: string; recorded: Recorded[] }> {
  const recorded: Recorded[] = [];
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      recorded.push({ method: req.method!, url: req.url!, headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(response));
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}`, recorded };
}

describe("Nscale seed: POST /api/v1/objectstorageendpoints/{id}/accesskeys", () => {
  it("the documented example request and response match the schemas", () => {
    expect(AccessKeyCreateRequest.safeParse(nscaleRequest).success).toBe(true);
    expect(AccessKeyCreateResponse.safeParse(nscaleResponse).success).toBe(true);
  });

  it("sends exactly the documented body, path and headers", async () => {
    const { url, recorded } = await recordingServer(201, nscaleResponse);
    const client = new NscaleClient({ apiUrl: url, token: "tok" });
    const endpointId = "a64f9269-36e0-4312-b8d1-52d93d569b7b";
    const created = await client.createAccessKey(endpointId, AccessKeyCreateRequest.parse(nscaleRequest));
    expect(created).toEqual(nscaleResponse);
    expect(recorded).toHaveLength(1);
    const r = recorded[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe(`/api/v1/objectstorageendpoints/${endpointId}/accesskeys`);
    expect(r.body).toEqual(nscaleRequest);
    expect(r.headers.authorization).toBe("Bearer tok");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers["user-agent"]).toContain(`${PACKAGE_NAME}/${PACKAGE_VERSION}`);
  });

  it("keeps a base URL's own path", async () => {
    const { url, recorded } = await recordingServer(201, nscaleResponse);
    await new NscaleClient({ apiUrl: `${url}/storage`, token: "tok" }).createAccessKey("e", AccessKeyCreateRequest.parse(nscaleRequest));
    expect(recorded[0]!.url).toBe("/storage/api/v1/objectstorageendpoints/e/accesskeys");
  });
});

describe("HostUp seed: POST /api/object-storage/keys", () => {
  it("the documented example response matches the schema", () => {
    expect(KeyCreateResponse.safeParse(hostupResponse).success).toBe(true);
  });

  it("sends exactly the documented body, path and headers", async () => {
    const { url, recorded } = await recordingServer(200, hostupResponse);
    const client = new HostUpClient({ apiUrl: `${url}/api`, apiKey: "YOUR_API_KEY" });
    const { key } = await client.createKey((hostupRequest as { label: string }).label);
    expect(key).toEqual({ accessKey: "EXAMPLE_ACCESS_KEY", secretKey: "YOUR_SECRET", label: "Example Label" });
    const r = recorded[0]!;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/api/object-storage/keys");
    expect(r.body).toEqual(hostupRequest);
    expect(r.headers["x-api-key"]).toBe("YOUR_API_KEY");
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers.authorization).toBeUndefined();
  });

  it("addresses a key for deletion as URL-encoded standard base64", async () => {
    const { url, recorded } = await recordingServer(200, { success: true, requestId: "r", data: { deleted: true } });
    await new HostUpClient({ apiUrl: `${url}/api`, apiKey: "k" }).deleteKey("AK+/?=");
    expect(recorded[0]!.url).toBe(`/api/object-storage/keys/${encodeURIComponent(Buffer.from("AK+/?=").toString("base64"))}`);
  });

  it("rejects a response that breaks the documented shape, naming the field", async () => {
    const { url } = await recordingServer(200, { success: true, requestId: "r", data: { key: { accessKey: "A" } } });
    await expect(new HostUpClient({ apiUrl: `${url}/api`, apiKey: "k" }).createKey("x")).rejects.toThrow(
      /did not match the documented format.*data\.key\.secretKey/,
    );
  });
});
