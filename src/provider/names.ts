/**
 * Generated names: `<sanitized resource name>-<7 random chars>`, unique per resource. The suffix is
 * kept across updates (check reuses the old name) and regenerated on replacement (the engine
 * re-runs check without old inputs then).
 */
import { randomBytes } from "node:crypto";

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
  const suffix = Array.from(randomBytes(7), (b) => alphabet[b % alphabet.length]).join("");
  return `${nameBase(resourceName)}-${suffix}`;
}

export function reusableGeneratedName(olds: Record<string, unknown>, field: string, resourceName: string): string | undefined {
  const old = olds[field];
  if (typeof old !== "string" || olds.resourceName !== resourceName) return undefined;
  return old.startsWith(`${nameBase(resourceName)}-`) && SUFFIX.test(old) ? old : undefined;
}
