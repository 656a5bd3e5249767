import type { ProvisioningStatus, HealthStatus } from "../clouds/nscale/schemas";

export type { ProvisioningStatus, HealthStatus };

export type EmulatedCloud = "nscale" | "hostup" | "s3";

export interface NscaleEmulatorOptions {
  /** Accepted Bearer tokens (full access). Default `["emulator-nscale-token"]`. */
  tokens?: string[];
  /** Tokens that may read but get 403 `forbidden` on POST/PUT/DELETE. Default `["emulator-nscale-readonly"]`. */
  readOnlyTokens?: string[];
  /** `provisioningStatus` in the K1 201 response. Default `"provisioning"`. */
  createStatus?: "pending" | "provisioning" | "provisioned";
  /** K3 GETs that still report a new key as not provisioned before one reports it provisioned. Default 1. */
  pollsUntilProvisioned?: number;
  /** The first N K3 GETs of a new key return 404 (Nscale's cache-backed reads). Default 0. */
  notFoundGetsAfterCreate?: number;
  /** K3 GETs after a DELETE that still return 200 `deprovisioning`; the next one returns 404. Default 1. */
  pollsUntilDeleted?: number;
  /** 409 `conflict` on a duplicate key name within an endpoint (keys being deleted excepted). Default true. */
  duplicateNameConflict?: boolean;
  /** SigV4 region the S3 listener expects from Nscale keys. Default `"us-east-1"`. */
  s3Region?: string;
}

export interface HostupEmulatorOptions {
  /** Accepted `X-API-Key` (or Bearer) values. Default `["emulator-hostup-key"]`. */
  apiKeys?: string[];
  /** Whether object storage is provisioned for the account. Default true. */
  provisioned?: boolean;
  /**
   * Access keys that exist before anything is created (as a dashboard-provisioned account would
   * have). Default 1, so a key created through the API can later be deleted without hitting the
   * "last access key" rule.
   */
  seedKeys?: number;
}

export interface RateLimitOptions {
  /** Token bucket over control-plane requests: refill rate and burst size. */
  requestsPerSecond: number;
}

export interface EmulatorOptions {
  /** Interface for both listeners. Default `127.0.0.1`. */
  host?: string;
  /** Control-plane port (0 = random). Default 0. */
  port?: number;
  /** S3 port (0 = random). Default 0. */
  s3Port?: number;
  nscale?: NscaleEmulatorOptions;
  hostup?: HostupEmulatorOptions;
  rateLimit?: RateLimitOptions;
  /**
   * How far the emulated servers' clock runs ahead (> 0) or behind (< 0) the host's, in ms. Shifts
   * every timestamp the control planes write: Nscale `metadata.creationTime` / `deletionTime`,
   * HostUp `createdAt`, envelope and error `timestamp`, `X-RateLimit-Reset`, and the HTTP `Date`
   * header. The S3 listener keeps the host's clock. Default 0; change it with `setClockOffset` or
   * `configure({ clockOffsetMs })`.
   */
  clockOffsetMs?: number;
  /** One line per request (cloud, method, path, status). Never given headers, bodies or secrets. */
  log?: (line: string) => void;
}

/** Run-time changes; `rateLimit: null` turns rate limiting off. */
export interface EmulatorConfigPatch {
  nscale?: Partial<NscaleEmulatorOptions>;
  hostup?: Partial<HostupEmulatorOptions>;
  rateLimit?: RateLimitOptions | null;
  /** See EmulatorOptions.clockOffsetMs. */
  clockOffsetMs?: number;
}

export interface RequestLogEntry {
  seq: number;
  /** Arrival time, ms since the epoch. */
  at: number;
  cloud: EmulatedCloud;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Status sent, or that would have been sent (dropAfterCommit); 0 when the socket was reset. */
  status: number;
  /** Fault kind that shaped the response: a FaultAction `kind`, or "rateLimit". */
  fault?: FaultAction["kind"] | "rateLimit";
  /**
   * What the cloud's handler answered when a fault replaced (afterCommit) or dropped
   * (dropAfterCommit) its response: proof that the request was applied.
   */
  backendStatus?: number;
}

/**
 * A body that did not come from the cloud's API, as a proxy, ingress, gateway or a wrong upstream
 * in front of it would send one. `retryAfter`/`headers` of the action are added on top.
 */
export type ForeignBody =
  /**
   * `text/plain; charset=utf-8` (+ `x-content-type-options: nosniff`): `text`, or the stock line
   * for the status: 404 "404 page not found\n" (Go's http.NotFound), otherwise the reason phrase
   * ("Bad Gateway", "Too Many Requests", "Unauthorized", "Forbidden", ...).
   */
  | { type: "text"; text?: string }
  /** `text/html` (+ `server: nginx`): `html`, or nginx's stock error page for the status. */
  | { type: "html"; html?: string }
  /**
   * A debug/gateway page that reflects the request: its request line, then every request header
   * verbatim, name and value as received, Authorization and X-API-Key included. `text`:
   * `text/plain; charset=utf-8`, one `Name: value` per line; `html`: `text/html`, the same lines
   * HTML-escaped in a `<pre>`.
   */
  | { type: "echoHeaders"; format: "text" | "html" }
  /** No body at all (`content-length: 0`, no content-type). */
  | { type: "empty" };

/** The cloud's own error response for the status: exactly what a `status` fault sends. */
export type ApiBody = { type: "api" };

export type FaultAction =
  /** The cloud's own error shape (or `body`), before the request reaches the cloud. */
  | { kind: "status"; status: number; retryAfter?: string; headers?: Record<string, string>; body?: unknown }
  | { kind: "delay"; ms: number }
  | { kind: "reset" }
  | { kind: "dropAfterCommit" }
  /**
   * A response from something that is not the cloud's API (`status` 100-599, e.g. a proxy's
   * 404/502, an nginx 503 page, a wrong upstream's 401/403, a header-echoing 400/500/502).
   * The request never reaches the cloud. `retryAfter` is sent only when given.
   */
  | { kind: "foreign"; status: number; body: ForeignBody; retryAfter?: string; headers?: Record<string, string> }
  /**
   * The cloud applies the request (a create really creates and stores the key), then the client
   * gets `status` instead of the cloud's answer: a gateway's 429 (or 502/503/504) after the
   * backend committed. `body` default `{ type: "text" }` ("Too Many Requests" for 429);
   * `{ type: "api" }` is the cloud's own error response for `status` (Nscale 429: empty body, as
   * its ingress sends; HostUp 429: the `RATE_LIMIT_EXCEEDED` envelope with `X-RateLimit-*`).
   * `Retry-After` is sent only when `retryAfter` is given, whatever the body (it is removed from
   * the `api` response otherwise). The log entry's `backendStatus` is what the cloud answered.
   */
  | {
      kind: "afterCommit";
      status: number;
      body?: ForeignBody | ApiBody;
      retryAfter?: string;
      headers?: Record<string, string>;
    }
  /**
   * A 3xx (default 302) with `Location: location`, as a proxy or a moved host sends it, with
   * nginx's stock HTML body. `{path}` in `location` is replaced by the request's path and query,
   * e.g. `"https://other.example.invalid{path}"` or `"/v2{path}"`. The request never reaches
   * the cloud.
   */
  | { kind: "redirect"; location: string; status?: 301 | 302 | 303 | 307 | 308; headers?: Record<string, string> };

export interface FaultRule {
  cloud?: EmulatedCloud;
  method?: string;
  /** Exact path, a prefix ending in "*", or a RegExp tested against the path (no query string). */
  path?: string | RegExp;
  /**
   * Only requests made with this credential: the Bearer token of `Authorization` or the
   * `X-API-Key` value, compared exactly (to aim a fault at one of two racing "stacks").
   */
  credential?: string;
  /** How many matching requests the rule applies to. Default 1; Infinity allowed. */
  times?: number;
  action: FaultAction;
}

export interface NscaleEndpointSnapshot {
  id: string;
  name: string;
  organizationId: string;
  projectId: string;
  regionId: string;
  provisioningStatus: ProvisioningStatus;
  identityPolicies: string[];
  dnsName: string;
  deleting: boolean;
}

export interface NscaleKeySnapshot {
  endpointId: string;
  id: string;
  name: string;
  description?: string;
  identityPolicy: string;
  accessKeyId: string;
  provisioningStatus: ProvisioningStatus;
  healthStatus: HealthStatus;
  createdAt: string;
  deleting: boolean;
  deletionTime?: string;
}

export interface HostupKeySnapshot {
  accessKey: string;
  label: string;
  createdAt: string;
}

export interface BucketSnapshot {
  owner: "nscale" | "hostup";
  name: string;
  objects: number;
  sizeBytes: number;
  createdAt: string;
  /** Nscale buckets belong to the endpoint of the key that created them. */
  endpointId?: string;
}

export interface EmulatorSnapshot {
  nscale: { endpoints: NscaleEndpointSnapshot[]; keys: NscaleKeySnapshot[] };
  hostup: { provisioned: boolean; keys: HostupKeySnapshot[]; buckets: BucketSnapshot[] };
  s3: { buckets: BucketSnapshot[] };
}

export interface Emulator {
  /** Control planes, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** = url; the Nscale client calls `${nscaleApiUrl}/api/v1/...`. */
  nscaleApiUrl: string;
  /** = url + "/api"; the HostUp client calls `${hostupApiUrl}/object-storage/keys`. */
  hostupApiUrl: string;
  s3Url: string;
  nscaleToken: string;
  hostupApiKey: string;
  /** The seeded Nscale endpoint. */
  endpointId: string;
  /** Every request in arrival order (cleared by reset()). */
  requests: RequestLogEntry[];
  inspect(): EmulatorSnapshot;
  /** The secret of a key still held by the emulator (test helper). */
  secretFor(accessKeyId: string): string | undefined;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  setNscaleKeyStatus(keyMetadataId: string, status: ProvisioningStatus): void;
  /** The next `count` (default 1) created Nscale keys end in `error` instead of `provisioned`. */
  failNextNscaleProvisioning(count?: number): void;
  /** Removes a key at once. nscale: `metadata.id`; hostup: the accessKey. Throws if unknown. */
  deleteOutOfBand(cloud: "nscale" | "hostup", id: string): void;
  configure(patch: EmulatorConfigPatch): void;
  /** Sets EmulatorOptions.clockOffsetMs (a finite number of ms) at run time; reset() restores the start-up value. */
  setClockOffset(ms: number): void;
  /** The emulated servers' clock: host time + clockOffsetMs. */
  now(): Date;
  /** Back to the seeded state and the start-up options; clears faults and the request log. */
  reset(): void;
  close(): Promise<void>;
}
