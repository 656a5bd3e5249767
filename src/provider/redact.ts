/**
 * The last line of defence: every error and check failure the library hands the engine passes
 * through here, and every credential in use and every secret held is replaced by a placeholder,
 * whatever the message's source (a server body, undici, zod, our own text).
 */
import { isSecret } from "../model/fields";
import { clouds } from "../clouds/registry";
import { BucketState } from "../model/bucket";
import { lookup, type Sources } from "../settings";

export const PLACEHOLDER = "[redacted]";
/** Shorter values would redact ordinary words. */
const MIN_LENGTH = 6;

function secretFieldNames(): Set<string> {
  const names = new Set<string>();
  for (const schema of [...Object.values(clouds).flatMap((m) => [m.inputs, m.state]), BucketState]) {
    for (const [k, field] of Object.entries(schema.shape)) if (isSecret(field)) names.add(k);
  }
  return names;
}

let fields: Set<string> | undefined;

/**
 * Secret values in records (inputs, state): the fields their schemas mark secret. Inside a secret
 * object (`adopt`) only its secret-named fields count: its `keyId` is an identifier users need to read.
 */
export function secretsIn(...records: Array<Record<string, unknown> | undefined>): string[] {
  fields ??= secretFieldNames();
  const names = fields;
  const out: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (v && typeof v === "object") for (const [k, nested] of Object.entries(v)) if (names.has(k)) collect(nested);
  };
  for (const r of records) for (const [k, v] of Object.entries(r ?? {})) if (names.has(k)) collect(v);
  return out;
}

/** Every credential any cloud could use from stack config and the environment. */
export function configuredCredentials(sources: Sources): string[] {
  return Object.values(clouds)
    .map((m) => lookup(sources, { config: m.settings.credential.config, env: m.settings.credential.env })?.raw)
    .filter((v): v is string => v !== undefined);
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  const values = [...new Set(secrets.flatMap((s) => [s, s.trim()]))].filter((s) => s.length >= MIN_LENGTH).sort((a, b) => b.length - a.length);
  for (const s of values) out = out.split(s).join(PLACEHOLDER);
  return out;
}

/** Redacts an error's message and stack in place (keeping its class, which the engine relies on). */
export function redactError(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof Error)) return new Error(redactText(String(err), secrets));
  err.message = redactText(err.message, secrets);
  if (err.stack) err.stack = redactText(err.stack, secrets);
  if ("reasons" in err && Array.isArray(err.reasons)) err.reasons = err.reasons.map((r: unknown) => (typeof r === "string" ? redactText(r, secrets) : r));
  // The reason is data a program may print too: every string in it is scrubbed the same way.
  if ("reason" in err && err.reason && typeof err.reason === "object") Object.assign(err, { reason: redactValue(err.reason, secrets) });
  return err;
}

function redactValue(v: unknown, secrets: readonly string[]): unknown {
  if (typeof v === "string") return redactText(v, secrets);
  if (Array.isArray(v)) return v.map((x) => redactValue(x, secrets));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactValue(x, secrets)]));
  return v;
}
