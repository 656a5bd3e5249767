/**
 * The dynamic-provider ABI (node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js): what the
 * engine sends and understands beyond plain JSON. Only the engine adapter (this folder) uses it.
 */

/** What the engine sends for a value not known yet during preview (`rpc.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** The serialized provider the engine adds to every resource's inputs and outputs. */
export const PROVIDER_KEY = "__provider";

/** Strips what the engine adds (`__provider`) and what Pulumi drops anyway (undefined, null). */
export function userInputs(raw: Record<string, unknown> | undefined): Record<string, unknown> {
  // fromEntries defines properties: a `__proto__` input stays a property (reported by check as
  // unknown) instead of becoming the object's prototype.
  return Object.fromEntries(Object.entries(raw ?? {}).filter(([k, v]) => k !== PROVIDER_KEY && v !== undefined && v !== null));
}

/**
 * The shape the dynamic-provider host understands as "the resource exists but failed to
 * initialise": it records `id` and `properties` in state so the key is never orphaned.
 */
export class PartialCreateError extends Error {
  readonly reasons: string[];
  constructor(
    message: string,
    readonly id: string,
    readonly properties: Record<string, unknown>,
  ) {
    super(message);
    this.name = "PartialCreateError";
    this.stack = `${this.name}: ${message}`;
    this.reasons = [message];
  }
}
