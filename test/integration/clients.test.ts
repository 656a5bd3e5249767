/**
 * The HTTP clients against the emulator over loopback: every endpoint, error mapping with hints,
 * and the retry policy observed in the emulator's request log.
 */
import { describe, expect, it } from "vitest";
import { HostUpClient } from "../../src/clouds/hostup/client";
import { NscaleClient } from "../../src/clouds/nscale/client";
import { nscaleAnswers, nscaleHints } from "../../src/clouds/nscale/answers";
import { hostupHints } from "../../src/clouds/hostup/answers";
import type { Emulator } from "../../src/emulator";
import { apiError, useEmulator } from "./support";

let emu: Emulator;
const fastRetry = { minDelayMs: 5, maxDelayMs: 2000, maxRetries: 4, totalBudgetMs: 10_000 };

useEmulator(undefined, (e) => (emu = e));

// With the hints their cloud modules give them, as every operation does.
const nscale = (token = emu.nscaleToken) => new NscaleClient({ apiUrl: emu.nscaleApiUrl, token, retry: fastRetry, hints: nscaleHints });
const hostup = (apiKey = emu.hostupApiKey) => new HostUpClient({ apiUrl: emu.hostupApiUrl, apiKey, retry: fastRetry, hints: hostupHints });
const createBody = (name = "bucket-admin-key", identityPolicy = "bucket-admin") => ({
  metadata: { name, description: "Access key for bucket administration" },
  spec: { identityPolicy },
});

function count(method: string, pathPart: string): number {
  return emu.requests.filter((r) => r.method === method && r.path.includes(pathPart)).length;
}

describe("Nscale client", () => {
  it("creates, reads, lists and deletes a key; the secret comes only from create", async () => {
    const c = nscale();
    const created = await c.createAccessKey(emu.endpointId, createBody());
    expect(created.spec.accessKeyId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(created.spec.secret.length).toBeGreaterThan(0);
    expect(emu.secretFor(created.spec.accessKeyId)).toBe(created.spec.secret);
    const read = await c.getAccessKey(emu.endpointId, created.metadata.id);
    expect(read?.metadata.name).toBe("bucket-admin-key");
    expect(JSON.stringify(read)).not.toContain(created.spec.secret);
    const list = await c.listAccessKeys(emu.endpointId);
    expect(list.map((k) => k.metadata.id)).toContain(created.metadata.id);
    expect(await c.deleteAccessKey(emu.endpointId, created.metadata.id)).toBe("accepted");
    expect(await c.deleteAccessKey(emu.endpointId, "00000000-0000-0000-0000-000000000000")).toBe("gone");
    expect(await c.getAccessKey(emu.endpointId, "00000000-0000-0000-0000-000000000000")).toBeUndefined();
  });

  it("reads the endpoint's S3 DNS name", async () => {
    const endpoint = await nscale().getEndpoint(emu.endpointId);
    expect(endpoint.status.exposure?.public?.dnsName).toBe(emu.s3Url);
  });

  type ErrorCase = [string, () => Promise<unknown>, number, string, RegExp];
  const errorCases: ErrorCase[] = [
    ["401 wrong token", () => nscale("wrong-token").listAccessKeys(emu.endpointId), 401, "access_denied", /nscale:apiToken.*NSCALE_API_TOKEN/],
    [
      "403 read-only token",
      () => nscale("emulator-nscale-readonly").createAccessKey(emu.endpointId, createBody()),
      403,
      "forbidden",
      /storage:objectstorageendpoints\/accesskeys/,
    ],
    ["404 unknown endpoint", () => nscale().getEndpoint("no-such-endpoint"), 404, "not_found", /endpointId/],
    ["404 unknown endpoint on create", () => nscale().createAccessKey("no-such-endpoint", createBody()), 404, "not_found", /endpointId/],
    [
      "422 unknown identity policy",
      () => nscale().createAccessKey(emu.endpointId, createBody("k1", "no-such-policy")),
      422,
      "unprocessable_content",
      /identityPolicy/,
    ],
    ["400 invalid name", () => nscale().createAccessKey(emu.endpointId, createBody("-bad-")), 400, "invalid_request", /./],
  ];

  it.each(errorCases)("maps %s to a typed error with a hint", async (_t, call, status, code, hint) => {
    const err = await apiError(call());
    expect(err.cloud).toBe("nscale");
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    if (status !== 400) expect(err.hint).toMatch(hint);
    expect(err.message).toContain(`HTTP ${status}`);
    expect(err.message).not.toContain(emu.nscaleToken);
    expect(err.message).not.toContain("wrong-token");
  });

  it("maps a duplicate name to 409 with advice about replacements", async () => {
    await nscale().createAccessKey(emu.endpointId, createBody("dup"));
    const err = await apiError(nscale().createAccessKey(emu.endpointId, createBody("dup")));
    expect(err.status).toBe(409);
    expect(err.hint).toMatch(/omit `name`/);
  });

  it("carries the trace id of a 500", async () => {
    emu.injectFault({ cloud: "nscale", method: "GET", path: "/api/v1/objectstorageendpoints*", action: { kind: "status", status: 500 } });
    const err = await apiError(nscale().listAccessKeys(emu.endpointId));
    expect(err.status).toBe(500);
    expect(err.code).toBe("server_error");
    expect(err.requestId).toBeTruthy();
    expect(count("GET", "/accesskeys")).toBe(1); // 500 is not retried
  });

  it("retries a GET after 429 and honours Retry-After", async () => {
    emu.injectFault({ cloud: "nscale", method: "GET", path: "/api/v1/objectstorageendpoints*", action: { kind: "status", status: 429, retryAfter: "1" } });
    const started = Date.now();
    await nscale().listAccessKeys(emu.endpointId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(count("GET", "/accesskeys")).toBe(2);
  });

  it("retries a DELETE through 503s and a connection reset", async () => {
    const created = await nscale().createAccessKey(emu.endpointId, createBody("del"));
    emu.injectFault({ cloud: "nscale", method: "DELETE", times: 2, action: { kind: "status", status: 503 } });
    emu.injectFault({ cloud: "nscale", method: "DELETE", times: 1, action: { kind: "reset" } });
    expect(await nscale().deleteAccessKey(emu.endpointId, created.metadata.id)).toBe("accepted");
    expect(count("DELETE", created.metadata.id)).toBe(4);
  });

  it("gives up after the retry budget with the last status", async () => {
    emu.injectFault({ cloud: "nscale", method: "GET", times: Infinity, action: { kind: "status", status: 503 } });
    const err = await apiError(nscale().listAccessKeys(emu.endpointId));
    expect(err.status).toBe(503);
    expect(count("GET", "/accesskeys")).toBe(fastRetry.maxRetries + 1);
  });

  it("never re-sends a create POST after a 429 (a gateway may answer 429 after the backend committed): the lifecycle decides", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", times: 2, action: { kind: "status", status: 429, retryAfter: "0" } });
    const err = await apiError(nscale().createAccessKey(emu.endpointId, createBody("after-429")));
    expect(err.status).toBe(429);
    expect(count("POST", "/accesskeys")).toBe(1);
  });

  it.each([
    ["502", { kind: "status", status: 502 }],
    ["503", { kind: "status", status: 503 }],
    ["reset", { kind: "reset" }],
    ["dropped response", { kind: "dropAfterCommit" }],
  ] as const)("never retries a create POST (%s)", async (_t, action) => {
    emu.injectFault({ cloud: "nscale", method: "POST", action });
    const err = await apiError(nscale().createAccessKey(emu.endpointId, createBody("once")));
    expect(count("POST", "/accesskeys")).toBe(1);
    expect(nscaleAnswers.isOutcomeUnknown(err)).toBe(true);
  });
});

describe("HostUp client", () => {
  it("creates a key, reads the service status, deletes the key by base64(accessKey)", async () => {
    const c = hostup();
    const { key, requestId } = await c.createKey("Example Label");
    expect(key.label).toBe("Example Label");
    expect(requestId).toBeTruthy();
    expect(emu.secretFor(key.accessKey)).toBe(key.secretKey);
    const status = await c.getServiceStatus();
    expect(status).toMatchObject({ provisioned: true, endpoint: emu.s3Url, awsRegion: "eu-north-1" });
    expect(await c.deleteKey(key.accessKey)).toBe("deleted");
    expect(await c.deleteKey(key.accessKey)).toBe("gone");
  });

  it("explains the last-key rule", async () => {
    const c = hostup();
    for (const k of emu.inspect().hostup.keys) emu.deleteOutOfBand("hostup", k.accessKey);
    const { key } = await c.createKey("only");
    const err = await apiError(c.deleteKey(key.accessKey));
    expect(err.status).toBe(400);
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.providerMessage).toBe("Cannot delete the last access key. Create a new key first.");
    expect(err.hint).toMatch(/never lets an account drop to zero.*rotationTrigger.*retainOnDelete/);
  });

  it("maps 401 with the ways to set the key, without echoing it", async () => {
    const err = await apiError(hostup("nope-not-a-key").createKey("x"));
    expect(err.status).toBe(401);
    expect(err.hint).toMatch(/hostup:apiKey.*HOSTUP_API_KEY/);
    expect(err.message).not.toContain("nope-not-a-key");
  });

  it("honours X-RateLimit-Reset when there is no Retry-After", async () => {
    const reset = new Date(Date.now() + 1000).toISOString();
    emu.injectFault({ cloud: "hostup", method: "GET", action: { kind: "status", status: 429, headers: { "x-ratelimit-reset": reset } } });
    const started = Date.now();
    await hostup().getServiceStatus();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(count("GET", "/api/object-storage")).toBe(2);
  });

  it("never retries a create POST", async () => {
    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "status", status: 503 } });
    const err = await apiError(hostup().createKey("x"));
    expect(err.status).toBe(503);
    expect(count("POST", "/keys")).toBe(1);
  });

  it("manages buckets", async () => {
    const c = hostup();
    const b = await c.createBucket("app-data");
    expect(b.name).toBe("app-data");
    expect((await c.listBuckets()).map((x) => x.name)).toContain("app-data");
    expect((await c.getBucket("app-data"))?.numObjects).toBe(0);
    expect(await c.deleteBucket("app-data")).toBe("deleted");
    expect(await c.getBucket("app-data")).toBeUndefined();
    const err = await apiError(c.createBucket("Bad_Name"));
    expect(err.status).toBe(400);
  });
});
