/**
 * Field rules shared by every cloud's inputs and state. Clouds compose their schemas from these,
 * so a rule (a duration's format, what a credential may contain, which fields are secret) lives
 * here once. Nothing here knows the engine or HTTP.
 */
import { messageOf } from "../errors";
import { z } from "zod";
import { credentialValue } from "../settings";

/** Marks a field as a secret: the resource class derives its secret outputs from this. */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ secret: true });
}

/** Also through the wrappers `.optional()` and `.default()` add around a marked schema. */
export function isSecret(schema: z.core.$ZodType): boolean {
  for (let s: z.core.$ZodType | undefined = schema; s;) {
    if (z.globalRegistry.get(s)?.secret === true) return true;
    const def: object = s._zod.def;
    s = "innerType" in def ? (def.innerType as z.core.$ZodType) : undefined;
  }
  return false;
}

/** The fields of an object schema that are marked secret. */
export function secretFieldsOf(schema: { shape: Record<string, z.core.$ZodType> }): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => isSecret(field))
    .map(([name]) => name);
}

/** "90d", "12h", "30m", "2w", "45s": the age after which the next `up` replaces the key. */
export const DURATION_PATTERN = /^(\d+)([smhdw])$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

export function durationMs(value: string): number | undefined {
  const m = DURATION_PATTERN.exec(value);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/** Older than `rotateAfter`? Time is the only input besides state: no I/O, so diff stays pure. */
export function isExpired(createdAt: unknown, rotateAfter: string, now = Date.now()): boolean {
  const limit = durationMs(rotateAfter);
  const born = typeof createdAt === "string" ? Date.parse(createdAt) : Number.NaN;
  return limit !== undefined && !Number.isNaN(born) && now - born >= limit;
}

export const resourceName = z.string().min(1);

/** Set by the library, never by users: resourceName (by the resource class) and `imported` (by check). */
export const INTERNAL_INPUTS = ["resourceName", "imported"] as const;
/** Carried from the import file's inputs through every later check (see provider/check.ts). */
export const importedMarker = z.literal(true).optional();

export const rotationTrigger = z
  .string({ error: 'must be a string (any value; changing it replaces the key), e.g. a date like "2026-11"' })
  .max(256, { error: "must be at most 256 characters" });

export const rotateAfter = z
  .string()
  .regex(DURATION_PATTERN, {
    error: 'must be a duration: a whole number followed by s, m, h, d or w (e.g. "90d"); the next `up` after the key is that old replaces it',
  })
  .refine((v) => (durationMs(v) ?? 0) > 0, { error: "must be longer than zero" });

/** Checked as a URL by the settings module at preview, wherever it comes from. */
export const apiUrl = z.string().describe("The cloud API's base URL for this resource only (else provider config, the environment, then the public API).");

/** Surrounding whitespace (a trailing newline from a file) is trimmed; control characters inside are refused. */
export function credential(what: string) {
  return secret(
    z
      .string()
      .describe(`The ${what} for this resource only (else provider config, then the environment); always stored as a secret.`)
      .transform((v, ctx) => {
        try {
          return credentialValue(v);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: `${messageOf(err)} Omit it to use stack config or the environment instead.` });
          return z.NEVER;
        }
      }),
  );
}

export function adopt(keyId: z.ZodType<string>, what: string) {
  return secret(
    z
      .strictObject(
        {
          keyId: keyId.describe("The existing key: on Nscale its metadata.id, on HostUp its accessKey."),
          secretAccessKey: z
            .string()
            .min(1, { error: "must not be empty" })
            .describe("The existing key's S3 secret: verified with a signed S3 request and exposed as `secretAccessKey`. Required for HostUp.")
            .optional(),
        },
        { error: `must be an object { keyId, secretAccessKey? } naming the existing ${what} to adopt` },
      )
      .describe("Adopt an existing key instead of creating one; an adopted key is never replaced, and destroy deletes it."),
  );
}

/** Inputs every cloud accepts, besides its own. */
export const rotationInputs = {
  rotationTrigger: rotationTrigger.describe("Any string; changing it replaces the key (the new key is created first, then the old one is deleted).").optional(),
  rotateAfter: rotateAfter.describe('A duration such as "90d", "12h" or "2w": once the key is older, the next `up` replaces it (new key first).').optional(),
};

/**
 * Outputs every cloud stores. Parsed leniently (defaults for what older states lack, unknown
 * fields kept) because state written by any earlier release must still refresh and delete.
 */
export const commonState = {
  resourceName: z.string().default("").describe("The Pulumi resource name the key was declared with."),
  keyId: z.string().describe("The key's ID at its cloud (Nscale: metadata.id; HostUp: the accessKey); also the Pulumi resource ID."),
  accessKeyId: z.string().default("").describe("The S3 access key ID."),
  secretAccessKey: secret(z.string().default("").describe("The S3 secret access key: returned by the cloud only once, kept as a Pulumi secret.")),
  s3Endpoint: z.string().default("").describe("The S3 endpoint URL to use with this key."),
  region: z.string().optional().describe("The S3 signing region (HostUp: the service's awsRegion; Nscale: the region setting, else unset)."),
  createdAt: z.string().default("").describe("When the key was created (RFC 3339)."),
  rotationTrigger: z.string().optional(),
  rotateAfter: z.string().optional(),
  apiUrl: z.string().optional(),
  /** true when the key existed before Pulumi managed it (`adopt`). */
  adopted: z.boolean().optional().describe("true when the key existed before Pulumi managed it (`adopt`)."),
  /** true when the key came in through `pulumi import` (an import file written by this library). */
  imported: z.boolean().optional().describe("true when the key came in through `pulumi import`."),
  adopt: secret(z.object({ keyId: z.string(), secretAccessKey: z.string().optional() }).optional()),
};

/** Pulumi state holds JSON: drop undefined so nothing serializes as null. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
