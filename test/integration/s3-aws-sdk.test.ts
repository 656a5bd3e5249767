/**
 * What users' apps send: the AWS SDK for JavaScript v3 with its default settings (flexible
 * checksums, `x-id`, aws-chunked streams with a trailing checksum) against the emulator's S3, with
 * the key and S3 endpoint each cloud's API hands out.
 */
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { request } from "undici";
import * as hostup from "../../src/clouds/hostup/schemas";
import * as nscale from "../../src/clouds/nscale/schemas";
import type { Emulator } from "../../src/emulator";
import { hostupAccessKey, nscaleAccessKey, randomKeyName, useEmulator } from "./support";

interface Key {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

let emu: Emulator;
useEmulator({ nscale: { createStatus: "provisioned" } }, (e) => (emu = e));

/** Nscale hands out a DNS name; the emulator's is already a URL. */
const asUrl = (dnsName: string) => (dnsName.includes("://") ? dnsName : `https://${dnsName}`);

async function nscaleKey(): Promise<Key> {
  const { accessKeyId, secretAccessKey } = await nscaleAccessKey(emu, { name: randomKeyName("sdk") });
  const base = `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}`;
  const endpoint = nscale.EndpointRead.parse(await (await request(base, { headers: { authorization: `Bearer ${emu.nscaleToken}` } })).body.json());
  const dnsName = endpoint.status.exposure?.public?.dnsName;
  if (!dnsName) throw new Error("the emulator's endpoint is not exposed");
  return { endpoint: asUrl(dnsName), region: "us-east-1", credentials: { accessKeyId, secretAccessKey } };
}

async function hostupKey(): Promise<Key> {
  const { accessKeyId, secretAccessKey } = await hostupAccessKey(emu, "sdk-test");
  const status = hostup.ServiceStatusResponse.parse(
    await (await request(`${emu.hostupApiUrl}/object-storage`, { headers: { "x-api-key": emu.hostupApiKey } })).body.json(),
  ).data;
  if (!status.endpoint || !status.awsRegion) throw new Error("HostUp reported no S3 endpoint or region");
  return { endpoint: status.endpoint, region: status.awsRegion, credentials: { accessKeyId, secretAccessKey } };
}

/** The SDK's defaults plus path style (the endpoints have no per-bucket DNS); every sent request's headers are kept. */
function sdkClient(key: Key): { client: S3Client; sent: Array<{ method: string; path: string; headers: Record<string, string> }> } {
  const client = new S3Client({ ...key, forcePathStyle: true });
  const sent: Array<{ method: string; path: string; headers: Record<string, string> }> = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { method?: string; path?: string; headers?: Record<string, string> };
      sent.push({ method: req.method ?? "", path: req.path ?? "", headers: { ...req.headers } });
      return next(args);
    },
    { step: "deserialize", name: "recordSentRequest" },
  );
  return { client, sent };
}

describe.each([
  { cloud: "nscale", key: nscaleKey },
  { cloud: "hostup", key: hostupKey },
])("the AWS SDK v3 with a $cloud key", ({ cloud, key }) => {
  it("creates a bucket, puts (string and stream), gets, lists, deletes objects and the bucket", async () => {
    const { client, sent } = sdkClient(await key());
    const Bucket = `sdk-${cloud}-bucket`;
    await client.send(new CreateBucketCommand({ Bucket }));
    expect((await client.send(new HeadBucketCommand({ Bucket }))).$metadata.httpStatusCode).toBe(200);

    const put = await client.send(new PutObjectCommand({ Bucket, Key: "hello.txt", Body: "hello, world", ContentType: "text/plain" }));
    expect(put.ETag).toBe('"e4d7f1b4ed2e42d15898f4b27b019da4"');
    const stringPut = sent.find((r) => r.method === "PUT" && r.path.endsWith("/hello.txt"));
    expect(stringPut?.headers["x-amz-checksum-crc32"]).toBeDefined();

    const chunks = [Buffer.alloc(70_000, "x"), Buffer.from(" and the tail")];
    const streamed = Buffer.concat(chunks);
    await client.send(new PutObjectCommand({ Bucket, Key: "dir/streamed file.bin", Body: Readable.from(chunks), ContentLength: streamed.length }));
    const streamPut = sent.find((r) => r.method === "PUT" && r.path.includes("streamed"));
    expect(streamPut?.headers).toMatchObject({
      "content-encoding": "aws-chunked",
      "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
      "x-amz-trailer": "x-amz-checksum-crc32",
    });

    const got = await client.send(new GetObjectCommand({ Bucket, Key: "hello.txt" }));
    expect({ body: await got.Body?.transformToString(), type: got.ContentType }).toEqual({ body: "hello, world", type: "text/plain" });
    const gotStream = await client.send(new GetObjectCommand({ Bucket, Key: "dir/streamed file.bin" }));
    expect(Buffer.from((await gotStream.Body?.transformToByteArray()) ?? []).equals(streamed)).toBe(true);
    expect((await client.send(new HeadObjectCommand({ Bucket, Key: "dir/streamed file.bin" }))).ContentLength).toBe(streamed.length);

    const odd = ["a & b", "<tag>", 'it\'s "quoted"', "日本/ü", "plus+sign"];
    for (const Key of odd) await client.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    const listed: string[] = [];
    let ContinuationToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket, MaxKeys: 3, ContinuationToken }));
      listed.push(...(page.Contents ?? []).map((c) => c.Key ?? ""));
      ContinuationToken = page.NextContinuationToken;
      pages++;
    } while (ContinuationToken);
    expect(pages).toBe(3);
    expect(listed).toEqual(["dir/streamed file.bin", "hello.txt", ...odd].sort());
    const delimited = await client.send(new ListObjectsV2Command({ Bucket, Delimiter: "/", Prefix: "" }));
    expect(delimited.CommonPrefixes?.map((p) => p.Prefix).sort()).toEqual(["dir/", "日本/"]);

    await client.send(new DeleteObjectCommand({ Bucket, Key: "hello.txt" }));
    const deleted = await client.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [...odd, "dir/streamed file.bin", "never-existed"].map((Key) => ({ Key })) } }),
    );
    expect(deleted.Errors ?? []).toEqual([]);
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual([...odd, "dir/streamed file.bin", "never-existed"].sort());
    expect((await client.send(new ListObjectsV2Command({ Bucket }))).KeyCount).toBe(0);
    await client.send(new DeleteBucketCommand({ Bucket }));
    await expect(client.send(new HeadBucketCommand({ Bucket }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
    expect(emu.requests.filter((r) => r.cloud === "s3" && r.status >= 400).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `HEAD /${Bucket}/ 404`, // the SDK addresses a bucket as /bucket/
    ]);
  });

  it("gets S3's error codes back as typed exceptions", async () => {
    const k = await key();
    const { client } = sdkClient(k);
    await expect(client.send(new GetObjectCommand({ Bucket: "no-such-bucket", Key: "x" }))).rejects.toMatchObject({ name: "NoSuchBucket" });
    await client.send(new CreateBucketCommand({ Bucket: `err-${cloud}` }));
    const missing = await client.send(new GetObjectCommand({ Bucket: `err-${cloud}`, Key: "missing" })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(S3ServiceException);
    expect(missing).toMatchObject({ name: "NoSuchKey" });
    const wrongSecret = sdkClient({ ...k, credentials: { ...k.credentials, secretAccessKey: "0".repeat(40) } }).client;
    await expect(wrongSecret.send(new PutObjectCommand({ Bucket: `err-${cloud}`, Key: "x", Body: "x" }))).rejects.toMatchObject({
      name: "SignatureDoesNotMatch",
    });
    const chunks = [Buffer.from("never "), Buffer.from("stored")];
    await expect(
      wrongSecret.send(new PutObjectCommand({ Bucket: `err-${cloud}`, Key: "y", Body: Readable.from(chunks), ContentLength: 12 })),
    ).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    expect(emu.inspect().s3.buckets.find((b) => b.name === `err-${cloud}`)?.objects).toBe(0);
  });
});
