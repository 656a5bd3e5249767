/** S3's body integrity checks: Content-MD5 and the flexible `x-amz-checksum-*` values. */
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";

/** Algorithms the emulator verifies; others (CRC64NVME) are accepted unverified, as their presence is not an error. */
const DIGESTS: Record<string, (body: Buffer) => Buffer> = {
  crc32: (body) => uint32(crc32(body)),
  crc32c: (body) => uint32(crc32c(body)),
  sha1: (body) => createHash("sha1").update(body).digest(),
  sha256: (body) => createHash("sha256").update(body).digest(),
};

export const CHECKSUM_PREFIX = "x-amz-checksum-";

export interface ChecksumFailure {
  status: number;
  code: string;
  message: string;
}

/** Every checksum the request carries, from headers and the aws-chunked trailer: `crc32` → base64 value. */
export function declaredChecksums(headers: Record<string, string | string[] | undefined>, trailers: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const source of [headers, trailers]) {
    for (const [name, value] of Object.entries(source)) {
      // x-amz-checksum-mode is GetObject's request for a checksum, not a value; -type and -algorithm likewise.
      if (!name.startsWith(CHECKSUM_PREFIX) || typeof value !== "string") continue;
      const algorithm = name.slice(CHECKSUM_PREFIX.length);
      if (algorithm === "mode" || algorithm === "type" || algorithm === "algorithm") continue;
      out.set(algorithm, value.trim());
    }
  }
  return out;
}

/** The first mismatch, or undefined when Content-MD5 and every verifiable checksum match `body`. */
export function verifyChecksums(body: Buffer, contentMd5: string | undefined, checksums: Map<string, string>): ChecksumFailure | undefined {
  if (contentMd5 !== undefined) {
    const given = Buffer.from(contentMd5, "base64");
    if (given.length !== 16) return { status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified was invalid." };
    if (!given.equals(createHash("md5").update(body).digest())) {
      return { status: 400, code: "BadDigest", message: "The Content-MD5 you specified did not match what we received." };
    }
  }
  for (const [algorithm, value] of checksums) {
    const digest = DIGESTS[algorithm];
    if (!digest) continue;
    if (digest(body).toString("base64") !== value) {
      return { status: 400, code: "BadDigest", message: `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.` };
    }
  }
  return undefined;
}

export function crc32Base64(body: Buffer): string {
  return uint32(crc32(body)).toString("base64");
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

let crc32cTable: Uint32Array | undefined;

/** CRC-32C (Castagnoli), which node:zlib lacks. */
function crc32c(body: Buffer): number {
  if (!crc32cTable) {
    crc32cTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
      crc32cTable[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of body) crc = (crc32cTable[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
