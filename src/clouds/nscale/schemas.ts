/**
 * Nscale Storage API wire format (OpenAPI `storage/main/openapi.yaml`, v1.13.0).
 * Shared by the client (to parse responses) and the emulator (to validate requests and
 * shape responses). Types are inferred from the schemas; nothing here knows about HTTP.
 */
import { z } from "zod";

export const provisioningStatuses = ["unknown", "pending", "provisioning", "provisioned", "deprovisioning", "error"] as const;
export const ProvisioningStatus = z.enum(provisioningStatuses);
export type ProvisioningStatus = z.infer<typeof ProvisioningStatus>;

export const HealthStatus = z.enum(["unknown", "healthy", "degraded", "error"]);
export type HealthStatus = z.infer<typeof HealthStatus>;

/**
 * What the client accepts for a status in a response: any string. The documented values above are
 * what the emulator sends, but a value Nscale adds later must never fail the parse of a response
 * that carries a key (and its one-time secret): the lifecycle treats an unknown provisioning
 * status as "not ready yet" and names it when the wait times out.
 */
const statusValue = z.string();

/** Whether a provisioning status is one the documentation lists. */
export function isKnownProvisioningStatus(s: string): s is ProvisioningStatus {
  return (provisioningStatuses as readonly string[]).includes(s);
}

/** `kubernetesLabelValue`: what the API itself accepts for `metadata.name`. */
export const apiNamePattern = /^[0-9A-Za-z](?:[0-9A-Za-z-_.]{0,61}[0-9A-Za-z])?$/;
/** The stricter rule Nscale's Terraform provider enforces, which this library also enforces. */
export const strictNamePattern = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const accessKeyIdPattern = /^[A-Za-z0-9]{20}$/;

export const Tag = z.object({ name: z.string(), value: z.string() });

export const WriteMetadata = z.object({
  name: z.string(),
  description: z.string().optional(),
  tags: z.array(Tag).optional(),
});

export const ReadMetadata = WriteMetadata.extend({
  id: z.string().min(1),
  creationTime: z.string(),
  createdBy: z.string().optional(),
  modifiedTime: z.string().optional(),
  modifiedBy: z.string().optional(),
  deletionTime: z.string().optional(),
  provisioningStatus: statusValue,
  healthStatus: statusValue,
  organizationId: z.string(),
  projectId: z.string(),
});
export type ReadMetadata = z.infer<typeof ReadMetadata>;

/** K1 request body. */
export const AccessKeyCreateRequest = z.object({
  metadata: WriteMetadata,
  spec: z.object({ identityPolicy: z.string() }),
});
export type AccessKeyCreateRequest = z.infer<typeof AccessKeyCreateRequest>;

/** K1 201 response: the only response that ever carries the secret. */
export const AccessKeyCreateResponse = z.object({
  metadata: ReadMetadata,
  spec: z.object({
    identityPolicy: z.string(),
    accessKeyId: z.string().min(1),
    // No upper bound: a longer secret is still the key's secret, not a reason to delete the key.
    secret: z.string().min(1),
  }),
});
export type AccessKeyCreateResponse = z.infer<typeof AccessKeyCreateResponse>;

/** K2 items and K3 response. `accessKeyId` may be null while provisioning; never a secret. */
export const AccessKeyRead = z.object({
  metadata: ReadMetadata,
  spec: z.object({
    identityPolicy: z.string(),
    accessKeyId: z.string().nullable(),
  }),
});
export type AccessKeyRead = z.infer<typeof AccessKeyRead>;

export const AccessKeyList = z.array(AccessKeyRead);

export const IdentityPolicy = z.object({
  name: z.string().min(1).max(64),
  document: z.record(z.string(), z.unknown()),
});

/** E1 items, E2-E4 responses. */
export const EndpointRead = z.object({
  metadata: ReadMetadata,
  spec: z.object({
    objectStorageEndpointClassId: z.string(),
    identityPolicies: z.array(IdentityPolicy).optional(),
  }),
  status: z.object({
    regionId: z.string(),
    exposure: z
      .object({ public: z.object({ dnsName: z.string() }).optional() })
      .nullable()
      .optional(),
  }),
});
export type EndpointRead = z.infer<typeof EndpointRead>;

export const EndpointCreateRequest = z.object({
  metadata: WriteMetadata,
  spec: z.object({
    organizationId: z.string(),
    projectId: z.string(),
    regionId: z.string(),
    objectStorageEndpointClassId: z.string(),
    identityPolicies: z.array(IdentityPolicy).optional(),
  }),
});
export type EndpointCreateRequest = z.infer<typeof EndpointCreateRequest>;

/**
 * Every Nscale error body (OAuth2 style, uni-core's error writer): `error` (a snake_case code) and
 * `error_description` are required, `trace_id` optional. Lenient on the code's value so a new one
 * still parses, but a body that also carries another format's fields (RFC 9457 `title`/`type`,
 * Spring's `path`/`status`, a gateway's `message`) is some gateway's or framework's, not Nscale's.
 */
export const ErrorBody = z
  .looseObject({
    error: z.string().regex(/^[a-z][a-z0-9_]*$/),
    error_description: z.string(),
    trace_id: z.string().optional(),
  })
  .refine((b) => !["title", "type", "status", "path", "detail", "message"].some((k) => Object.hasOwn(b, k)), { message: "another error format's fields" });
export type ErrorBody = z.infer<typeof ErrorBody>;
