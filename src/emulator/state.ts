/** Everything the emulator holds, in memory, plus the options in force. */
import type { HealthStatus, ProvisioningStatus } from "../clouds/nscale/schemas";
import { hostupAccessKey, secretKey } from "./ids";
import type {
  BucketSnapshot,
  EmulatorConfigPatch,
  EmulatorOptions,
  EmulatorSnapshot,
  HostupEmulatorOptions,
  NscaleEmulatorOptions,
  RateLimitOptions,
} from "./types";

export const SEEDED_ENDPOINT_ID = "a64f9269-36e0-4312-b8d1-52d93d569b7b";
export const SEEDED_ORGANIZATION_ID = "9a8c6370-4065-4d4a-9da0-7678df40cd9d";
export const SEEDED_PROJECT_ID = "e36c058a-8eba-4f5b-91f4-f6ffb983795c";
export const SEEDED_REGION_ID = "ba39bff5-b0d8-4c60-89e5-ed1104356b4a";
export const SEEDED_CLASS_ID = "7b6f8b33-3ca8-4db2-b7ab-7bbf683efc6d";
export const CREATED_BY = "emulator@example.invalid";
export const HOSTUP_REGION = "eu-north-1";
export const HOSTUP_TENANT_ID = "client_11112";

export interface IdentityPolicy {
  name: string;
  document: Record<string, unknown>;
}

export interface NscaleEndpoint {
  id: string;
  name: string;
  description?: string;
  tags?: Array<{ name: string; value: string }>;
  organizationId: string;
  projectId: string;
  regionId: string;
  classId: string;
  identityPolicies: IdentityPolicy[];
  createdAt: string;
  provisioningStatus: ProvisioningStatus;
  healthStatus: HealthStatus;
  getsUntilProvisioned: number;
  deleting: boolean;
  deletionTime?: string;
  getsUntilGone: number;
}

export interface NscaleKey {
  endpointId: string;
  id: string;
  name: string;
  description?: string;
  tags?: Array<{ name: string; value: string }>;
  identityPolicy: string;
  accessKeyId: string;
  secret: string;
  createdAt: string;
  provisioningStatus: ProvisioningStatus;
  healthStatus: HealthStatus;
  /** Armed by failNextNscaleProvisioning: ends in "error" instead of "provisioned". */
  failProvisioning: boolean;
  notFoundGetsLeft: number;
  getsUntilProvisioned: number;
  deleting: boolean;
  deletionTime?: string;
  getsUntilGone: number;
}

export interface HostupKey {
  accessKey: string;
  secretKey: string;
  label: string;
  createdAt: string;
}

export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
}

export interface Bucket {
  owner: "nscale" | "hostup";
  name: string;
  createdAt: string;
  endpointId?: string;
  objects: Map<string, StoredObject>;
}

export interface ResolvedOptions {
  nscale: Required<NscaleEmulatorOptions>;
  hostup: Required<HostupEmulatorOptions>;
  rateLimit?: RateLimitOptions;
  clockOffsetMs: number;
}

export function checkClockOffset(ms: number): number {
  if (!Number.isFinite(ms)) throw new RangeError("clockOffsetMs must be a finite number of milliseconds");
  return ms;
}

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const n = options.nscale ?? {};
  const h = options.hostup ?? {};
  return {
    nscale: {
      tokens: n.tokens ?? ["emulator-nscale-token"],
      readOnlyTokens: n.readOnlyTokens ?? ["emulator-nscale-readonly"],
      createStatus: n.createStatus ?? "provisioning",
      pollsUntilProvisioned: n.pollsUntilProvisioned ?? 1,
      notFoundGetsAfterCreate: n.notFoundGetsAfterCreate ?? 0,
      pollsUntilDeleted: n.pollsUntilDeleted ?? 1,
      duplicateNameConflict: n.duplicateNameConflict ?? true,
      s3Region: n.s3Region ?? "us-east-1",
    },
    hostup: {
      apiKeys: h.apiKeys ?? ["emulator-hostup-key"],
      provisioned: h.provisioned ?? true,
      seedKeys: h.seedKeys ?? 1,
    },
    rateLimit: options.rateLimit,
    clockOffsetMs: checkClockOffset(options.clockOffsetMs ?? 0),
  };
}

/** Principal an S3 request was signed as. */
export type S3Principal =
  | { cloud: "nscale"; accessKeyId: string; secret: string; region: string; endpointId: string; policy?: IdentityPolicy }
  | { cloud: "hostup"; accessKeyId: string; secret: string; region: string };

export class EmulatorState {
  options: ResolvedOptions;
  readonly nscaleEndpoints = new Map<string, NscaleEndpoint>();
  readonly nscaleKeys = new Map<string, NscaleKey>();
  readonly hostupKeys = new Map<string, HostupKey>();
  readonly buckets = new Map<string, Bucket>();
  failProvisioningArmed = 0;

  constructor(
    private readonly startOptions: EmulatorOptions,
    readonly s3Url: string,
  ) {
    this.options = resolveOptions(startOptions);
    this.seed();
  }

  reset(): void {
    this.options = resolveOptions(this.startOptions);
    this.nscaleEndpoints.clear();
    this.nscaleKeys.clear();
    this.hostupKeys.clear();
    this.buckets.clear();
    this.failProvisioningArmed = 0;
    this.seed();
  }

  configure(patch: EmulatorConfigPatch): void {
    this.options = {
      nscale: { ...this.options.nscale, ...definedOnly(patch.nscale) },
      hostup: { ...this.options.hostup, ...definedOnly(patch.hostup) },
      rateLimit: patch.rateLimit === undefined ? this.options.rateLimit : (patch.rateLimit ?? undefined),
      clockOffsetMs: patch.clockOffsetMs === undefined ? this.options.clockOffsetMs : checkClockOffset(patch.clockOffsetMs),
    };
  }

  /** The emulated servers' clock (host time + clockOffsetMs). */
  now(): Date {
    return new Date(Date.now() + this.options.clockOffsetMs);
  }

  private seed(): void {
    this.nscaleEndpoints.set(SEEDED_ENDPOINT_ID, {
      id: SEEDED_ENDPOINT_ID,
      name: "my-s3-endpoint",
      organizationId: SEEDED_ORGANIZATION_ID,
      projectId: SEEDED_PROJECT_ID,
      regionId: SEEDED_REGION_ID,
      classId: SEEDED_CLASS_ID,
      identityPolicies: seededPolicies(),
      createdAt: "2024-05-31T14:11:00Z",
      provisioningStatus: "provisioned",
      healthStatus: "healthy",
      getsUntilProvisioned: 0,
      deleting: false,
      getsUntilGone: 0,
    });
    for (let i = 0; i < this.options.hostup.seedKeys; i++) {
      const accessKey = hostupAccessKey();
      this.hostupKeys.set(accessKey, {
        accessKey,
        secretKey: secretKey(),
        label: i === 0 ? "default" : `default-${i + 1}`,
        createdAt: this.now().toISOString(),
      });
    }
  }

  /** The `status.exposure.public.dnsName` of every endpoint: the S3 listener, as a URL. */
  get dnsName(): string {
    return this.s3Url;
  }

  nscaleKeyByAccessKeyId(accessKeyId: string): NscaleKey | undefined {
    for (const key of this.nscaleKeys.values()) if (key.accessKeyId === accessKeyId) return key;
    return undefined;
  }

  /** Credentials the S3 listener accepts: provisioned, live Nscale keys and every HostUp key. */
  s3Principal(accessKeyId: string): S3Principal | undefined {
    const hostup = this.hostupKeys.get(accessKeyId);
    if (hostup) return { cloud: "hostup", accessKeyId, secret: hostup.secretKey, region: HOSTUP_REGION };
    const key = this.nscaleKeyByAccessKeyId(accessKeyId);
    if (!key || key.deleting || key.provisioningStatus !== "provisioned") return undefined;
    const endpoint = this.nscaleEndpoints.get(key.endpointId);
    if (!endpoint || endpoint.deleting) return undefined;
    return {
      cloud: "nscale",
      accessKeyId,
      secret: key.secret,
      region: this.options.nscale.s3Region,
      endpointId: key.endpointId,
      policy: endpoint.identityPolicies.find((p) => p.name === key.identityPolicy),
    };
  }

  secretFor(accessKeyId: string): string | undefined {
    return this.hostupKeys.get(accessKeyId)?.secretKey ?? this.nscaleKeyByAccessKeyId(accessKeyId)?.secret;
  }

  /** Removes an endpoint with everything managed through it (keys and buckets). */
  removeEndpoint(id: string): void {
    this.nscaleEndpoints.delete(id);
    for (const [keyId, key] of this.nscaleKeys) if (key.endpointId === id) this.nscaleKeys.delete(keyId);
    for (const [name, bucket] of this.buckets) if (bucket.endpointId === id) this.buckets.delete(name);
  }

  snapshot(): EmulatorSnapshot {
    const buckets: BucketSnapshot[] = [...this.buckets.values()].map((b) => ({
      owner: b.owner,
      name: b.name,
      objects: b.objects.size,
      sizeBytes: bucketSize(b),
      createdAt: b.createdAt,
      ...(b.endpointId !== undefined ? { endpointId: b.endpointId } : {}),
    }));
    return {
      nscale: {
        endpoints: [...this.nscaleEndpoints.values()].map((e) => ({
          id: e.id,
          name: e.name,
          organizationId: e.organizationId,
          projectId: e.projectId,
          regionId: e.regionId,
          provisioningStatus: e.provisioningStatus,
          identityPolicies: e.identityPolicies.map((p) => p.name),
          dnsName: this.dnsName,
          deleting: e.deleting,
        })),
        keys: [...this.nscaleKeys.values()].map((k) => ({
          endpointId: k.endpointId,
          id: k.id,
          name: k.name,
          ...(k.description !== undefined ? { description: k.description } : {}),
          identityPolicy: k.identityPolicy,
          accessKeyId: k.accessKeyId,
          provisioningStatus: k.provisioningStatus,
          healthStatus: k.healthStatus,
          createdAt: k.createdAt,
          deleting: k.deleting,
          ...(k.deletionTime !== undefined ? { deletionTime: k.deletionTime } : {}),
        })),
      },
      hostup: {
        provisioned: this.options.hostup.provisioned,
        keys: [...this.hostupKeys.values()].map((k) => ({
          accessKey: k.accessKey,
          label: k.label,
          createdAt: k.createdAt,
        })),
        buckets: buckets.filter((b) => b.owner === "hostup"),
      },
      s3: { buckets },
    };
  }
}

export function bucketSize(bucket: Bucket): number {
  let size = 0;
  for (const o of bucket.objects.values()) size += o.body.length;
  return size;
}

function definedOnly<T extends object>(patch: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(patch ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function seededPolicies(): IdentityPolicy[] {
  const allow = (actions: string[]) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: actions, Resource: ["arn:aws:s3:::*", "arn:aws:s3:::*/*"] }],
  });
  return [
    { name: "bucket-admin", document: allow(["s3:*"]) },
    {
      name: "bucket-readonly",
      document: allow(["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"]),
    },
    { name: "system-default-admin", document: allow(["s3:*"]) },
  ];
}
