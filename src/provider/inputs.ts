/**
 * Validation of resource inputs (the `check` step). Every failure names the property and says how
 * to fix it, so bad input stops `pulumi preview` with a readable message instead of failing at `up`.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { strictNamePattern } from "../clouds/nscale/schemas";

/** What the engine sends for a value not known yet during preview (`rpc.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const isUnknown = (v: unknown) => v === UNKNOWN;

/** A string rule that lets the preview-time unknown sentinel through. */
function str(rule: (s: z.ZodString) => z.ZodString) {
  return z.union([z.literal(UNKNOWN), rule(z.string())]);
}

const rotationTrigger = z
  .string({ error: "must be a string (any value; changing it replaces the key), e.g. a date like \"2026-11\"" })
  .max(256, { error: "must be at most 256 characters" });

/** "90d", "12h", "30m", "2w", "45s": the age after which the next `up` replaces the key. */
export const DURATION_PATTERN = /^(\d+)([smhdw])$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };

export function durationMs(value: string): number | undefined {
  const m = DURATION_PATTERN.exec(value);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

const rotateAfter = str((s) =>
  s.regex(DURATION_PATTERN, {
    error: 'must be a duration: a whole number followed by s, m, h, d or w (e.g. "90d"); the next `up` after the key is that old replaces it',
  }).refine((v) => (durationMs(v) ?? 0) > 0, { error: "must be longer than zero" }),
);

const apiUrl = str((s) =>
  s.refine((v) => /^https?:\/\/[^\s/]+/.test(v), {
    error: "must be an absolute http(s) URL, e.g. \"https://storage.unikorn.nscale.com\"",
  }),
);

const credential = (what: string) =>
  z
    .string({ error: `must be a string: the ${what}, passed as a Pulumi secret` })
    .min(1, { error: `must not be empty: omit it to use stack config or the environment instead` });

const resourceName = z.string().min(1);

const adopt = (idRule: z.ZodString, what: string) =>
  z.strictObject(
    {
      keyId: idRule,
      secretAccessKey: z.string().min(1, { error: "must not be empty" }).optional(),
    },
    { error: `must be an object { keyId, secretAccessKey? } naming the existing ${what} to adopt` },
  );

export const NscaleInputs = z.strictObject({
  cloud: z.literal("nscale"),
  resourceName,
  endpointId: str((s) =>
    s
      .min(1, { error: "must not be empty: set it to the object storage endpoint's ID (metadata.id, a UUID)" })
      .max(63, { error: "must be at most 63 characters: use the endpoint's metadata.id (a UUID)" })
      .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, {
        error: "must contain only lowercase letters, digits and hyphens (the endpoint's metadata.id, a UUID)",
      }),
  ),
  name: str((s) =>
    s.regex(strictNamePattern, {
      error:
        "must start with a lowercase letter, contain only lowercase letters, digits and hyphens, not end with a hyphen, and be at most 63 characters (e.g. \"bucket-admin-key\"); omit it to derive one from the resource name",
    }),
  ).optional(), // check derives one unless the key is adopted (then the server's name stands)
  description: str((s) => s.max(1024, { error: "must be at most 1024 characters" })).optional(),
  identityPolicy: str((s) =>
    s
      .min(1, { error: "must name an identity policy configured on the endpoint, e.g. \"bucket-admin\"" })
      .max(64, { error: "must be at most 64 characters (the name of an identity policy on the endpoint)" }),
  ),
  rotationTrigger: rotationTrigger.optional(),
  rotateAfter: rotateAfter.optional(),
  apiToken: credential("Nscale service token").optional(),
  apiUrl: apiUrl.optional(),
  adopt: adopt(z.string().min(1).max(63), "access key (its metadata.id)").optional(),
});
export type NscaleInputs = z.infer<typeof NscaleInputs>;

export const HostUpInputs = z.strictObject({
  cloud: z.literal("hostup"),
  resourceName,
  label: str((s) =>
    s
      .refine((v) => v.trim().length > 0, { error: "must not be empty or blank: omit it to derive one from the resource name" })
      .refine((v) => v.length <= 64, { error: "must be at most 64 characters" }),
  ).optional(), // check derives one unless the key is adopted
  rotationTrigger: rotationTrigger.optional(),
  rotateAfter: rotateAfter.optional(),
  apiKey: credential("HostUp API key").optional(),
  apiUrl: apiUrl.optional(),
  adopt: adopt(z.string().min(1), "access key (its accessKey)").optional(),
});
export type HostUpInputs = z.infer<typeof HostUpInputs>;

export type KeyInputs = NscaleInputs | HostUpInputs;

const schemas = { nscale: NscaleInputs, hostup: HostUpInputs } as const;
export const CLOUDS = Object.keys(schemas) as Array<keyof typeof schemas>;

/** Keys users may set, per cloud (for "unknown property" messages). */
export const userProperties: Record<keyof typeof schemas, string[]> = {
  nscale: ["cloud", "endpointId", "identityPolicy", "name", "description", "rotationTrigger", "rotateAfter", "apiToken", "apiUrl", "adopt"],
  hostup: ["cloud", "label", "rotationTrigger", "rotateAfter", "apiKey", "apiUrl", "adopt"],
};

/** Inputs that cannot change without replacing the key (neither API can update a key). */
export const replaceOnChange: Record<keyof typeof schemas, string[]> = {
  nscale: ["cloud", "endpointId", "name", "description", "identityPolicy", "rotationTrigger", "adopt"],
  hostup: ["cloud", "label", "rotationTrigger", "adopt"],
};

export interface CheckFailure {
  property: string;
  reason: string;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

function suggestion(key: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: editDistance(key, k) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean \`${best.k}\`?` : "";
}

/** Inputs that carry secrets (they are Pulumi secrets in the program). */
export const SECRET_INPUTS = new Set(["apiToken", "apiKey", "adopt"]);

/**
 * The engine prints `property <name> value <value>` for a failure whose property is a top-level
 * input, with the value decrypted. For secret inputs, name a path the engine cannot resolve so it
 * prints no value: a nested field when there is one, else `<name> (secret)`.
 */
export function safeProperty(path: PropertyKey[]): string {
  const top = String(path[0] ?? "");
  if (!SECRET_INPUTS.has(top)) return path.map(String).join(".") || "(inputs)";
  return path.length > 1 ? path.map(String).join(".") : `${top} (secret)`;
}

/** zod issues → one CheckFailure per problem, each naming its property. */
export function toFailures(error: z.ZodError, cloud: keyof typeof schemas, input: Record<string, unknown>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys" && issue.path.length > 0) {
      for (const key of issue.keys) {
        failures.push({ property: safeProperty([...issue.path, key]), reason: unionMessage(issue, input) });
      }
      continue;
    }
    if (issue.code === "unrecognized_keys" && issue.path.length === 0) {
      for (const key of issue.keys) {
        // Not `key` itself: the engine would print its value, and a mistyped secret input
        // (`apiTokn: config.requireSecret(...)`) would appear decrypted.
        failures.push({
          property: `${key} (unknown property)`,
          reason: `is not a property of an ${cloud} access key.${suggestion(key, userProperties[cloud])} Valid properties: ${userProperties[cloud].join(", ")}.`,
        });
      }
      continue;
    }
    const property = safeProperty(issue.path);
    const top = String(issue.path[0] ?? "");
    const missing = issue.path.length > 0 && input[top] === undefined;
    const reason = missing && issue.path.length === 1 ? requiredMessage(cloud, top) : unionMessage(issue, input);
    failures.push({ property, reason });
  }
  // zod reports one issue per union branch; keep the first per property.
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.property) ? false : (seen.add(f.property), true)));
}

function describeType(value: unknown, showValue: boolean): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return showValue ? `${typeof value} ${JSON.stringify(value)}` : `a ${typeof value}`;
}

function valueAt(input: Record<string, unknown>, path: PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function unionMessage(issue: z.core.$ZodIssue, input: Record<string, unknown>, base: PropertyKey[] = []): string {
  if (issue.code === "invalid_union") {
    for (const branch of issue.errors) {
      const specific = branch.find((i) => !(i.code === "invalid_value"));
      if (specific) return unionMessage(specific, input, [...base, ...issue.path]);
    }
  }
  if (issue.code === "unrecognized_keys") {
    return `has unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(", ")}; allowed: keyId, secretAccessKey`;
  }
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    const path = [...base, ...issue.path];
    const got = valueAt(input, path);
    const showValue = !SECRET_INPUTS.has(String(path[0] ?? ""));
    return got === undefined ? `is required (a ${issue.expected})` : `must be a ${issue.expected}, got ${describeType(got, showValue)}`;
  }
  return issue.message;
}

function requiredMessage(cloud: keyof typeof schemas, property: string): string {
  const examples: Record<string, string> = {
    endpointId: 'is required: the ID (metadata.id, a UUID) of the Nscale object storage endpoint, e.g. "a64f9269-36e0-4312-b8d1-52d93d569b7b"',
    identityPolicy: 'is required: the name of an identity policy configured on the endpoint, e.g. "bucket-admin"',
    resourceName: "is required (set by the ObjectStorageAccessKey class; use the class rather than the raw provider)",
  };
  return examples[property] ?? `is required for cloud "${cloud}"`;
}

/** Strips what the engine adds (`__provider`) and what Pulumi drops anyway (undefined). */
export function userInputs(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === "__provider" || v === undefined || v === null) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Auto-names: `<sanitized resource name>-<7 random chars>`, unique per resource so that create can
 * later be reconciled by name. The suffix is kept across updates (check reuses the old name) and
 * regenerated on replacement (the engine re-runs check without old inputs then).
 */
const SUFFIX = /-[a-z0-9]{7}$/;

export function nameBase(resourceName: string): string {
  let base = resourceName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!/^[a-z]/.test(base)) base = `key-${base}`.replace(/-+$/, "");
  return base.slice(0, 63 - 8).replace(/-+$/, "");
}

export function generateName(resourceName: string): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = randomBytes(7);
  const suffix = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
  return `${nameBase(resourceName)}-${suffix}`;
}

function reusableGeneratedName(olds: Record<string, unknown>, field: string, resourceName: string): string | undefined {
  const old = olds[field];
  if (typeof old !== "string" || olds.resourceName !== resourceName) return undefined;
  return old.startsWith(`${nameBase(resourceName)}-`) && SUFFIX.test(old) ? old : undefined;
}

export type CheckOutcome = { inputs: Record<string, unknown>; failures: CheckFailure[] };

export function checkInputs(olds: Record<string, unknown>, news: Record<string, unknown>): CheckOutcome {
  const input = userInputs(news);
  const oldInputs = userInputs(olds);
  const cloud = input.cloud;
  if (cloud !== "nscale" && cloud !== "hostup") {
    return {
      inputs: input,
      failures: [
        {
          property: "cloud",
          reason:
            cloud === undefined
              ? `is required: set it to one of ${CLOUDS.map((c) => `"${c}"`).join(", ")}`
              : `must be one of ${CLOUDS.map((c) => `"${c}"`).join(", ")}, got ${JSON.stringify(cloud)}`,
        },
      ],
    };
  }
  const defaulted = { ...input };
  const nameField = cloud === "nscale" ? "name" : "label";
  // An adopted key already has its name: a generated one would only differ from it.
  if (defaulted[nameField] === undefined && defaulted.adopt === undefined && typeof defaulted.resourceName === "string") {
    defaulted[nameField] =
      reusableGeneratedName(oldInputs, nameField, defaulted.resourceName) ?? generateName(defaulted.resourceName);
  }
  const parsed = schemas[cloud].safeParse(defaulted);
  if (!parsed.success) return { inputs: defaulted, failures: toFailures(parsed.error, cloud, input) };
  return { inputs: parsed.data as Record<string, unknown>, failures: [] };
}

export function containsUnknown(inputs: Record<string, unknown>): boolean {
  return Object.values(inputs).some(isUnknown);
}
