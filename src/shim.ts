/**
 * What the engine serializes into state as `__provider`. Each method loads this package's
 * implementation by name at run time, so the shim captures no code, config, token or secret (only
 * the string `kind`), stays ~2.7 KB, and state written today runs the installed version on later
 * refresh and destroy. The package must resolve from the project directory, as it does for any
 * project that depends on it.
 */
import type * as pulumi from "@pulumi/pulumi";

export type ShimKind = "accessKey" | "bucket";

export function providerShim(kind: ShimKind): pulumi.dynamic.ResourceProvider {
  // `require` by name, at run time, on purpose: an import would be resolved (and its code captured)
  // when the engine serializes this object.
  const impl = () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const entry = require("pulumi-object-storage-keys/provider");
    return kind === "bucket" ? entry.bucket : entry;
  };
  return {
    async configure(req) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require("pulumi-object-storage-keys/provider").configure(req);
    },
    async check(olds, news) {
      return impl().check(olds, news);
    },
    async diff(id, olds, news) {
      return impl().diff(id, olds, news);
    },
    async create(inputs) {
      return impl().create(inputs);
    },
    async read(id, props) {
      return impl().read(id, props);
    },
    async update(id, olds, news) {
      return impl().update(id, olds, news);
    },
    async delete(id, props) {
      return impl().delete(id, props);
    },
  };
}
