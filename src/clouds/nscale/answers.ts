/** What Nscale's API itself means by its answers (see ../contract.ts `ApiAnswers`). */
import { ProviderApiError } from "../../errors";
import type { ApiAnswers } from "../contract";
import { outcomeUnknown } from "../describe-answer";
import { nscaleSettings } from "./model";
import { credentialHowTo } from "../../settings";
import type { HintFor } from "./client";

export const nscaleAnswers: ApiAnswers = {
  isConflict: (err) => err instanceof ProviderApiError && err.cloud === "nscale" && err.status === 409 && err.code === "conflict",
  // A 429 may come from a gateway after the backend committed, so for a create it is no proof that
  // nothing happened; the lifecycle looks for its ownership marker before trying again.
  isOutcomeUnknown: outcomeUnknown,
};

/** Advice naming this library's inputs and settings, for the API's own error answers. */
export const nscaleHints: HintFor = (status, code, operation) => {
  if (status === 401) return `The token was rejected (missing, invalid or expired). ${credentialHowTo(nscaleSettings)}`;
  if (code === undefined) return undefined; // not the API's own answer: the client says so
  switch (status) {
    case 404:
      return operation.includes("endpoint")
        ? "Check `endpointId`: it must be the `metadata.id` (a UUID) of an object storage endpoint your token can see."
        : "Check `endpointId` and that the key was not deleted outside Pulumi.";
    case 409:
      return "An access key with this name already exists on the endpoint. Choose another `name`, or omit `name` so a unique one is generated.";
    case 422:
      return "Nscale could not process the request: most often `identityPolicy` names a policy that is not configured on the endpoint (see the endpoint's spec.identityPolicies), or the endpoint is not provisioned yet.";
    default:
      return undefined;
  }
};
