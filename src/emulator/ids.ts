import { randomBytes, randomInt, randomUUID } from "node:crypto";

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomString(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const uuid = (): string => randomUUID();
/** AWS style: "AKIA" + 16 upper-case alphanumerics (20 in all, as Nscale's schema requires). */
export const nscaleAccessKeyId = (): string => "AKIA" + randomString(UPPER_ALNUM, 16);
/** 40 characters: Nscale's maxLength, and the Ceph RGW default length HostUp appears to use. */
export const secretKey = (): string => randomString(BASE62, 40);
export const hostupAccessKey = (): string => randomString(UPPER_ALNUM, 20);
export const traceId = (): string => randomBytes(16).toString("hex");
export const s3RequestId = (): string => randomBytes(8).toString("hex").toUpperCase();
