/**
 * AWS Signature V4 verification for the S3 listener. The canonicalisation and HMAC chain are
 * @smithy/signature-v4's: the request is re-signed with the stored secret at the request's own
 * date, over exactly the headers it says it signed, and the two signatures are compared.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { s3Signer } from "../s3/transport";
import { header, parseQuery, safeDecode, type EmuRequest } from "./http";
import { decodeAwsChunked } from "./s3-chunked";
import type { S3Principal } from "./state";

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** aws-chunked payload modes (x-amz-content-sha256 values) the emulator decodes. */
const STREAMING = new Map([
  ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", { signed: false, trailer: true }],
  ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD", { signed: true, trailer: false }],
  ["STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", { signed: true, trailer: true }],
]);
const MAX_SKEW_MS = 15 * 60 * 1000;
const PRESIGN_PARAMS = new Set(["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"]);

export interface SigV4Failure {
  status: number;
  code: string;
  message: string;
}

/**
 * On success, `body` is the payload as the client meant it (aws-chunked framing removed) and
 * `trailers` the fields sent after it (trailing checksums), both verified against the signature.
 */
export type SigV4Result = { ok: true; principal: S3Principal; body: Buffer; trailers: Record<string, string> } | { ok: false; error: SigV4Failure };

const fail = (status: number, code: string, message: string): SigV4Result => ({
  ok: false,
  error: { status, code, message },
});

const MISMATCH = fail(
  403,
  "SignatureDoesNotMatch",
  "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
);

interface ParsedAuth {
  accessKeyId: string;
  /** The credential scope's date, `YYYYMMDD`. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string | undefined;
  presigned?: { expiresIn: number };
}

export async function verifySigV4(req: EmuRequest, lookup: (accessKeyId: string) => S3Principal | undefined, now = Date.now()): Promise<SigV4Result> {
  const query = parseQuery(req.rawQuery);
  const parsed = header(req, "authorization") !== undefined ? parseHeaderAuth(req) : parsePresigned(query);
  if ("ok" in parsed) return parsed;

  const principal = lookup(parsed.accessKeyId);
  if (!principal) {
    return fail(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
  }
  if (parsed.service !== "s3" || parsed.region !== principal.region) {
    return fail(
      400,
      "AuthorizationHeaderMalformed",
      `The authorization header is malformed; the region '${parsed.region}' is wrong; expecting '${principal.region}'`,
    );
  }
  const signingDate = parseAmzDate(parsed.amzDate);
  if (!signingDate) {
    return fail(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header");
  }
  if (parsed.presigned) {
    if (signingDate.getTime() - now > MAX_SKEW_MS) return fail(403, "AccessDenied", "Request is not yet valid");
    if (signingDate.getTime() + parsed.presigned.expiresIn * 1000 < now) {
      return fail(403, "AccessDenied", "Request has expired");
    }
  } else if (Math.abs(signingDate.getTime() - now) > MAX_SKEW_MS) {
    return fail(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.");
  }

  const signed = new Set(parsed.signedHeaders);
  if (!signed.has("host")) return fail(400, "AuthorizationHeaderMalformed", "The host header must be signed.");
  const unsigned = Object.keys(req.headers).filter((h) => h.startsWith("x-amz-") && !signed.has(h));
  if (!parsed.presigned && unsigned.length > 0) {
    return fail(403, "AccessDenied", `There were headers present in the request which were not signed: ${unsigned.join(", ")}`);
  }

  let payloadHash = UNSIGNED_PAYLOAD;
  if (!parsed.presigned) {
    const given = header(req, "x-amz-content-sha256");
    if (given === undefined) {
      return fail(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256");
    }
    if (given.startsWith("STREAMING-") && !STREAMING.has(given)) {
      return fail(501, "NotImplemented", `The emulator does not support the ${given} payload (SigV4a).`);
    }
    if (given !== UNSIGNED_PAYLOAD && !STREAMING.has(given) && !/^[0-9a-f]{64}$/.test(given)) {
      return fail(400, "InvalidArgument", "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.");
    }
    payloadHash = given;
  }

  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(req, name);
    if (value !== undefined) headers[name] = value;
  }
  const signableQuery: Record<string, string | string[]> = {};
  for (const [name, values] of query) {
    if (parsed.presigned && PRESIGN_PARAMS.has(name)) continue;
    signableQuery[name] = values.length === 1 ? (values[0] ?? "") : values;
  }
  const signer = s3Signer({ accessKeyId: principal.accessKeyId, secretAccessKey: principal.secret }, principal.region, { applyChecksum: false });
  const request = {
    method: req.method,
    protocol: "http:",
    hostname: headers.host ?? "",
    path: canonicalPath(req.path),
    query: signableQuery,
    headers,
  };

  let expected: string | undefined;
  if (parsed.presigned) {
    // The payload hash is not part of the URL: present it as an unsigned, unhoisted header.
    const amzHeaders = new Set([...signed].filter((h) => h.startsWith("x-amz-")));
    const presigned = await signer.presign(
      { ...request, headers: { ...headers, "x-amz-content-sha256": payloadHash } },
      {
        signingDate,
        expiresIn: parsed.presigned.expiresIn,
        signableHeaders: signed,
        unsignableHeaders: new Set(["x-amz-content-sha256"]),
        unhoistableHeaders: new Set([...amzHeaders, "x-amz-content-sha256"]),
      },
    );
    const value = presigned.query?.["X-Amz-Signature"];
    expected = typeof value === "string" ? value : undefined;
  } else {
    const result = await signer.sign(request, { signingDate, signableHeaders: signed });
    expected = /Signature=([0-9a-f]+)/.exec(String(result.headers.authorization ?? ""))?.[1];
  }
  if (!expected || !sameSignature(expected, parsed.signature)) return MISMATCH;

  const streaming = STREAMING.get(payloadHash);
  if (streaming) {
    const decodedLength = header(req, "x-amz-decoded-content-length");
    if (decodedLength === undefined || !/^\d+$/.test(decodedLength)) {
      return fail(411, "MissingContentLength", "You must provide the x-amz-decoded-content-length header for aws-chunked uploads.");
    }
    const trailer = (header(req, "x-amz-trailer") ?? "")
      .split(",")
      .map((n) => n.trim().toLowerCase())
      .filter(Boolean);
    if (trailer.length > 0 && !streaming.trailer) {
      return fail(400, "InvalidRequest", `x-amz-trailer requires a -TRAILER payload, not ${payloadHash}.`);
    }
    const decoded = decodeAwsChunked(req.body, {
      trailer,
      signing: streaming.signed
        ? {
            secret: principal.secret,
            amzDate: parsed.amzDate ?? "",
            scope: `${parsed.scopeDate}/${parsed.region}/${parsed.service}/aws4_request`,
            seedSignature: parsed.signature,
          }
        : undefined,
    });
    if (!decoded.ok) return { ok: false, error: decoded.error };
    if (decoded.body.length !== Number(decodedLength)) {
      return fail(400, "IncompleteBody", "You did not provide the number of bytes specified by the x-amz-decoded-content-length header.");
    }
    return { ok: true, principal, body: decoded.body, trailers: decoded.trailers };
  }
  if (payloadHash !== UNSIGNED_PAYLOAD && createHash("sha256").update(req.body).digest("hex") !== payloadHash) {
    return fail(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  return { ok: true, principal, body: req.body, trailers: {} };
}

/**
 * The path as S3 signs it: each segment decoded, then re-encoded RFC 3986 style. A client that
 * sends `'` or `(` bare but signs them that way is refused here, as versitygw and S3 refuse it.
 */
function canonicalPath(path: string): string {
  return path
    .split("/")
    .map((segment) => {
      const decoded = safeDecode(segment);
      return decoded === undefined ? segment : encodeS3Segment(decoded);
    })
    .join("/");
}

function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseHeaderAuth(req: EmuRequest): ParsedAuth | SigV4Result {
  const authorization = header(req, "authorization") ?? "";
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return fail(400, "InvalidArgument", "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.");
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  const scope = credential?.split("/");
  if (!scope || scope.length !== 5 || scope[4] !== "aws4_request" || !signedHeaders || !signature) {
    return fail(400, "AuthorizationHeaderMalformed", "The authorization header is malformed.");
  }
  return { ...credentialScope(scope, signedHeaders, signature), amzDate: header(req, "x-amz-date") };
}

/** `<key>/<date>/<region>/<service>/aws4_request` and the signed header list, as both auth forms carry them. */
function credentialScope(scope: string[], signedHeaders: string, signature: string) {
  return {
    accessKeyId: scope[0] ?? "",
    scopeDate: scope[1] ?? "",
    region: scope[2] ?? "",
    service: scope[3] ?? "",
    signedHeaders: signedHeaders.split(";").map((h) => h.trim().toLowerCase()),
    signature,
  };
}

function parsePresigned(query: Map<string, string[]>): ParsedAuth | SigV4Result {
  const one = (name: string) => query.get(name)?.[0];
  if (one("X-Amz-Algorithm") === undefined) return fail(403, "AccessDenied", "Access Denied");
  if (one("X-Amz-Algorithm") !== ALGORITHM) {
    return fail(400, "InvalidArgument", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  }
  const scope = one("X-Amz-Credential")?.split("/");
  const signedHeaders = one("X-Amz-SignedHeaders");
  const signature = one("X-Amz-Signature");
  const expiresIn = Number(one("X-Amz-Expires"));
  if (!scope || scope.length !== 5 || !signedHeaders || !signature || !Number.isInteger(expiresIn) || expiresIn < 1) {
    return fail(
      400,
      "AuthorizationQueryParametersError",
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  }
  return { ...credentialScope(scope, signedHeaders, signature), amzDate: one("X-Amz-Date"), presigned: { expiresIn } };
}

/** `YYYYMMDDTHHMMSSZ` → Date. */
export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Used by HostUp's H8: a presigned path-style URL on the emulator's S3 listener. */
export async function presignHostupUrl(args: {
  s3Url: string;
  method: "GET" | "PUT";
  bucket: string;
  key: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  expiresIn: number;
}): Promise<string> {
  const base = new URL(args.s3Url);
  const path = `/${encodeS3Segment(args.bucket)}/${args.key.split("/").map(encodeS3Segment).join("/")}`;
  const signer = s3Signer({ accessKeyId: args.accessKeyId, secretAccessKey: args.secretAccessKey }, args.region);
  const signed = await signer.presign(
    {
      method: args.method,
      protocol: base.protocol,
      hostname: base.hostname,
      port: base.port ? Number(base.port) : undefined,
      path,
      query: {},
      headers: { host: base.host, "x-amz-content-sha256": UNSIGNED_PAYLOAD },
    },
    {
      expiresIn: args.expiresIn,
      unsignableHeaders: new Set(["x-amz-content-sha256"]),
      unhoistableHeaders: new Set(["x-amz-content-sha256"]),
    },
  );
  const search = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v ?? ""]).map((x) => `${encodeS3Segment(k)}=${encodeS3Segment(String(x))}`))
    .join("&");
  return `${base.origin}${path}?${search}`;
}

/** RFC 3986 unreserved characters pass; everything else is percent-encoded (as S3 signs it). */
export function encodeS3Segment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
