/** HostUp object-storage control plane (docs/provider-apis.md §2.2-2.6). */
import { BucketCreateRequest, KeyCreateRequest, LAST_KEY_MESSAGE, bucketNamePattern } from "../clouds/hostup/schemas";
import type { Bucket as WireBucket, CreatedKey, ServiceStatus } from "../clouds/hostup/schemas";
import { hostupError } from "./errors";
import { header, jsonResponse, parseJson, pathSegments, type EmuRequest, type EmuResponse } from "./http";
import { hostupAccessKey, secretKey, uuid } from "./ids";
import { presignHostupUrl } from "./sigv4";
import { HOSTUP_REGION, HOSTUP_TENANT_ID, bucketSize, type Bucket, type EmulatorState } from "./state";

export const BUCKET_NAME_MESSAGE = "Bucket name must be 3-63 characters, lowercase letters, numbers, and hyphens only";
/** Invented: HostUp does not document what H1 does on an account without object storage (H-U7). */
export const NOT_PROVISIONED_MESSAGE = "Object storage is not provisioned for this account";
const TENANT_CREATED_AT = "2026-02-10T00:00:00.000Z";
const PRESIGN_EXPIRES_IN = 900;

/** A HostUp error stamped with the emulated server's clock. */
function err(state: EmulatorState, status: number, message?: string, code?: string): EmuResponse {
  return hostupError(status, message, code, state.now());
}

function ok(state: EmulatorState, data: unknown, status = 200): EmuResponse {
  const requestId = uuid();
  return jsonResponse(status, { success: true, timestamp: state.now().toISOString(), requestId, data }, { "x-request-id": requestId });
}

export async function handleHostup(state: EmulatorState, req: EmuRequest): Promise<EmuResponse> {
  const segments = pathSegments(req.path);
  // segments[0] === "api" and segments[1] === "object-storage" (the caller routes on that prefix).
  const rest = segments?.slice(2);
  if (!rest) return err(state, 400, "Invalid request path");
  const route = matchRoute(rest);
  if (!route) return err(state, 404, "Route not found");
  const handler = route[req.method];
  if (!handler) return err(state, 405, `Method ${req.method} not allowed`);

  const apiKey = header(req, "x-api-key") ?? /^Bearer\s+(\S+)\s*$/i.exec(header(req, "authorization") ?? "")?.[1];
  if (!apiKey || !state.options.hostup.apiKeys.includes(apiKey)) {
    // Invented shape: HostUp does not document the 401 body of /api/object-storage/* (H-U3).
    return err(state, 401, "Authentication required", "UNAUTHORIZED");
  }
  if (!state.options.hostup.provisioned && handler !== serviceStatus) {
    return err(state, 403, NOT_PROVISIONED_MESSAGE, "FORBIDDEN");
  }
  return handler(state, req, rest);
}

type Handler = (state: EmulatorState, req: EmuRequest, rest: string[]) => EmuResponse | Promise<EmuResponse>;

function matchRoute(rest: string[]): Record<string, Handler> | undefined {
  const [a, b, c] = rest;
  if (rest.length === 0) return { GET: serviceStatus };
  if (a === "keys" && rest.length === 1) return { POST: createKey };
  if (a === "keys" && rest.length === 2 && b) return { DELETE: deleteKey };
  if (a === "buckets" && rest.length === 1) return { GET: listBuckets, POST: createBucket };
  if (a === "buckets" && rest.length === 2 && b) return { GET: getBucket, DELETE: deleteBucket };
  if (a === "buckets" && rest.length === 3 && b && c === "presign") return { POST: presign };
  return undefined;
}

function parseBody(state: EmulatorState, req: EmuRequest): { ok: true; value: unknown } | { ok: false; res: EmuResponse } {
  const json = parseJson(req.body);
  return json.ok ? json : { ok: false, res: err(state, 400, "Request body must be valid JSON") };
}

function hostupBuckets(state: EmulatorState): Bucket[] {
  return [...state.buckets.values()].filter((b) => b.owner === "hostup");
}

function wireBucket(b: Bucket, withOwner: boolean): WireBucket {
  return {
    name: b.name,
    sizeBytes: bucketSize(b),
    numObjects: b.objects.size,
    created: b.createdAt,
    ...(withOwner ? { owner: `${HOSTUP_TENANT_ID}$main` } : {}),
  };
}

function serviceStatus(state: EmulatorState): EmuResponse {
  if (!state.options.hostup.provisioned) return ok(state, { provisioned: false } satisfies ServiceStatus);
  const buckets = hostupBuckets(state);
  const status: ServiceStatus = {
    provisioned: true,
    endpoint: state.s3Url,
    awsRegion: HOSTUP_REGION,
    region: "Sweden",
    keyCount: state.hostupKeys.size,
    bucketCount: buckets.length,
    pricing: { perGBHour: 0 },
    tenant: {
      id: HOSTUP_TENANT_ID,
      displayName: "Client 11112",
      createdAt: TENANT_CREATED_AT,
      quotaMaxSizeGB: "5120",
      status: "active",
    },
    usage: {
      numObjects: buckets.reduce((n, b) => n + b.objects.size, 0),
      sizeBytes: buckets.reduce((n, b) => n + bucketSize(b), 0),
    },
  };
  return ok(state, status);
}

function createKey(state: EmulatorState, req: EmuRequest): EmuResponse {
  const body = parseBody(state, req);
  if (!body.ok) return body.res;
  const parsed = KeyCreateRequest.safeParse(body.value);
  if (!parsed.success || parsed.data.label.trim() === "") {
    return err(state, 400, "label is required and must be a non-empty string");
  }
  const key = {
    accessKey: hostupAccessKey(),
    secretKey: secretKey(),
    label: parsed.data.label,
    createdAt: state.now().toISOString(),
  };
  state.hostupKeys.set(key.accessKey, key);
  const created: CreatedKey = { accessKey: key.accessKey, secretKey: key.secretKey, label: key.label };
  return ok(state, { key: created });
}

/** H2 addresses the key as base64(accessKey); standard or URL-safe, padded or not, are all accepted. */
export function decodeAccessKeySegment(segment: string): string | undefined {
  const normalized = segment.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/]+$/.test(normalized) || normalized.length % 4 === 1) return undefined;
  const decoded = Buffer.from(normalized, "base64");
  if (decoded.toString("base64").replace(/=+$/, "") !== normalized) return undefined;
  return decoded.toString("utf8");
}

function deleteKey(state: EmulatorState, _req: EmuRequest, rest: string[]): EmuResponse {
  const accessKey = decodeAccessKeySegment(rest[1] ?? "");
  if (accessKey === undefined || !state.hostupKeys.has(accessKey)) {
    return err(state, 404, "Access key not found", "NOT_FOUND");
  }
  if (state.hostupKeys.size === 1) return err(state, 400, LAST_KEY_MESSAGE, "BAD_REQUEST");
  state.hostupKeys.delete(accessKey);
  return ok(state, { deleted: true });
}

function listBuckets(state: EmulatorState): EmuResponse {
  return ok(state, { buckets: hostupBuckets(state).map((b) => wireBucket(b, false)) });
}

function createBucket(state: EmulatorState, req: EmuRequest): EmuResponse {
  const body = parseBody(state, req);
  if (!body.ok) return body.res;
  const parsed = BucketCreateRequest.safeParse(body.value);
  if (!parsed.success || !bucketNamePattern.test(parsed.data.name)) {
    return err(state, 400, BUCKET_NAME_MESSAGE, "BAD_REQUEST");
  }
  const name = parsed.data.name;
  // Undocumented (H5 lists no 409); bucket names are global, as in S3.
  if (state.buckets.has(name)) return err(state, 409, `Bucket "${name}" already exists`, "CONFLICT");
  const bucket: Bucket = { owner: "hostup", name, createdAt: state.now().toISOString(), objects: new Map() };
  state.buckets.set(name, bucket);
  return ok(state, { bucket: wireBucket(bucket, false) });
}

function findBucket(state: EmulatorState, name: string | undefined): Bucket | undefined {
  const bucket = state.buckets.get(name ?? "");
  return bucket?.owner === "hostup" ? bucket : undefined;
}

function getBucket(state: EmulatorState, _req: EmuRequest, rest: string[]): EmuResponse {
  const bucket = findBucket(state, rest[1]);
  if (!bucket) return err(state, 404, "Bucket not found", "NOT_FOUND");
  return ok(state, { bucket: wireBucket(bucket, true) });
}

function deleteBucket(state: EmulatorState, _req: EmuRequest, rest: string[]): EmuResponse {
  const bucket = findBucket(state, rest[1]);
  if (!bucket) return err(state, 404, "Bucket not found", "NOT_FOUND");
  state.buckets.delete(bucket.name);
  return ok(state, { deleted: true });
}

/** H8: a SigV4 presigned URL, signed with the account's oldest key (HostUp signs server-side). */
async function presign(state: EmulatorState, req: EmuRequest, rest: string[]): Promise<EmuResponse> {
  const bucket = findBucket(state, rest[1]);
  if (!bucket) return err(state, 404, "Bucket not found", "NOT_FOUND");
  const body = parseBody(state, req);
  if (!body.ok) return body.res;
  const value = body.value as { key?: unknown; action?: unknown; contentType?: unknown } | null;
  if (!value || typeof value.key !== "string" || !value.key || (value.action !== "upload" && value.action !== "download")) {
    return err(state, 400, "key and action (upload or download) are required", "BAD_REQUEST");
  }
  const signer = state.hostupKeys.values().next().value;
  if (!signer) return err(state, 500, undefined, "INTERNAL_ERROR");
  const url = await presignHostupUrl({
    s3Url: state.s3Url,
    method: value.action === "upload" ? "PUT" : "GET",
    bucket: bucket.name,
    key: value.key,
    accessKeyId: signer.accessKey,
    secretAccessKey: signer.secretKey,
    region: HOSTUP_REGION,
    expiresIn: PRESIGN_EXPIRES_IN,
  });
  return ok(state, { url, expiresIn: PRESIGN_EXPIRES_IN });
}
