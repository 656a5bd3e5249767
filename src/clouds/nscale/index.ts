/** The Nscale cloud: its settings, inputs, state, the meaning of its answers, and its lifecycle. */
import { defineCloud } from "../contract";
import { nscaleAnswers } from "./answers";
import { nscaleImport } from "./import";
import { NscaleInputs, NscaleState, nscaleSettings } from "./model";

export const nscale = defineCloud({
  id: "nscale",
  settings: nscaleSettings,
  inputs: NscaleInputs,
  state: NscaleState,
  generatedNameField: "name",
  replaceOnChange: ["cloud", "endpointId", "name", "description", "identityPolicy", "rotationTrigger", "adopt"],
  inPlace: ["apiToken", "apiUrl", "rotateAfter"],
  describedByServer: ["endpointId", "name", "description", "identityPolicy"],
  requiredHints: {
    endpointId: 'is required: the ID (metadata.id, a UUID) of the Nscale object storage endpoint, e.g. "a64f9269-36e0-4312-b8d1-52d93d569b7b"',
    identityPolicy: 'is required: the name of an identity policy configured on the endpoint, e.g. "bucket-admin"',
  },
  uniqueWhileBothExist: ["name"],
  crossCheck: (inputs, userSet, olds) => {
    const failures: Array<{ property: string; reason: string }> = [];
    // A key that already exists with this name is left to diff, which fails only once a rotation is due.
    const existing = olds.name !== undefined && olds.name === userSet.name;
    if (userSet.name !== undefined && !existing && (inputs.rotationTrigger !== undefined || inputs.rotateAfter !== undefined) && inputs.adopt === undefined) {
      failures.push({
        property: "name",
        reason:
          "cannot be combined with rotationTrigger or rotateAfter: a rotation creates the new key before deleting the old one, and Nscale refuses a second key with the same name (409). Omit `name` so each key gets a unique generated name, or drop the rotation setting.",
      });
    }
    return failures;
  },
  answers: nscaleAnswers,
  lifecycle: async () => (await import("./lifecycle.js")).nscaleLifecycle,
  bucketsUseApi: false,
  buckets: async () => (await import("./buckets.js")).nscaleBuckets,
  importing: nscaleImport,
});
