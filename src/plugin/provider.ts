/**
 * The native-plugin adapter: the resource provider `@pulumi/pulumi/provider` serves. It alone
 * knows this protocol's ABI (resource names in URNs, wire secrets, an empty ID for "gone", the
 * import-time read with no state, `PartialCreateError`'s fields as ErrorResourceInitFailed) and
 * translates it to the same operations the dynamic provider serves (../provider/operations.ts).
 */
import type * as provider from "@pulumi/pulumi/provider";
import { KeyCreatedButFailed, LifecycleError } from "../errors";
import { INTERNAL_INPUTS } from "../model/fields";
import { PartialCreateError } from "../provider/abi";
import { guarded, sources } from "../provider/operations";
import { SECRET_ENV } from "../import/usage";
import { PACKAGE_VERSION } from "../version";
import { RESOURCES, resourceFor, type ServedResource } from "./package";
import { schemaText } from "./schema";
import { unwrap, wrap } from "./wire";

/** `urn:pulumi:<stack>::<project>::<parent types$>type::<name>` */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  return { type: (parts[2] ?? "").split("$").pop() ?? "", name: parts.slice(3).join("::") };
}

function served(urn: string): { resource: ServedResource; name: string } {
  const { type, name } = parseUrn(urn);
  const resource = resourceFor(type);
  if (!resource) throw new LifecycleError({ code: "unknown_resource_type", type, served: RESOURCES.map((r) => r.token) });
  return { resource, name };
}

/** Schema secrets, plus whatever the program passed as a secret. */
const secretsFor = (resource: ServedResource, extra: ReadonlySet<string> = new Set()) => new Set([...resource.secrets, ...extra]);

const internal: readonly string[] = INTERNAL_INPUTS;

export function nativeProvider(log: (line: string) => void = (line) => console.error(line)): provider.Provider {
  return {
    version: PACKAGE_VERSION,
    schema: schemaText(),

    async check(urn, olds, news) {
      const { resource, name } = served(urn);
      const next = unwrap(news);
      const outcome = await resource.operations.check(unwrap(olds).plain, { ...next.plain, resourceName: name });
      return { inputs: wrap(outcome.inputs, secretsFor(resource, next.secret)), failures: outcome.failures };
    },

    async diff(_id, urn, olds, news) {
      const { resource } = served(urn);
      return resource.operations.diff(unwrap(olds).plain, unwrap(news).plain);
    },

    async create(urn, inputs) {
      const { resource } = served(urn);
      const given = unwrap(inputs);
      try {
        const { id, outs } = await resource.operations.create(given.plain);
        return { id, outs: wrap(outs, secretsFor(resource, given.secret)) };
      } catch (err) {
        // The key exists: the SDK answers ErrorResourceInitFailed, and the engine keeps it in state.
        if (err instanceof KeyCreatedButFailed) throw new PartialCreateError(err.message, err.id, wrap(err.state, secretsFor(resource, given.secret)));
        throw err;
      }
    },

    async read(id, urn, props) {
      const { resource, name } = served(urn);
      const current = unwrap(props);
      if (Object.keys(current.plain).length === 0) {
        // `pulumi import`: no state yet, only the ID. Import is an access-key operation.
        if (!resource.importer) throw new LifecycleError({ code: "not_importable", token: resource.token });
        // The import's secret and every configured credential are scrubbed from its errors, as every operation's are.
        const importer = resource.importer;
        const { key, notes } = await guarded([{ secretAccessKey: sources().env[SECRET_ENV] }], () => importer(id, name, sources()));
        for (const note of notes) log(`warning: ${note}`);
        const inputs = Object.fromEntries(Object.entries(key.inputs).filter(([k]) => !internal.includes(k)));
        return { id: key.id, props: wrap(key.outputs, resource.secrets), inputs: wrap(inputs, resource.secrets) };
      }
      const refreshed = await resource.operations.read(id, current.plain);
      // An empty ID tells the engine the resource is gone (only on the API's own not-found).
      if (refreshed === undefined) return { id: "", props: {} };
      return { id: refreshed.id, props: wrap(refreshed.props, secretsFor(resource, current.secret)) };
    },

    async update(id, urn, olds, news) {
      const { resource } = served(urn);
      const next = unwrap(news);
      const outs = await resource.operations.update(id, unwrap(olds).plain, next.plain);
      return { outs: wrap(outs, secretsFor(resource, next.secret)) };
    },

    async delete(id, urn, props) {
      const { resource } = served(urn);
      await resource.operations.delete(id, unwrap(props).plain);
    },
  };
}
