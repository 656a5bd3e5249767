/**
 * One signed S3 request: path-style, AWS Signature V4 by @smithy/signature-v4 (the AWS SDK's own
 * signer), sent with undici through the library's shared pool.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { ProviderApiError, thrownDetails } from "../errors";
import type { Dispatcher } from "undici";
import { request } from "../http/undici";
import { sharedDispatcher } from "../http/dispatcher";
import { retryPolicyWithBudget } from "../http/retry";
import { defaultTimeouts, type HttpTimeouts } from "../http/timeouts";
import { boundOrError, deadline, readBounded, MAX_RESPONSE_BYTES, DEADLINE_CODE, TOO_LARGE_CODE, REQUEST_TIMEOUT_SETTING } from "../http/bounds";
import { USER_AGENT } from "../version";
import { ErrorDocument } from "./schemas";
import { parseXml } from "./xml";

/**
 * The SigV4 signer for S3, as this client signs and the emulator verifies. Paths arrive already
 * encoded (uriEncode); S3 signs them as sent, without a second pass.
 */
export function s3Signer(credentials: S3Credentials, region: string, options: { applyChecksum?: boolean } = {}): SignatureV4 {
  return new SignatureV4({ credentials, region, service: "s3", sha256: Sha256, uriEscapePath: false, ...options });
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3ClientOptions {
  endpoint: string;
  region: string;
  credentials: S3Credentials;
  /** Resolved HTTP settings (timeouts, retry budget); the library's defaults when omitted. */
  http?: { timeouts: HttpTimeouts; retryBudgetMs: number };
}

export interface S3Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** S3 XML error code, when the response is an error document. */
  errorCode?: string;
  errorMessage?: string;
}

export interface S3RequestOptions {
  query?: Record<string, string>;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** The largest body accepted (default MAX_RESPONSE_BYTES); an object read may pass Infinity. */
  maxBodyBytes?: number;
}

/**
 * RFC 3986 percent-encoding, the form S3 canonicalises a path and query to: encodeURIComponent
 * leaves `!'()*` bare, which a server re-encoding the path would sign differently.
 */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function bucketPath(bucket: string): string {
  return `/${uriEncode(bucket)}`;
}

/** Slashes in a key stay path separators; every other character is encoded. */
export function objectPath(bucket: string, key: string): string {
  return `${bucketPath(bucket)}/${key.split("/").map(uriEncode).join("/")}`;
}

export class S3Transport {
  private readonly signer: SignatureV4;
  private readonly dispatcher: Dispatcher;
  private readonly totalMs: number;
  readonly endpoint: URL;

  constructor(options: S3ClientOptions) {
    this.endpoint = new URL(options.endpoint);
    this.totalMs = options.http?.timeouts.totalMs ?? defaultTimeouts.totalMs;
    // The same retrying, pacing pool as the API clients: S3 throttles with 503 SlowDown and 429.
    this.dispatcher = options.http ? sharedDispatcher(retryPolicyWithBudget(options.http.retryBudgetMs), options.http.timeouts) : sharedDispatcher();
    this.signer = s3Signer(options.credentials, options.region);
  }

  async send(method: string, path: string, opts: S3RequestOptions = {}): Promise<S3Response> {
    const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    const fullPath = `${this.endpoint.pathname.replace(/\/$/, "")}${path}`;
    const host = this.endpoint.host;
    const query = opts.query ?? {};
    const signed = await this.signer.sign({
      method,
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port ? Number(this.endpoint.port) : undefined,
      path: fullPath,
      query,
      headers: { host, ...(opts.headers ?? {}), ...(body ? { "content-length": String(body.length) } : {}) },
      body,
    });
    const search = Object.entries(query)
      .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
      .join("&");
    const url = `${this.endpoint.protocol}//${host}${fullPath}${search ? `?${search}` : ""}`;
    // undici sets Host itself from the URL; the signed value is identical.
    const headers: Record<string, string> = { "user-agent": USER_AGENT };
    for (const [name, value] of Object.entries(signed.headers)) if (name !== "host") headers[name] = value;
    // One deadline over the request and its body; the body is read up to its bound (./http/bounds).
    const bound = deadline(this.totalMs, this.endpoint.origin);
    let res;
    let buf: Buffer;
    try {
      // The same retrying pool as the API clients: idempotent methods retried on 429/502/503/504 and
      // resets (S3 throttles with 503 SlowDown); timeouts from OSK_HTTP_*_TIMEOUT_MS.
      res = await request(url, { method: method as "GET", headers, body, dispatcher: this.dispatcher, signal: bound.signal });
      buf = await readBounded(res.body, opts.maxBodyBytes ?? MAX_RESPONSE_BYTES, this.endpoint.origin);
    } catch (err) {
      const e = thrownDetails(boundOrError(err, bound.signal));
      const bounded = e.code === DEADLINE_CODE || e.code === TOO_LARGE_CODE;
      throw new ProviderApiError({
        cloud: "s3",
        serviceName: "S3",
        operation: `${method} ${path}`,
        transportCode: e.code ?? e.name,
        providerMessage: bounded ? e.message : `could not reach ${this.endpoint.origin}`,
        hint:
          e.code === DEADLINE_CODE
            ? `Raise ${REQUEST_TIMEOUT_SETTING} if the S3 endpoint is slow but working, or check the network path to it.`
            : e.code === TOO_LARGE_CODE
              ? "Check that the s3Endpoint points at the S3 service itself."
              : "Check the s3Endpoint and network access.",
      });
    } finally {
      bound.clear();
    }
    const out: S3Response = { status: res.statusCode, headers: res.headers, body: buf };
    if (res.statusCode >= 300) {
      const doc = ErrorDocument.safeParse(parseXml(buf.toString("utf8")));
      if (doc.success) {
        out.errorCode = doc.data.Error.Code;
        out.errorMessage = doc.data.Error.Message;
      }
    }
    return out;
  }
}
