/**
 * `Content-Encoding: aws-chunked` bodies, as the AWS SDKs send streams: unsigned chunks with a
 * trailing checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER) or chunks each signed in a chain from
 * the request's seed signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface ChunkFailure {
  status: number;
  code: string;
  message: string;
}

export interface ChunkSigning {
  secret: string;
  /** `YYYYMMDDTHHMMSSZ`, the request's x-amz-date. */
  amzDate: string;
  /** `YYYYMMDD/region/s3/aws4_request`. */
  scope: string;
  /** The Authorization header's signature: the first link of the chain. */
  seedSignature: string;
}

export type Dechunked = { ok: true; body: Buffer; trailers: Record<string, string> } | { ok: false; error: ChunkFailure };

const CRLF = Buffer.from("\r\n");
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");
const MALFORMED: ChunkFailure = { status: 400, code: "IncompleteBody", message: "The request body is not valid aws-chunked encoding." };
const BAD_CHUNK_SIGNATURE: ChunkFailure = {
  status: 403,
  code: "SignatureDoesNotMatch",
  message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
};
const MALFORMED_TRAILER: ChunkFailure = {
  status: 400,
  code: "MalformedTrailerError",
  message: "The request contained trailing data that was not well-formed or did not conform to our published schema.",
};

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The decoded payload and its trailer fields. `signing` is set for signed chunks; `trailer` when the
 * request declared x-amz-trailer (its names, lowercase), all of which must arrive.
 */
export function decodeAwsChunked(raw: Buffer, opts: { signing?: ChunkSigning; trailer: string[] }): Dechunked {
  const { signing } = opts;
  const key = signing ? signingKey(signing) : undefined;
  let previous = signing?.seedSignature ?? "";
  const parts: Buffer[] = [];
  let pos = 0;
  const line = (): string | undefined => {
    const end = raw.indexOf(CRLF, pos);
    if (end < 0) return undefined;
    const text = raw.subarray(pos, end).toString("latin1");
    pos = end + CRLF.length;
    return text;
  };

  for (;;) {
    const header = line();
    if (header === undefined) return { ok: false, error: MALFORMED };
    const [sizeHex = "", ...extensions] = header.split(";");
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex)) return { ok: false, error: MALFORMED };
    const size = parseInt(sizeHex, 16);
    if (pos + size > raw.length) return { ok: false, error: MALFORMED };
    const data = raw.subarray(pos, pos + size);
    pos += size;
    if (key && signing) {
      const given = extensions.find((e) => e.startsWith("chunk-signature="))?.slice("chunk-signature=".length);
      if (!given) return { ok: false, error: BAD_CHUNK_SIGNATURE };
      const expected = hmac(key, ["AWS4-HMAC-SHA256-PAYLOAD", signing.amzDate, signing.scope, previous, EMPTY_SHA256, sha256Hex(data)].join("\n")).toString(
        "hex",
      );
      if (!sameHex(expected, given)) return { ok: false, error: BAD_CHUNK_SIGNATURE };
      previous = given;
    }
    if (size === 0) break;
    parts.push(data);
    if (!raw.subarray(pos, pos + CRLF.length).equals(CRLF)) return { ok: false, error: MALFORMED };
    pos += CRLF.length;
  }

  const trailers: Record<string, string> = {};
  let trailerSignature: string | undefined;
  for (;;) {
    const field = line();
    // A body without trailer may end right after the last chunk's line.
    if (field === undefined) {
      if (pos >= raw.length && opts.trailer.length === 0) break;
      return { ok: false, error: opts.trailer.length > 0 ? MALFORMED_TRAILER : MALFORMED };
    }
    if (field === "") break;
    const colon = field.indexOf(":");
    if (colon <= 0) return { ok: false, error: MALFORMED_TRAILER };
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    if (name === "x-amz-trailer-signature") trailerSignature = value;
    else trailers[name] = value;
  }
  if (pos !== raw.length) return { ok: false, error: MALFORMED };
  const names = Object.keys(trailers);
  if (opts.trailer.some((n) => !(n in trailers)) || names.some((n) => !opts.trailer.includes(n))) {
    return { ok: false, error: MALFORMED_TRAILER };
  }
  if (key && signing && opts.trailer.length > 0) {
    const canonical = names.map((n) => `${n}:${trailers[n]}\n`).join("");
    const expected = hmac(key, ["AWS4-HMAC-SHA256-TRAILER", signing.amzDate, signing.scope, previous, sha256Hex(canonical)].join("\n")).toString("hex");
    if (!trailerSignature || !sameHex(expected, trailerSignature)) return { ok: false, error: BAD_CHUNK_SIGNATURE };
  }
  return { ok: true, body: Buffer.concat(parts), trailers };
}

/** SigV4's derived key: HMAC chain over date, region, service and "aws4_request". */
function signingKey(s: ChunkSigning): Buffer {
  const [date = "", region = "", service = ""] = s.scope.split("/");
  return hmac(hmac(hmac(hmac(`AWS4${s.secret}`, date), region), service), "aws4_request");
}
