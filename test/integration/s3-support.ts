/**
 * Signed requests to the emulator's S3 for the S3 suites (not a test file): every request is
 * signed here with @smithy/signature-v4 directly, no project client, so the emulator's SigV4
 * checks are tested against an implementation this project did not write.
 */
import { createHash } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { request } from "undici";

import type { S3Creds } from "./support";

export const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
/** RFC 3986 encoding of one path segment or query part (what SigV4 canonicalises). */
export const encodeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** The `<Code>` of an S3 XML error body. */
export const xmlCode = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];

/** The SigV4 signer for S3 with `creds` (path not escaped twice, as S3 wants). */
export const s3Signer = (creds: S3Creds) => new SignatureV4({ credentials: creds, region: creds.region, service: "s3", sha256: Sha256, uriEscapePath: false });

export interface S3Call {
  query?: Record<string, string>;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Signing time; default now. */
  date?: Date;
  /** x-amz-content-sha256 as given (UNSIGNED-PAYLOAD, STREAMING-* modes); default the body's SHA-256. */
  payloadHash?: string;
  /** Change the request after it was signed. */
  tamper?: (req: { path: string; headers: Record<string, string>; body?: Buffer | string }) => void;
}

export interface S3Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to `s3Url`, signed with `creds` (unsigned when `creds` is undefined). */
export async function s3Request(s3Url: string, creds: S3Creds | undefined, method: string, path: string, opts: S3Call = {}): Promise<S3Reply> {
  const url = new URL(s3Url);
  const query = opts.query ?? {};
  let headers: Record<string, string> = { host: url.host, ...opts.headers };
  if (creds) {
    headers["x-amz-content-sha256"] = opts.payloadHash ?? sha256(opts.body ?? "");
    const signed = await s3Signer(creds).sign(
      { method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path, query, headers },
      { signingDate: opts.date ?? new Date() },
    );
    headers = { ...signed.headers };
  }
  const req = { path, headers, body: opts.body };
  opts.tamper?.(req);
  const search = Object.entries(query)
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`)
    .join("&");
  const res = await request(`${s3Url}${req.path}${search ? `?${search}` : ""}`, {
    method: method as "GET",
    headers: req.headers,
    body: req.body,
  });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}
