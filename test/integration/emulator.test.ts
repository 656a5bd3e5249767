/**
 * The emulator's control planes, over loopback HTTP, checked against the shared wire schemas.
 */
import { describe, expect, it } from "vitest";
import * as hostup from "../../src/clouds/hostup/schemas";
import * as nscale from "../../src/clouds/nscale/schemas";
import { startEmulator, type Emulator } from "../../src/emulator";
import { decodeAccessKeySegment } from "../../src/emulator/hostup";
import { call, useEmulator, type Reply } from "./support";

const SEED_REQUEST = {
  metadata: { name: "bucket-admin-key", description: "Access key for bucket administration" },
  spec: { identityPolicy: "bucket-admin" },
};
/** Keys of the documented K1 201 example (docs/provider-apis.md §1.3). */
const SEED_METADATA_KEYS = ["createdBy", "creationTime", "healthStatus", "id", "name", "organizationId", "projectId", "provisioningStatus"];

let emu: Emulator;
useEmulator(undefined, (e) => (emu = e));
const keysUrl = () => `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`;
const ns = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${emu.nscaleToken}`, ...extra });
const hu = () => ({ "x-api-key": emu.hostupApiKey });

async function createNscaleKey(name: string, identityPolicy = "bucket-admin") {
  const res = await call("POST", keysUrl(), { headers: ns(), body: { metadata: { name }, spec: { identityPolicy } } });
  expect(res.status).toBe(201);
  return nscale.AccessKeyCreateResponse.parse(res.json);
}

async function getNscaleKey(id: string) {
  return call("GET", `${keysUrl()}/${id}`, { headers: ns() });
}

async function createHostupKey(label: string) {
  const res = await call("POST", `${emu.hostupApiUrl}/object-storage/keys`, { headers: hu(), body: { label } });
  expect(res.status).toBe(200);
  return hostup.KeyCreateResponse.parse(res.json).data.key;
}

function expectNscaleError(res: Reply, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toBe("application/json");
  expect(res.headers["cache-control"]).toBe("no-cache");
  const body = nscale.ErrorBody.parse(res.json);
  expect(body.error).toBe(code);
  expect(body.trace_id).toMatch(/^[0-9a-f]{32}$/);
  return body;
}

function expectHostupError(res: Reply, status: number, code: string) {
  expect(res.status).toBe(status);
  const body = hostup.ErrorBody.parse(res.json);
  expect(body.code).toBe(code);
  expect(body).not.toHaveProperty("success");
  return body as { code: string; error: string; message: string; requestId?: string };
}

describe("startEmulator", () => {
  it("exposes loopback URLs, default credentials and the seeded endpoint", () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.nscaleApiUrl).toBe(emu.url);
    expect(emu.hostupApiUrl).toBe(`${emu.url}/api`);
    expect(emu.s3Url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.s3Url).not.toBe(emu.url);
    expect(emu.nscaleToken).toBe("emulator-nscale-token");
    expect(emu.hostupApiKey).toBe("emulator-hostup-key");
    expect(emu.endpointId).toBe("a64f9269-36e0-4312-b8d1-52d93d569b7b");
    const snap = emu.inspect();
    expect(snap.nscale.endpoints.map((e) => e.id)).toEqual([emu.endpointId]);
    expect(snap.nscale.keys).toEqual([]);
    expect(snap.hostup.keys).toHaveLength(1);
  });
});

describe("Nscale auth", () => {
  it("401 without a token, with WWW-Authenticate", async () => {
    const res = await call("GET", keysUrl());
    const body = expectNscaleError(res, 401, "access_denied");
    expect(body.error_description).toBe("authorization header missing");
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer error="access_denied",error_description="[^"]+",resource_metadata="http/);
  });

  it("401 for a well-formed but unknown token and for a non-Bearer scheme", async () => {
    const wrong = await call("GET", keysUrl(), { headers: { authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln" } });
    expect(expectNscaleError(wrong, 401, "access_denied").error_description).toBe("authentication failed");
    expect(wrong.headers["www-authenticate"]).toContain('error="access_denied"');
    const basic = await call("GET", keysUrl(), { headers: { authorization: `Basic ${emu.nscaleToken}` } });
    expectNscaleError(basic, 401, "access_denied");
  });

  it("the read-only token may read but gets 403 forbidden on POST and DELETE", async () => {
    const ro = { authorization: "Bearer emulator-nscale-readonly" };
    expect((await call("GET", keysUrl(), { headers: ro })).status).toBe(200);
    const post = await call("POST", keysUrl(), { headers: ro, body: SEED_REQUEST });
    expect(expectNscaleError(post, 403, "forbidden").error_description).toBe("user credentials do not have the required privileges");
    const key = await createNscaleKey("k1");
    const del = await call("DELETE", `${keysUrl()}/${key.metadata.id}`, { headers: ro });
    expectNscaleError(del, 403, "forbidden");
    expect(emu.inspect().nscale.keys).toHaveLength(1);
  });
});

describe("Nscale access keys", () => {
  it("K1 returns 201 with the documented shape and a one-time secret", async () => {
    const res = await call("POST", keysUrl(), { headers: ns(), body: SEED_REQUEST });
    expect(res.status).toBe(201);
    const created = nscale.AccessKeyCreateResponse.parse(res.json);
    expect(Object.keys(created.metadata).sort()).toEqual([...SEED_METADATA_KEYS, "description"].sort());
    expect(Object.keys(created.spec).sort()).toEqual(["accessKeyId", "identityPolicy", "secret"]);
    expect(created.metadata.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata).toMatchObject({
      name: "bucket-admin-key",
      description: "Access key for bucket administration",
      organizationId: "9a8c6370-4065-4d4a-9da0-7678df40cd9d",
      projectId: "e36c058a-8eba-4f5b-91f4-f6ffb983795c",
      createdBy: "emulator@example.invalid",
      provisioningStatus: "provisioning",
      healthStatus: "unknown",
    });
    expect(new Date(created.metadata.creationTime).toISOString()).toBeTruthy();
    expect(created.spec.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(created.spec.accessKeyId).toMatch(nscale.accessKeyIdPattern);
    expect(created.spec.secret).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(emu.secretFor(created.spec.accessKeyId)).toBe(created.spec.secret);
  });

  it("never returns the secret from K2 or K3", async () => {
    const created = await createNscaleKey("no-secret-echo");
    const secret = created.spec.secret;
    const one = await getNscaleKey(created.metadata.id);
    const list = await call("GET", keysUrl(), { headers: ns() });
    for (const res of [one, list]) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain('"secret"');
    }
    expect(nscale.AccessKeyRead.parse(one.json).spec.accessKeyId).toBe(created.spec.accessKeyId);
    expect(nscale.AccessKeyList.parse(list.json)).toHaveLength(1);
    expect(JSON.stringify(emu.inspect())).not.toContain(secret);
  });

  it("progresses provisioning -> provisioned after the configured number of GETs", async () => {
    const created = await createNscaleKey("progress");
    const statuses: string[] = [];
    for (let i = 0; i < 3; i++) {
      const read = nscale.AccessKeyRead.parse((await getNscaleKey(created.metadata.id)).json);
      statuses.push(`${read.metadata.provisioningStatus}/${read.metadata.healthStatus}`);
    }
    expect(statuses).toEqual(["provisioning/unknown", "provisioned/healthy", "provisioned/healthy"]);

    emu.configure({ nscale: { createStatus: "pending", pollsUntilProvisioned: 3 } });
    const slow = await createNscaleKey("slow");
    expect(slow.metadata.provisioningStatus).toBe("pending");
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(nscale.AccessKeyRead.parse((await getNscaleKey(slow.metadata.id)).json).metadata.provisioningStatus);
    }
    expect(seen).toEqual(["provisioning", "provisioning", "provisioning", "provisioned"]);

    emu.configure({ nscale: { createStatus: "provisioned" } });
    const fast = await createNscaleKey("fast");
    expect(fast.metadata).toMatchObject({ provisioningStatus: "provisioned", healthStatus: "healthy" });
  });

  it("reproduces the cache lag: the first N GETs after create are 404", async () => {
    emu.configure({ nscale: { notFoundGetsAfterCreate: 2, pollsUntilProvisioned: 0 } });
    const created = await createNscaleKey("laggy");
    expectNscaleError(await getNscaleKey(created.metadata.id), 404, "not_found");
    expectNscaleError(await getNscaleKey(created.metadata.id), 404, "not_found");
    const third = await getNscaleKey(created.metadata.id);
    expect(third.status).toBe(200);
    expect(nscale.AccessKeyRead.parse(third.json).metadata.provisioningStatus).toBe("provisioned");
    // The key existed all along.
    const list = nscale.AccessKeyList.parse((await call("GET", keysUrl(), { headers: ns() })).json);
    expect(list.map((k) => k.metadata.id)).toEqual([created.metadata.id]);
  });

  it("ends in error when provisioning failure is armed, only for the armed keys", async () => {
    emu.configure({ nscale: { pollsUntilProvisioned: 0 } });
    emu.failNextNscaleProvisioning();
    const bad = await createNscaleKey("bad");
    const good = await createNscaleKey("good");
    const badRead = nscale.AccessKeyRead.parse((await getNscaleKey(bad.metadata.id)).json);
    expect(badRead.metadata).toMatchObject({ provisioningStatus: "error", healthStatus: "error" });
    const goodRead = nscale.AccessKeyRead.parse((await getNscaleKey(good.metadata.id)).json);
    expect(goodRead.metadata.provisioningStatus).toBe("provisioned");
  });

  it("setNscaleKeyStatus forces a status", async () => {
    const created = await createNscaleKey("forced");
    emu.setNscaleKeyStatus(created.metadata.id, "error");
    const read = nscale.AccessKeyRead.parse((await getNscaleKey(created.metadata.id)).json);
    expect(read.metadata.provisioningStatus).toBe("error");
    expect(() => emu.setNscaleKeyStatus("nope", "error")).toThrow();
  });

  it("K4 returns 202, then GET shows deprovisioning with deletionTime, then 404", async () => {
    const created = await createNscaleKey("doomed");
    const del = await call("DELETE", `${keysUrl()}/${created.metadata.id}`, { headers: ns() });
    expect(del.status).toBe(202);
    expect(del.text).toBe("");
    expect(emu.inspect().nscale.keys[0]).toMatchObject({ deleting: true, provisioningStatus: "deprovisioning" });

    const list = nscale.AccessKeyList.parse((await call("GET", keysUrl(), { headers: ns() })).json);
    expect(list[0]?.metadata.provisioningStatus).toBe("deprovisioning");

    const during = await getNscaleKey(created.metadata.id);
    expect(during.status).toBe(200);
    const read = nscale.AccessKeyRead.parse(during.json);
    expect(read.metadata.provisioningStatus).toBe("deprovisioning");
    expect(read.metadata.deletionTime).toBeDefined();

    expectNscaleError(await getNscaleKey(created.metadata.id), 404, "not_found");
    expect(emu.inspect().nscale.keys).toEqual([]);
    const again = await call("DELETE", `${keysUrl()}/${created.metadata.id}`, { headers: ns() });
    expectNscaleError(again, 404, "not_found");
  });

  it("a name being deleted may be reused; a live duplicate is 409 conflict", async () => {
    const first = await createNscaleKey("dup");
    const dup = await call("POST", keysUrl(), { headers: ns(), body: { metadata: { name: "dup" }, spec: { identityPolicy: "bucket-admin" } } });
    expectNscaleError(dup, 409, "conflict");
    await call("DELETE", `${keysUrl()}/${first.metadata.id}`, { headers: ns() });
    await createNscaleKey("dup");
    emu.configure({ nscale: { duplicateNameConflict: false } });
    await createNscaleKey("dup");
  });

  it("validation: 400 invalid_request naming the field, path IDs over 63 chars, 415 without JSON", async () => {
    const badName = await call("POST", keysUrl(), { headers: ns(), body: { metadata: { name: "-bad name-" }, spec: { identityPolicy: "bucket-admin" } } });
    expect(expectNscaleError(badName, 400, "invalid_request").error_description).toContain("/metadata/name");

    const noSpec = await call("POST", keysUrl(), { headers: ns(), body: { metadata: { name: "ok" } } });
    expect(expectNscaleError(noSpec, 400, "invalid_request").error_description).toContain("/spec");

    const noPolicy = await call("POST", keysUrl(), { headers: ns(), body: { metadata: { name: "ok" }, spec: {} } });
    expect(expectNscaleError(noPolicy, 400, "invalid_request").error_description).toContain("/spec/identityPolicy");

    const notJson = await call("POST", keysUrl(), { headers: ns(), body: "{nope" });
    expectNscaleError(notJson, 400, "invalid_request");

    const longId = "a".repeat(64);
    const longPath = await call("GET", `${keysUrl()}/${longId}`, { headers: ns() });
    expect(expectNscaleError(longPath, 400, "invalid_request").error_description).toContain("objectStorageAccessKeyID");

    const text = await call("POST", keysUrl(), { headers: ns({ "content-type": "text/plain" }), body: JSON.stringify(SEED_REQUEST) });
    expectNscaleError(text, 415, "unsupported_media_type");
  });

  it("404 for an unknown endpoint or key, 422 for an unknown identity policy", async () => {
    const otherEndpoint = `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/0b3a6c55-0000-4000-8000-000000000000/accesskeys`;
    expectNscaleError(await call("POST", otherEndpoint, { headers: ns(), body: SEED_REQUEST }), 404, "not_found");
    expectNscaleError(await call("GET", otherEndpoint, { headers: ns() }), 404, "not_found");
    expectNscaleError(await getNscaleKey("6f1c1b5e-0000-4000-8000-000000000000"), 404, "not_found");
    const unknownPolicy = await call("POST", keysUrl(), { headers: ns(), body: { metadata: { name: "p" }, spec: { identityPolicy: "nope" } } });
    expect(expectNscaleError(unknownPolicy, 422, "unprocessable_content").error_description).toContain("nope");
    expect(emu.inspect().nscale.keys).toEqual([]);
  });

  it("unknown routes are 404 and wrong methods 405, both in the error shape", async () => {
    expectNscaleError(await call("GET", `${emu.url}/api/v1/nothing`, { headers: ns() }), 404, "not_found");
    expectNscaleError(await call("PATCH", `${keysUrl()}/x`, { headers: ns() }), 405, "method_not_allowed");
  });
});

describe("Nscale endpoints", () => {
  it("E3/E1 return the seeded endpoint with the S3 listener as dnsName; V answers", async () => {
    const one = await call("GET", `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}`, { headers: ns() });
    const endpoint = nscale.EndpointRead.parse(one.json);
    expect(endpoint.metadata).toMatchObject({ id: emu.endpointId, provisioningStatus: "provisioned" });
    expect(endpoint.status.exposure?.public?.dnsName).toBe(emu.s3Url);
    expect(endpoint.spec.identityPolicies?.map((p) => p.name)).toEqual(["bucket-admin", "bucket-readonly", "system-default-admin"]);

    const list = await call("GET", `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints?projectID=${endpoint.metadata.projectId}`, { headers: ns() });
    expect(nscale.EndpointRead.array().parse(list.json)).toHaveLength(1);
    const none = await call("GET", `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints?projectID=other`, { headers: ns() });
    expect(none.json).toEqual([]);

    const version = await call("GET", `${emu.url}/api/version`, { headers: ns() });
    expect(version.json).toMatchObject({ version: expect.stringMatching(/^v\d+\.\d+\.\d+$/) });
  });

  it("E2 creates an endpoint that provisions, 422 for a second one in the same project and region; E5 deletes it", async () => {
    const base = `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints`;
    const body = {
      metadata: { name: "second" },
      spec: {
        organizationId: "9a8c6370-4065-4d4a-9da0-7678df40cd9d",
        projectId: "11111111-2222-4333-8444-555555555555",
        regionId: "ba39bff5-b0d8-4c60-89e5-ed1104356b4a",
        objectStorageEndpointClassId: "7b6f8b33-3ca8-4db2-b7ab-7bbf683efc6d",
        identityPolicies: [{ name: "admin", document: { Statement: [] } }],
      },
    };
    const created = await call("POST", base, { headers: ns(), body });
    expect(created.status).toBe(201);
    const ep = nscale.EndpointRead.parse(created.json);
    expect(ep.metadata.provisioningStatus).toBe("provisioning");
    expect(ep.status.exposure).toBeUndefined();
    expectNscaleError(await call("POST", base, { headers: ns(), body }), 422, "unprocessable_content");

    await call("GET", `${base}/${ep.metadata.id}`, { headers: ns() });
    const ready = nscale.EndpointRead.parse((await call("GET", `${base}/${ep.metadata.id}`, { headers: ns() })).json);
    expect(ready.metadata.provisioningStatus).toBe("provisioned");
    expect(ready.status.exposure?.public?.dnsName).toBe(emu.s3Url);

    expect((await call("DELETE", `${base}/${ep.metadata.id}`, { headers: ns() })).status).toBe(202);
    const deleting = nscale.EndpointRead.parse((await call("GET", `${base}/${ep.metadata.id}`, { headers: ns() })).json);
    expect(deleting.metadata.provisioningStatus).toBe("deprovisioning");
    expectNscaleError(await call("GET", `${base}/${ep.metadata.id}`, { headers: ns() }), 404, "not_found");
  });
});

describe("HostUp", () => {
  const keysPath = () => `${emu.hostupApiUrl}/object-storage/keys`;
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

  it("401 without or with a wrong API key; Bearer is accepted too", async () => {
    const none = await call("GET", `${emu.hostupApiUrl}/object-storage`);
    const body = expectHostupError(none, 401, "UNAUTHORIZED");
    expect(body).toMatchObject({ error: "Unauthorized", message: "Authentication required" });
    expect(body.requestId).toBeDefined();
    expectHostupError(await call("POST", keysPath(), { headers: { "x-api-key": "wrong" }, body: { label: "x" } }), 401, "UNAUTHORIZED");
    const bearer = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: { authorization: `Bearer ${emu.hostupApiKey}` } });
    expect(bearer.status).toBe(200);
  });

  it("H1 returns the envelope with a 20-char access key and a 40-char secret", async () => {
    const res = await call("POST", keysPath(), { headers: hu(), body: { label: "Example Label" } });
    expect(res.status).toBe(200);
    const parsed = hostup.KeyCreateResponse.parse(res.json);
    expect(parsed.success).toBe(true);
    expect(parsed.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["x-request-id"]).toBe(parsed.requestId);
    expect(new Date(parsed.timestamp ?? "").toISOString()).toBe(parsed.timestamp);
    expect(parsed.data.key.label).toBe("Example Label");
    expect(parsed.data.key.accessKey).toMatch(/^[A-Z0-9]{20}$/);
    expect(parsed.data.key.secretKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(emu.secretFor(parsed.data.key.accessKey)).toBe(parsed.data.key.secretKey);
    expect(emu.inspect().hostup.keys.map((k) => k.label)).toContain("Example Label");
  });

  it("H1 rejects a missing, empty or non-string label with 400 naming label", async () => {
    for (const body of [{}, { label: "" }, { label: 42 }]) {
      const res = await call("POST", keysPath(), { headers: hu(), body });
      expect(expectHostupError(res, 400, "BAD_REQUEST").message).toContain("label");
    }
    expectHostupError(await call("POST", keysPath(), { headers: hu(), body: "not json" }), 400, "BAD_REQUEST");
  });

  it("H2 accepts standard, unpadded, URL-safe and percent-encoded base64", async () => {
    const keys = await Promise.all([1, 2, 3, 4].map((i) => createHostupKey(`k${i}`)));
    const encodings = [
      (a: string) => b64(a),
      (a: string) => b64(a).replace(/=+$/, ""),
      (a: string) => b64(a).replace(/\+/g, "-").replace(/\//g, "_"),
      (a: string) => encodeURIComponent(b64(a)),
    ];
    for (const [i, key] of keys.entries()) {
      const encode = encodings[i] ?? encodings[0]!;
      const res = await call("DELETE", `${keysPath()}/${encode(key.accessKey)}`, { headers: hu() });
      expect(res.status).toBe(200);
      expect(hostup.DeletedResponse.parse(res.json).data.deleted).toBe(true);
    }
    expect(emu.inspect().hostup.keys).toHaveLength(1);
    // Non-alphanumeric input, where the two alphabets differ.
    expect(decodeAccessKeySegment(b64("a?>~?"))).toBe("a?>~?");
    expect(decodeAccessKeySegment(b64("a?>~?").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""))).toBe("a?>~?");
    expect(decodeAccessKeySegment("!!!")).toBeUndefined();
  });

  it("H2 is 404 for an unknown key and for a raw (not base64) access key", async () => {
    const key = await createHostupKey("raw");
    expectHostupError(await call("DELETE", `${keysPath()}/${b64("NOSUCHKEY00000000000")}`, { headers: hu() }), 404, "NOT_FOUND");
    expectHostupError(await call("DELETE", `${keysPath()}/${key.accessKey}`, { headers: hu() }), 404, "NOT_FOUND");
  });

  it("H2 refuses to delete the last key with the documented 400", async () => {
    const mine = await createHostupKey("mine");
    const seeded = emu.inspect().hostup.keys.find((k) => k.accessKey !== mine.accessKey);
    expect(seeded).toBeDefined();
    expect((await call("DELETE", `${keysPath()}/${b64(mine.accessKey)}`, { headers: hu() })).status).toBe(200);
    const last = await call("DELETE", `${keysPath()}/${b64(seeded!.accessKey)}`, { headers: hu() });
    const body = expectHostupError(last, 400, "BAD_REQUEST");
    expect(body).toMatchObject({ error: "Bad Request", message: hostup.LAST_KEY_MESSAGE });
    expect(emu.inspect().hostup.keys).toHaveLength(1);
  });

  it("H3 reports the provisioned service with the S3 endpoint and counts", async () => {
    await createHostupKey("a");
    const res = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    const status = hostup.ServiceStatusResponse.parse(res.json).data;
    expect(status).toMatchObject({
      provisioned: true,
      endpoint: emu.s3Url,
      awsRegion: "eu-north-1",
      region: "Sweden",
      keyCount: 2,
      bucketCount: 0,
      usage: { numObjects: 0, sizeBytes: 0 },
      pricing: { perGBHour: 0 },
    });
    expect(status.tenant?.id).toBeTruthy();
  });

  it("an unprovisioned account: H3 says so and H1 is 403", async () => {
    emu.configure({ hostup: { provisioned: false } });
    const res = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    expect(hostup.ServiceStatusResponse.parse(res.json).data).toEqual({ provisioned: false });
    const create = await call("POST", keysPath(), { headers: hu(), body: { label: "x" } });
    expect(expectHostupError(create, 403, "FORBIDDEN").message).toContain("not provisioned");
  });

  it("buckets: create, duplicate 409, bad name 400, list, get with owner, recursive delete, 404", async () => {
    const base = `${emu.hostupApiUrl}/object-storage/buckets`;
    const created = await call("POST", base, { headers: hu(), body: { name: "lobe-production" } });
    expect(hostup.BucketResponse.parse(created.json).data.bucket).toMatchObject({ name: "lobe-production", numObjects: 0, sizeBytes: 0 });
    expectHostupError(await call("POST", base, { headers: hu(), body: { name: "lobe-production" } }), 409, "CONFLICT");
    const bad = await call("POST", base, { headers: hu(), body: { name: "No_Way" } });
    expect(expectHostupError(bad, 400, "BAD_REQUEST").message).toBe("Bucket name must be 3-63 characters, lowercase letters, numbers, and hyphens only");
    const list = hostup.BucketListResponse.parse((await call("GET", base, { headers: hu() })).json);
    expect(list.data.buckets.map((b) => b.name)).toEqual(["lobe-production"]);
    const one = hostup.BucketResponse.parse((await call("GET", `${base}/lobe-production`, { headers: hu() })).json);
    expect(one.data.bucket.owner).toMatch(/\$main$/);
    expect(emu.inspect().s3.buckets).toMatchObject([{ owner: "hostup", name: "lobe-production", objects: 0 }]);
    const del = await call("DELETE", `${base}/lobe-production`, { headers: hu() });
    expect(hostup.DeletedResponse.parse(del.json).data.deleted).toBe(true);
    expectHostupError(await call("GET", `${base}/lobe-production`, { headers: hu() }), 404, "NOT_FOUND");
  });

  it("there is no list-keys route", async () => {
    expectHostupError(await call("GET", keysPath(), { headers: hu() }), 405, "METHOD_NOT_ALLOWED");
  });
});

describe("faults", () => {
  it("status faults use the cloud's error shape and Retry-After, and count down", async () => {
    emu.injectFault({
      cloud: "nscale",
      method: "GET",
      path: `${new URL(keysUrl()).pathname}*`,
      times: 2,
      action: { kind: "status", status: 503, retryAfter: "2" },
    });
    for (let i = 0; i < 2; i++) {
      const res = await call("GET", keysUrl(), { headers: ns() });
      expectNscaleError(res, 503, "server_error");
      expect(res.headers["retry-after"]).toBe("2");
    }
    expect((await call("GET", keysUrl(), { headers: ns() })).status).toBe(200);
    expect(emu.requests.map((r) => r.fault ?? "-")).toEqual(["status", "status", "-"]);
    expect(emu.requests.map((r) => r.status)).toEqual([503, 503, 200]);
  });

  it("429 faults: empty body for Nscale, X-RateLimit-* headers for HostUp", async () => {
    emu.injectFault({ cloud: "nscale", action: { kind: "status", status: 429, retryAfter: "1" } });
    const n = await call("GET", keysUrl(), { headers: ns() });
    expect(n.status).toBe(429);
    expect(n.text).toBe("");
    expect(n.headers["retry-after"]).toBe("1");

    emu.injectFault({ cloud: "hostup", method: "POST", action: { kind: "status", status: 429, retryAfter: "3" } });
    const h = await call("POST", `${emu.hostupApiUrl}/object-storage/keys`, { headers: hu(), body: { label: "x" } });
    expectHostupError(h, 429, "RATE_LIMIT_EXCEEDED");
    expect(h.headers["retry-after"]).toBe("3");
    expect(h.headers["x-ratelimit-remaining"]).toBe("0");
    expect(h.headers["x-ratelimit-limit"]).toBeDefined();
    expect(new Date(String(h.headers["x-ratelimit-reset"])).getTime()).toBeGreaterThan(Date.now());
    expect(emu.inspect().hostup.keys).toHaveLength(1);
  });

  it("a status fault may carry a custom body and headers", async () => {
    emu.injectFault({
      cloud: "hostup",
      action: { kind: "status", status: 500, body: { code: "INTERNAL_ERROR", error: "Internal Server Error", message: "boom" }, headers: { "X-Extra": "1" } },
    });
    const res = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    expect(expectHostupError(res, 500, "INTERNAL_ERROR").message).toBe("boom");
    expect(res.headers["x-extra"]).toBe("1");
  });

  it("reset destroys the socket and does not apply the request", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "reset" } });
    await expect(call("POST", keysUrl(), { headers: ns(), body: SEED_REQUEST })).rejects.toThrow();
    expect(emu.inspect().nscale.keys).toEqual([]);
    expect(emu.requests.at(-1)).toMatchObject({ method: "POST", status: 0, fault: "reset" });
    await createNscaleKey("after-reset");
  });

  it("dropAfterCommit applies the request, then drops the connection", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", path: /\/accesskeys$/, action: { kind: "dropAfterCommit" } });
    await expect(call("POST", keysUrl(), { headers: ns(), body: SEED_REQUEST })).rejects.toThrow();
    const orphans = emu.inspect().nscale.keys;
    expect(orphans).toHaveLength(1);
    expect(orphans[0]?.name).toBe("bucket-admin-key");
    expect(emu.secretFor(orphans[0]!.accessKeyId)).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(emu.requests.at(-1)).toMatchObject({ status: 201, fault: "dropAfterCommit" });

    emu.injectFault({ cloud: "hostup", method: "POST", path: "/api/object-storage/keys", action: { kind: "dropAfterCommit" } });
    await expect(call("POST", `${emu.hostupApiUrl}/object-storage/keys`, { headers: hu(), body: { label: "lost" } })).rejects.toThrow();
    expect(emu.inspect().hostup.keys.map((k) => k.label)).toContain("lost");
  });

  it("delay holds the response, then handles the request normally", async () => {
    emu.injectFault({ cloud: "hostup", path: "/api/object-storage", action: { kind: "delay", ms: 250 } });
    const started = Date.now();
    const res = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(emu.requests.at(-1)).toMatchObject({ status: 200, fault: "delay" });
  });

  it("matches on cloud, method and path; Infinity lasts until clearFaults", async () => {
    emu.injectFault({ cloud: "hostup", method: "DELETE", times: Infinity, action: { kind: "status", status: 502 } });
    expect((await call("GET", keysUrl(), { headers: ns() })).status).toBe(200);
    expect((await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      expect((await call("DELETE", `${emu.hostupApiUrl}/object-storage/keys/x`, { headers: hu() })).status).toBe(502);
    }
    emu.clearFaults();
    expect((await call("DELETE", `${emu.hostupApiUrl}/object-storage/keys/x`, { headers: hu() })).status).toBe(404);
    expect(() => emu.injectFault({ times: 0, action: { kind: "reset" } })).toThrow(RangeError);
  });

  it("the rate limit answers 429 once the bucket is empty, and can be turned off", async () => {
    // One token, refilled every 2 s: deterministic for a burst of quick requests.
    emu.configure({ rateLimit: { requestsPerSecond: 0.5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call("GET", keysUrl(), { headers: ns() })).status);
    expect(statuses).toEqual([200, 429, 429, 429]);
    const h = await call("GET", `${emu.hostupApiUrl}/object-storage`, { headers: hu() });
    expectHostupError(h, 429, "RATE_LIMIT_EXCEEDED");
    expect(h.headers["retry-after"]).toMatch(/^[12]$/);
    expect(h.headers["x-ratelimit-limit"]).toBe("1");
    expect(emu.requests.filter((r) => r.fault === "rateLimit")).toHaveLength(4);
    emu.configure({ rateLimit: null });
    for (let i = 0; i < 5; i++) expect((await call("GET", keysUrl(), { headers: ns() })).status).toBe(200);
  });
});

describe("test hooks", () => {
  it("deleteOutOfBand removes keys at once", async () => {
    const n = await createNscaleKey("oob");
    emu.deleteOutOfBand("nscale", n.metadata.id);
    expectNscaleError(await getNscaleKey(n.metadata.id), 404, "not_found");
    const h = await createHostupKey("oob");
    emu.deleteOutOfBand("hostup", h.accessKey);
    const del = await call("DELETE", `${emu.hostupApiUrl}/object-storage/keys/${Buffer.from(h.accessKey).toString("base64")}`, { headers: hu() });
    expectHostupError(del, 404, "NOT_FOUND");
    expect(() => emu.deleteOutOfBand("nscale", n.metadata.id)).toThrow();
  });

  it("reset restores the seeded state, options and an empty request log", async () => {
    emu.configure({ nscale: { createStatus: "provisioned" } });
    await createNscaleKey("x");
    await createHostupKey("y");
    emu.injectFault({ action: { kind: "status", status: 500 } });
    emu.reset();
    expect(emu.requests).toEqual([]);
    expect(emu.inspect().nscale.keys).toEqual([]);
    expect(emu.inspect().hostup.keys).toHaveLength(1);
    const again = await createNscaleKey("x");
    expect(again.metadata.provisioningStatus).toBe("provisioning");
    expect(emu.requests[0]).toMatchObject({ seq: 1, cloud: "nscale", method: "POST", status: 201 });
  });

  it("the request log and the logger never carry tokens, API keys or secrets", async () => {
    const lines: string[] = [];
    const logged = await startEmulator({ log: (line) => lines.push(line) });
    try {
      const n = await call("POST", `${logged.nscaleApiUrl}/api/v1/objectstorageendpoints/${logged.endpointId}/accesskeys`, {
        headers: { authorization: `Bearer ${logged.nscaleToken}` },
        body: SEED_REQUEST,
      });
      const h = await call("POST", `${logged.hostupApiUrl}/object-storage/keys`, { headers: { "x-api-key": logged.hostupApiKey }, body: { label: "l" } });
      const secrets = [
        logged.nscaleToken,
        logged.hostupApiKey,
        nscale.AccessKeyCreateResponse.parse(n.json).spec.secret,
        hostup.KeyCreateResponse.parse(h.json).data.key.secretKey,
      ];
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^nscale POST \/api\/v1\/objectstorageendpoints\/.+\/accesskeys -> 201/);
      const everything = lines.join("\n") + JSON.stringify(logged.requests) + JSON.stringify(logged.inspect());
      for (const secret of secrets) expect(everything).not.toContain(secret);
    } finally {
      await logged.close();
    }
  });

  it("close() returns while a delayed request is pending", async () => {
    const other = await startEmulator();
    other.injectFault({ action: { kind: "delay", ms: 60_000 } });
    const pending = call("GET", `${other.url}/api/version`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
