/** The HostUp cloud: its settings, inputs, state, the meaning of its answers, and its lifecycle. */
import { defineCloud } from "../contract";
import { hostupAnswers } from "./answers";
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
  answers: hostupAnswers,
  lifecycle: async () => (await import("./lifecycle.js")).hostupLifecycle,
  bucketsUseApi: true,
  buckets: async () => (await import("./buckets.js")).hostupBuckets,
});
