/**
 * The dynamic provider's implementation, loaded at run time by the serialized shim with
 * `require("pulumi-object-storage-keys/provider")`. Because state stores only the shim, upgrading
 * this package changes what old state runs on refresh and destroy, so every function here must
 * accept every older state shape.
 *
 * Contract with the engine (see node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js):
 * secrets arrive as plaintext; `read` results replace stored outputs; an error carrying `id` and
 * `properties` on create records the resource in state.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { ConfigurationError } from "../errors";
import { checkInputs, containsUnknown, durationMs, replaceOnChange, safeProperty, UNKNOWN, userInputs, type HostUpInputs, type NscaleInputs } from "./inputs";
import { createHostUpKey, deleteHostUpKey, readHostUpKey } from "./hostup";
import { createNscaleKey, deleteNscaleKey, readNscaleKey, resumeNscaleKey } from "./nscale";
import { missingCredentialMessage, resolveCredential, resolveTiming, settingNames, type ConfigSource, type Environment } from "./settings";
import { compact, verifyAdoptedSecret, type KeyOutputs } from "./state";
import { checkBucket, createBucket, deleteBucket, diffBucket, readBucket, verifyBucketAccess, type BucketInputs, type BucketOutputs } from "./bucket";

let stackConfig: ConfigSource | undefined;

function environment(): Environment {
  return { config: stackConfig, env: process.env };
}

export async function configure(req: { config: ConfigSource }): Promise<void> {
  stackConfig = req.config;
}

export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
  const outcome = checkInputs(olds ?? {}, news ?? {});
  const failures = [...outcome.failures];
  const cloud = outcome.inputs.cloud;
  if (failures.length === 0 && (cloud === "nscale" || cloud === "hostup")) {
    const e = environment();
    const names = settingNames[cloud];
    const override = outcome.inputs[names.credentialInput];
    if (override !== UNKNOWN && resolveCredential(cloud, override as string | undefined, e) === undefined) {
      failures.push({ property: safeProperty([names.credentialInput]), reason: missingCredentialMessage(cloud) });
    }
    try {
      resolveTiming(e);
    } catch (err) {
      if (!(err instanceof ConfigurationError)) throw err;
      failures.push({ property: "cloud", reason: err.message });
    }
  }
  return { inputs: outcome.inputs, failures };
}

/** Inputs that change without replacing the key: they only affect how the library talks to the API. */
function inPlaceInputs(cloud: "nscale" | "hostup"): string[] {
  return [settingNames[cloud].credentialInput, "apiUrl", "rotateAfter"];
}

/** Older than `rotateAfter`? Time is the only input besides state: no I/O, so diff stays safe in refresh. */
export function isExpired(createdAt: unknown, rotateAfter: string, now = Date.now()): boolean {
  const limit = durationMs(rotateAfter);
  const born = typeof createdAt === "string" ? Date.parse(createdAt) : Number.NaN;
  return limit !== undefined && !Number.isNaN(born) && now - born >= limit;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Pure (refresh calls it too). Compares user inputs only, never `__provider` or outputs, and
 * always answers `changes` so the engine never falls back to its own diff.
 */
export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
  const cloud = (olds.cloud ?? news.cloud) as "nscale" | "hostup";
  if (olds.cloud !== news.cloud) return { changes: true, replaces: ["cloud"], deleteBeforeReplace: false };
  if (stillAdoptingSameKey(olds, news)) return diffAdopted(cloud, olds, news);
  const replaces = replaceOnChange[cloud].filter((k) => news[k] === UNKNOWN || !same(olds[k], news[k]));
  if (typeof news.rotateAfter === "string" && isExpired(olds.createdAt, news.rotateAfter)) replaces.push("rotateAfter");
  const inPlace = inPlaceInputs(cloud).filter((k) => !same(olds[k], news[k]));
  return { changes: replaces.length > 0 || inPlace.length > 0, replaces, deleteBeforeReplace: false };
}

type AdoptInput = { keyId?: unknown; secretAccessKey?: unknown };

function stillAdoptingSameKey(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const was = olds.adopt as AdoptInput | undefined;
  const now = news.adopt as AdoptInput | undefined;
  return olds.adopted === true && typeof now === "object" && now !== null && now.keyId === was?.keyId;
}

/** What the server reports about an adopted key; only compared when the program sets it. */
const describedByServer = { nscale: ["endpointId", "name", "description", "identityPolicy"], hostup: ["label"] };

/**
 * An adopted key must never be replaced: the replacement would adopt the same key again and then
 * delete it as "the old one". So a change that would replace it fails at preview with the fix,
 * and a secret supplied (or corrected) later is verified and stored in place.
 */
function diffAdopted(cloud: "nscale" | "hostup", olds: Record<string, unknown>, news: Record<string, unknown>): dynamic.DiffResult {
  const changed = replaceOnChange[cloud].filter((k) => {
    if (k === "adopt" || k === "cloud") return false;
    if (describedByServer[cloud].includes(k) && news[k] === undefined) return false;
    return !same(olds[k], news[k]);
  });
  if (typeof news.rotateAfter === "string" && isExpired(olds.createdAt, news.rotateAfter)) changed.push("rotateAfter");
  const unknown = changed.filter((k) => news[k] === UNKNOWN);
  const known = changed.filter((k) => news[k] !== UNKNOWN);
  if (known.length > 0) {
    const keyId = String((olds.adopt as AdoptInput).keyId);
    throw new ConfigurationError(
      `${known.join(", ")}: access key ${keyId} was adopted, and changing ${known.length > 1 ? "these" : "this"} would replace it, ` +
        "which for an adopted key means adopting it again and then deleting it. To rotate to a new key, remove `adopt` " +
        `(the next \`up\` creates a new key, then deletes ${keyId}); otherwise revert ${known.join(", ")}.`,
    );
  }
  const secretChanged = !same((olds.adopt as AdoptInput).secretAccessKey, (news.adopt as AdoptInput).secretAccessKey);
  const inPlace = [...inPlaceInputs(cloud).filter((k) => !same(olds[k], news[k])), ...(secretChanged ? ["adopt"] : []), ...unknown];
  return { changes: inPlace.length > 0, replaces: [], deleteBeforeReplace: false };
}

function asOutputs(props: Record<string, unknown>): KeyOutputs {
  const { __provider: _ignored, ...rest } = props;
  return rest as unknown as KeyOutputs;
}

export async function create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
  const checked = userInputs(inputs);
  if (containsUnknown(checked)) throw new ConfigurationError("Inputs are still unknown at create time; this is a bug in the engine integration.");
  const e = environment();
  const result =
    checked.cloud === "nscale"
      ? await createNscaleKey(checked as unknown as NscaleInputs, inputs.__provider, e)
      : await createHostUpKey(checked as unknown as HostUpInputs, e);
  return { id: result.id, outs: result.outs };
}

export async function read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult> {
  const current = asOutputs(props ?? {});
  const e = environment();
  const refreshed = current.cloud === "nscale" ? await readNscaleKey(id, current, e) : await readHostUpKey(id, current);
  // No id tells the engine the key is gone: refresh drops it and the next `up` recreates it.
  return refreshed === undefined ? {} : { id, props: refreshed };
}

/**
 * Only credential/API-URL overrides change in place (keys themselves are immutable), plus
 * resuming a create that failed while waiting for provisioning. Always returns the full outputs:
 * a partial result would wipe the stored secret.
 */
export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult> {
  const previous = asOutputs(olds);
  const inputs = userInputs(news);
  const next: Record<string, unknown> = { ...previous };
  for (const k of inPlaceInputs(previous.cloud)) {
    if (inputs[k] === undefined) delete next[k];
    else next[k] = inputs[k];
  }
  let outs = next as unknown as KeyOutputs;
  if (previous.adopted && inputs.adopt !== undefined && !same(previous.adopt, inputs.adopt)) {
    // Same adopted key (diff allows nothing else), with a secret supplied or corrected.
    const adopt = inputs.adopt as { keyId: string; secretAccessKey?: string };
    outs = compact({ ...outs, adopt, secretAccessKey: adopt.secretAccessKey ?? "" });
    await verifyAdoptedSecret(outs, outs.region ?? "us-east-1");
  }
  if (outs.cloud === "nscale") outs = await resumeNscaleKey(id, outs, environment());
  return { outs };
}

async function deleteKey(id: string, props: Record<string, unknown>): Promise<void> {
  const current = asOutputs(props);
  const e = environment();
  if (current.cloud === "nscale") await deleteNscaleKey(id, current, e);
  else await deleteHostUpKey(id, current, e);
}
export { deleteKey as delete };

/** The bucket resource's lifecycle, reached by its own shim through the same entry point. */
export const bucket = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    return checkBucket(olds ?? {}, news ?? {}, environment());
  },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    return diffBucket(olds, news);
  },
  async create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
    return createBucket(userInputs(inputs) as unknown as BucketInputs, environment());
  },
  async read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult> {
    const current = userInputs(props) as unknown as BucketOutputs;
    const refreshed = await readBucket(id, current, environment());
    return refreshed === undefined ? {} : { id, props: refreshed };
  },
  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult> {
    const previous = userInputs(olds);
    // Only the new inputs: one the user removed (forceDestroy, an apiKey override) must not linger.
    const next = compact({ ...userInputs(news), createdAt: previous.createdAt }) as unknown as BucketOutputs;
    if (next.accessKeyId !== previous.accessKeyId || next.secretAccessKey !== previous.secretAccessKey) {
      await verifyBucketAccess(next);
    }
    return { outs: next };
  },
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    await deleteBucket(id, userInputs(props) as unknown as BucketOutputs, environment());
  },
};
