/**
 * HostUp access-key lifecycle. Keys are synchronous and HostUp has no API to read or list them,
 * so refresh asks S3 itself whether the key still works (a signed, read-only probe), and a create
 * whose outcome is unknown can only be reported, with the label to look for.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LifecycleError, ProviderApiError } from "../../errors";
import { compact } from "../../model/fields";
import { ReadCache } from "../cache";
import { resendAfter429 } from "../create-retry";
import type { KeyLifecycle, OperationContext } from "../contract";
import { verifyKeySecret } from "../verify-secret";
import { hostupAnswers, hostupHints } from "./answers";
import { HostUpClient } from "./client";
import { hostupError, type HostUpReason } from "./reasons";
import type { HostUpInputs, HostUpState } from "./model";

export const HOSTUP_DEFAULT_S3_ENDPOINT = "https://s3.hostup.se";
export const HOSTUP_DEFAULT_REGION = "eu-north-1";

export function hostupClient(ctx: OperationContext): HostUpClient {
  const c = ctx.connection;
  return new HostUpClient({ apiUrl: c.apiUrl, apiKey: c.credential, http: c.http, hints: hostupHints, transport: c.transport });
}

type Service = { s3Endpoint: string; region: string };

/** The service status is read once per process, URL and API key: every key shares the answer. */
const services = new ReadCache<Service>(60_000);

function serviceKey(ctx: OperationContext): string {
  return JSON.stringify([ctx.connection.apiUrl, ctx.connection.credential]);
}

/** Fails fast when object storage is not active; gives the S3 endpoint and region. */
export function service(api: HostUpClient, ctx: OperationContext): Promise<Service> {
  return services.get(serviceKey(ctx), () => loadService(api));
}

async function loadService(api: HostUpClient): Promise<Service> {
  const status = await api.getServiceStatus();
  if (!status.provisioned) throw hostupError({ code: "hostup.not_provisioned" });
  return { s3Endpoint: status.endpoint ?? HOSTUP_DEFAULT_S3_ENDPOINT, region: status.awsRegion ?? HOSTUP_DEFAULT_REGION };
}

/** A "gone" verdict stands only when the service answers with these credentials. */
async function parentConfirms(api: HostUpClient, ctx: OperationContext): Promise<void> {
  await services.confirm(serviceKey(ctx), () => loadService(api));
}

function lostResponse(err: ProviderApiError, label: string): LifecycleError<HostUpReason> {
  return hostupError({ code: "hostup.create_outcome_unknown", cause: err.reason, label });
}

async function create(inputs: HostUpInputs, ctx: OperationContext): Promise<{ id: string; state: HostUpState }> {
  const api = hostupClient(ctx);
  // Read first, so nothing but the create itself can fail once a key exists.
  const svc = await service(api, ctx);
  const base = compact({
    cloud: "hostup" as const,
    resourceName: inputs.resourceName,
    rotationTrigger: inputs.rotationTrigger,
    rotateAfter: inputs.rotateAfter,
    apiUrl: inputs.apiUrl,
    apiKey: inputs.apiKey,
    s3Endpoint: svc.s3Endpoint,
    region: svc.region,
  });

  if (inputs.adopt) {
    const given = inputs.adopt;
    if (given.secretAccessKey === undefined) {
      throw hostupError({ code: "hostup.adopt_secret_required" });
    }
    const state: HostUpState = compact({
      ...base,
      keyId: given.keyId,
      accessKeyId: given.keyId,
      secretAccessKey: given.secretAccessKey,
      createdAt: new Date().toISOString(),
      label: inputs.label,
      adopted: true,
      adopt: given,
    });
    await verifyKeySecret({ ...state, region: svc.region, http: ctx.connection.http }, "adopt.secretAccessKey", "Nothing was recorded in state.");
    return { id: state.keyId, state };
  }

  const label = inputs.label;
  if (label === undefined) throw new LifecycleError({ code: "missing_after_check", property: "label" });
  // The cached status may be stale (service deactivated, key revoked): a refusal reads it afresh next time.
  const created = await services.forgetOnRefusal(serviceKey(ctx), () => createOnce(api, label, ctx));
  const state: HostUpState = compact({
    ...base,
    keyId: created.key.accessKey,
    accessKeyId: created.key.accessKey,
    secretAccessKey: created.key.secretKey,
    createdAt: new Date().toISOString(),
    label: created.key.label,
  });
  return { id: created.key.accessKey, state };
}

/**
 * HostUp cannot list keys, so a create is sent again only after a 429 that HostUp itself sent (its
 * error envelope or rate-limit headers): a gateway's 429 may follow a commit, and a second create
 * would orphan the first key. Every other unknown outcome is reported with the label to look for.
 */
async function createOnce(api: HostUpClient, label: string, ctx: OperationContext) {
  const budgetEnds = Date.now() + ctx.connection.http.retryBudgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await api.createKey(label);
    } catch (err) {
      if (!(err instanceof ProviderApiError) || !hostupAnswers.isOutcomeUnknown(err)) throw err;
      // Only HostUp's own 429 proves nothing was created.
      const wait = err.ownAnswer === true ? resendAfter429(err, attempt, budgetEnds) : undefined;
      if (wait === undefined) throw lostResponse(err, label);
      await sleep(wait);
    }
  }
}

/**
 * Refresh. A signed S3 request with the key itself decides: InvalidAccessKeyId (confirmed by the
 * service answering with these credentials) means deleted out of band; success or AccessDenied
 * means it exists; anything else fails the refresh and leaves state unchanged. Adopted keys
 * without a secret (older releases allowed them) cannot be probed and are kept as they are.
 */
async function read(_id: string, state: HostUpState, ctx: OperationContext): Promise<HostUpState | undefined> {
  if (!state.secretAccessKey || !state.s3Endpoint) return state;
  const { probeKey } = await import("../../s3/probe.js");
  const outcome = await probeKey({
    endpoint: state.s3Endpoint,
    region: state.region ?? HOSTUP_DEFAULT_REGION,
    credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
    http: ctx.connection.http,
  });
  if (outcome === "exists") return state;
  await parentConfirms(hostupClient(ctx), ctx);
  // S3 at the recorded endpoint does not know the key: that means "deleted" only if HostUp still
  // names that endpoint. After a move, the old endpoint knows no key at all.
  const current = (await service(hostupClient(ctx), ctx)).s3Endpoint;
  if (!sameEndpoint(current, state.s3Endpoint)) {
    throw hostupError({ code: "hostup.endpoint_changed", accessKeyId: state.accessKeyId, recorded: state.s3Endpoint, current });
  }
  return undefined;
}

/** Two S3 endpoint URLs name the same service: same scheme, host, port and path (case and a trailing slash aside). */
function sameEndpoint(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const url = new URL(u);
      return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`.toLowerCase();
    } catch {
      return u.trim().replace(/\/+$/, "").toLowerCase();
    }
  };
  return norm(a) === norm(b);
}

/** In place: credential and URL overrides (verified with one authenticated read) and `rotateAfter`. */
async function update(_id: string, olds: HostUpState, news: HostUpInputs, ctx: OperationContext): Promise<HostUpState> {
  if (olds.apiKey !== news.apiKey || olds.apiUrl !== news.apiUrl) await parentConfirms(hostupClient(ctx), ctx);
  let state: HostUpState = compact({ ...olds, apiKey: news.apiKey, apiUrl: news.apiUrl, rotateAfter: news.rotateAfter });
  if (olds.adopted && news.adopt && JSON.stringify(olds.adopt) !== JSON.stringify(news.adopt)) {
    state = { ...state, adopt: news.adopt, secretAccessKey: news.adopt.secretAccessKey ?? "" };
    if (state.secretAccessKey)
      await verifyKeySecret(
        { ...state, region: state.region ?? HOSTUP_DEFAULT_REGION, http: ctx.connection.http },
        "adopt.secretAccessKey",
        "State was left as it was.",
      );
  }
  return state;
}

async function remove(id: string, _state: HostUpState, ctx: OperationContext): Promise<void> {
  const api = hostupClient(ctx);
  if ((await api.deleteKey(id)) === "gone") await parentConfirms(api, ctx);
}

export const hostupLifecycle: KeyLifecycle<HostUpInputs, HostUpState> = { create, read, update, delete: remove };
