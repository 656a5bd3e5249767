/** The HostUp cloud: its settings, inputs, state, the meaning of its answers, and its lifecycle. */
import { defineCloud } from "../contract";
import { hostupAnswers } from "./answers";
import { hostupImport } from "./import";
import { HostUpInputs, HostUpState, hostupSettings } from "./model";

export const hostup = defineCloud({
  id: "hostup",
  settings: hostupSettings,
  inputs: HostUpInputs,
  state: HostUpState,
  generatedNameField: "label",
  replaceOnChange: ["cloud", "label", "rotationTrigger", "adopt"],
  inPlace: ["apiKey", "apiUrl", "rotateAfter"],
  describedByServer: ["label"],
  crossCheck: (inputs, _userSet, olds) => {
    const given = inputs.adopt;
    // A key adopted by an earlier release without its secret keeps working as it was.
    const earlierAdoption = typeof olds.adopt === "object" && olds.adopt !== null && "keyId" in olds.adopt && olds.adopt.keyId === given?.keyId;
    if (given && given.secretAccessKey === undefined && !earlierAdoption) {
      return [
        {
          property: "adopt.secretAccessKey",
          reason: "is required for HostUp: HostUp cannot read or list keys, so a signed S3 request with the secret is the only way to prove the key exists",
        },
      ];
    }
    return [];
  },
  answers: hostupAnswers,
  lifecycle: async () => (await import("./lifecycle.js")).hostupLifecycle,
  bucketsUseApi: true,
  buckets: async () => (await import("./buckets.js")).hostupBuckets,
  importing: hostupImport,
});
