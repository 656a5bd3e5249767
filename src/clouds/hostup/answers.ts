/** What HostUp's API itself means by its answers (see ../contract.ts `ApiAnswers`). */
import { ProviderApiError } from "../../errors";
import { credentialHowTo } from "../../settings";
import type { ApiAnswers } from "../contract";
import type { HintFor } from "./client";
import { isLastKeyRefusal } from "./schemas";
import { hostupSettings } from "./model";

/** Transport failures raised before a byte was sent: the request certainly did nothing. */
const NOT_SENT = new Set(["UND_ERR_INVALID_ARG", "ERR_INVALID_CHAR", "ERR_INVALID_URL", "ERR_INVALID_HTTP_TOKEN", "ENOTFOUND", "ECONNREFUSED", "EAI_AGAIN"]);

export const hostupAnswers: ApiAnswers = {
  isNotFound: (err) => err instanceof ProviderApiError && err.cloud === "hostup" && err.status === 404 && /^not_found$/i.test(err.code ?? ""),
  // HostUp documents no conflicts for keys: labels may repeat.
  isConflict: () => false,
  isOutcomeUnknown: (err) =>
    err instanceof ProviderApiError &&
    (err.status === undefined ? !NOT_SENT.has(err.transportCode ?? "") : err.status >= 500 || err.status === 429 || err.code === "UNEXPECTED_RESPONSE"),
};

export const hostupHints: HintFor = (status, _code, message) => {
  if (isLastKeyRefusal(status, message)) {
    return "HostUp never lets an account drop to zero object-storage keys. Create another key first (for example a second ObjectStorageAccessKey, or rotate by changing `rotationTrigger`, which creates the new key before deleting the old one), then delete this one; or keep it with the `retainOnDelete` resource option.";
  }
  if (status === 401) return `The API key was rejected. ${credentialHowTo(hostupSettings)} (Create API keys at https://cloud.hostup.se/api-management.)`;
  return undefined;
};
