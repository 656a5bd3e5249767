/**
 * Nscale's own failure reasons (codes `nscale.*`) and the words for each. Lifecycle and import
 * code throw `nscaleError(reason)`; the message is built here from the reason alone.
 */
import { describeApiReason, KeyCreatedButFailed, LifecycleError, type ApiReason, type ErrorReason, type KeyCreatedButFailedReason } from "../../errors";
import { isKnownProvisioningStatus } from "./schemas";

/** The tag that marks a key as made by one create call of this library. */
export const MARKER_TAG = "pulumi-object-storage-keys/create-id";

export type NscaleReason =
  /** A key this library created is not provisioned by the timeout (`knob` raises it). */
  | { readonly code: "nscale.provisioning_timed_out"; readonly keyId: string; readonly status?: string; readonly timeoutMs: number; readonly knob: string }
  /** A key this library created ended in a status other than provisioned. */
  | { readonly code: "nscale.provisioning_ended"; readonly keyId: string; readonly status: string; readonly health: string }
  | {
      readonly code: "nscale.adopt_not_ready";
      readonly keyId: string;
      readonly endpointId: string;
      readonly status?: string;
      readonly timeoutMs: number;
      readonly knob: string;
    }
  | { readonly code: "nscale.adopt_provisioning_ended"; readonly keyId: string; readonly endpointId: string; readonly status: string; readonly health: string }
  | { readonly code: "nscale.adopt_key_not_found"; readonly keyId: string; readonly endpointId: string }
  | {
      readonly code: "nscale.adopt_mismatch";
      readonly keyId: string;
      readonly fields: ReadonlyArray<{ readonly property: string; readonly value: string | undefined }>;
    }
  /** A re-sent create met Nscale's 409 while no earlier attempt's marker showed up in the grace. */
  | {
      readonly code: "nscale.resend_conflict";
      readonly name: string;
      readonly endpointId: string;
      readonly firstAnswer: { readonly status?: number; readonly transportCode?: string };
      readonly markers: readonly string[];
      readonly graceMs: number;
    }
  /** The create's outcome is unknown and listing keys to check failed too. */
  | {
      readonly code: "nscale.create_unconfirmed";
      readonly cause: ApiReason;
      readonly name: string;
      readonly endpointId: string;
      readonly marker: string;
      readonly listError: string;
    }
  /** The create's outcome was unknown, and its marker did not show up within the grace. */
  | {
      readonly code: "nscale.create_not_found";
      readonly cause: ApiReason;
      readonly name: string;
      readonly endpointId: string;
      readonly marker: string;
      readonly graceMs: number;
    }
  /** The create committed but its secret was lost; deleting the key failed. */
  | {
      readonly code: "nscale.create_cleanup_failed";
      readonly cause: ApiReason;
      readonly name: string;
      readonly endpointId: string;
      readonly keyId: string;
      readonly deleteError: string;
    }
  /** The create committed but its secret was lost; the key was deleted again. */
  | { readonly code: "nscale.create_cleaned"; readonly cause: ApiReason; readonly name: string; readonly keyId: string }
  | { readonly code: "nscale.delete_timed_out"; readonly keyId: string; readonly timeoutMs: number }
  | { readonly code: "nscale.delete_failed"; readonly keyId: string }
  | { readonly code: "nscale.import_key_not_found"; readonly endpointId: string; readonly keyId: string; readonly consequence: string }
  | {
      readonly code: "nscale.import_not_provisioned";
      readonly keyId: string;
      readonly status: string;
      readonly hasAccessKeyId: boolean;
      readonly consequence: string;
    };

/** A status for a message; one the documentation does not list is named and said to count as not ready. */
function statusWords(status: string | undefined): string {
  if (status === undefined) return "not visible";
  return isKnownProvisioningStatus(status) ? status : `"${status}" (a status this library does not know, so it counts as not ready)`;
}

const ADOPT_NOTHING = "Nothing was recorded in state, and the key was left as it is on Nscale.";

export function describeNscaleReason(r: NscaleReason): string {
  switch (r.code) {
    case "nscale.provisioning_timed_out":
      return (
        `Nscale access key ${r.keyId} was created but is still ${statusWords(r.status)} after ${r.timeoutMs / 1000} s. ` +
        `It is recorded in state with its secret; run \`pulumi up\` again to resume waiting, or raise ${r.knob}.`
      );
    case "nscale.provisioning_ended":
      return (
        `Nscale access key ${r.keyId} was created but its provisioning ended in "${r.status}" (health "${r.health}"). ` +
        "It is recorded in state so nothing is orphaned: run `pulumi destroy` (or `pulumi up --replace <urn>`) to delete it and try again; if it keeps failing, check the endpoint's identity policy and contact Nscale support."
      );
    case "nscale.adopt_not_ready":
      return (
        `adopt.keyId: Nscale access key ${r.keyId} on endpoint ${r.endpointId} cannot be adopted yet: it is still ${statusWords(r.status)} after ${r.timeoutMs / 1000} s. ${ADOPT_NOTHING} ` +
        `Run \`pulumi up\` again to adopt it once it is provisioned, or raise ${r.knob}.`
      );
    case "nscale.adopt_provisioning_ended": {
      const advice =
        r.status === "deprovisioning"
          ? "It is being deleted: adopt another key, or remove `adopt` to have this resource create a new one."
          : `A key whose provisioning failed cannot be used: remove \`adopt\` to have this resource create a new key (or adopt another one), and delete this key yourself if you no longer need it (Nscale console, or DELETE /api/v1/objectstorageendpoints/${r.endpointId}/accesskeys/${r.keyId}); if keys keep failing, check the endpoint's identity policy and contact Nscale support.`;
      return `adopt.keyId: Nscale access key ${r.keyId} on endpoint ${r.endpointId} cannot be adopted: its provisioning status is "${r.status}" (health "${r.health}"). ${ADOPT_NOTHING} ${advice}`;
    }
    case "nscale.adopt_key_not_found":
      return `adopt.keyId: no access key ${r.keyId} exists on Nscale endpoint ${r.endpointId}. Check the ID (metadata.id of the key, a UUID) or remove \`adopt\` to create a new key. Nothing was recorded in state.`;
    case "nscale.adopt_mismatch":
      return (
        `${r.fields.map((f) => f.property).join(", ")}: the adopted key ${r.keyId} has ${r.fields.map((f) => `${f.property} "${f.value}"`).join(", ")}. ` +
        "Keys cannot be changed: remove these arguments (the key's own values are used) or set them to the key's values. Nothing was recorded in state."
      );
    case "nscale.resend_conflict": {
      const first =
        r.firstAnswer.status !== undefined ? `with HTTP ${r.firstAnswer.status}` : `with no response (${r.firstAnswer.transportCode ?? "transport error"})`;
      return (
        `Nscale create access key "${r.name}" failed: the first attempt was answered ${first}, so it was sent again, and Nscale answered that a key named "${r.name}" already exists on endpoint ${r.endpointId} (409 conflict). ` +
        `Most likely that key is the earlier attempt's: Nscale's key list did not show it within ${r.graceMs / 1000} s. ` +
        `Look for the access key named "${r.name}" on endpoint ${r.endpointId} whose tag ${MARKER_TAG} is ${r.markers.join(" or ")}: its secret was never received, so it is unusable; delete it (Nscale console, or DELETE /api/v1/objectstorageendpoints/${r.endpointId}/accesskeys/<its metadata.id>), then run \`pulumi up\` again. ` +
        "If the key carries no such tag, it belongs to someone else: keep it, and give this resource another `name` (or omit `name` to get a generated one)."
      );
    }
    case "nscale.create_unconfirmed":
      return `${describeApiReason(r.cause)} The create may have succeeded, and listing keys to check failed too (${r.listError}). Look for ${look(r)}, delete it if present, then run \`pulumi up\` again.`;
    case "nscale.create_not_found":
      return (
        `${describeApiReason(r.cause)} No key named "${r.name}" appeared on endpoint ${r.endpointId} with this create's marker${r.graceMs > 0 ? ` within ${r.graceMs / 1000} s` : ""}, so most likely nothing was created. ` +
        `If ${look(r)} appears later, it is unusable (its secret was never received): delete it, then run \`pulumi up\` again.`
      );
    case "nscale.create_cleanup_failed":
      return (
        `${describeApiReason(r.cause)} The key "${r.name}" (${r.keyId}) was created but its secret was lost with the response, and deleting it failed (${r.deleteError}). ` +
        `Delete it in the Nscale console or with DELETE /api/v1/objectstorageendpoints/${r.endpointId}/accesskeys/${r.keyId}, then run \`pulumi up\` again.`
      );
    case "nscale.create_cleaned":
      return `${describeApiReason(r.cause)} The key "${r.name}" was created but its one-time secret was lost with the response, so it was deleted again (id ${r.keyId}, found by this create's marker); nothing was left behind. Run \`pulumi up\` again.`;
    case "nscale.delete_timed_out":
      return `Nscale accepted the deletion of access key ${r.keyId} but it still exists after ${r.timeoutMs / 1000} s. It stays in state; run the command again to keep waiting.`;
    case "nscale.delete_failed":
      return `Deleting Nscale access key ${r.keyId} failed: its status became "error". It stays in state; retry, and contact Nscale support if it persists.`;
    case "nscale.import_key_not_found":
      return `Nscale endpoint ${r.endpointId} has no access key ${r.keyId} (the key's metadata.id). ${r.consequence}`;
    case "nscale.import_not_provisioned":
      return `Nscale access key ${r.keyId} is "${r.status}", not provisioned${r.hasAccessKeyId ? "" : " (it has no access key ID yet)"}: only a provisioned key can be imported. Run the command again once it is. ${r.consequence}`;
  }
}

function look(r: { name: string; endpointId: string; marker: string }): string {
  return `an access key named "${r.name}" on endpoint ${r.endpointId} whose tag ${MARKER_TAG} is ${r.marker}`;
}

export function nscaleError(reason: NscaleReason): LifecycleError<NscaleReason> {
  return new LifecycleError(reason, describeNscaleReason);
}

const isNscaleReason = (r: { code: string }): r is NscaleReason => r.code.startsWith("nscale.");

/** A created key whose wait for provisioning failed: recorded in state, with why. */
export function nscaleKeyCreatedButFailed(
  keyId: string,
  cause: ErrorReason | { code: "unexpected"; message: string },
  state: Record<string, unknown>,
): KeyCreatedButFailed {
  return new KeyCreatedButFailed({ code: "key_created_but_failed", cloud: "nscale", keyId, cause }, describeCreatedButFailed, state);
}

function describeCreatedButFailed(r: KeyCreatedButFailedReason): string {
  const cause = r.cause;
  // Nscale's own reasons already say the key is recorded in state.
  if (isNscaleReason(cause)) return describeNscaleReason(cause);
  const message =
    cause.code === "http_status" || cause.code === "no_response" ? describeApiReason(cause) : "message" in cause ? String(cause.message) : cause.code;
  return `Nscale access key ${r.keyId} was created and is recorded in state with its secret, but waiting for it to be ready failed; \`pulumi up\` resumes the wait and \`pulumi destroy\` deletes it. Cause: ${message}`;
}
