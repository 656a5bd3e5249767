/**
 * The `check` step: every failure names its property and says how to fix it, so bad input stops
 * `pulumi preview` with a readable message instead of failing at `up`. Values the engine does not
 * know yet (during preview) are set aside, validated by nothing, and put back.
 */
import { z } from "zod";
import { INTERNAL_INPUTS, secretFieldsOf } from "../model/fields";
import type { CloudModule, ObjectSchema } from "../clouds/contract";
import { CLOUD_IDS, cloudFor } from "../clouds/registry";
import { ConfigurationError } from "../errors";
import { resolveApiUrl, resolveCredential, resolveHttp, resolveTiming, missingCredential, type Sources } from "../settings";
import { containsUnknown, userInputs } from "./abi";
import { generateName, reusableGeneratedName } from "./names";

export interface CheckFailure {
  property: string;
  reason: string;
}

export type CheckOutcome = { inputs: Record<string, unknown>; failures: CheckFailure[] };

function secretFields(schema: ObjectSchema): Set<string> {
  return new Set(secretFieldsOf(schema));
}

/**
 * The engine prints `property <name> value <value>` for a failure whose property is a top-level
 * input, with the value decrypted. For secret inputs, name a path the engine cannot resolve so it
 * prints no value: a nested field when there is one, else `<name> (secret)`.
 */
export function safeProperty(path: readonly PropertyKey[], secrets: Set<string>): string {
  const top = String(path[0] ?? "");
  if (!secrets.has(top)) return path.map(String).join(".") || "(inputs)";
  return path.length > 1 ? path.map(String).join(".") : `${top} (secret)`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

function suggestion(key: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: editDistance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean \`${best.k}\`?` : "";
}

function describeType(value: unknown, showValue: boolean): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return showValue ? `${typeof value} ${JSON.stringify(value)}` : `a ${typeof value}`;
}

function valueAt(input: Record<string, unknown>, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function issueMessage(issue: z.core.$ZodIssue, input: Record<string, unknown>, secrets: Set<string>): string {
  if (issue.code === "unrecognized_keys") return `has unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(", ")}; allowed: keyId, secretAccessKey`;
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
    const got = valueAt(input, issue.path);
    return got === undefined
      ? `is required (a ${issue.expected})`
      : `must be a ${issue.expected}, got ${describeType(got, !secrets.has(String(issue.path[0] ?? "")))}`;
  }
  return issue.message;
}

const REQUIRED: Readonly<Record<string, string>> = {
  resourceName: "is required (set by the resource class; use the class rather than the raw provider)",
};

/** zod issues → one CheckFailure per problem, each naming its property. */
export function toFailures(
  error: z.ZodError,
  what: string,
  schema: ObjectSchema,
  input: Record<string, unknown>,
  requiredHints: Readonly<Record<string, string>> = {},
): CheckFailure[] {
  const required = { ...REQUIRED, ...requiredHints };
  const secrets = secretFields(schema);
  const internal: readonly string[] = INTERNAL_INPUTS;
  const known = Object.keys(schema.shape).filter((k) => !internal.includes(k));
  const failures: CheckFailure[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys" && issue.path.length > 0) {
      for (const key of issue.keys) failures.push({ property: safeProperty([...issue.path, key], secrets), reason: issueMessage(issue, input, secrets) });
      continue;
    }
    if (issue.code === "unrecognized_keys" && issue.path.length === 0) {
      for (const key of issue.keys) {
        // Not `key` itself: the engine would print its value, and a mistyped secret input
        // (`apiTokn: config.requireSecret(...)`) would appear decrypted.
        failures.push({
          property: `${key} (unknown property)`,
          reason: `is not a property of ${what}.${suggestion(key, known)} Valid properties: ${known.join(", ")}.`,
        });
      }
      continue;
    }
    const top = String(issue.path[0] ?? "");
    const missing = issue.path.length === 1 && input[top] === undefined;
    failures.push({
      property: safeProperty(issue.path, secrets),
      reason: missing ? ((Object.hasOwn(required, top) ? required[top] : undefined) ?? `is required for ${what}`) : issueMessage(issue, input, secrets),
    });
  }
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.property) ? false : (seen.add(f.property), true)));
}

const optionalVariants = new WeakMap<ObjectSchema, Map<string, ObjectSchema>>();

/**
 * `schema` with `fields` optional, built once per schema and set of fields: zod compiles a parser
 * for each new object schema on its first parse, so one built per `check` cost every key its own
 * compiled code (~28 MiB of RSS over 1,000 checks in the engine's provider process, issue 18).
 */
function withOptional(schema: ObjectSchema, fields: string[]): ObjectSchema {
  if (fields.length === 0) return schema;
  const key = [...fields].sort().join("\n");
  let variants = optionalVariants.get(schema);
  if (!variants) optionalVariants.set(schema, (variants = new Map()));
  let variant = variants.get(key);
  if (!variant) variants.set(key, (variant = schema.partial(Object.fromEntries(fields.map((k) => [k, true as const])))));
  return variant;
}

/** Validates with values still unknown set aside; returns the parsed inputs with them put back. */
export function parseKnown(
  schema: ObjectSchema,
  input: Record<string, unknown>,
): z.ZodSafeParseResult<Record<string, unknown>> & { unknown: Record<string, unknown> } {
  // Own properties only: `k in {}` is true for `constructor`, `toString`, ..., which would hide them.
  // A name that is no field is validated whatever its value, so it is reported as unknown.
  const isField = (k: string) => Object.hasOwn(schema.shape, k);
  const unknown = Object.fromEntries(Object.entries(input).filter(([k, v]) => isField(k) && containsUnknown(v)));
  const known = Object.fromEntries(Object.entries(input).filter(([k]) => !Object.hasOwn(unknown, k)));
  const parsed = withOptional(schema, Object.keys(unknown)).safeParse(known);
  return Object.assign(parsed.success ? { ...parsed, data: { ...parsed.data, ...unknown } } : parsed, { unknown });
}

export function cloudFailure(cloud: unknown): CheckFailure {
  const list = CLOUD_IDS.map((c) => `"${c}"`).join(", ");
  return { property: "cloud", reason: cloud === undefined ? `is required: set it to one of ${list}` : `must be one of ${list}, got ${JSON.stringify(cloud)}` };
}

/** Settings problems (a missing credential, a bad URL wherever it is set, bad timing) at preview. */
export function settingsFailures(
  mod: CloudModule,
  overrides: { credential?: unknown; apiUrl?: unknown },
  sources: Sources,
  needsCredential = true,
): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const secrets = secretFields(mod.inputs);
  const attempt = (property: string, run: () => void) => {
    try {
      run();
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      failures.push({ property, reason: err.message });
    }
  };
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (!containsUnknown(overrides.apiUrl)) attempt("apiUrl", () => resolveApiUrl(mod.settings, { apiUrl: str(overrides.apiUrl) }, sources));
  if (needsCredential && !containsUnknown(overrides.credential)) {
    attempt(safeProperty([mod.settings.credential.input], secrets), () => {
      if (resolveCredential(mod.settings, { credential: str(overrides.credential) }, sources) === undefined) throw missingCredential(mod.settings);
    });
  }
  attempt("cloud", () => {
    resolveHttp(sources);
    resolveTiming(sources);
  });
  return failures;
}

/** Rules every cloud shares that a schema cannot express. */
function commonCrossChecks(inputs: Record<string, unknown>): CheckFailure[] {
  if (inputs.adopt !== undefined && inputs.rotateAfter !== undefined) {
    return [
      {
        property: "rotateAfter",
        reason:
          "cannot be combined with `adopt`: an adopted key is never replaced (a replacement would adopt the same key again and then delete it), so every preview after the duration would fail. Remove `rotateAfter`, or remove `adopt` to let Pulumi create (and rotate) its own key.",
      },
    ];
  }
  return [];
}

export function checkKey(olds: Record<string, unknown>, news: Record<string, unknown>, sources: Sources): CheckOutcome {
  const input = userInputs(news);
  const mod = cloudFor(input.cloud);
  if (!mod) return { inputs: input, failures: [cloudFailure(input.cloud)] };
  const defaulted = { ...input };
  const field = mod.generatedNameField;
  const previous = userInputs(olds);
  // An adopted key already has its name: a generated one would only differ from it. An imported
  // key keeps the name it had, so declaring it without one never replaces it.
  if (previous.imported === true) {
    // What the server described (its name, description) stands unless the program says otherwise.
    defaulted.imported = true;
    for (const k of new Set([field, ...mod.describedByServer])) if (defaulted[k] === undefined && previous[k] !== undefined) defaulted[k] = previous[k];
  }
  if (defaulted[field] === undefined && defaulted.adopt === undefined && typeof defaulted.resourceName === "string") {
    defaulted[field] = reusableGeneratedName(previous, field, defaulted.resourceName) ?? generateName(defaulted.resourceName);
  }
  const parsed = parseKnown(mod.inputs, defaulted);
  if (!parsed.success) return { inputs: defaulted, failures: toFailures(parsed.error, `an ${mod.id} access key`, mod.inputs, input, mod.requiredHints) };
  const failures = [
    ...commonCrossChecks(parsed.data),
    ...mod.crossCheck(parsed.data, input, userInputs(olds)),
    ...settingsFailures(mod, { credential: parsed.data[mod.settings.credential.input], apiUrl: parsed.data.apiUrl }, sources),
  ];
  return { inputs: parsed.data, failures };
}
