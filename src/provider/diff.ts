/**
 * `diff`: pure (refresh calls it too). Compares user inputs only, never `__provider` or outputs,
 * and always answers `changes` so the engine never falls back to its own diff. What replaces and
 * what changes in place is each cloud's own declaration.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { cloudFor } from "../clouds/registry";
import type { CloudModule } from "../clouds/contract";
import { ConfigurationError } from "../errors";
import { isExpired } from "../model/fields";
import { UNKNOWN } from "./abi";
import { reusableGeneratedName } from "./names";

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function field(record: unknown, key: string): unknown {
  return record && typeof record === "object" ? (record as Record<string, unknown>)[key] : undefined;
}

function stillAdoptingSameKey(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return olds.adopted === true && typeof news.adopt === "object" && news.adopt !== null && field(news.adopt, "keyId") === field(olds.adopt, "keyId");
}

export function diffKey(olds: Record<string, unknown>, news: Record<string, unknown>): dynamic.DiffResult {
  const mod = cloudFor(olds.cloud ?? news.cloud);
  if (olds.cloud !== news.cloud || !mod) return { changes: true, replaces: ["cloud"], deleteBeforeReplace: false };
  if (stillAdoptingSameKey(olds, news)) return diffAdopted(mod, olds, news);
  const replaces = mod.replaceOnChange.filter((k) => news[k] === UNKNOWN || !same(olds[k], news[k]));
  if (typeof news.rotateAfter === "string" && isExpired(olds.createdAt, news.rotateAfter)) replaces.push("rotateAfter");
  const inPlace = mod.inPlace.filter((k) => !same(olds[k], news[k]));
  if (replaces.length > 0) refuseReusedUniqueFields(mod, olds, news, replaces);
  return { changes: replaces.length > 0 || inPlace.length > 0, replaces, deleteBeforeReplace: false };
}

/**
 * The replacement is created while the old key exists: a field the API requires to be unique
 * (an explicit Nscale `name`) cannot stay the same. Generated names are regenerated, so only a
 * name the user chose is a problem.
 */
function refuseReusedUniqueFields(mod: CloudModule, olds: Record<string, unknown>, news: Record<string, unknown>, replaces: string[]): void {
  const resourceName = typeof news.resourceName === "string" ? news.resourceName : "";
  for (const k of mod.uniqueWhileBothExist) {
    if (news[k] === undefined || news[k] === UNKNOWN || !same(olds[k], news[k])) continue;
    if (reusableGeneratedName(olds, k, resourceName) !== undefined) continue;
    // An imported key's name is carried over by check; a replacement re-runs check without it.
    if (olds.imported === true && news.imported === true) continue;
    throw new ConfigurationError({ code: "replace_would_conflict", property: k, replaces, service: mod.settings.displayName, value: news[k] });
  }
}

/**
 * An adopted key must never be replaced: the replacement would adopt the same key again and then
 * delete it as "the old one". So a change that would replace it fails at preview with the fix,
 * and a secret supplied (or corrected) later is verified and stored in place.
 */
function diffAdopted(mod: CloudModule, olds: Record<string, unknown>, news: Record<string, unknown>): dynamic.DiffResult {
  const changed = mod.replaceOnChange.filter((k) => {
    if (k === "adopt" || k === "cloud") return false;
    if (mod.describedByServer.includes(k) && news[k] === undefined) return false;
    return !same(olds[k], news[k]);
  });
  if (typeof news.rotateAfter === "string" && isExpired(olds.createdAt, news.rotateAfter)) changed.push("rotateAfter");
  const unknown = changed.filter((k) => news[k] === UNKNOWN);
  const known = changed.filter((k) => news[k] !== UNKNOWN);
  if (known.length > 0) {
    const keyId = String(field(olds.adopt, "keyId"));
    throw new ConfigurationError({ code: "adopted_would_replace", properties: known, keyId });
  }
  const secretChanged = !same(field(olds.adopt, "secretAccessKey"), field(news.adopt, "secretAccessKey"));
  const inPlace = [...mod.inPlace.filter((k) => !same(olds[k], news[k])), ...(secretChanged ? ["adopt"] : []), ...unknown];
  return { changes: inPlace.length > 0, replaces: [], deleteBeforeReplace: false };
}
