/**
 * HostUp's own failure reasons (codes `hostup.*`) and the words for each. Lifecycle and import
 * code throw `hostupError(reason)`; the message is built here from the reason alone.
 */
import { describeApiReason, LifecycleError, type ApiReason } from "../../errors";

export type HostUpReason =
  | { readonly code: "hostup.not_provisioned" }
  /** A create's outcome is unknown, and HostUp cannot list keys to find out. */
  | { readonly code: "hostup.create_outcome_unknown"; readonly cause: ApiReason; readonly label: string }
  | { readonly code: "hostup.adopt_secret_required" }
  /** S3 at the endpoint in state does not know the key, but HostUp now names another endpoint. */
  | { readonly code: "hostup.endpoint_changed"; readonly accessKeyId: string; readonly recorded: string; readonly current: string }
  | { readonly code: "hostup.import_secret_required"; readonly accessKey: string; readonly variable: string };

export function describeHostUpReason(r: HostUpReason): string {
  switch (r.code) {
    case "hostup.not_provisioned":
      return "HostUp object storage is not provisioned for this account (GET /api/object-storage reports provisioned: false). Activate object storage in the HostUp dashboard first.";
    case "hostup.create_outcome_unknown":
      return (
        `${describeApiReason(r.cause)} HostUp has no way to list keys, so this library cannot tell whether a key labelled "${r.label}" was created. ` +
        `Check the Object Storage page of the HostUp dashboard (https://cloud.hostup.se/object-storage) for a key labelled "${r.label}" and delete it ` +
        "(its secret was never received, so it cannot be used), or call DELETE /api/object-storage/keys/{base64(accessKey)}; then run `pulumi up` again."
      );
    case "hostup.adopt_secret_required":
      return "adopt.secretAccessKey is required for HostUp: it is the only proof that the key exists. Nothing was recorded in state.";
    case "hostup.endpoint_changed":
      return (
        `HostUp refresh of key ${r.accessKeyId}: S3 at ${r.recorded} (the endpoint recorded in state) answered InvalidAccessKeyId, but HostUp now reports its S3 endpoint as ${r.current}: the endpoint changed, so that answer does not show the key was deleted. ` +
        "The key was kept in state unchanged. Check the key against the new endpoint (for example with the AWS CLI), and replace the resource (`pulumi up --replace <urn>`) to record the new endpoint, or delete it from state (`pulumi state delete <urn>`) if the key is really gone."
      );
    case "hostup.import_secret_required":
      return `HostUp cannot read or list keys, so the key's secret is the only proof that ${r.accessKey} exists: set $${r.variable} to its secret access key for this import (it is verified with a signed S3 request and stored as a Pulumi secret).`;
  }
}

export function hostupError(reason: HostUpReason): LifecycleError<HostUpReason> {
  return new LifecycleError(reason, describeHostUpReason);
}
