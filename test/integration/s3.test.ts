/**
 * The emulator's S3 listener: every request is signed here with @smithy/signature-v4 directly
 * (no project client), then checked for the S3 codes a real endpoint would answer.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import * as hostup from "../../src/clouds/hostup/schemas";
import type { Emulator } from "../../src/emulator";
import { encodeSegment, s3Request, s3Signer, xmlCode, type S3Call, type S3Reply } from "./s3-support";
import { hostupAccessKey, nscaleAccessKey, useEmulator, type S3Creds as Creds } from "./support";

let emu: Emulator;
useEmulator({ nscale: { createStatus: "provisioned" } }, (e) => (emu = e));

const s3Path = (bucket?: string, key?: string) =>
  bucket === undefined ? "/" : `/${bucket}${key === undefined ? "" : `/${key.split("/").map(encodeSegment).join("/")}`}`;
const s3 = (creds: Creds | undefined, method: string, path: string, opts: S3Call = {}) => s3Request(emu.s3Url, creds, method, path, opts);
const nscaleKey = (identityPolicy = "bucket-admin") => nscaleAccessKey(emu, { identityPolicy });
const hostupKey = () => hostupAccessKey(emu, "s3-test");

function expectS3Error(res: S3Reply, status: number, code: string) {
  expect({ status: res.status, code: xmlCode(res.body) }).toEqual({ status, code });
  expect(res.headers["content-type"]).toBe("application/xml");
  expect(res.body).toMatch(/<Error><Code>.+<\/Code><Message>.+<\/Message>.*<RequestId>[0-9A-F]+<\/RequestId><\/Error>/);
}

describe("S3 with a valid signature", () => {
  it("supports the bucket and object operations with an Nscale key", async () => {
    const k = await nscaleKey();
    const list0 = await s3(k, "GET", "/");
    expect(list0.status).toBe(200);
    expect(list0.body).toContain("<ListAllMyBucketsResult");
    expect(list0.body).toContain("<Buckets></Buckets>");

    expect((await s3(k, "PUT", s3Path("data"))).status).toBe(200);
    expect((await s3(k, "HEAD", s3Path("data"))).status).toBe(200);
    expect((await s3(k, "GET", "/")).body).toContain("<Name>data</Name>");

    const put = await s3(k, "PUT", s3Path("data", "dir/hello world.txt"), {
      body: "hello",
      headers: { "content-type": "text/plain", "x-amz-meta-color": "blue" },
    });
    expect(put.status).toBe(200);
    expect(put.headers.etag).toBe(`"${createHash("md5").update("hello").digest("hex")}"`);
    await s3(k, "PUT", s3Path("data", "top.txt"), { body: "x", payloadHash: "UNSIGNED-PAYLOAD" });

    const get = await s3(k, "GET", s3Path("data", "dir/hello world.txt"));
    expect(get).toMatchObject({ status: 200, body: "hello" });
    expect(get.headers["content-type"]).toBe("text/plain");
    expect(get.headers["x-amz-meta-color"]).toBe("blue");
    const head = await s3(k, "HEAD", s3Path("data", "top.txt"));
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe("1");

    const listed = await s3(k, "GET", s3Path("data"), { query: { "list-type": "2", delimiter: "/" } });
    expect(listed.status).toBe(200);
    expect(listed.body).toContain("<Key>top.txt</Key>");
    expect(listed.body).toContain("<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>");
    const page = await s3(k, "GET", s3Path("data"), { query: { "list-type": "2", "max-keys": "1" } });
    expect(page.body).toContain("<IsTruncated>true</IsTruncated>");
    const token = /<NextContinuationToken>([^<]+)</.exec(page.body)?.[1] ?? "";
    const page2 = await s3(k, "GET", s3Path("data"), { query: { "list-type": "2", "max-keys": "1", "continuation-token": token } });
    expect(page2.body).toContain("<Key>top.txt</Key>");
    expect(page2.body).toContain("<IsTruncated>false</IsTruncated>");
    const location = await s3(k, "GET", s3Path("data"), { query: { location: "" } });
    expect(location.body).toContain("<LocationConstraint");

    expectS3Error(await s3(k, "DELETE", s3Path("data")), 409, "BucketNotEmpty");
    expectS3Error(await s3(k, "GET", s3Path("data", "missing")), 404, "NoSuchKey");
    expect((await s3(k, "DELETE", s3Path("data", "dir/hello world.txt"))).status).toBe(204);
    expect((await s3(k, "DELETE", s3Path("data", "top.txt"))).status).toBe(204);
    expect((await s3(k, "DELETE", s3Path("data"))).status).toBe(204);
    expect((await s3(k, "HEAD", s3Path("data"))).status).toBe(404);
    expectS3Error(await s3(k, "GET", s3Path("data", "x")), 404, "NoSuchBucket");
    expect(emu.requests.every((r) => r.cloud !== "s3" || !r.path.includes("?"))).toBe(true);
  });

  it("shares HostUp buckets between the control plane and S3", async () => {
    const k = await hostupKey();
    await request(`${emu.hostupApiUrl}/object-storage/buckets`, {
      method: "POST",
      headers: { "x-api-key": emu.hostupApiKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "from-api" }),
    }).then((r) => r.body.dump());
    expect((await s3(k, "GET", "/")).body).toContain("<Name>from-api</Name>");
    expect((await s3(k, "PUT", s3Path("from-api", "a.bin"), { body: "abc" })).status).toBe(200);
    expect((await s3(k, "PUT", s3Path("from-s3"))).status).toBe(200);
    expectS3Error(await s3(k, "PUT", s3Path("from-s3")), 409, "BucketAlreadyOwnedByYou");
    expectS3Error(await s3(k, "PUT", s3Path("Bad_Name")), 400, "InvalidBucketName");

    const status = await request(`${emu.hostupApiUrl}/object-storage`, { headers: { "x-api-key": emu.hostupApiKey } });
    expect(hostup.ServiceStatusResponse.parse(await status.body.json()).data).toMatchObject({
      bucketCount: 2,
      usage: { numObjects: 1, sizeBytes: 3 },
    });
    expect(
      emu
        .inspect()
        .s3.buckets.map((b) => `${b.owner}:${b.name}:${b.objects}`)
        .sort(),
    ).toEqual(["hostup:from-api:1", "hostup:from-s3:0"]);
  });

  it("accepts presigned URLs (HostUp H8) until they expire", async () => {
    const k = await hostupKey();
    await s3(k, "PUT", s3Path("shared"));
    await s3(k, "PUT", s3Path("shared", "doc.pdf"), { body: "%PDF" });
    const res = await request(`${emu.hostupApiUrl}/object-storage/buckets/shared/presign`, {
      method: "POST",
      headers: { "x-api-key": emu.hostupApiKey, "content-type": "application/json" },
      body: JSON.stringify({ key: "doc.pdf", action: "download" }),
    });
    const { url, expiresIn } = ((await res.body.json()) as { data: { url: string; expiresIn: number } }).data;
    expect(expiresIn).toBe(900);
    expect(url).toContain("X-Amz-Signature=");
    const got = await request(url);
    expect({ status: got.statusCode, body: await got.body.text() }).toEqual({ status: 200, body: "%PDF" });

    const tampered = await request(url.replace("doc.pdf", "other.pdf"));
    expect(xmlCode(await tampered.body.text())).toBe("SignatureDoesNotMatch");

    const u = new URL(emu.s3Url);
    const old = await s3Signer(k).presign(
      { method: "GET", protocol: "http:", hostname: u.hostname, port: Number(u.port), path: "/shared/doc.pdf", query: {}, headers: { host: u.host } },
      { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) },
    );
    const q = Object.entries(old.query ?? {})
      .map(([n, v]) => `${n}=${encodeSegment(String(v))}`)
      .join("&");
    const expired = await request(`${emu.s3Url}/shared/doc.pdf?${q}`);
    const body = await expired.body.text();
    expect({ status: expired.statusCode, code: xmlCode(body) }).toEqual({ status: 403, code: "AccessDenied" });
    expect(body).toContain("expired");
  });
});

describe("S3 authentication failures", () => {
  it("missing auth is AccessDenied", async () => {
    expectS3Error(await s3(undefined, "GET", "/"), 403, "AccessDenied");
  });

  it("a tampered signature, path, header or a wrong secret is SignatureDoesNotMatch", async () => {
    const k = await nscaleKey();
    await s3(k, "PUT", s3Path("bkt1"));
    const flipLastHex = (r: { headers: Record<string, string> }) => {
      const auth = r.headers.authorization ?? "";
      r.headers.authorization = auth.slice(0, -1) + (auth.endsWith("0") ? "1" : "0");
    };
    expectS3Error(await s3(k, "GET", "/", { tamper: flipLastHex }), 403, "SignatureDoesNotMatch");
    expectS3Error(await s3(k, "GET", "/", { tamper: (r) => (r.headers.authorization = (r.headers.authorization ?? "") + "00") }), 403, "SignatureDoesNotMatch");
    expectS3Error(await s3(k, "GET", s3Path("bkt1", "x"), { tamper: (r) => (r.path = s3Path("bkt1", "y")) }), 403, "SignatureDoesNotMatch");
    const head = await s3(k, "HEAD", s3Path("bkt1"), { tamper: (r) => (r.path = "/bkt2") });
    expect(head.status).toBe(403); // HEAD answers carry no body
    expectS3Error(await s3({ ...k, secretAccessKey: "0".repeat(40) }, "GET", "/"), 403, "SignatureDoesNotMatch");
    expectS3Error(await s3(k, "GET", "/", { tamper: (r) => (r.headers["x-amz-date"] = "20200101T000000Z") }), 403, "RequestTimeTooSkewed");
  });

  it("a body that does not match the signed hash is XAmzContentSHA256Mismatch", async () => {
    const k = await nscaleKey();
    await s3(k, "PUT", s3Path("bkt1"));
    const res = await s3(k, "PUT", s3Path("bkt1", "o"), { body: "original", tamper: (r) => (r.body = "modified") });
    expectS3Error(res, 400, "XAmzContentSHA256Mismatch");
    expect(emu.inspect().s3.buckets[0]?.objects).toBe(0);
  });

  it("unsigned x-amz-* headers are refused", async () => {
    const k = await nscaleKey();
    const res = await s3(k, "GET", "/", { tamper: (r) => (r.headers["x-amz-meta-late"] = "1") });
    expectS3Error(res, 403, "AccessDenied");
  });

  it("an unknown key, a deleted Nscale key, a deleted HostUp key and a still-provisioning key are InvalidAccessKeyId", async () => {
    expectS3Error(
      await s3({ accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secretAccessKey: "x".repeat(40), region: "us-east-1" }, "GET", "/"),
      403,
      "InvalidAccessKeyId",
    );

    const n = await nscaleKey();
    expect((await s3(n, "GET", "/")).status).toBe(200);
    await request(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys/${n.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${emu.nscaleToken}` },
    }).then((r) => r.body.dump());
    expectS3Error(await s3(n, "GET", "/"), 403, "InvalidAccessKeyId");

    const h = await hostupKey();
    expect((await s3(h, "GET", "/")).status).toBe(200);
    emu.deleteOutOfBand("hostup", h.accessKeyId);
    expectS3Error(await s3(h, "GET", "/"), 403, "InvalidAccessKeyId");

    emu.configure({ nscale: { createStatus: "provisioning" } });
    const young = await nscaleKey();
    expectS3Error(await s3(young, "GET", "/"), 403, "InvalidAccessKeyId");
    emu.setNscaleKeyStatus(young.id, "provisioned");
    expect((await s3(young, "GET", "/")).status).toBe(200);
  });

  it("a date more than 15 minutes off is RequestTimeTooSkewed, in either direction", async () => {
    const k = await hostupKey();
    expectS3Error(await s3(k, "GET", "/", { date: new Date(Date.now() - 16 * 60_000) }), 403, "RequestTimeTooSkewed");
    expectS3Error(await s3(k, "GET", "/", { date: new Date(Date.now() + 16 * 60_000) }), 403, "RequestTimeTooSkewed");
    expect((await s3(k, "GET", "/", { date: new Date(Date.now() - 10 * 60_000) })).status).toBe(200);
  });

  it("the wrong signing region is AuthorizationHeaderMalformed", async () => {
    const k = await hostupKey();
    const res = await s3({ ...k, region: "us-east-1" }, "GET", "/");
    expectS3Error(res, 400, "AuthorizationHeaderMalformed");
    expect(res.body).toContain("expecting 'eu-north-1'");
  });
});

describe("S3 authorisation", () => {
  it("a key sees only its own cloud's buckets and is denied the other's", async () => {
    const n = await nscaleKey();
    const h = await hostupKey();
    await s3(n, "PUT", s3Path("nscale-bucket"));
    await s3(n, "PUT", s3Path("nscale-bucket", "secret.txt"), { body: "n" });
    await s3(h, "PUT", s3Path("hostup-bucket"));

    const hostupList = (await s3(h, "GET", "/")).body;
    expect(hostupList).toContain("hostup-bucket");
    expect(hostupList).not.toContain("nscale-bucket");
    expect((await s3(n, "GET", "/")).body).not.toContain("hostup-bucket");

    expectS3Error(await s3(h, "GET", s3Path("nscale-bucket", "secret.txt")), 403, "AccessDenied");
    expectS3Error(await s3(h, "GET", s3Path("nscale-bucket"), { query: { "list-type": "2" } }), 403, "AccessDenied");
    expectS3Error(await s3(h, "DELETE", s3Path("nscale-bucket")), 403, "AccessDenied");
    expectS3Error(await s3(n, "PUT", s3Path("hostup-bucket", "x"), { body: "x" }), 403, "AccessDenied");
    expectS3Error(await s3(h, "PUT", s3Path("nscale-bucket")), 409, "BucketAlreadyExists");
    expect(emu.inspect().s3.buckets.find((b) => b.name === "nscale-bucket")).toMatchObject({ owner: "nscale", objects: 1, endpointId: emu.endpointId });
  });

  it("an Nscale key is bound by its identity policy", async () => {
    const admin = await nscaleKey("bucket-admin");
    const reader = await nscaleKey("bucket-readonly");
    await s3(admin, "PUT", s3Path("shared"));
    await s3(admin, "PUT", s3Path("shared", "a"), { body: "a" });
    expect((await s3(reader, "GET", s3Path("shared", "a"))).body).toBe("a");
    expect((await s3(reader, "GET", s3Path("shared"), { query: { "list-type": "2" } })).status).toBe(200);
    expectS3Error(await s3(reader, "PUT", s3Path("shared", "b"), { body: "b" }), 403, "AccessDenied");
    expectS3Error(await s3(reader, "DELETE", s3Path("shared", "a")), 403, "AccessDenied");
    expectS3Error(await s3(reader, "PUT", s3Path("other")), 403, "AccessDenied");
  });

  it("unsupported operations are NotImplemented", async () => {
    const k = await hostupKey();
    await s3(k, "PUT", s3Path("bkt"));
    expectS3Error(await s3(k, "GET", s3Path("bkt"), { query: { acl: "" } }), 501, "NotImplemented");
    expectS3Error(await s3(k, "PUT", s3Path("bkt", "o"), { query: { uploads: "" } }), 501, "NotImplemented");
  });
});

describe("S3 faults", () => {
  it("status faults answer in the S3 XML shape", async () => {
    const k = await hostupKey();
    emu.injectFault({ cloud: "s3", action: { kind: "status", status: 503 } });
    expectS3Error(await s3(k, "GET", "/"), 503, "SlowDown");
    expect((await s3(k, "GET", "/")).status).toBe(200);
  });
});
