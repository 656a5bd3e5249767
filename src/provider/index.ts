/**
 * The engine adapter: the dynamic provider's implementation, loaded at run time by the serialized
 * shim with `require("pulumi-object-storage-keys/provider")`. It alone knows the dynamic-provider
 * ABI (`__provider`, the unknown sentinel, PartialCreateError's `id`/`properties`, and the export
 * names the shim calls, which are frozen); each cloud's module does the work.
 *
 * Because state stores only the shim, upgrading this package changes what old state runs on
 * refresh and destroy: every function here accepts every older state shape (the cloud's state
 * schemas are lenient). Every error and check failure passes through the redactor.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { cloudFor } from "../clouds/registry";
import { ConfigurationError, KeyCreatedButFailed, LifecycleError } from "../errors";
import type { ConfigSource, Sources } from "../settings";
import { containsUnknown, PartialCreateError, PROVIDER_KEY, userInputs } from "./abi";
import { checkBucket, createBucket, deleteBucket, diffBucket, readBucket, updateBucket } from "./bucket";
import { checkKey } from "./check";
import { contextFor, keyOverrides } from "./context";
import { diffKey } from "./diff";
import { configuredCredentials, redactError, redactText, secretsIn } from "./redact";

export { PartialCreateError } from "./abi";

let stackConfig: ConfigSource | undefined;

function sources(): Sources {
  return { config: stackConfig, env: process.env };
}

/** Runs an operation; whatever it throws leaves with every known secret replaced. */
async function guarded<T>(records: Array<Record<string, unknown> | undefined>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw redactError(err, [...secretsIn(...records), ...configuredCredentials(sources())]);
  }
}

function moduleFor(record: Record<string, unknown>) {
  const mod = cloudFor(record.cloud);
  if (!mod) throw new LifecycleError(`unknown cloud ${JSON.stringify(record.cloud)} in this resource's state or inputs.`);
  return mod;
}

export async function configure(req: { config: ConfigSource }): Promise<void> {
  stackConfig = req.config;
}

export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
  return guarded([olds, news], async () => {
    const outcome = checkKey(olds ?? {}, news ?? {}, sources());
    const secrets = [...secretsIn(olds, news), ...configuredCredentials(sources())];
    return { inputs: outcome.inputs, failures: outcome.failures.map((f) => ({ property: f.property, reason: redactText(f.reason, secrets) })) };
  });
}

export async function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
  return guarded([olds, news], async () => diffKey(olds ?? {}, news ?? {}));
}

export async function create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
  return guarded([inputs], async () => {
    const checked = userInputs(inputs);
    if (containsUnknown(checked)) throw new ConfigurationError("Inputs are still unknown at create time; this is a bug in the engine integration.");
    const mod = moduleFor(checked);
    try {
      const { id, state } = await mod.create(checked, contextFor(mod, keyOverrides(mod, checked), sources()));
      return { id, outs: state };
    } catch (err) {
      if (err instanceof KeyCreatedButFailed) throw new PartialCreateError(err.message, err.id, { ...err.state, [PROVIDER_KEY]: inputs[PROVIDER_KEY] });
      throw err;
    }
  });
}

export async function read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult> {
  return guarded([props], async () => {
    const current = userInputs(props);
    const mod = moduleFor(current);
    const refreshed = await mod.read(id, current, contextFor(mod, keyOverrides(mod, current), sources()));
    // No id tells the engine the key is gone: refresh drops it and the next `up` recreates it.
    return refreshed === undefined ? {} : { id, props: refreshed };
  });
}

export async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult> {
  return guarded([olds, news], async () => {
    const previous = userInputs(olds);
    const next = userInputs(news);
    const mod = moduleFor(previous);
    // The new overrides: a changed credential or URL is verified with them before it is stored.
    return { outs: await mod.update(id, previous, next, contextFor(mod, keyOverrides(mod, next), sources())) };
  });
}

async function deleteKey(id: string, props: Record<string, unknown>): Promise<void> {
  await guarded([props], async () => {
    const current = userInputs(props);
    const mod = moduleFor(current);
    await mod.delete(id, current, contextFor(mod, keyOverrides(mod, current), sources()));
  });
}
export { deleteKey as delete };

/** The bucket resource's lifecycle, reached by its own shim through the same entry point. */
export const bucket = {
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
    return guarded([olds, news], async () => checkBucket(olds ?? {}, news ?? {}, sources()));
  },
  async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
    return guarded([olds, news], async () => diffBucket(olds ?? {}, news ?? {}));
  },
  async create(inputs: Record<string, unknown>): Promise<dynamic.CreateResult> {
    return guarded([inputs], async () => createBucket(userInputs(inputs), sources()));
  },
  async read(id: string, props: Record<string, unknown>): Promise<dynamic.ReadResult> {
    return guarded([props], async () => {
      const refreshed = await readBucket(id, userInputs(props), sources());
      return refreshed === undefined ? {} : { id, props: refreshed };
    });
  },
  async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult> {
    return guarded([olds, news], async () => ({ outs: await updateBucket(userInputs(olds), userInputs(news), sources()) }));
  },
  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    await guarded([props], async () => deleteBucket(id, userInputs(props), sources()));
  },
};
