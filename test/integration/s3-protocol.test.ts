/**
 * The emulator's S3 wire details, request by request: aws-chunked bodies (signed chunks checked
 * against the example in AWS's SigV4 streaming documentation, trailers), flexible checksums,
 * DeleteObjects and ListObjectsV2 paging and escaping.
 */
import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { request } from "undici";
import type { Emulator } from "../../src/emulator";
import { verifySigV4 } from "../../src/emulator/sigv4";
import { ProviderApiError } from "../../src/errors";
import { S3Client } from "../../src/s3/client";
import { parseXml } from "../../src/s3/xml";
import { encodeSegment as encode, s3Request, s3Signer, sha256, xmlCode, type S3Call } from "./s3-support";
import { nscaleAccessKey, useEmulator, type S3Creds as Creds } from "./support";

let emu: Emulator;
useEmulator({ nscale: { createStatus: "provisioned" } }, (e) => (emu = e));

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
const nscaleKey = (identityPolicy = "bucket-admin") => nscaleAccessKey(emu, { identityPolicy });
/** A request signed with @smithy/signature-v4 (see s3Request: `payloadHash` for the STREAMING-* modes). */
const send = (k: Creds, method: string, path: string, opts: Omit<S3Call, "tamper"> = {}) => s3Request(emu.s3Url, k, method, path, opts);

/** Signs the request, then frames `chunks` as signed aws-chunked data (optionally with a signed trailer). */
async function sendSignedChunks(k: Creds, path: string, chunks: Buffer[], trailer?: { name: string; value: string }) {
  const date = new Date();
  const amzDate = date.toISOString().replace(/[-:]|\.\d{3}/g, "");
  const scope = `${amzDate.slice(0, 8)}/${k.region}/s3/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${k.secretAccessKey}`, amzDate.slice(0, 8)), k.region), "s3"), "aws4_request");
  const decodedLength = chunks.reduce((n, c) => n + c.length, 0);
  const headers: Record<string, string> = {
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": String(decodedLength),
    ...(trailer ? { "x-amz-trailer": trailer.name } : {}),
  };
  // The seed signature depends only on the headers, so sign once to learn it, then frame the body.
  const url = new URL(emu.s3Url);
  const payloadHash = trailer ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" : "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  const signed = await s3Signer(k).sign(
    {
      method: "PUT",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path,
      query: {},
      headers: { host: url.host, "x-amz-content-sha256": payloadHash, ...headers },
    },
    { signingDate: date },
  );
  let previous = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? "";
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const sig = hmac(key, ["AWS4-HMAC-SHA256-PAYLOAD", amzDate, scope, previous, sha256(""), sha256(chunk)].join("\n")).toString("hex");
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${sig}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from("\r\n"));
    previous = sig;
  }
  if (trailer) {
    const canonical = `${trailer.name}:${trailer.value}\n`;
    const sig = hmac(key, ["AWS4-HMAC-SHA256-TRAILER", amzDate, scope, previous, sha256(canonical)].join("\n")).toString("hex");
    parts.push(Buffer.from(`${trailer.name}:${trailer.value}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`));
  } else {
    parts.push(Buffer.from("\r\n"));
  }
  return { headers: signed.headers, body: Buffer.concat(parts) };
}

async function raw(path: string, headers: Record<string, string>, body: Buffer) {
  const res = await request(`${emu.s3Url}${path}`, { method: "PUT", headers, body });
  return { status: res.statusCode, body: await res.body.text() };
}

describe("aws-chunked bodies", () => {
  // docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: 66,560 bytes of "a" in 64 KiB chunks.
  const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  const CHUNK_SIGNATURES = [
    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
  ];
  const payload = Buffer.alloc(66_560, "a");
  const exampleBody = (data = payload) =>
    Buffer.concat([
      Buffer.from(`10000;chunk-signature=${CHUNK_SIGNATURES[0]}\r\n`),
      data.subarray(0, 65_536),
      Buffer.from(`\r\n400;chunk-signature=${CHUNK_SIGNATURES[1]}\r\n`),
      data.subarray(65_536),
      Buffer.from(`\r\n0;chunk-signature=${CHUNK_SIGNATURES[2]}\r\n\r\n`),
    ]);
  const example = (body: Buffer, decodedLength = "66560") =>
    verifySigV4(
      {
        method: "PUT",
        path: "/examplebucket/chunkObject.txt",
        rawQuery: "",
        headers: {
          host: "s3.amazonaws.com",
          "x-amz-date": "20130524T000000Z",
          "x-amz-storage-class": "REDUCED_REDUNDANCY",
          authorization:
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
            "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class," +
            `Signature=${SEED}`,
          "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
          "content-encoding": "aws-chunked",
          "x-amz-decoded-content-length": decodedLength,
          "content-length": "66824",
        },
        body,
      },
      (accessKeyId) => ({ cloud: "hostup", accessKeyId, secret: SECRET, region: "us-east-1" }),
      Date.UTC(2013, 4, 24),
    );

  it("verifies AWS's documented signed-chunk example and decodes it", async () => {
    expect(exampleBody().length).toBe(66_824); // the example's Content-Length
    const result = await example(exampleBody());
    expect(result.ok).toBe(true);
    expect(result.ok && result.body.equals(payload)).toBe(true);
  });

  it("refuses the example with one byte changed, a chunk missing, or another decoded length", async () => {
    const changed = Buffer.from(payload);
    changed[70_000 - 4_000] = 0x62;
    expect(await example(exampleBody(changed))).toMatchObject({ ok: false, error: { status: 403, code: "SignatureDoesNotMatch" } });
    const truncated = exampleBody().subarray(0, 65_600);
    expect(await example(truncated)).toMatchObject({ ok: false, error: { status: 400, code: "IncompleteBody" } });
    // x-amz-decoded-content-length is signed: changing it breaks the seed signature.
    expect(await example(exampleBody(), "66561")).toMatchObject({ ok: false, error: { status: 403, code: "SignatureDoesNotMatch" } });
  });

  it("stores signed chunks with and without a signed trailer, and refuses a forged chunk", async () => {
    const k = await nscaleKey();
    await send(k, "PUT", "/chunks");
    const chunks = [Buffer.from("first chunk, "), Buffer.from("second chunk")];
    const whole = Buffer.concat(chunks);
    const plain = await sendSignedChunks(k, "/chunks/plain", chunks);
    expect((await raw("/chunks/plain", plain.headers, plain.body)).status).toBe(200);
    const crc = createHash("sha256").update(whole).digest("base64");
    const trailed = await sendSignedChunks(k, "/chunks/trailed", chunks, { name: "x-amz-checksum-sha256", value: crc });
    expect((await raw("/chunks/trailed", trailed.headers, trailed.body)).status).toBe(200);
    for (const key of ["plain", "trailed"]) expect((await send(k, "GET", `/chunks/${key}`)).body).toBe(whole.toString());

    const forged = await sendSignedChunks(k, "/chunks/forged", chunks);
    const body = Buffer.from(forged.body.toString("latin1").replace("second", "SECOND"), "latin1");
    const res = await raw("/chunks/forged", forged.headers, body);
    expect({ status: res.status, code: xmlCode(res.body) }).toEqual({ status: 403, code: "SignatureDoesNotMatch" });

    const wrongSum = await sendSignedChunks(k, "/chunks/wrong-sum", chunks, { name: "x-amz-checksum-sha256", value: sha256("other") });
    const bad = await raw("/chunks/wrong-sum", wrongSum.headers, wrongSum.body);
    expect({ status: bad.status, code: xmlCode(bad.body) }).toEqual({ status: 400, code: "BadDigest" });
    expect(emu.inspect().s3.buckets[0]?.objects).toBe(2);
  });

  it("checks an unsigned body's trailing checksum", async () => {
    const k = await nscaleKey();
    await send(k, "PUT", "/unsigned");
    const frame = (crc: string) => Buffer.from(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc}\r\n\r\n`);
    const headers = { "content-encoding": "aws-chunked", "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32" };
    const opts = { payloadHash: "STREAMING-UNSIGNED-PAYLOAD-TRAILER", headers };
    expect((await send(k, "PUT", "/unsigned/ok", { ...opts, body: frame("NhCmhg==") })).status).toBe(200);
    const wrong = await send(k, "PUT", "/unsigned/wrong", { ...opts, body: frame("AAAAAA==") });
    expect({ status: wrong.status, code: xmlCode(wrong.body) }).toEqual({ status: 400, code: "BadDigest" });
    const missing = await send(k, "PUT", "/unsigned/missing", { ...opts, body: Buffer.from("5\r\nhello\r\n0\r\n\r\n") });
    expect({ status: missing.status, code: xmlCode(missing.body) }).toEqual({ status: 400, code: "MalformedTrailerError" });
    const short = await send(k, "PUT", "/unsigned/short", { ...opts, headers: { ...headers, "x-amz-decoded-content-length": "6" }, body: frame("NhCmhg==") });
    expect({ status: short.status, code: xmlCode(short.body) }).toEqual({ status: 400, code: "IncompleteBody" });
    expect((await send(k, "GET", "/unsigned/ok")).body).toBe("hello");
    expect(emu.inspect().s3.buckets[0]?.objects).toBe(1);
  });
});

describe("flexible checksums", () => {
  it("verifies CRC32, CRC32C, SHA-256 and Content-MD5 headers and echoes what it verified", async () => {
    const k = await nscaleKey();
    await send(k, "PUT", "/sums");
    const body = "123456789";
    const ok = await send(k, "PUT", "/sums/crc32c", { body, headers: { "x-amz-sdk-checksum-algorithm": "CRC32C", "x-amz-checksum-crc32c": "4waSgw==" } });
    expect(ok.status).toBe(200);
    expect(ok.headers["x-amz-checksum-crc32c"]).toBe("4waSgw==");
    expect((await send(k, "PUT", "/sums/crc32", { body, headers: { "x-amz-checksum-crc32": "y/Q5Jg==" } })).status).toBe(200);
    const md5 = createHash("md5").update(body).digest("base64");
    expect((await send(k, "PUT", "/sums/md5", { body, headers: { "content-md5": md5 } })).status).toBe(200);
    const wrong: Array<Record<string, string>> = [
      { "x-amz-checksum-crc32c": "AAAAAA==" },
      { "x-amz-checksum-sha256": createHash("sha256").update("x").digest("base64") },
      { "content-md5": createHash("md5").update("x").digest("base64") },
    ];
    for (const headers of wrong) {
      const res = await send(k, "PUT", "/sums/bad", { body, headers });
      expect({ status: res.status, code: xmlCode(res.body) }).toEqual({ status: 400, code: "BadDigest" });
    }
    expect(emu.inspect().s3.buckets[0]?.objects).toBe(3);
  });
});

describe("DeleteObjects", () => {
  it("needs a body checksum and a well-formed <Delete> of at most 1,000 keys", async () => {
    const k = await nscaleKey();
    await send(k, "PUT", "/del");
    const doc = (n: number) => `<Delete>${Array.from({ length: n }, (_, i) => `<Object><Key>k${i}</Key></Object>`).join("")}</Delete>`;
    const md5 = (s: string) => ({ "content-md5": createHash("md5").update(s).digest("base64") });
    const noSum = await send(k, "POST", "/del", { query: { delete: "" }, body: doc(1) });
    expect({ status: noSum.status, code: xmlCode(noSum.body) }).toEqual({ status: 400, code: "InvalidRequest" });
    for (const body of [doc(1001), "<Delete><Object><Key>a</Key></Object>", "<Delete></Delete>"]) {
      const res = await send(k, "POST", "/del", { query: { delete: "" }, body, headers: md5(body) });
      expect({ status: res.status, code: xmlCode(res.body) }).toEqual({ status: 400, code: "MalformedXML" });
    }
    const ok = await send(k, "POST", "/del", { query: { delete: "" }, body: doc(2), headers: md5(doc(2)) });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("<Deleted><Key>k0</Key></Deleted><Deleted><Key>k1</Key></Deleted>");
  });

  it("reports keys the policy does not let the key delete, and S3Client.deleteObjects names them", async () => {
    const admin = await nscaleKey("bucket-admin");
    const reader = await nscaleKey("bucket-readonly");
    const options = (k: Creds) => ({ endpoint: emu.s3Url, region: k.region, credentials: k });
    const adminClient = new S3Client(options(admin));
    await adminClient.createBucket("guarded");
    for (const key of ["a & b", "<c>", "d"]) await adminClient.putObject("guarded", key, "x");
    const err = await new S3Client(options(reader)).deleteObjects("guarded", ["a & b", "<c>", "d"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderApiError);
    expect(err).toMatchObject({ cloud: "s3", status: 200, code: "AccessDenied" });
    expect(err instanceof Error ? err.message : String(err)).toContain(
      '3 of 3 keys were not deleted: "a & b" (AccessDenied: Access Denied), "<c>" (AccessDenied',
    );
    expect(emu.inspect().s3.buckets[0]?.objects).toBe(3);
    expect(await adminClient.emptyBucket("guarded")).toEqual({ objects: 3, requests: 2 });
  });
});

describe("ListObjectsV2", () => {
  it("pages with max-keys, start-after and prefix, escapes keys, and encodes them on request", async () => {
    const k = await nscaleKey();
    await send(k, "PUT", "/lst");
    const keys = ["p/a&b", "p/<c>", "p/'d' \"e\"", "p/f g", "q/x"];
    for (const key of keys) await send(k, "PUT", `/lst/${key.split("/").map(encode).join("/")}`, { body: "1" });
    const list = (query: Record<string, string>) => send(k, "GET", "/lst", { query: { "list-type": "2", ...query } });

    const escaped = await list({ prefix: "p/" });
    expect(escaped.body).toContain("<Key>p/a&amp;b</Key>");
    expect(escaped.body).toContain("<Key>p/&lt;c&gt;</Key>");
    expect(escaped.body).toContain("<KeyCount>4</KeyCount>");
    expect(escaped.body).not.toContain("q/x");

    // Sorted: p/'d' "e", p/<c>, p/a&b, p/f g, q/x.
    const after = await list({ "start-after": "p/'d' \"e\"", "max-keys": "2" });
    expect([...after.body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1])).toEqual(["p/&lt;c&gt;", "p/a&amp;b"]);
    expect(parseXml(after.body)).toMatchObject({ ListBucketResult: { StartAfter: "p/'d' \"e\"", IsTruncated: "true", KeyCount: "2" } });

    const encoded = await list({ "encoding-type": "url", prefix: "p/" });
    expect(encoded.body).toContain("<EncodingType>url</EncodingType>");
    expect(encoded.body).toContain("<Key>p/f%20g</Key>");
    expect(encoded.body).toContain("<Key>p/%27d%27%20%22e%22</Key>");

    const badMax = await list({ "max-keys": "many" });
    expect({ status: badMax.status, code: xmlCode(badMax.body) }).toEqual({ status: 400, code: "InvalidArgument" });
  });
});
