/**
 * Nscale access-key lifecycle: asynchronous provisioning, Nscale's 404 lag after a create, and an
 * ownership marker (a `metadata.tags` entry) on every create, so a key whose create response was
 * lost is found by that marker alone, never by its name or timestamps.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { LifecycleError, ProviderApiError, reasonOf } from "../../errors";
import { compact } from "../../model/fields";
import { pollUntil } from "../../poll";
import { ListBatcher } from "../batch";
import { ReadCache } from "../cache";
import { resendAfter429 } from "../create-retry";
import type { KeyLifecycle, OperationContext } from "../contract";
import { DEFAULT_SIGNING_REGION } from "../../s3/region";
import { verifyKeySecret } from "../verify-secret";
import { configKey, TIMING_KNOBS } from "../../settings";
import { nscaleAnswers, nscaleHints } from "./answers";
import { MARKER_TAG, nscaleError, nscaleKeyCreatedButFailed, type NscaleReason } from "./reasons";
import { NscaleClient, s3EndpointFromDnsName } from "./client";
import type { NscaleInputs, NscaleState } from "./model";
import type { AccessKeyRead } from "./schemas";

const MAX_POLL_INTERVAL_MS = 5_000;

export function nscaleClient(ctx: OperationContext): NscaleClient {
  const c = ctx.connection;
  return new NscaleClient({ apiUrl: c.apiUrl, token: c.credential, http: c.http, hints: nscaleHints, transport: c.transport });
}

/** The endpoint is read once per process, URL, token and endpoint: every key on it shares the answer. */
const endpoints = new ReadCache<string>(60_000);

function endpointKey(ctx: OperationContext, endpointId: string): string {
  return JSON.stringify([ctx.connection.apiUrl, ctx.connection.credential, endpointId]);
}

function s3EndpointOf(api: NscaleClient, ctx: OperationContext, endpointId: string): Promise<string> {
  return endpoints.get(endpointKey(ctx, endpointId), () => loadS3Endpoint(api, endpointId));
}

async function loadS3Endpoint(api: NscaleClient, endpointId: string): Promise<string> {
  const dns = (await api.getEndpoint(endpointId)).status.exposure?.public?.dnsName;
  return dns ? s3EndpointFromDnsName(dns) : "";
}

/**
 * The API said the key is not found: only trust that when the endpoint itself answers with these
 * credentials, so a wrong URL or a token for another project never makes live keys "gone".
 */
async function parentConfirms(api: NscaleClient, ctx: OperationContext, endpointId: string): Promise<void> {
  await endpoints.confirm(endpointKey(ctx, endpointId), () => loadS3Endpoint(api, endpointId));
}

function serverFields(key: AccessKeyRead) {
  return compact({
    name: key.metadata.name,
    description: key.metadata.description,
    identityPolicy: key.spec.identityPolicy,
    ...(key.spec.accessKeyId ? { accessKeyId: key.spec.accessKeyId } : {}),
    organizationId: key.metadata.organizationId,
    projectId: key.metadata.projectId,
    createdBy: key.metadata.createdBy,
    provisioningStatus: key.metadata.provisioningStatus,
    healthStatus: key.metadata.healthStatus,
  });
}

/** How a wait for provisioning ended: provisioned, ended in another terminal status, or timed out. */
type ProvisioningOutcome =
  { kind: "provisioned"; key: AccessKeyRead } | { kind: "ended"; key: AccessKeyRead } | { kind: "timedOut"; last: AccessKeyRead | undefined };

/** Polls a key until its provisioning ends; a 404 right after create is Nscale's lag: keep polling. */
async function pollProvisioning(
  api: NscaleClient,
  ctx: OperationContext,
  endpointId: string,
  keyId: string,
  observe: (key: AccessKeyRead) => void = () => {},
): Promise<ProvisioningOutcome> {
  const { timing } = ctx;
  let last: AccessKeyRead | undefined;
  const result = await pollUntil<AccessKeyRead>(
    async () => {
      const key = await api.getAccessKey(endpointId, keyId);
      if (key === undefined) return { done: false };
      last = key;
      observe(key);
      const s = key.metadata.provisioningStatus;
      return s === "provisioned" || s === "error" || s === "deprovisioning" ? { done: true, value: key } : { done: false };
    },
    // A key provisioned after t is seen within max(interval, t / 5): quick keys are seen quickly,
    // slow ones cost few requests.
    { initialIntervalMs: timing.pollIntervalMs, maxIntervalMs: MAX_POLL_INTERVAL_MS, timeoutMs: timing.provisioningTimeoutMs, elapsedFraction: 0.2 },
  );
  if (result.timedOut) return { kind: "timedOut", last };
  return { kind: result.value.metadata.provisioningStatus === "provisioned" ? "provisioned" : "ended", key: result.value };
}

/** Polls a key this library created (and recorded in state) until provisioned. */
async function waitProvisioned(api: NscaleClient, ctx: OperationContext, endpointId: string, keyId: string, observe: (key: AccessKeyRead) => void = () => {}) {
  const { timing } = ctx;
  const outcome = await pollProvisioning(api, ctx, endpointId, keyId, observe);
  if (outcome.kind === "timedOut") {
    throw nscaleError({
      code: "nscale.provisioning_timed_out",
      keyId,
      status: outcome.last?.metadata.provisioningStatus,
      timeoutMs: timing.provisioningTimeoutMs,
      knob: configKey(TIMING_KNOBS.provisioningTimeoutSeconds.config),
    });
  }
  const key = outcome.key;
  if (outcome.kind === "ended") {
    throw nscaleError({ code: "nscale.provisioning_ended", keyId, status: key.metadata.provisioningStatus, health: key.metadata.healthStatus });
  }
  return key;
}

/**
 * Polls a key the user asked to adopt until provisioned. Adoption records nothing until it
 * succeeds, and the key is the user's (this library did not create it), so every failure says
 * that nothing was recorded in state, that the key was left as it is, and what the user can do.
 */
async function waitAdoptable(api: NscaleClient, ctx: OperationContext, endpointId: string, keyId: string): Promise<AccessKeyRead> {
  const { timing } = ctx;
  const outcome = await pollProvisioning(api, ctx, endpointId, keyId);
  if (outcome.kind === "timedOut") {
    throw nscaleError({
      code: "nscale.adopt_not_ready",
      keyId,
      endpointId,
      status: outcome.last?.metadata.provisioningStatus,
      timeoutMs: timing.provisioningTimeoutMs,
      knob: configKey(TIMING_KNOBS.provisioningTimeoutSeconds.config),
    });
  }
  const key = outcome.key;
  if (outcome.kind === "ended") {
    throw nscaleError({
      code: "nscale.adopt_provisioning_ended",
      keyId,
      endpointId,
      status: key.metadata.provisioningStatus,
      health: key.metadata.healthStatus,
    });
  }
  return key;
}

function baseState(inputs: NscaleInputs, ctx: OperationContext) {
  return {
    cloud: "nscale" as const,
    resourceName: inputs.resourceName,
    endpointId: inputs.endpointId,
    rotationTrigger: inputs.rotationTrigger,
    rotateAfter: inputs.rotateAfter,
    apiUrl: inputs.apiUrl,
    apiToken: inputs.apiToken,
    region: ctx.region,
  };
}

async function create(inputs: NscaleInputs, ctx: OperationContext): Promise<{ id: string; state: NscaleState }> {
  const api = nscaleClient(ctx);
  if (inputs.adopt) return adopt(api, inputs, inputs.adopt, ctx);
  const name = inputs.name;
  if (name === undefined) throw new LifecycleError({ code: "missing_after_check", property: "name" });
  // Resolved before the key exists, so nothing but provisioning can fail after it does.
  const s3Endpoint = await s3EndpointOf(api, ctx, inputs.endpointId);
  // The cached endpoint may be stale (deleted, or the token lost access): a refusal reads it afresh next time.
  const created = await endpoints.forgetOnRefusal(endpointKey(ctx, inputs.endpointId), () => createOnce(api, inputs, name, ctx));

  // From here on the key exists and its secret is in hand: any failure must record it in state.
  const id = created.metadata.id;
  let state: NscaleState = compact({
    ...baseState(inputs, ctx),
    ...serverFields({ metadata: created.metadata, spec: { identityPolicy: created.spec.identityPolicy, accessKeyId: created.spec.accessKeyId } }),
    keyId: id,
    accessKeyId: created.spec.accessKeyId,
    secretAccessKey: created.spec.secret,
    s3Endpoint,
    createdAt: created.metadata.creationTime,
  });
  // Already provisioned in the create's own answer: nothing to wait for.
  if (created.metadata.provisioningStatus === "provisioned") return { id, state };
  try {
    const key = await waitProvisioned(api, ctx, inputs.endpointId, id, (seen) => (state = { ...state, ...serverFields(seen) }));
    return { id, state: { ...state, ...serverFields(key) } };
  } catch (err) {
    throw nscaleKeyCreatedButFailed(id, reasonOf(err) ?? { code: "unexpected", message: err instanceof Error ? err.message : String(err) }, state);
  }
}

/**
 * One logical create. Each attempt carries a fresh marker. After a 429 (which a gateway may send
 * after the backend committed) the endpoint's keys are searched for that attempt's marker before
 * trying again, so a retry never leaves a second key it could see; any other unknown outcome is
 * reconciled over the whole grace. The search is one look, not the grace: under a sustained rate
 * limit a grace-long wait per 429 spends the retry budget and fails creates the API would take
 * (test/e2e/load.test.ts), and a committed key the list does not show yet is caught below.
 * Nscale refuses a second key with one name, so a retry that meets a conflict means an earlier
 * attempt did commit (its key not listed yet): that attempt is then looked for over the full grace.
 */
async function createOnce(api: NscaleClient, inputs: NscaleInputs, name: string, ctx: OperationContext) {
  const budgetEnds = Date.now() + ctx.connection.http.retryBudgetMs;
  const earlier: Array<{ marker: string; cause: ProviderApiError }> = [];
  for (let attempt = 1; ; attempt++) {
    const marker = randomUUID();
    try {
      return await api.createAccessKey(inputs.endpointId, {
        metadata: compact({ name, description: inputs.description, tags: [{ name: MARKER_TAG, value: marker }] }),
        spec: { identityPolicy: inputs.identityPolicy },
      });
    } catch (err) {
      if (earlier.length > 0 && nscaleAnswers.isConflict(err)) {
        for (const e of earlier) {
          const verdict = await reconcile(api, inputs, name, e.marker, e.cause, ctx, ctx.timing.reconcileGraceMs);
          if (verdict.outcome !== "absent") throw verdict.error;
        }
        throw earlierAttemptUnseen(inputs, name, earlier, ctx.timing.reconcileGraceMs);
      }
      if (!nscaleAnswers.isOutcomeUnknown(err) || !(err instanceof ProviderApiError)) throw err;
      const wait = resendAfter429(err, attempt, budgetEnds);
      const verdict = await reconcile(api, inputs, name, marker, err, ctx, wait === undefined ? ctx.timing.reconcileGraceMs : 0);
      // Retried only when nothing of this attempt is left: absent, or found and deleted again.
      if (wait === undefined || verdict.outcome === "stuck") throw verdict.error;
      if (verdict.outcome === "absent") earlier.push({ marker, cause: err });
      await sleep(wait);
    }
  }
}

/**
 * A re-sent create met a key with its name (Nscale's own 409), but no earlier attempt's marker
 * showed up in the key list within the grace period: the list lags, and the name is most likely
 * taken by one of those attempts, whose secret was lost. Never "choose another name" (the user may
 * have chosen none): name each earlier attempt's marker, so the key can be found and deleted.
 */
function earlierAttemptUnseen(
  inputs: NscaleInputs,
  name: string,
  earlier: ReadonlyArray<{ marker: string; cause: ProviderApiError }>,
  graceMs: number,
): LifecycleError<NscaleReason> {
  const first = earlier[0]!.cause;
  return nscaleError({
    code: "nscale.resend_conflict",
    name,
    endpointId: inputs.endpointId,
    firstAnswer: { status: first.status, transportCode: first.transportCode },
    markers: earlier.map((e) => e.marker),
    graceMs,
  });
}

/**
 * The create may or may not have reached Nscale, and a server that timed out may still commit it
 * later. A key whose secret was lost is useless and invisible to state: look for this attempt's
 * marker for a grace period and delete the key that carries it.
 */
async function reconcile(
  api: NscaleClient,
  inputs: NscaleInputs,
  name: string,
  marker: string,
  cause: ProviderApiError,
  ctx: OperationContext,
  graceMs: number,
) {
  const ours = (k: AccessKeyRead) => (k.metadata.tags ?? []).some((t) => t.name === MARKER_TAG && t.value === marker);
  let listError: Error | undefined;
  const search = await pollUntil<AccessKeyRead>(
    async () => {
      try {
        const found = (await api.listAccessKeys(inputs.endpointId)).find(ours);
        listError = undefined;
        return found ? { done: true, value: found } : { done: false };
      } catch (err) {
        listError = err instanceof Error ? err : new Error(String(err));
        return { done: false };
      }
    },
    { initialIntervalMs: ctx.timing.pollIntervalMs, maxIntervalMs: MAX_POLL_INTERVAL_MS, timeoutMs: graceMs },
  );
  const endpointId = inputs.endpointId;
  if (search.timedOut) {
    const error = listError
      ? nscaleError({ code: "nscale.create_unconfirmed", cause: cause.reason, name, endpointId, marker, listError: listError.message })
      : nscaleError({ code: "nscale.create_not_found", cause: cause.reason, name, endpointId, marker, graceMs });
    // A failed list proves nothing: never retry on it (a second key could follow).
    return { outcome: listError ? ("stuck" as const) : ("absent" as const), error };
  }
  const found = search.value;
  try {
    await api.deleteAccessKey(inputs.endpointId, found.metadata.id);
  } catch (delErr) {
    return {
      outcome: "stuck" as const,
      error: nscaleError({
        code: "nscale.create_cleanup_failed",
        cause: cause.reason,
        name,
        endpointId,
        keyId: found.metadata.id,
        deleteError: delErr instanceof Error ? delErr.message : String(delErr),
      }),
    };
  }
  return {
    outcome: "cleaned" as const,
    error: nscaleError({ code: "nscale.create_cleaned", cause: cause.reason, name, keyId: found.metadata.id }),
  };
}

async function adopt(
  api: NscaleClient,
  inputs: NscaleInputs,
  given: NonNullable<NscaleInputs["adopt"]>,
  ctx: OperationContext,
): Promise<{ id: string; state: NscaleState }> {
  let key = await api.getAccessKey(inputs.endpointId, given.keyId);
  if (!key || key.metadata.provisioningStatus === "deprovisioning") {
    if (!key) await parentConfirms(api, ctx, inputs.endpointId);
    throw nscaleError({ code: "nscale.adopt_key_not_found", keyId: given.keyId, endpointId: inputs.endpointId });
  }
  const mismatch = (["name", "description", "identityPolicy"] as const).filter((k) => {
    const server = k === "identityPolicy" ? key!.spec.identityPolicy : key!.metadata[k];
    return inputs[k] !== undefined && inputs[k] !== server;
  });
  if (mismatch.length > 0) {
    throw nscaleError({
      code: "nscale.adopt_mismatch",
      keyId: given.keyId,
      fields: mismatch.map((k) => ({ property: k, value: k === "identityPolicy" ? key!.spec.identityPolicy : key!.metadata[k] })),
    });
  }
  // A key adopted right after it was made may still be provisioning: S3 rejects it until then.
  if (key.metadata.provisioningStatus !== "provisioned") key = await waitAdoptable(api, ctx, inputs.endpointId, key.metadata.id);
  const state: NscaleState = compact({
    ...baseState(inputs, ctx),
    ...serverFields(key),
    keyId: key.metadata.id,
    accessKeyId: key.spec.accessKeyId ?? "",
    secretAccessKey: given.secretAccessKey ?? "",
    s3Endpoint: await s3EndpointOf(api, ctx, inputs.endpointId),
    createdAt: key.metadata.creationTime,
    adopted: true,
    adopt: given,
  });
  if (state.secretAccessKey) {
    await verifyKeySecret(
      { ...state, region: state.region ?? DEFAULT_SIGNING_REGION, http: ctx.connection.http },
      "adopt.secretAccessKey",
      "Nothing was recorded in state.",
    );
  }
  return { id: state.keyId, state };
}

/** Refreshes of keys on one endpoint within this window share one list of its keys. */
const refreshes = new ListBatcher<AccessKeyRead>(5);

async function read(id: string, state: NscaleState, ctx: OperationContext): Promise<NscaleState | undefined> {
  const api = nscaleClient(ctx);
  const listed = await refreshes.find(
    endpointKey(ctx, state.endpointId),
    id,
    async () => new Map((await api.listAccessKeys(state.endpointId)).map((k) => [k.metadata.id, k])),
  );
  const key = listed ?? (await api.getAccessKey(state.endpointId, id));
  if (key === undefined) {
    // A key recorded before it became visible (a partial create) may still 404 for a while after
    // create: keep it, with its secret. `up` resumes the wait.
    if (state.provisioningStatus !== "provisioned") return state;
    await parentConfirms(api, ctx, state.endpointId);
    return undefined;
  }
  if (key.metadata.provisioningStatus === "deprovisioning") return undefined;
  // Never replace or blank the secret: the API cannot return it again.
  return { ...state, ...serverFields(key), secretAccessKey: state.secretAccessKey };
}

/**
 * In place: credential and URL overrides (verified with one authenticated read before they are
 * stored), `rotateAfter`, a secret supplied later for an adopted key, and resuming a create that
 * failed while waiting for provisioning. Always the full state: a partial one would wipe the secret.
 */
async function update(id: string, olds: NscaleState, news: NscaleInputs, ctx: OperationContext): Promise<NscaleState> {
  let state: NscaleState = compact({ ...olds, apiToken: news.apiToken, apiUrl: news.apiUrl, rotateAfter: news.rotateAfter });
  const api = nscaleClient(ctx);
  if (olds.apiToken !== news.apiToken || olds.apiUrl !== news.apiUrl) await parentConfirms(api, ctx, olds.endpointId);
  if (olds.adopted && news.adopt && JSON.stringify(olds.adopt) !== JSON.stringify(news.adopt)) {
    // Same adopted key (diff allows nothing else), with a secret supplied or corrected.
    state = compact({ ...state, adopt: news.adopt, secretAccessKey: news.adopt.secretAccessKey ?? "" });
    if (state.secretAccessKey) {
      await verifyKeySecret(
        { ...state, region: state.region ?? DEFAULT_SIGNING_REGION, http: ctx.connection.http },
        "adopt.secretAccessKey",
        "State was left as it was.",
      );
    }
  }
  if (state.provisioningStatus === "provisioned" && state.s3Endpoint) return state;
  const s3Endpoint = state.s3Endpoint || (await s3EndpointOf(api, ctx, state.endpointId));
  const key = await waitProvisioned(api, ctx, state.endpointId, id);
  return { ...state, ...serverFields(key), s3Endpoint };
}

async function remove(id: string, state: NscaleState, ctx: OperationContext): Promise<void> {
  const api = nscaleClient(ctx);
  const { endpointId } = state;
  const { timing } = ctx;
  if ((await api.deleteAccessKey(endpointId, id)) === "gone") {
    await parentConfirms(api, ctx, endpointId);
    if (state.provisioningStatus === "provisioned") return;
    // Recorded before it became visible (a partial create): a 404 may be Nscale's lag after create,
    // and the key could still appear. Watch for it for the reconcile grace period before letting go.
    const appeared = await pollUntil(async () => ((await api.getAccessKey(endpointId, id)) ? { done: true, value: true } : { done: false }), {
      initialIntervalMs: timing.pollIntervalMs,
      maxIntervalMs: MAX_POLL_INTERVAL_MS,
      timeoutMs: timing.reconcileGraceMs,
    });
    if (appeared.timedOut || (await api.deleteAccessKey(endpointId, id)) === "gone") return;
  }
  const result = await pollUntil<AccessKeyRead | undefined>(
    async () => {
      const key = await api.getAccessKey(endpointId, id);
      if (key === undefined) return { done: true, value: undefined };
      return key.metadata.provisioningStatus === "error" ? { done: true, value: key } : { done: false };
    },
    { initialIntervalMs: timing.pollIntervalMs, maxIntervalMs: MAX_POLL_INTERVAL_MS, timeoutMs: timing.provisioningTimeoutMs },
  );
  if (result.timedOut) {
    throw nscaleError({ code: "nscale.delete_timed_out", keyId: id, timeoutMs: timing.provisioningTimeoutMs });
  }
  if (result.value) {
    throw nscaleError({ code: "nscale.delete_failed", keyId: id });
  }
}

export const nscaleLifecycle: KeyLifecycle<NscaleInputs, NscaleState> = { create, read, update, delete: remove };
