/**
 * The dynamic-provider adapter: loaded at run time by the serialized shim with
 * `require("pulumi-object-storage-keys/provider")`. It alone knows the dynamic-provider ABI
 * (`__provider`, PartialCreateError's `id`/`properties`, an empty read result for "gone", and the
 * export names the shim calls, which are frozen); ./operations.ts holds every rule it serves.
 *
 * Because state stores only the shim, upgrading this package changes what old state runs on
 * refresh and destroy: every function here accepts every older state shape (the cloud's state
 * schemas are lenient).
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import { KeyCreatedButFailed } from "../errors";
import type { ConfigSource } from "../settings";
import { PartialCreateError, PROVIDER_KEY } from "./abi";
import * as operations from "./operations";

export { PartialCreateError } from "./abi";

type Props = Record<string, unknown>;

export async function configure(req: { config: ConfigSource }): Promise<void> {
  operations.configure(req.config);
}

/** One resource type's operations in the dynamic provider's shape. */
function dynamicProvider(ops: operations.ResourceOperations) {
  return {
    check: (olds: Props, news: Props): Promise<dynamic.CheckResult> => ops.check(olds, news),
    diff: (_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> => ops.diff(olds, news),
    async create(inputs: Props): Promise<dynamic.CreateResult> {
      try {
        return await ops.create(inputs);
      } catch (err) {
        // The key exists: the host records id and properties (with the shim) so nothing is orphaned.
        if (err instanceof KeyCreatedButFailed) throw new PartialCreateError(err.message, err.id, { ...err.state, [PROVIDER_KEY]: inputs[PROVIDER_KEY] });
        throw err;
      }
    },
    // No id tells the engine the resource is gone: refresh drops it and the next `up` recreates it.
    read: async (id: string, props: Props): Promise<dynamic.ReadResult> => (await ops.read(id, props)) ?? {},
    update: async (id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> => ({ outs: await ops.update(id, olds, news) }),
    delete: (id: string, props: Props): Promise<void> => ops.delete(id, props),
  };
}

const accessKey = dynamicProvider(operations.accessKeyOperations);
export const { check, diff, create, read, update } = accessKey;
const deleteKey = accessKey.delete;
export { deleteKey as delete };

/** The bucket resource's lifecycle, reached by its own shim through the same entry point. */
export const bucket = dynamicProvider(operations.bucketOperations);
