/**
 * Errors as data: every library error carries a `reason` (a discriminated union on `code`) and its
 * message is built from that reason. This table keeps the wording honest: each row is a reason
 * and the exact message users (and the e2e suite) read for it.
 */
import { describe, expect, it } from "vitest";

import { hostupError, type HostUpReason } from "../../src/clouds/hostup/reasons";
import { MARKER_TAG, nscaleError, nscaleKeyCreatedButFailed, type NscaleReason } from "../../src/clouds/nscale/reasons";
import {
  ConfigurationError,
  LifecycleError,
  ProviderApiError,
  reasonOf,
  type ApiReason,
  type ConfigurationReason,
  type LifecycleReason,
} from "../../src/errors";
import { redactError } from "../../src/provider/redact";

const api429: ApiReason = { code: "http_status", status: 429, cloud: "nscale", operation: "create access key", serviceName: "Nscale" };
const api429Text = "Nscale create access key failed: HTTP 429.";

type Row = [string, () => Error & { reason: { code: string } }, string];

const rows: Row[] = [
  [
    "invalid_setting",
    () =>
      new ConfigurationError({
        code: "invalid_setting",
        origin: { kind: "config", name: "nscale:pollIntervalMs" },
        problem: 'must be a positive number, got "soon".',
      }),
    'stack config `nscale:pollIntervalMs` must be a positive number, got "soon".',
  ],
  [
    "missing_credential",
    () =>
      new ConfigurationError({
        code: "missing_credential",
        cloud: "Nscale",
        ways: { what: "an Nscale service token", input: "apiToken", config: "nscale:apiToken", env: ["NSCALE_API_TOKEN"] },
      }),
    "No Nscale service token found. Provide an Nscale service token in one of these ways (first match wins): the resource argument `apiToken` (as a Pulumi secret); stack config `pulumi config set --secret nscale:apiToken <value>`; or the environment variable NSCALE_API_TOKEN.",
  ],
  [
    "replace_would_conflict",
    () => new ConfigurationError({ code: "replace_would_conflict", property: "name", replaces: ["endpointId"], service: "Nscale", value: "ci" }),
    'name: changing endpointId replaces this key, and the new key is created before the old one is deleted, but Nscale refuses two keys with the same name "ci" (409). Change `name` in the same update, or remove it so a unique one is generated; otherwise revert endpointId.',
  ],
  [
    "adopted_would_replace",
    () => new ConfigurationError({ code: "adopted_would_replace", properties: ["endpointId"], keyId: "k1" }),
    "endpointId: access key k1 was adopted, and changing this would replace it, which for an adopted key means adopting it again and then deleting it. To rotate to a new key, remove `adopt` (the next `up` creates a new key, then deletes k1); otherwise revert endpointId.",
  ],
  ["unknown_cloud", () => new LifecycleError({ code: "unknown_cloud", cloud: "aws" }), 'unknown cloud "aws" in this resource\'s state or inputs.'],
  ["unknown_cloud (bucket)", () => new LifecycleError({ code: "unknown_cloud", cloud: "aws", bucketName: "b" }), 'bucket b: unknown cloud "aws" in state.'],
  [
    "bucket_not_empty",
    () => new LifecycleError({ code: "bucket_not_empty", bucketName: "b", objects: 3 }),
    "Bucket b still holds 3 object(s); empty it first or set forceDestroy: true.",
  ],
  [
    "secret_rejected",
    () =>
      new LifecycleError({
        code: "secret_rejected",
        what: "adopt.secretAccessKey",
        accessKeyId: "AK",
        answer: { code: "http_status", status: 403, apiCode: "SignatureDoesNotMatch", cloud: "s3", operation: "probe" },
        consequence: "Nothing was recorded in state.",
      }),
    "adopt.secretAccessKey does not work for access key AK: S3 answered HTTP 403 SignatureDoesNotMatch. Pass the secret that belongs to this key, or omit it (the secretAccessKey output is then empty). Nothing was recorded in state.",
  ],
  [
    "import_id_invalid",
    () => new LifecycleError({ code: "import_id_invalid", id: "aws/x", forms: ["nscale/<endpointId>/<keyId>", "hostup/<accessKeyId>"] }),
    'import ID "aws/x" is not one of nscale/<endpointId>/<keyId> or hostup/<accessKeyId> (the cloud, then its own IDs of the key).',
  ],
  [
    "nscale.provisioning_timed_out",
    () => nscaleError({ code: "nscale.provisioning_timed_out", keyId: "k1", status: "pending", timeoutMs: 300, knob: "nscale:provisioningTimeoutSeconds" }),
    "Nscale access key k1 was created but is still pending after 0.3 s. It is recorded in state with its secret; run `pulumi up` again to resume waiting, or raise nscale:provisioningTimeoutSeconds.",
  ],
  [
    "nscale.provisioning_timed_out (an undocumented status)",
    () => nscaleError({ code: "nscale.provisioning_timed_out", keyId: "k1", status: "queued", timeoutMs: 1000, knob: "nscale:provisioningTimeoutSeconds" }),
    'Nscale access key k1 was created but is still "queued" (a status this library does not know, so it counts as not ready) after 1 s. It is recorded in state with its secret; run `pulumi up` again to resume waiting, or raise nscale:provisioningTimeoutSeconds.',
  ],
  [
    "nscale.create_not_found",
    () => nscaleError({ code: "nscale.create_not_found", cause: api429, name: "ci", endpointId: "e1", marker: "m1", graceMs: 500 }),
    `${api429Text} No key named "ci" appeared on endpoint e1 with this create's marker within 0.5 s, so most likely nothing was created. If an access key named "ci" on endpoint e1 whose tag ${MARKER_TAG} is m1 appears later, it is unusable (its secret was never received): delete it, then run \`pulumi up\` again.`,
  ],
  [
    "nscale.create_cleaned",
    () => nscaleError({ code: "nscale.create_cleaned", cause: api429, name: "ci", keyId: "k9" }),
    `${api429Text} The key "ci" was created but its one-time secret was lost with the response, so it was deleted again (id k9, found by this create's marker); nothing was left behind. Run \`pulumi up\` again.`,
  ],
  [
    "nscale.resend_conflict",
    () => nscaleError({ code: "nscale.resend_conflict", name: "ci", endpointId: "e1", firstAnswer: { status: 429 }, markers: ["m1", "m2"], graceMs: 2000 }),
    `Nscale create access key "ci" failed: the first attempt was answered with HTTP 429, so it was sent again, and Nscale answered that a key named "ci" already exists on endpoint e1 (409 conflict). Most likely that key is the earlier attempt's: Nscale's key list did not show it within 2 s. Look for the access key named "ci" on endpoint e1 whose tag ${MARKER_TAG} is m1 or m2: its secret was never received, so it is unusable; delete it (Nscale console, or DELETE /api/v1/objectstorageendpoints/e1/accesskeys/<its metadata.id>), then run \`pulumi up\` again. If the key carries no such tag, it belongs to someone else: keep it, and give this resource another \`name\` (or omit \`name\` to get a generated one).`,
  ],
  [
    "nscale.adopt_mismatch",
    () => nscaleError({ code: "nscale.adopt_mismatch", keyId: "k1", fields: [{ property: "name", value: "theirs" }] }),
    "name: the adopted key k1 has name \"theirs\". Keys cannot be changed: remove these arguments (the key's own values are used) or set them to the key's values. Nothing was recorded in state.",
  ],
  [
    "nscale.delete_failed",
    () => nscaleError({ code: "nscale.delete_failed", keyId: "k1" }),
    'Deleting Nscale access key k1 failed: its status became "error". It stays in state; retry, and contact Nscale support if it persists.',
  ],
  [
    "hostup.create_outcome_unknown",
    () => hostupError({ code: "hostup.create_outcome_unknown", cause: { ...api429, cloud: "hostup", serviceName: "HostUp" }, label: "ci-key" }),
    'HostUp create access key failed: HTTP 429. HostUp has no way to list keys, so this library cannot tell whether a key labelled "ci-key" was created. Check the Object Storage page of the HostUp dashboard (https://cloud.hostup.se/object-storage) for a key labelled "ci-key" and delete it (its secret was never received, so it cannot be used), or call DELETE /api/object-storage/keys/{base64(accessKey)}; then run `pulumi up` again.',
  ],
  [
    "hostup.not_provisioned",
    () => hostupError({ code: "hostup.not_provisioned" }),
    "HostUp object storage is not provisioned for this account (GET /api/object-storage reports provisioned: false). Activate object storage in the HostUp dashboard first.",
  ],
  [
    "key_created_but_failed (an API failure while waiting)",
    () => nscaleKeyCreatedButFailed("k1", { ...api429, operation: "get access key" }, {}),
    "Nscale access key k1 was created and is recorded in state with its secret, but waiting for it to be ready failed; `pulumi up` resumes the wait and `pulumi destroy` deletes it. Cause: Nscale get access key failed: HTTP 429.",
  ],
  [
    "key_created_but_failed (provisioning ended: Nscale's own words, no prefix)",
    () => nscaleKeyCreatedButFailed("k1", { code: "nscale.provisioning_ended", keyId: "k1", status: "error", health: "degraded" }, {}),
    'Nscale access key k1 was created but its provisioning ended in "error" (health "degraded"). It is recorded in state so nothing is orphaned: run `pulumi destroy` (or `pulumi up --replace <urn>`) to delete it and try again; if it keeps failing, check the endpoint\'s identity policy and contact Nscale support.',
  ],
];

describe("each reason's message", () => {
  it.each(rows)("%s", (code, make, message) => {
    const err = make();
    expect(err.reason.code).toBe(code.split(" ")[0]);
    expect(err.message).toBe(message);
    // The dynamic host prints the stack: it is the message, not library internals.
    expect(err.stack).toBe(`${err.name}: ${message}`);
    expect(reasonOf(err)).toBe(err.reason);
  });
});

describe("API failures", () => {
  it("carry http_status or no_response, and the message is built from that reason", () => {
    const http = new ProviderApiError({
      cloud: "hostup",
      serviceName: "HostUp",
      operation: "delete access key",
      status: 403,
      code: "FORBIDDEN",
      providerMessage: "no",
      requestId: "r1",
      hint: "Check the key.",
    });
    expect(http.reason).toMatchObject({ code: "http_status", status: 403, apiCode: "FORBIDDEN", requestId: "r1" });
    expect(http.message).toBe("HostUp delete access key failed: HTTP 403 FORBIDDEN: no [request id r1]. Check the key.");
    const none = new ProviderApiError({ cloud: "nscale", operation: "list access keys", transportCode: "ECONNRESET" });
    expect(none.reason).toMatchObject({ code: "no_response", transportCode: "ECONNRESET" });
    expect(none.message).toBe("nscale list access keys failed: no response (ECONNRESET).");
  });
});

describe("reasons are typed as a discriminated union", () => {
  it("narrows on code", () => {
    const reasons: Array<ConfigurationReason | LifecycleReason | NscaleReason | HostUpReason> = [
      { code: "bucket_not_visible", bucketName: "b", accessKeyId: "AK" },
      { code: "hostup.adopt_secret_required" },
    ];
    const described = reasons.map((r) => (r.code === "bucket_not_visible" ? r.accessKeyId : r.code));
    expect(described).toEqual(["AK", "hostup.adopt_secret_required"]);
  });
});

describe("redaction", () => {
  it("scrubs every string in a reason, like the message", () => {
    const secret = "sk-very-secret-value";
    const err = new LifecycleError({ code: "import_secret_invalid", variable: "OSK_IMPORT_SECRET_ACCESS_KEY", problem: `contains ${secret}` });
    redactError(err, [secret]);
    expect(err.message).not.toContain(secret);
    expect(JSON.stringify(err.reason)).not.toContain(secret);
    expect(err.reason).toEqual({ code: "import_secret_invalid", variable: "OSK_IMPORT_SECRET_ACCESS_KEY", problem: "contains [redacted]" });
  });
});
