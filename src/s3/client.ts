/**
 * A minimal path-style S3 client: requests signed with AWS Signature V4 by @smithy/signature-v4
 * (the AWS SDK's own signer) and sent with undici. Enough for what this library needs: probing
 * whether a key is alive, creating buckets with a key, and putting/getting objects.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { request } from "undici";
import { sharedDispatcher } from "../http/client";
import { ProviderApiError } from "../errors";
import { USER_AGENT } from "../version";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3ClientOptions {
  endpoint: string;
  region: string;
  credentials: S3Credentials;
}

export interface S3Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** S3 XML error code, when the response is an error document. */
  errorCode?: string;
  errorMessage?: string;
}

function xmlTag(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m?.[1];
}

export class S3Client {
  private readonly signer: SignatureV4;
  private readonly endpoint: URL;

  constructor(private readonly options: S3ClientOptions) {
    this.endpoint = new URL(options.endpoint);
    this.signer = new SignatureV4({
      credentials: options.credentials,
      region: options.region,
      service: "s3",
      sha256: Sha256,
      uriEscapePath: false,
    });
  }

  async send(method: string, path: string, opts: { query?: Record<string, string>; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<S3Response> {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const basePath = this.endpoint.pathname.replace(/\/$/, "");
    const fullPath = `${basePath}${path}`;
    const host = this.endpoint.host;
    const signed = await this.signer.sign({
      method,
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      path: fullPath,
      query: opts.query ?? {},
      headers: { host, ...(opts.headers ?? {}), ...(body ? { "content-length": String(body.length) } : {}) },
      body,
    });
    const qs = new URLSearchParams(opts.query ?? {}).toString();
    const url = `${this.endpoint.protocol}//${host}${fullPath}${qs ? `?${qs}` : ""}`;
    // undici sets Host itself from the URL; the signed value is identical.
    const { host: _signedHost, ...signedHeaders } = signed.headers as Record<string, string>;
    const headers = { ...signedHeaders, "user-agent": USER_AGENT };
    let res;
    try {
      // The same retrying pool as the API clients: GET/HEAD/DELETE retried on 429/502/503/504 and
      // resets (S3 throttles with 503 SlowDown); timeouts from OSK_HTTP_*_TIMEOUT_MS.
      res = await request(url, { method: method as "GET", headers, body, dispatcher: sharedDispatcher() });
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new ProviderApiError({
        cloud: "s3",
        operation: `${method} ${path}`,
        transportCode: e.code ?? e.name,
        providerMessage: `could not reach ${this.endpoint.origin}`,
        hint: "Check the s3Endpoint and network access.",
      });
    }
    const buf = Buffer.from(await res.body.arrayBuffer());
    const out: S3Response = { status: res.statusCode, headers: res.headers, body: buf };
    if (res.statusCode >= 300) {
      const text = buf.toString("utf8");
      out.errorCode = xmlTag(text, "Code");
      out.errorMessage = xmlTag(text, "Message");
    }
    return out;
  }

  private fail(operation: string, res: S3Response): never {
    throw new ProviderApiError({
      cloud: "s3",
      operation,
      status: res.status,
      code: res.errorCode,
      providerMessage: res.errorMessage,
      requestId: (res.headers["x-amz-request-id"] as string | undefined) ?? undefined,
      hint:
        res.errorCode === "InvalidAccessKeyId"
          ? "The access key does not exist (deleted, or not provisioned yet)."
          : res.errorCode === "SignatureDoesNotMatch"
            ? "The secret access key does not match the access key ID."
            : undefined,
    });
  }

  async listBuckets(): Promise<string[]> {
    const res = await this.send("GET", "/");
    if (res.status !== 200) this.fail("list buckets", res);
    const xml = res.body.toString("utf8");
    return [...xml.matchAll(/<Name>([^<]*)<\/Name>/g)].map((m) => m[1]!);
  }

  async headBucket(bucket: string): Promise<boolean> {
    const res = await this.send("HEAD", `/${encodeURIComponent(bucket)}`);
    if (res.status === 404) return false;
    if (res.status !== 200) this.fail(`head bucket ${bucket}`, res);
    return true;
  }

  async createBucket(bucket: string): Promise<void> {
    const res = await this.send("PUT", `/${encodeURIComponent(bucket)}`);
    if (res.status === 200 || (res.status === 409 && res.errorCode === "BucketAlreadyOwnedByYou")) return;
    this.fail(`create bucket ${bucket}`, res);
  }

  async deleteBucket(bucket: string): Promise<"deleted" | "gone"> {
    const res = await this.send("DELETE", `/${encodeURIComponent(bucket)}`);
    if (res.status === 204 || res.status === 200) return "deleted";
    if (res.status === 404) return "gone";
    this.fail(`delete bucket ${bucket}`, res);
  }

  async putObject(bucket: string, key: string, body: string | Buffer, contentType = "application/octet-stream"): Promise<void> {
    const res = await this.send("PUT", `/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`, {
      body,
      headers: { "content-type": contentType },
    });
    if (res.status !== 200) this.fail(`put object ${bucket}/${key}`, res);
  }

  async getObject(bucket: string, key: string): Promise<Buffer> {
    const res = await this.send("GET", `/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`);
    if (res.status !== 200) this.fail(`get object ${bucket}/${key}`, res);
    return res.body;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const res = await this.send("DELETE", `/${encodeURIComponent(bucket)}/${key.split("/").map(encodeURIComponent).join("/")}`);
    if (res.status !== 204 && res.status !== 200 && res.status !== 404) this.fail(`delete object ${bucket}/${key}`, res);
  }
}

export type KeyProbe = "exists" | "deleted";

/**
 * Is this key alive? Signs a cheap ListBuckets with it. InvalidAccessKeyId means the key was
 * deleted; success or AccessDenied (a live key without list rights) means it exists. Anything
 * else (SignatureDoesNotMatch, 5xx, network) is an error, never "deleted".
 */
export async function probeKey(options: S3ClientOptions): Promise<KeyProbe> {
  const client = new S3Client(options);
  let res: S3Response;
  try {
    res = await client.send("GET", "/");
  } catch (err) {
    if (!(err instanceof ProviderApiError)) throw err;
    throw new ProviderApiError({
      cloud: "s3",
      operation: "probe access key (refresh)",
      transportCode: err.transportCode,
      providerMessage: err.providerMessage,
      hint: `Could not tell whether key ${options.credentials.accessKeyId} still exists; state was left unchanged. Check that ${options.endpoint} is reachable and refresh again.`,
    });
  }
  if (res.status === 200) return "exists";
  if (res.status === 403 && res.errorCode === "AccessDenied") return "exists";
  if (res.status === 403 && res.errorCode === "InvalidAccessKeyId") return "deleted";
  throw new ProviderApiError({
    cloud: "s3",
    operation: "probe access key",
    status: res.status,
    code: res.errorCode,
    providerMessage: res.errorMessage,
    hint:
      res.errorCode === "SignatureDoesNotMatch"
        ? "The key exists but the secret in state does not match it (was it rotated outside Pulumi?). State was left unchanged."
        : "Could not tell whether the key still exists; state was left unchanged.",
  });
}
