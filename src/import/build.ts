/**
 * The import file itself: pure functions, no I/O. One entry per key, in the format `pulumi import
 * --file` reads since CLI 3.254 (pulumi/pulumi#23984): `importSpec` in
 * pkg/cmd/pulumi/operations/import.go, whose `inputs` and `outputs` are deserialized like state
 * (`resourcestack.DeserializeProperties`, so a secret may be written as Pulumi's secret envelope
 * with `plaintext`, and the engine encrypts it before anything is stored). With `outputs` set,
 * `ImportStep.Apply` (pkg/resource/deploy/step.go) records them as they are and skips the
 * provider's Read; it then calls the provider's Check with these inputs as both old and new.
 */
import type { CloudModule, DescribedKey } from "../clouds/contract";
import { secretFieldsOf } from "../model/fields";

/** The dynamic resource's type token: `pulumi-nodejs:dynamic/<module>:<type>` (see src/resource.ts). */
export const ACCESS_KEY_TYPE = "pulumi-nodejs:dynamic/objectstorage:AccessKey";
/** Where the engine keeps a dynamic resource's serialized provider, in its inputs and outputs. */
export const PROVIDER_KEY = "__provider";
/** Pulumi's secret envelope in serialized state (sdk/go/common/resource/sig). */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_TOKEN = "1b47061264138c4ac30d75fd1eb44270";

export interface SecretEnvelope {
  [SECRET_SIG]: typeof SECRET_TOKEN;
  plaintext: string;
}

export function secretEnvelope(value: unknown): SecretEnvelope {
  return { [SECRET_SIG]: SECRET_TOKEN, plaintext: JSON.stringify(value) };
}

export interface ImportFileEntry {
  type: typeof ACCESS_KEY_TYPE;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export interface ImportFile {
  resources: ImportFileEntry[];
}

/** Fields the cloud's state schema marks secret: written as secret envelopes, never as bare JSON. */
export function secretStateFields(mod: Pick<CloudModule, "state">): string[] {
  return secretFieldsOf(mod.state);
}

function withSecrets(record: Record<string, unknown>, secretFields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, secretFields.includes(k) && v !== undefined ? secretEnvelope(v) : v]));
}

/** The import file for one key; `providerText` is the serialized shim (what programs store as `__provider`). */
export function buildImportFile(name: string, key: DescribedKey, providerText: string, secretFields: readonly string[]): ImportFile {
  return {
    resources: [
      {
        type: ACCESS_KEY_TYPE,
        name,
        id: key.id,
        inputs: withSecrets({ ...key.inputs, [PROVIDER_KEY]: providerText }, secretFields),
        outputs: withSecrets({ ...key.outputs, [PROVIDER_KEY]: providerText }, secretFields),
      },
    ],
  };
}
