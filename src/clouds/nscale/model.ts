/** What a user sets for an Nscale key, and what the library stores in state for it. */
import { z } from "zod";
import { adopt, apiUrl, commonState, importedMarker, credential, resourceName, rotationInputs, secret } from "../../model/fields";
import type { CloudSettings } from "../../settings";
import { strictNamePattern } from "./schemas";

export const nscaleSettings: CloudSettings = {
  displayName: "Nscale",
  credentialWhat: "an Nscale service token",
  credential: { input: "apiToken", config: "nscale:apiToken", env: ["NSCALE_API_TOKEN", "NSCALE_SERVICE_TOKEN"] },
  apiUrl: { config: "nscale:apiUrl", env: "NSCALE_API_URL", default: "https://storage.unikorn.nscale.com" },
  region: { config: "nscale:region", env: "NSCALE_S3_REGION" },
};

/** Kubernetes-style IDs (`metadata.id`): a UUID in practice. Also keeps `.` and `/` out of URL paths. */
const resourceId = (what: string) =>
  z
    .string()
    .min(1, { error: `must not be empty: set it to ${what}` })
    .max(63, { error: `must be at most 63 characters: ${what}` })
    .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, { error: `must contain only lowercase letters, digits and hyphens: ${what}` });

export const NscaleInputs = z.strictObject({
  cloud: z.literal("nscale").describe('Which cloud the key lives on: "nscale" or "hostup".'),
  resourceName,
  imported: importedMarker,
  endpointId: resourceId("the object storage endpoint's ID (metadata.id, a UUID)").describe("Nscale: the object storage endpoint's ID (metadata.id, a UUID)."),
  identityPolicy: z
    .string()
    .min(1, { error: 'must name an identity policy configured on the endpoint, e.g. "bucket-admin"' })
    .max(64, { error: "must be at most 64 characters (the name of an identity policy on the endpoint)" })
    .describe('Nscale: the name of an identity policy configured on the endpoint, e.g. "bucket-admin".'),
  name: z
    .string()
    .regex(strictNamePattern, {
      error:
        'must start with a lowercase letter, contain only lowercase letters, digits and hyphens, not end with a hyphen, and be at most 63 characters (e.g. "bucket-admin-key"); omit it to derive one from the resource name',
    })
    .describe("Nscale: the key's name; default: the resource name plus a random suffix.")
    .optional(),
  description: z.string().max(1024, { error: "must be at most 1024 characters" }).describe("Nscale: the key's description.").optional(),
  ...rotationInputs,
  apiToken: credential("Nscale service token").optional(),
  apiUrl: apiUrl.optional(),
  adopt: adopt(resourceId("the access key's metadata.id (a UUID)"), "access key (its metadata.id)").optional(),
});
export type NscaleInputs = z.output<typeof NscaleInputs>;

export const NscaleState = z.looseObject({
  cloud: z.literal("nscale"),
  ...commonState,
  endpointId: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  identityPolicy: z.string().optional(),
  organizationId: z.string().optional().describe("Nscale: the organization the key belongs to."),
  projectId: z.string().optional().describe("Nscale: the project the key belongs to."),
  createdBy: z.string().optional().describe("Nscale: who created the key."),
  provisioningStatus: z.string().optional().describe("Nscale: the key's provisioning status when last read."),
  healthStatus: z.string().optional().describe("Nscale: the key's health status when last read."),
  apiToken: secret(z.string().optional()),
});
export type NscaleState = z.output<typeof NscaleState>;
