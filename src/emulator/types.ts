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
  /** One line per request (cloud, method, path, status). Never given headers, bodies or secrets. */
  log?: (line: string) => void;
}

/** Run-time changes; `rateLimit: null` turns rate limiting off. */
export interface EmulatorConfigPatch {
  nscale?: Partial<NscaleEmulatorOptions>;
  hostup?: Partial<HostupEmulatorOptions>;
  rateLimit?: RateLimitOptions | null;
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
  /** Fault kind that shaped the response: "status" | "delay" | "reset" | "dropAfterCommit" | "rateLimit". */
  fault?: string;
}

export type FaultAction =
  | { kind: "status"; status: number; retryAfter?: string; headers?: Record<string, string>; body?: unknown }
  | { kind: "delay"; ms: number }
  | { kind: "reset" }
  | { kind: "dropAfterCommit" };

export interface FaultRule {
  cloud?: EmulatedCloud;
  method?: string;
  /** Exact path, a prefix ending in "*", or a RegExp tested against the path (no query string). */
  path?: string | RegExp;
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
  /** Back to the seeded state and the start-up options; clears faults and the request log. */
  reset(): void;
  close(): Promise<void>;
}
