/** How import-file and the native import name an existing Nscale key, and what they say about it. */
import type { CloudImport } from "../contract";

/** `endpoint_id/key_id`, the ID Nscale's Terraform provider imports. */
export function parseNscaleImportId(id: string): { endpointId: string; keyId: string } | undefined {
  const parts = id.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { endpointId: parts[0], keyId: parts[1] };
}

export const nscaleImport: CloudImport = {
  flags: ["id", "endpoint-id", "key-id"],
  usage: ["--cloud nscale --id <endpoint_id>/<key_id>", "--cloud nscale --endpoint-id <id> --key-id <id>   (the key's metadata.id)"],
  idForm: "nscale/<endpointId>/<keyId>",
  fromFlags(flags, _resourceName, usage) {
    if (flags["id"] !== undefined) {
      if (flags["endpoint-id"] !== undefined || flags["key-id"] !== undefined)
        throw usage("give either --id <endpoint_id>/<key_id> or --endpoint-id and --key-id, not both.");
      const ids = parseNscaleImportId(flags["id"]);
      if (!ids) throw usage(`--id must be <endpoint_id>/<key_id> (the endpoint's and the key's metadata.id), got ${JSON.stringify(flags["id"])}.`);
      return { ids, notes: [] };
    }
    if (!flags["endpoint-id"] || !flags["key-id"]) throw usage("--cloud nscale needs --id <endpoint_id>/<key_id>, or both --endpoint-id and --key-id.");
    return { ids: { endpointId: flags["endpoint-id"], keyId: flags["key-id"] }, notes: [] };
  },
  fromImportId(rest) {
    const ids = parseNscaleImportId(rest);
    return ids && { ids, notes: [] };
  },
  describe: async (req, ctx, opts) => (await import("./describe.js")).describeNscaleKey(req, ctx, opts.nothingDone),
  declaration(inputs) {
    return {
      endpointId: inputs["endpointId"],
      identityPolicy: inputs["identityPolicy"],
      ...(inputs["description"] !== undefined ? { description: inputs["description"] } : {}),
    };
  },
  nameNote(inputs) {
    return `Omit \`name\`: the key keeps its name ${JSON.stringify(inputs["name"])}.${inputs["description"] !== undefined ? " `description` may be left out too (the key keeps its own); a different one would replace the key." : ""}`;
  },
};
