/** What HostUp's API itself means by its answers (see ../contract.ts `ApiAnswers`). */
import { credentialHowTo } from "../../settings";
import type { ApiAnswers } from "../contract";
import { outcomeUnknown } from "../describe-answer";
import type { HintFor } from "./client";
import { isLastKeyRefusal } from "./schemas";
import { hostupSettings } from "./model";

export const hostupAnswers: ApiAnswers = {
  // HostUp documents no conflicts for keys: labels may repeat.
  isConflict: () => false,
  isOutcomeUnknown: outcomeUnknown,
};

export const hostupHints: HintFor = (status, _code, message) => {
  if (isLastKeyRefusal(status, message)) {
    return "HostUp never lets an account drop to zero object-storage keys. Create another key first (for example a second ObjectStorageAccessKey, or rotate by changing `rotationTrigger`, which creates the new key before deleting the old one), then delete this one; or keep it with the `retainOnDelete` resource option.";
  }
  if (status === 401) return `The API key was rejected. ${credentialHowTo(hostupSettings)} (Create API keys at https://cloud.hostup.se/api-management.)`;
  return undefined;
};
