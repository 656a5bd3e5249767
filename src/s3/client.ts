/** A path-style S3 client: buckets, objects, paginated listing and batch deletes. */
import { createHash } from "node:crypto";
import { ProviderApiError } from "../errors";
import { DeleteResult, ListBucketResult } from "./schemas";
import { bucketPath, objectPath, S3Transport, type S3ClientOptions, type S3RequestOptions, type S3Response } from "./transport";
import { buildXml, parseXml } from "./xml";

export type { S3ClientOptions, S3Credentials, S3RequestOptions, S3Response } from "./transport";
export { probeKey, type KeyProbe } from "./probe";

/** The most pages one listing may have (100 million objects at S3's 1,000 a page). */
export const MAX_LIST_PAGES = 100_000;

/** S3's limit for one DeleteObjects request. */
export const MAX_DELETE_BATCH = 1000;
/** How many failed keys a DeleteObjects error names. */
const NAMED_FAILURES = 5;

export class S3Client {
  private readonly transport: S3Transport;
  /** `scheme://host:port` of the S3 endpoint, for messages. */
  private readonly endpoint: string;

  constructor(options: S3ClientOptions) {
    this.transport = new S3Transport(options);
    this.endpoint = this.transport.endpoint.origin;
  }

  /** One signed request; `path` is already percent-encoded (bucket and key segments). */
  send(method: string, path: string, opts: S3RequestOptions = {}): Promise<S3Response> {
    return this.transport.send(method, path, opts);
  }

  async headBucket(bucket: string): Promise<boolean> {
    const res = await this.send("HEAD", bucketPath(bucket));
    if (res.status === 404) return false;
    if (res.status !== 200) fail(`head bucket ${bucket}`, res);
    return true;
  }

  async createBucket(bucket: string): Promise<void> {
    const res = await this.send("PUT", bucketPath(bucket));
    if (res.status === 200 || (res.status === 409 && res.errorCode === "BucketAlreadyOwnedByYou")) return;
    fail(`create bucket ${bucket}`, res);
  }

  async deleteBucket(bucket: string): Promise<"deleted" | "gone"> {
    const res = await this.send("DELETE", bucketPath(bucket));
    if (res.status === 204 || res.status === 200) return "deleted";
    if (res.status === 404) return "gone";
    fail(`delete bucket ${bucket}`, res);
  }

  async putObject(bucket: string, key: string, body: string | Buffer, contentType = "application/octet-stream"): Promise<void> {
    const res = await this.send("PUT", objectPath(bucket, key), { body, headers: { "content-type": contentType } });
    if (res.status !== 200) fail(`put object ${bucket}/${key}`, res);
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const res = await this.send("GET", objectPath(bucket, key), { maxBodyBytes: Infinity });
    if (res.status !== 200) fail(`get object ${bucket}/${key}`, res);
    return res.body;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const res = await this.send("DELETE", objectPath(bucket, key));
    if (res.status !== 204 && res.status !== 200 && res.status !== 404) fail(`delete object ${bucket}/${key}`, res);
  }

  /**
   * Every key in the bucket, one ListObjectsV2 page (up to 1,000 keys) at a time; an empty bucket is
   * one empty page. Always ends: a continuation token seen before, or more than `maxPages` pages
   * (default MAX_LIST_PAGES), is an error naming the bucket and the endpoint, never a loop.
   */
  async *listObjectKeys(bucket: string, opts: { maxPages?: number } = {}): AsyncGenerator<string[], void, undefined> {
    const maxPages = opts.maxPages ?? MAX_LIST_PAGES;
    const seen = new Set<string>();
    let token: string | undefined;
    for (let pages = 1; ; pages++) {
      const operation = `list objects in bucket ${bucket}`;
      const res = await this.send("GET", bucketPath(bucket), {
        query: { "list-type": "2", ...(token !== undefined ? { "continuation-token": token } : {}) },
      });
      if (res.status !== 200) fail(operation, res);
      const page = ListBucketResult.safeParse(parseXml(res.body.toString("utf8")));
      if (!page.success) unexpected(operation, res, "the response is not a ListObjectsV2 result");
      const { IsTruncated, NextContinuationToken, Contents } = page.data.ListBucketResult;
      yield Contents.map((c) => c.Key);
      if (!IsTruncated) return;
      // A truncated page without a fresh token would list the same pages forever.
      if (!NextContinuationToken) unexpected(operation, res, "a truncated page carries no NextContinuationToken");
      if (seen.has(NextContinuationToken) || NextContinuationToken === token) {
        unexpected(
          operation,
          res,
          `the listing at ${this.endpoint} handed out a continuation token it had already given (seen before, after ${pages} pages), so it would never end`,
        );
      }
      if (pages >= maxPages) {
        unexpected(
          operation,
          res,
          `the listing at ${this.endpoint} still had more after more than ${maxPages} pages (the bound on one listing: ${maxPages * 1000} objects at 1,000 a page)`,
        );
      }
      seen.add(NextContinuationToken);
      token = NextContinuationToken;
    }
  }

  /** DeleteObjects in quiet mode, 1,000 keys a request; throws naming the first keys S3 did not delete. */
  async deleteObjects(bucket: string, keys: readonly string[]): Promise<{ objects: number; requests: number }> {
    let requests = 0;
    for (let i = 0; i < keys.length; i += MAX_DELETE_BATCH) {
      const batch = keys.slice(i, i + MAX_DELETE_BATCH);
      await this.deleteBatch(bucket, batch);
      requests++;
    }
    return { objects: keys.length, requests };
  }

  /** Deletes every object (current versions; a versioned bucket keeps its older versions). */
  async emptyBucket(bucket: string): Promise<{ objects: number; requests: number }> {
    let objects = 0;
    let requests = 0;
    for await (const keys of this.listObjectKeys(bucket)) {
      requests++;
      const deleted = await this.deleteObjects(bucket, keys);
      objects += deleted.objects;
      requests += deleted.requests;
    }
    return { objects, requests };
  }

  private async deleteBatch(bucket: string, keys: readonly string[]): Promise<void> {
    const operation = `delete objects in bucket ${bucket}`;
    const body = buildXml({
      Delete: { "@_xmlns": "http://s3.amazonaws.com/doc/2006-03-01/", Quiet: "true", Object: keys.map((Key) => ({ Key })) },
    });
    const res = await this.send("POST", bucketPath(bucket), {
      query: { delete: "" },
      body,
      // S3 refuses a DeleteObjects request that carries no body checksum.
      headers: { "content-type": "application/xml", "content-md5": createHash("md5").update(body).digest("base64") },
    });
    if (res.status !== 200) fail(operation, res);
    const result = DeleteResult.safeParse(parseXml(res.body.toString("utf8")));
    if (!result.success) unexpected(operation, res, "the response is not a DeleteObjects result");
    const errors = typeof result.data.DeleteResult === "string" ? [] : result.data.DeleteResult.Error;
    if (errors.length === 0) return;
    const named = errors
      .slice(0, NAMED_FAILURES)
      .map((e) => `${JSON.stringify(e.Key ?? "")} (${e.Code ?? "no code"}${e.Message ? `: ${e.Message}` : ""})`)
      .join(", ");
    throw new ProviderApiError({
      cloud: "s3",
      serviceName: "S3",
      operation,
      status: res.status,
      code: errors[0]?.Code,
      providerMessage: `${errors.length} of ${keys.length} keys were not deleted: ${named}${errors.length > NAMED_FAILURES ? ", ..." : ""}`,
      requestId: requestId(res),
      hint: "The other keys of the batch were deleted; fix the cause (often permissions or object lock) and delete again.",
    });
  }
}

function requestId(res: S3Response): string | undefined {
  const id = res.headers["x-amz-request-id"];
  return typeof id === "string" ? id : undefined;
}

function fail(operation: string, res: S3Response): never {
  throw new ProviderApiError({
    cloud: "s3",
    serviceName: "S3",
    operation,
    status: res.status,
    code: res.errorCode,
    providerMessage: res.errorMessage,
    requestId: requestId(res),
    hint:
      res.errorCode === "InvalidAccessKeyId"
        ? "The access key does not exist (deleted, or not provisioned yet)."
        : res.errorCode === "SignatureDoesNotMatch"
          ? "The secret access key does not match the access key ID."
          : undefined,
  });
}

function unexpected(operation: string, res: S3Response, what: string): never {
  throw new ProviderApiError({
    cloud: "s3",
    serviceName: "S3",
    operation,
    status: res.status,
    code: "UNEXPECTED_RESPONSE",
    providerMessage: what,
    requestId: requestId(res),
  });
}
