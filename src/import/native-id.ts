/**
 * `pulumi import object-storage-keys:index:ObjectStorageAccessKey <name> <id>` for the native
 * plugin: the ID names the cloud first (`nscale/<endpointId>/<keyId>`, `hostup/<accessKeyId>`),
 * and the secret, which neither API returns after create, comes from the environment. The key is
 * then described exactly as `import-file` describes it (./describe.ts), secret verified first.
 */
import { LifecycleError } from "../errors";
import { hostupError } from "../clouds/hostup/reasons";
import { credentialValue, type Sources } from "../settings";
import { parseNscaleImportId } from "./build";
import { describeKey, type KeyRequest } from "./describe";
import type { DescribedKey } from "./build";
import { SECRET_ENV } from "./usage";

export const IMPORT_ID_FORMS = ["nscale/<endpointId>/<keyId>", "hostup/<accessKeyId>"] as const;

function usage(id: string): LifecycleError {
  return new LifecycleError({ code: "import_id_invalid", id, forms: IMPORT_ID_FORMS });
}

/** What the import ID and the environment ask for; throws a message naming the forms. */
export function importRequest(id: string, resourceName: string, env: NodeJS.ProcessEnv): KeyRequest {
  const slash = id.indexOf("/");
  const cloud = slash < 0 ? id : id.slice(0, slash);
  const rest = slash < 0 ? "" : id.slice(slash + 1);
  const raw = env[SECRET_ENV];
  let secret: string | undefined;
  if (raw !== undefined && raw.trim() !== "") {
    try {
      secret = credentialValue(raw);
    } catch (err) {
      throw new LifecycleError({ code: "import_secret_invalid", variable: SECRET_ENV, problem: err instanceof Error ? err.message : String(err) });
    }
  }
  if (cloud === "nscale") {
    const ids = parseNscaleImportId(rest);
    if (!ids) throw usage(id);
    return { cloud, resourceName, ...ids, secret, secretFrom: SECRET_ENV };
  }
  if (cloud === "hostup") {
    if (!rest || rest.includes("/")) throw usage(id);
    if (secret === undefined) {
      throw hostupError({ code: "hostup.import_secret_required", accessKey: rest, variable: SECRET_ENV });
    }
    // HostUp cannot report a label: the resource name stands in, as import-file records it.
    return { cloud, resourceName, accessKey: rest, label: resourceName, secret, secretFrom: SECRET_ENV };
  }
  throw usage(id);
}

export async function describeImport(id: string, resourceName: string, sources: Sources): Promise<{ key: DescribedKey; notes: string[] }> {
  const request = importRequest(id, resourceName, sources.env);
  const key = await describeKey(request, sources, undefined, "Nothing was imported.");
  const notes: string[] = [];
  if (request.secret === undefined) {
    notes.push(
      `${resourceName}: imported without its secret access key ($${SECRET_ENV} was not set), so \`secretAccessKey\` is empty; import again with it set, or rotate the key, before anything needs it.`,
    );
  }
  if (request.cloud === "hostup") notes.push(`${resourceName}: HostUp cannot report a key's label, so the resource name was recorded as its label.`);
  return { key, notes };
}
