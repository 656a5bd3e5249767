/**
 * Reads a key from its cloud's API and describes it as the provider would have recorded it: the
 * inputs `check` produces for it and the state `create` writes, with `imported: true`. Generic:
 * each cloud's `importing.describe` (src/clouds/<cloud>/) knows its API; this adds the rule every
 * import shares, that check must accept the described inputs exactly as they are.
 */
import type { DescribedKey, ImportRequest } from "../clouds/contract";
import { cloudFor } from "../clouds/registry";
import { LifecycleError } from "../errors";
import { checkKey } from "../provider/check";
import { contextFor } from "../provider/context";
import type { Sources } from "../settings";

/** One key to describe: its cloud and that cloud's request. */
export type KeyRequest = ImportRequest & { cloud: string };

/** What a refusal adds: import-file writes no file; the native plugin's import records nothing. */
const NOTHING_WRITTEN = "No import file was written.";

export async function describeKey(req: KeyRequest, sources: Sources, now: () => Date = () => new Date(), nothingDone = NOTHING_WRITTEN): Promise<DescribedKey> {
  const mod = cloudFor(req.cloud);
  if (!mod) throw new LifecycleError({ code: "unknown_cloud", cloud: req.cloud });
  const described = await mod.importing.describe(req, contextFor(mod, {}, sources), { now, nothingDone });
  assertCheckAccepts(req.cloud, described, sources, nothingDone);
  return described;
}

/**
 * The engine runs the provider's check on the imported inputs (as old and new) and the program's
 * first `up` compares against them: they must be exactly what check produces, or the import would
 * record inputs no program can match.
 */
function assertCheckAccepts(cloud: string, key: DescribedKey, sources: Sources, nothingDone: string): void {
  const outcome = checkKey(key.inputs, key.inputs, sources);
  if (outcome.failures.length > 0) {
    throw new LifecycleError({ code: "import_check_refused", failures: outcome.failures, consequence: nothingDone });
  }
  if (JSON.stringify(sortKeys(outcome.inputs)) !== JSON.stringify(sortKeys(key.inputs))) {
    throw new LifecycleError({ code: "import_check_changed", cloud, consequence: nothingDone });
  }
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
