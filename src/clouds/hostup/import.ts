/** How import-file and the native import name an existing HostUp key, and what they say about it. */
import type { CloudImport } from "../contract";
import { hostupError } from "./reasons";

export const hostupImport: CloudImport = {
  flags: ["access-key", "label"],
  usage: ["--cloud hostup --access-key <key> [--label <label>]"],
  idForm: "hostup/<accessKeyId>",
  fromFlags(flags, resourceName, usage) {
    if (!flags["access-key"]) throw usage("--cloud hostup needs --access-key <key> (the key's access key ID).");
    const notes =
      flags["label"] === undefined
        ? ["Note: HostUp cannot report a key's label, so the resource name was recorded as its label; pass --label to record the dashboard's label instead."]
        : [];
    return { ids: { accessKey: flags["access-key"], label: flags["label"] ?? resourceName }, notes };
  },
  fromImportId(rest, resourceName) {
    if (!rest || rest.includes("/")) return undefined;
    // HostUp cannot report a label: the resource name stands in, as import-file records it.
    return {
      ids: { accessKey: rest, label: resourceName },
      notes: [`${resourceName}: HostUp cannot report a key's label, so the resource name was recorded as its label.`],
    };
  },
  secretRequired: {
    importFile: (variable) =>
      `a HostUp key needs its secret: HostUp cannot read or list keys, so a signed S3 request with the secret is the only proof the key exists. Put it in $${variable} or pipe it with --secret-from-stdin.`,
    native: (ids, variable) => hostupError({ code: "hostup.import_secret_required", accessKey: ids["accessKey"]!, variable }),
  },
  describe: async (req, ctx, opts) => (await import("./describe.js")).describeHostUpKey(req, ctx, opts.now, opts.nothingDone),
  declaration: () => ({}),
  nameNote: (inputs) => `Omit \`label\` (the key keeps the label ${JSON.stringify(inputs["label"])} recorded here), or set exactly that label.`,
};
