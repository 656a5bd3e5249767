/**
 * `pulumi import object-storage-keys:index:ObjectStorageAccessKey <name> <id>` for the native
 * plugin: the ID names the cloud first (each cloud's `importing.idForm`, e.g.
 * `nscale/<endpointId>/<keyId>`, `hostup/<accessKeyId>`), and the secret, which no API returns
 * after create, comes from the environment. The key is then described exactly as `import-file`
 * describes it (./describe.ts), secret verified first.
 */
import { clouds, cloudFor } from "../clouds/registry";
import type { DescribedKey } from "../clouds/contract";
import { LifecycleError } from "../errors";
import { credentialValue, type Sources } from "../settings";
import { describeKey, type KeyRequest } from "./describe";
import { SECRET_ENV } from "./usage";

/** Every cloud's import ID form. */
export function importIdForms(): string[] {
  return Object.values(clouds).map((m) => m.importing.idForm);
}

function usage(id: string): LifecycleError {
  return new LifecycleError({ code: "import_id_invalid", id, forms: importIdForms() });
}

/** What the import ID and the environment ask for; throws a message naming the forms. */
export function importRequest(id: string, resourceName: string, env: NodeJS.ProcessEnv): KeyRequest & { notes: string[] } {
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
  const mod = cloudFor(cloud);
  const found = mod?.importing.fromImportId(rest, resourceName);
  if (!mod || !found) throw usage(id);
  if (secret === undefined && mod.importing.secretRequired) throw mod.importing.secretRequired.native(found.ids, SECRET_ENV);
  return { cloud, resourceName, ids: found.ids, secret, secretFrom: SECRET_ENV, notes: found.notes };
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
  notes.push(...request.notes);
  return { key, notes };
}
