import type { CloudModule, OperationContext } from "../clouds/contract";
import { resolve, type Overrides, type Sources } from "../settings";

/** The resolved settings one operation runs with, from a record's own overrides first. */
export function contextFor(mod: CloudModule, overrides: { credential?: unknown; apiUrl?: unknown }, sources: Sources): OperationContext {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const resolveWith = (o: Overrides) => resolve(mod.settings, o, sources);
  return { ...resolveWith({ credential: str(overrides.credential), apiUrl: str(overrides.apiUrl) }), resolveWith };
}

/** A key record's overrides: the cloud's credential input and `apiUrl`. */
export function keyOverrides(mod: CloudModule, record: Record<string, unknown>) {
  return { credential: record[mod.settings.credential.input], apiUrl: record.apiUrl };
}
