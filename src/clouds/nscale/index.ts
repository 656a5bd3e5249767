/** The Nscale cloud: its settings, inputs, state, the meaning of its answers, and its lifecycle. */
import { defineCloud } from "../contract";
import { nscaleAnswers } from "./answers";
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
  crossCheck: (inputs, userSet) => {
    const failures: Array<{ property: string; reason: string }> = [];
    if (userSet.name !== undefined && (inputs.rotationTrigger !== undefined || inputs.rotateAfter !== undefined) && inputs.adopt === undefined) {
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
});
