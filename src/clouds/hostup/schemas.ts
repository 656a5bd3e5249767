/**
 * HostUp object-storage API wire format (developer.hostup.se, /api/object-storage/*).
 * Shared by the client and the emulator. Every success body is an envelope
 * `{success, timestamp, requestId, data}`.
 */
import { z } from "zod";

export function envelope<T extends z.ZodType>(data: T) {
  return z.object({
    success: z.literal(true),
    timestamp: z.string().optional(),
    requestId: z.string(),
    data,
  });
}

/** H1 request body. */
export const KeyCreateRequest = z.object({ label: z.string() });
export type KeyCreateRequest = z.infer<typeof KeyCreateRequest>;

export const CreatedKey = z.object({
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  label: z.string(),
});
export type CreatedKey = z.infer<typeof CreatedKey>;

/** H1 200 response: the only response that ever carries the secret. */
export const KeyCreateResponse = envelope(z.object({ key: CreatedKey }));
export type KeyCreateResponse = z.infer<typeof KeyCreateResponse>;

/** H2 and H7 200 response. */
export const DeletedResponse = envelope(z.object({ deleted: z.boolean() }));

/** H3 service status. Only `provisioned` is required by the docs. */
export const ServiceStatus = z.object({
  provisioned: z.boolean(),
  endpoint: z.string().optional(),
  awsRegion: z.string().optional(),
  region: z.string().optional(),
  keyCount: z.number().optional(),
  bucketCount: z.number().optional(),
  pricing: z.object({ perGBHour: z.number() }).optional(),
  tenant: z
    .object({
      id: z.string(),
      displayName: z.string(),
      createdAt: z.string(),
      quotaMaxSizeGB: z.union([z.string(), z.number()]).optional(),
      status: z.string().optional(),
    })
    .optional(),
  usage: z.object({ numObjects: z.number(), sizeBytes: z.number() }).optional(),
});
export type ServiceStatus = z.infer<typeof ServiceStatus>;
export const ServiceStatusResponse = envelope(ServiceStatus);

export const Bucket = z.object({
  name: z.string(),
  sizeBytes: z.number(),
  numObjects: z.number(),
  created: z.string(),
  owner: z.string().optional(),
});
export type Bucket = z.infer<typeof Bucket>;
export const BucketCreateRequest = z.object({ name: z.string() });
export const BucketResponse = envelope(z.object({ bucket: Bucket }));
export const BucketListResponse = envelope(z.object({ buckets: z.array(Bucket) }));

/** HostUp documents 3-63 chars of lowercase letters, numbers and hyphens. */
export const bucketNamePattern = /^[a-z0-9-]{3,63}$/;

/** A machine-readable error code: `INTERNAL_ERROR` (object-storage routes) or `not_found` (v2). */
const errorCode = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/);

/**
 * HostUp's own error bodies, recognised by the fields its documentation requires (a JSON body
 * with a `title` or `message` is not enough: gateways, CDNs and frameworks send those too).
 *
 * (a) Object-storage routes (developer.hostup.se, H-CK/H-DK/H-CB): `code`, `error` and `message`
 * are required (`requestId` and `timestamp` are documented but optional; see OwnErrorBody), and the
 * body carries no field of another format (Spring Boot's `status`/`path`, a problem's `title`/`type`).
 * (b) The v2 API's RFC 7807 problem: only when its `type` is one of HostUp's own error pages
 * (`https://developer.hostup.se/errors/...`) and it carries HostUp's `code`; a generic problem
 * (`about:blank`, an RFC link, another vendor's page) is foreign.
 * Which one the object-storage routes use for 401/403/404/429 is undocumented, so accept both.
 */
export const ObjectStorageErrorBody = z
  .looseObject({
    code: errorCode,
    error: z.string(),
    message: z.string(),
    requestId: z.string().optional(),
    timestamp: z.string().optional(),
  })
  // Spring Boot's error JSON has `error`, `message` and `timestamp` too, with `status` and `path`.
  .refine((b) => !["status", "path", "title", "type"].some((k) => Object.hasOwn(b, k)), { message: "another error format's fields" });

export const HOSTUP_ERROR_TYPE_PREFIX = "https://developer.hostup.se/errors/";

export const ProblemErrorBody = z.object({
  type: z.string().startsWith(HOSTUP_ERROR_TYPE_PREFIX),
  title: z.string(),
  status: z.number().optional(),
  detail: z.string().optional(),
  code: errorCode,
  instance: z.string().optional(),
  requestId: z.string().optional(),
  timestamp: z.string().optional(),
});

/** The documented error shapes, as the emulator sends them. */
export const ErrorBody = z.union([ObjectStorageErrorBody, ProblemErrorBody]);

/**
 * What the client takes as HostUp's own answer: a documented shape that also carries the
 * envelope's `requestId` or `timestamp` (every documented example does). A bare
 * `{code, error, message}` is too easy for a gateway to produce by accident to count as proof
 * that a key is gone or a create may be re-sent.
 */
export const OwnErrorBody = ErrorBody.refine((b) => b.requestId !== undefined || b.timestamp !== undefined, {
  message: "HostUp's own answers carry its envelope's requestId or timestamp",
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const LAST_KEY_MESSAGE = "Cannot delete the last access key. Create a new key first.";

/** The account's last key cannot be deleted: HostUp's documented 400. */
export function isLastKeyRefusal(status: number, message: string | undefined): boolean {
  return status === 400 && message !== undefined && /last access key/i.test(message);
}
