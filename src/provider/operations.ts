/**
 * The lifecycle every engine adapter serves, in plain records: the dynamic provider
 * (./index.ts) and the native plugin (../plugin/) each translate their own ABI to and from these
 * calls and nothing else. Every rule (check, diff, which cloud, which settings, redaction) is here
 * or below, once. A create that made a key and then failed throws `KeyCreatedButFailed`; each
 * adapter turns it into its engine's "created but failed to initialise".
 */
import { cloudFor } from "../clouds/registry";
import { ConfigurationError, LifecycleError } from "../errors";
import type { ConfigSource, Sources } from "../settings";
import { containsUnknown, userInputs } from "./abi";
import { checkBucket, createBucket, deleteBucket, diffBucket, readBucket, updateBucket } from "./bucket";
import { checkKey, type CheckFailure } from "./check";
import { contextFor, keyOverrides } from "./context";
import { diffKey } from "./diff";
import { configuredCredentials, redactError, redactText, secretsIn } from "./redact";

type Props = Record<string, unknown>;

export interface Diff {
  changes?: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

/** One resource type's lifecycle. `read` answers undefined when the API itself says it is gone. */
export interface ResourceOperations {
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }>;
  diff(olds: Props, news: Props): Promise<Diff>;
  create(inputs: Props): Promise<{ id: string; outs: Props }>;
  read(id: string, props: Props): Promise<{ id: string; props: Props } | undefined>;
  update(id: string, olds: Props, news: Props): Promise<Props>;
  delete(id: string, props: Props): Promise<void>;
}

let stackConfig: ConfigSource | undefined;

/** The adapter's configuration, as its engine hands it over (once per provider process). */
export function configure(config: ConfigSource | undefined): void {
  stackConfig = config;
}

export function sources(): Sources {
  return { config: stackConfig, env: process.env };
}

/** Runs an operation; whatever it throws leaves with every known secret replaced. */
export async function guarded<T>(records: Array<Props | undefined>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw redactError(err, [...secretsIn(...records), ...configuredCredentials(sources())]);
  }
}

function redactFailures(failures: CheckFailure[], records: Array<Props | undefined>): CheckFailure[] {
  const secrets = [...secretsIn(...records), ...configuredCredentials(sources())];
  return failures.map((f) => ({ property: f.property, reason: redactText(f.reason, secrets) }));
}

/** A resource's check, its failures redacted like its errors. */
function checkWith(run: (olds: Props, news: Props, sources: Sources) => { inputs: Props; failures: CheckFailure[] }): ResourceOperations["check"] {
  return (olds, news) =>
    guarded([olds, news], async () => {
      const outcome = run(olds ?? {}, news ?? {}, sources());
      return { inputs: outcome.inputs, failures: redactFailures(outcome.failures, [olds, news]) };
    });
}

function moduleFor(record: Props) {
  const mod = cloudFor(record.cloud);
  if (!mod) throw new LifecycleError({ code: "unknown_cloud", cloud: record.cloud });
  return mod;
}

export const accessKeyOperations: ResourceOperations = {
  check: checkWith(checkKey),
  diff: (olds, news) => guarded([olds, news], async () => diffKey(olds ?? {}, news ?? {})),
  create: (inputs) =>
    guarded([inputs], async () => {
      const checked = userInputs(inputs);
      if (containsUnknown(checked)) throw new ConfigurationError({ code: "unknown_at_create" });
      const mod = moduleFor(checked);
      const { id, state } = await mod.create(checked, contextFor(mod, keyOverrides(mod, checked), sources()));
      return { id, outs: state };
    }),
  read: (id, props) =>
    guarded([props], async () => {
      const current = userInputs(props);
      const mod = moduleFor(current);
      const refreshed = await mod.read(id, current, contextFor(mod, keyOverrides(mod, current), sources()));
      return refreshed === undefined ? undefined : { id, props: refreshed };
    }),
  update: (id, olds, news) =>
    guarded([olds, news], async () => {
      const previous = userInputs(olds);
      const next = userInputs(news);
      const mod = moduleFor(previous);
      // The new overrides: a changed credential or URL is verified with them before it is stored.
      return mod.update(id, previous, next, contextFor(mod, keyOverrides(mod, next), sources()));
    }),
  delete: (id, props) =>
    guarded([props], async () => {
      const current = userInputs(props);
      const mod = moduleFor(current);
      await mod.delete(id, current, contextFor(mod, keyOverrides(mod, current), sources()));
    }),
};

export const bucketOperations: ResourceOperations = {
  check: checkWith(checkBucket),
  diff: (olds, news) => guarded([olds, news], async () => diffBucket(olds ?? {}, news ?? {})),
  create: (inputs) => guarded([inputs], async () => createBucket(userInputs(inputs), sources())),
  read: (id, props) =>
    guarded([props], async () => {
      const refreshed = await readBucket(id, userInputs(props), sources());
      return refreshed === undefined ? undefined : { id, props: refreshed };
    }),
  update: (_id, olds, news) => guarded([olds, news], async () => updateBucket(userInputs(olds), userInputs(news), sources())),
  delete: (id, props) => guarded([props], async () => deleteBucket(id, userInputs(props), sources())),
};
