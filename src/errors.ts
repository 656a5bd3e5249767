/**
 * Errors that reach users, as data. Every error carries a machine-readable `reason` (a
 * discriminated union on `code`, like zod's issues) and its message is built from that reason, so
 * code and tests tell failures apart by `reason.code` and the wording lives in one formatter.
 *
 * The dynamic-provider host prints `${e}: ${e.stack}` for errors from check/diff/read/delete, so
 * user-facing errors carry their message as their stack: the user sees one clear paragraph, not
 * library internals. Messages never contain tokens or secrets.
 *
 * Generic reasons are formatted here. A cloud's own reasons (codes `<cloud>.<what>`) are declared
 * and formatted in its folder (`src/clouds/<cloud>/reasons.ts`), which passes its formatter along.
 */

/** Anything with a `code`: every reason. */
export interface ReasonLike {
  readonly code: string;
}

/** A reason a cloud declares in its own folder: its code is namespaced, `<cloud>.<what>`. */
export type CloudReason = { readonly code: `${string}.${string}` } & Readonly<Record<string, unknown>>;

abstract class UserFacingError<R extends ReasonLike> extends Error {
  /** What went wrong, as data; the message is built from it. */
  readonly reason: R;
  protected constructor(reason: R, message: string) {
    super(message);
    this.reason = reason;
    this.name = new.target.name;
    this.stack = `${this.name}: ${message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Failed API calls

export interface ApiErrorDetails {
  cloud: string;
  /** What the library was doing, e.g. "create access key". */
  operation: string;
  /** HTTP status, absent for transport failures (timeout, reset, refused). */
  status?: number;
  /** The provider's machine-readable code (`error` for Nscale, `code` for HostUp). */
  code?: string;
  /** The provider's human-readable message. */
  providerMessage?: string;
  /** Nscale `trace_id`, HostUp `requestId`. */
  requestId?: string;
  /** What the user can do about it. */
  hint?: string;
  /** Transport error code (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, ...). */
  transportCode?: string;
  /** How long the server asked to wait before trying again (429, 503), when it said. */
  retryAfterMs?: number;
  /** True when the answer is the API's own (its error format, or its rate-limit headers), not a proxy's. */
  ownAnswer?: boolean;
  /** The name users know the service by ("Nscale", "HostUp", "S3"); default: `cloud`. */
  serviceName?: string;
}

/** A failed API call: the server answered with an error status, or nothing came back. */
export type ApiReason =
  | ({ readonly code: "http_status"; readonly status: number; readonly apiCode?: string } & Readonly<
      Omit<ApiErrorDetails, "status" | "code" | "transportCode">
    >)
  | ({ readonly code: "no_response"; readonly transportCode?: string; readonly apiCode?: undefined } & Readonly<
      Omit<ApiErrorDetails, "status" | "code" | "transportCode">
    >);

function apiReason(d: ApiErrorDetails): ApiReason {
  const { status, code, transportCode, ...rest } = d;
  return status !== undefined ? { code: "http_status", status, apiCode: code, ...rest } : { code: "no_response", transportCode, ...rest };
}

/** One typed error for every failed provider API call. */
export class ProviderApiError extends UserFacingError<ApiReason> implements ApiErrorDetails {
  readonly cloud: ApiErrorDetails["cloud"];
  readonly operation: string;
  readonly status?: number;
  readonly code?: string;
  readonly providerMessage?: string;
  readonly requestId?: string;
  readonly hint?: string;
  readonly transportCode?: string;
  readonly retryAfterMs?: number;
  readonly ownAnswer?: boolean;

  constructor(details: ApiErrorDetails) {
    const reason = apiReason(details);
    super(reason, describeApiReason(reason));
    this.cloud = details.cloud;
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
    this.providerMessage = details.providerMessage;
    this.requestId = details.requestId;
    this.hint = details.hint;
    this.transportCode = details.transportCode;
    this.retryAfterMs = details.retryAfterMs;
    this.ownAnswer = details.ownAnswer;
  }
}

/** "HTTP 403 Forbidden" or "no response (ECONNRESET)": how an API answered, in a few words. */
export function describeAnswer(r: { status?: number; code?: string; transportCode?: string }): string {
  return r.status === undefined ? `no response (${r.transportCode ?? "transport error"})` : `HTTP ${r.status}${r.code ? ` ${r.code}` : ""}`;
}

export function describeApiReason(r: ApiReason): string {
  const what =
    r.code === "http_status"
      ? `HTTP ${r.status}${r.apiCode ? ` ${r.apiCode}` : ""}${r.providerMessage ? `: ${r.providerMessage}` : ""}`
      : `no response (${r.transportCode ?? "transport error"})${r.providerMessage ? `: ${r.providerMessage}` : ""}`;
  const id = r.requestId ? ` [request id ${r.requestId}]` : "";
  const hint = r.hint ? ` ${r.hint}` : "";
  return `${r.serviceName ?? r.cloud} ${r.operation} failed: ${what}${id}.${hint}`;
}

// ---------------------------------------------------------------------------------------------
// Configuration: reported before any request is sent

/** Where a value came from, in the words a user would look for it. */
export type Origin = { kind: "argument" | "config" | "env" | "default"; name: string };

export function describeOrigin(o: Origin): string {
  switch (o.kind) {
    case "argument":
      return `the resource argument \`${o.name}\``;
    case "config":
      return `stack config \`${o.name}\``;
    case "env":
      return `the environment variable ${o.name}`;
    default:
      return `the default for ${o.name}`;
  }
}

/** The ways a cloud's credential can be given, with the config key the running front end reads. */
export interface CredentialWays {
  /** e.g. "an Nscale service token". */
  what: string;
  input: string;
  config: string;
  env: readonly string[];
}

export function credentialHowTo(w: CredentialWays): string {
  return (
    `Provide ${w.what} in one of these ways (first match wins): the resource argument \`${w.input}\` (as a Pulumi secret); ` +
    `stack config \`pulumi config set --secret ${w.config} <value>\`; or the environment variable ${w.env.join(" or ")}.`
  );
}

export type ConfigurationReason =
  /** A setting's value is malformed; `problem` says how (never the value, which may be secret). */
  | { readonly code: "invalid_setting"; readonly origin: Origin; readonly problem: string }
  | { readonly code: "missing_credential"; readonly cloud: string; readonly ways: CredentialWays }
  | { readonly code: "unknown_at_create" }
  /** Replacing would create a second key with a value the cloud refuses twice (create before delete). */
  | {
      readonly code: "replace_would_conflict";
      readonly property: string;
      readonly replaces: readonly string[];
      readonly service: string;
      readonly value: unknown;
    }
  /** A change would replace an adopted key (adopting it again, then deleting it). */
  | { readonly code: "adopted_would_replace"; readonly properties: readonly string[]; readonly keyId: string };

export function describeConfigurationReason(r: ConfigurationReason): string {
  switch (r.code) {
    case "invalid_setting":
      return `${describeOrigin(r.origin)} ${r.problem}`;
    case "missing_credential":
      return `No ${r.ways.what.replace(/^an? /, "")} found. ${credentialHowTo(r.ways)}`;
    case "unknown_at_create":
      return "Inputs are still unknown at create time; this is a bug in the engine integration.";
    case "replace_would_conflict": {
      const k = r.property;
      const replaces = r.replaces.join(", ");
      return (
        `${k}: changing ${replaces} replaces this key, and the new key is created before the old one is deleted, but ${r.service} refuses two keys with the same ${k} ${JSON.stringify(r.value)} (409). ` +
        `Change \`${k}\` in the same update, or remove it so a unique one is generated; otherwise revert ${replaces}.`
      );
    }
    case "adopted_would_replace": {
      const known = r.properties.join(", ");
      return (
        `${known}: access key ${r.keyId} was adopted, and changing ${r.properties.length > 1 ? "these" : "this"} would replace it, ` +
        "which for an adopted key means adopting it again and then deleting it. To rotate to a new key, remove `adopt` " +
        `(the next \`up\` creates a new key, then deletes ${r.keyId}); otherwise revert ${known}.`
      );
    }
  }
}

/** A missing or invalid setting, reported before any request is sent. */
export class ConfigurationError extends UserFacingError<ConfigurationReason> {
  constructor(reason: ConfigurationReason) {
    super(reason, describeConfigurationReason(reason));
  }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle rules

export type LifecycleReason =
  | { readonly code: "unknown_cloud"; readonly cloud: unknown; readonly bucketName?: string }
  | { readonly code: "unknown_resource_type"; readonly type: string; readonly served: readonly string[] }
  | { readonly code: "not_importable"; readonly token: string }
  /** A value check guarantees was missing: a bug in this library. */
  | { readonly code: "missing_after_check"; readonly property: string }
  | { readonly code: "bucket_not_visible"; readonly bucketName: string; readonly accessKeyId: string }
  | { readonly code: "bucket_not_empty"; readonly bucketName: string; readonly objects: number }
  /** A user-supplied secret (`what`) could not be checked: no S3 endpoint is known. */
  | { readonly code: "secret_unverifiable"; readonly what: string; readonly consequence: string }
  /** S3 does not know the key the secret is for. */
  | { readonly code: "secret_key_unknown"; readonly what: string; readonly accessKeyId: string; readonly consequence: string }
  /** S3 refused the secret. */
  | { readonly code: "secret_rejected"; readonly what: string; readonly accessKeyId: string; readonly answer: ApiReason; readonly consequence: string }
  | { readonly code: "import_id_invalid"; readonly id: string; readonly forms: readonly string[] }
  | { readonly code: "import_secret_invalid"; readonly variable: string; readonly problem: string }
  /** The described key is not what check makes of it (`failures`), or check changed it (a bug). */
  | { readonly code: "import_check_refused"; readonly failures: ReadonlyArray<{ property: string; reason: string }>; readonly consequence: string }
  | { readonly code: "import_check_changed"; readonly cloud: string; readonly consequence: string };

export function describeLifecycleReason(r: LifecycleReason): string {
  switch (r.code) {
    case "unknown_cloud":
      return r.bucketName === undefined
        ? `unknown cloud ${JSON.stringify(r.cloud)} in this resource's state or inputs.`
        : `bucket ${r.bucketName}: unknown cloud ${JSON.stringify(r.cloud)} in state.`;
    case "unknown_resource_type":
      return `this provider serves ${r.served.join(" and ")}, not ${JSON.stringify(r.type)}.`;
    case "not_importable":
      return `${r.token} cannot be imported; import its access key and declare the bucket.`;
    case "missing_after_check":
      return `${r.property}: missing after check; this is a bug in this library.`;
    case "bucket_not_visible":
      return `Bucket ${r.bucketName} is not visible with access key ${r.accessKeyId}; the old key was kept.`;
    case "bucket_not_empty":
      return `Bucket ${r.bucketName} still holds ${r.objects} object(s); empty it first or set forceDestroy: true.`;
    case "secret_unverifiable":
      return `${r.what} cannot be verified: the provider reported no S3 endpoint for this key. ${r.consequence}`;
    case "secret_key_unknown":
      return `${r.what} cannot be used: S3 does not know access key ${r.accessKeyId} (InvalidAccessKeyId). ${r.consequence}`;
    case "secret_rejected":
      return (
        `${r.what} does not work for access key ${r.accessKeyId}: S3 answered ${describeAnswer(r.answer.code === "http_status" ? { status: r.answer.status, code: r.answer.apiCode } : { transportCode: r.answer.transportCode })}. ` +
        `Pass the secret that belongs to this key, or omit it (the secretAccessKey output is then empty). ${r.consequence}`
      );
    case "import_id_invalid":
      return `import ID ${JSON.stringify(r.id)} is not one of ${r.forms.join(" or ")} (the cloud, then its own IDs of the key).`;
    case "import_secret_invalid":
      return `$${r.variable} ${r.problem}`;
    case "import_check_refused":
      return `This key cannot be imported as an ObjectStorageAccessKey: ${r.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}. Use \`adopt\` instead (see the README). ${r.consequence}`;
    case "import_check_changed":
      return `The ${r.cloud} key's inputs are not what check makes of them; this is a bug in this library. ${r.consequence}`;
  }
}

/**
 * A lifecycle rule the library enforces (timeouts, provisioning errors, unsafe outcomes). Generic
 * reasons are formatted here; a cloud's own reasons come with the cloud's formatter.
 */
export class LifecycleError<R extends ReasonLike = LifecycleReason | CloudReason> extends UserFacingError<R> {
  constructor(reason: LifecycleReason);
  constructor(reason: R, describe: (reason: R) => string);
  constructor(reason: R, describe?: (reason: R) => string) {
    super(reason, describe ? describe(reason) : describeLifecycleReason(reason as unknown as LifecycleReason));
  }
}

// ---------------------------------------------------------------------------------------------
// A key that exists, though its create failed

/** Every reason an error of this library can carry. */
export type ErrorReason = ApiReason | ConfigurationReason | LifecycleReason | CloudReason | KeyCreatedButFailedReason;

export interface KeyCreatedButFailedReason {
  readonly code: "key_created_but_failed";
  readonly cloud: string;
  readonly keyId: string;
  /** Why the create did not finish: the failure's own reason, or `unexpected` with its message. */
  readonly cause: ErrorReason | { readonly code: "unexpected"; readonly message: string };
}

/**
 * The key exists (its secret is in hand) but a later step failed. The engine adapter records it in
 * state, so nothing is orphaned: the next `up` resumes and `destroy` deletes it.
 */
export class KeyCreatedButFailed extends UserFacingError<KeyCreatedButFailedReason> {
  constructor(
    reason: KeyCreatedButFailedReason,
    describe: (reason: KeyCreatedButFailedReason) => string,
    readonly state: Record<string, unknown>,
  ) {
    super(reason, describe(reason));
  }

  get id(): string {
    return this.reason.keyId;
  }
}

/** A thrown value's message: an Error's own, else its text. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A thrown value, described for the transport: its `code` (ENOENT, UND_ERR_*, ...) when it has a string one, its name and message. */
export function thrownDetails(err: unknown): { code?: string; name: string; message: string } {
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  return { ...(code !== undefined ? { code } : {}), name: err instanceof Error ? err.name : typeof err, message: messageOf(err) };
}

/** The reason an error carries, when it is one of this library's. */
export function reasonOf(err: unknown): ErrorReason | undefined {
  return err instanceof UserFacingError ? (err.reason as ErrorReason) : undefined;
}
