/** Nscale Storage control plane (docs/provider-apis.md §1.2-1.7). */
import { z } from "zod";
import {
  AccessKeyCreateRequest,
  EndpointCreateRequest,
  IdentityPolicy as IdentityPolicySchema,
  WriteMetadata,
  apiNamePattern,
  type AccessKeyCreateResponse,
  type AccessKeyRead,
  type EndpointRead,
} from "../clouds/nscale/schemas";
import { nscaleError, nscaleUnauthorized } from "./errors";
import { header, jsonResponse, parseJson, parseQuery, pathSegments, type EmuRequest, type EmuResponse } from "./http";
import { nscaleAccessKeyId, secretKey, uuid } from "./ids";
import { CREATED_BY, SEEDED_CLASS_ID, SEEDED_REGION_ID, type EmulatorState, type NscaleEndpoint, type NscaleKey } from "./state";

const MAX_PATH_ID = 63;

/** E4 body; not among the shared wire schemas because the library never updates endpoints. */
const EndpointUpdateRequest = z.object({
  metadata: WriteMetadata,
  spec: z.object({ identityPolicies: z.array(IdentityPolicySchema).optional() }).optional(),
});

type Access = "read" | "write";

/** Timestamps as the API documents them: whole seconds, UTC ("2024-05-31T14:11:00Z"). */
const isoNow = (state: EmulatorState): string =>
  state
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");

export function handleNscale(state: EmulatorState, req: EmuRequest, origin: string): EmuResponse {
  const segments = pathSegments(req.path);
  if (!segments) return nscaleError(400, "the request path is not valid");
  const route = matchRoute(segments);
  if (!route) return nscaleError(404, "the requested resource does not exist");
  const handler = route.handlers[req.method];
  if (!handler) return nscaleError(405);

  const denied = authenticate(state, req, origin, req.method === "GET" ? "read" : "write");
  if (denied) return denied;
  for (const [name, value] of route.params) {
    if (value.length > MAX_PATH_ID) {
      return nscaleError(400, `parameter "${name}" in path has an error: maximum string length is ${MAX_PATH_ID}`);
    }
  }
  return handler(state, req, route.values);
}

type Handler = (state: EmulatorState, req: EmuRequest, ids: string[]) => EmuResponse;

function matchRoute(s: string[]): { handlers: Record<string, Handler>; params: Array<[string, string]>; values: string[] } | undefined {
  const at = (i: number) => s[i] ?? "";
  if (s.length === 2 && at(0) === "api" && at(1) === "version") {
    return { handlers: { GET: version }, params: [], values: [] };
  }
  if (at(0) !== "api" || at(1) !== "v1") return undefined;
  if (s.length === 3 && at(2) === "objectstorageendpointclasses") {
    return { handlers: { GET: listClasses }, params: [], values: [] };
  }
  if (at(2) !== "objectstorageendpoints") return undefined;
  if (s.length === 3) return { handlers: { GET: listEndpoints, POST: createEndpoint }, params: [], values: [] };
  const endpointId = at(3);
  if (!endpointId) return undefined;
  const endpointParam: [string, string] = ["objectStorageEndpointID", endpointId];
  if (s.length === 4) {
    return {
      handlers: { GET: getEndpoint, PUT: updateEndpoint, DELETE: deleteEndpoint },
      params: [endpointParam],
      values: [endpointId],
    };
  }
  if (at(4) !== "accesskeys") return undefined;
  if (s.length === 5) {
    return { handlers: { GET: listKeys, POST: createKey }, params: [endpointParam], values: [endpointId] };
  }
  const keyId = at(5);
  if (s.length === 6 && keyId) {
    return {
      handlers: { GET: getKey, DELETE: deleteKey },
      params: [endpointParam, ["objectStorageAccessKeyID", keyId]],
      values: [endpointId, keyId],
    };
  }
  return undefined;
}

function authenticate(state: EmulatorState, req: EmuRequest, origin: string, access: Access): EmuResponse | undefined {
  const authorization = header(req, "authorization");
  if (!authorization) return nscaleUnauthorized("authorization header missing", origin);
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  const token = match?.[1];
  if (!token) return nscaleUnauthorized("authorization header malformed", origin);
  const { tokens, readOnlyTokens } = state.options.nscale;
  if (tokens.includes(token)) return undefined;
  if (readOnlyTokens.includes(token)) {
    return access === "read" ? undefined : nscaleError(403, "user credentials do not have the required privileges");
  }
  return nscaleUnauthorized("authentication failed", origin);
}

/** Body parsing as Nscale's OpenAPI middleware does it: content type, JSON, then the schema. */
function parseBody<T>(req: EmuRequest, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; res: EmuResponse } {
  const contentType = header(req, "content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    return { ok: false, res: nscaleError(415, `request body has an error: unsupported content type "${contentType}"`) };
  }
  const json = parseJson(req.body);
  if (!json.ok) return { ok: false, res: nscaleError(400, "request body has an error: failed to decode request body") };
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const pointer = "/" + (issue?.path ?? []).map(String).join("/");
    return {
      ok: false,
      res: nscaleError(400, `request body has an error: doesn't match schema: Error at "${pointer}": ${issue?.message ?? "invalid"}`),
    };
  }
  return { ok: true, value: parsed.data };
}

function invalidName(name: string): EmuResponse | undefined {
  if (apiNamePattern.test(name)) return undefined;
  return nscaleError(
    400,
    `request body has an error: doesn't match schema: Error at "/metadata/name": string doesn't match the regular expression "${apiNamePattern.source}"`,
  );
}

function version(): EmuResponse {
  return jsonResponse(200, { name: "nscale-storage-emulator", version: "v1.13.0" });
}

function listClasses(): EmuResponse {
  return jsonResponse(200, [
    {
      metadata: {
        id: SEEDED_CLASS_ID,
        name: "object-storage-endpoint-class-name",
        creationTime: "2024-05-31T14:11:00Z",
        description: "Emulated object storage endpoint class.",
        provisioningStatus: "provisioned",
        healthStatus: "healthy",
      },
      spec: { regionId: SEEDED_REGION_ID, supportedEndpointType: ["public"] },
    },
  ]);
}

// ---- endpoints ------------------------------------------------------------------------------

/** `metadata` as Nscale reads it back: optional fields appear only when set. */
function readMetadata(
  r: Pick<NscaleKey, "id" | "name" | "description" | "tags" | "createdAt" | "provisioningStatus" | "healthStatus" | "deletionTime">,
  owner: Pick<NscaleEndpoint, "organizationId" | "projectId">,
) {
  return {
    id: r.id,
    name: r.name,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.tags !== undefined ? { tags: r.tags } : {}),
    organizationId: owner.organizationId,
    projectId: owner.projectId,
    creationTime: r.createdAt,
    createdBy: CREATED_BY,
    provisioningStatus: r.provisioningStatus,
    healthStatus: r.healthStatus,
    ...(r.deletionTime !== undefined ? { deletionTime: r.deletionTime } : {}),
  };
}

function endpointRead(state: EmulatorState, e: NscaleEndpoint): EndpointRead {
  const exposed = e.provisioningStatus === "provisioned" || e.provisioningStatus === "deprovisioning";
  return {
    metadata: readMetadata(e, e),
    spec: { objectStorageEndpointClassId: e.classId, identityPolicies: e.identityPolicies },
    status: { regionId: e.regionId, ...(exposed ? { exposure: { public: { dnsName: state.dnsName } } } : {}) },
  };
}

function listEndpoints(state: EmulatorState, req: EmuRequest): EmuResponse {
  const q = parseQuery(req.rawQuery);
  const filter = (name: string, value: string) => {
    const wanted = q.get(name);
    return !wanted || wanted.includes(value);
  };
  const tags = (q.get("tag") ?? []).map((t) => t.split("=", 2));
  const items = [...state.nscaleEndpoints.values()]
    .filter((e) => filter("organizationID", e.organizationId) && filter("projectID", e.projectId))
    .filter((e) => filter("regionID", e.regionId))
    .filter((e) => tags.every(([n, v]) => (e.tags ?? []).some((t) => t.name === n && t.value === (v ?? ""))))
    .map((e) => endpointRead(state, e));
  return jsonResponse(200, items);
}

function createEndpoint(state: EmulatorState, req: EmuRequest): EmuResponse {
  const body = parseBody(req, EndpointCreateRequest);
  if (!body.ok) return body.res;
  const { metadata, spec } = body.value;
  const bad = invalidName(metadata.name);
  if (bad) return bad;
  const policies = spec.identityPolicies ?? [];
  if (new Set(policies.map((p) => p.name)).size !== policies.length) {
    return nscaleError(422, "identity policy names must be unique");
  }
  if (spec.objectStorageEndpointClassId !== SEEDED_CLASS_ID) {
    return nscaleError(422, "object storage endpoint class not found");
  }
  const clash = [...state.nscaleEndpoints.values()].some((e) => !e.deleting && e.projectId === spec.projectId && e.regionId === spec.regionId);
  if (clash) return nscaleError(422, "an object storage endpoint already exists for this project in this region");
  const { pollsUntilProvisioned } = state.options.nscale;
  const endpoint: NscaleEndpoint = {
    id: uuid(),
    name: metadata.name,
    description: metadata.description,
    tags: metadata.tags,
    organizationId: spec.organizationId,
    projectId: spec.projectId,
    regionId: spec.regionId,
    classId: spec.objectStorageEndpointClassId,
    identityPolicies: policies,
    createdAt: isoNow(state),
    provisioningStatus: pollsUntilProvisioned > 0 ? "provisioning" : "provisioned",
    healthStatus: pollsUntilProvisioned > 0 ? "unknown" : "healthy",
    getsUntilProvisioned: pollsUntilProvisioned,
    deleting: false,
    getsUntilGone: 0,
  };
  state.nscaleEndpoints.set(endpoint.id, endpoint);
  return jsonResponse(201, endpointRead(state, endpoint));
}

function getEndpoint(state: EmulatorState, _req: EmuRequest, [id]: string[]): EmuResponse {
  const e = state.nscaleEndpoints.get(id ?? "");
  if (!e) return nscaleError(404);
  if (e.deleting) {
    if (e.getsUntilGone <= 0) {
      state.removeEndpoint(e.id);
      return nscaleError(404);
    }
    e.getsUntilGone -= 1;
  } else if (e.provisioningStatus === "provisioning") {
    if (e.getsUntilProvisioned <= 0) {
      e.provisioningStatus = "provisioned";
      e.healthStatus = "healthy";
    } else {
      e.getsUntilProvisioned -= 1;
    }
  }
  return jsonResponse(200, endpointRead(state, e));
}

function updateEndpoint(state: EmulatorState, req: EmuRequest, [id]: string[]): EmuResponse {
  const body = parseBody(req, EndpointUpdateRequest);
  if (!body.ok) return body.res;
  const e = state.nscaleEndpoints.get(id ?? "");
  if (!e || e.deleting) return nscaleError(404);
  const bad = invalidName(body.value.metadata.name);
  if (bad) return bad;
  const policies = body.value.spec?.identityPolicies;
  if (policies) {
    if (new Set(policies.map((p) => p.name)).size !== policies.length) {
      return nscaleError(422, "identity policy names must be unique");
    }
    const inUse = [...state.nscaleKeys.values()].find((k) => k.endpointId === e.id && !k.deleting && !policies.some((p) => p.name === k.identityPolicy));
    // Unknown upstream (N-U7); refusing keeps keys and policies consistent.
    if (inUse) return nscaleError(409, `identity policy "${inUse.identityPolicy}" is in use by an access key`);
    e.identityPolicies = policies;
  }
  e.name = body.value.metadata.name;
  e.description = body.value.metadata.description;
  e.tags = body.value.metadata.tags;
  return jsonResponse(202, endpointRead(state, e));
}

function deleteEndpoint(state: EmulatorState, _req: EmuRequest, [id]: string[]): EmuResponse {
  const e = state.nscaleEndpoints.get(id ?? "");
  if (!e) return nscaleError(404);
  const { pollsUntilDeleted } = state.options.nscale;
  if (pollsUntilDeleted <= 0) {
    state.removeEndpoint(e.id);
    return { status: 202 };
  }
  if (!e.deleting) {
    const now = isoNow(state);
    e.deleting = true;
    e.deletionTime = now;
    e.provisioningStatus = "deprovisioning";
    e.getsUntilGone = pollsUntilDeleted;
    for (const k of state.nscaleKeys.values()) {
      if (k.endpointId === e.id && !k.deleting) markKeyDeleting(k, now, pollsUntilDeleted);
    }
  }
  return { status: 202 };
}

// ---- access keys ----------------------------------------------------------------------------

function keyRead(e: NscaleEndpoint, k: NscaleKey): AccessKeyRead {
  return {
    metadata: readMetadata(k, e),
    spec: { identityPolicy: k.identityPolicy, accessKeyId: k.accessKeyId },
  };
}

function listKeys(state: EmulatorState, _req: EmuRequest, [endpointId]: string[]): EmuResponse {
  const e = state.nscaleEndpoints.get(endpointId ?? "");
  if (!e) return nscaleError(404);
  const keys = [...state.nscaleKeys.values()].filter((k) => k.endpointId === e.id).map((k) => keyRead(e, k));
  return jsonResponse(200, keys);
}

function createKey(state: EmulatorState, req: EmuRequest, [endpointId]: string[]): EmuResponse {
  const body = parseBody(req, AccessKeyCreateRequest);
  if (!body.ok) return body.res;
  const { metadata, spec } = body.value;
  const bad = invalidName(metadata.name);
  if (bad) return bad;
  const e = state.nscaleEndpoints.get(endpointId ?? "");
  if (!e) return nscaleError(404);
  if (e.deleting || e.provisioningStatus !== "provisioned") {
    return nscaleError(422, "the object storage endpoint is not provisioned");
  }
  if (!e.identityPolicies.some((p) => p.name === spec.identityPolicy)) {
    return nscaleError(422, `identity policy "${spec.identityPolicy}" is not configured on the object storage endpoint`);
  }
  const opts = state.options.nscale;
  if (opts.duplicateNameConflict) {
    const taken = [...state.nscaleKeys.values()].some((k) => k.endpointId === e.id && !k.deleting && k.name === metadata.name);
    if (taken) return nscaleError(409, "the requested resource already exists");
  }

  const failProvisioning = state.failProvisioningArmed > 0;
  if (failProvisioning) state.failProvisioningArmed -= 1;
  const key: NscaleKey = {
    endpointId: e.id,
    id: uuid(),
    name: metadata.name,
    description: metadata.description,
    tags: metadata.tags,
    identityPolicy: spec.identityPolicy,
    accessKeyId: nscaleAccessKeyId(),
    secret: secretKey(),
    createdAt: isoNow(state),
    provisioningStatus: opts.createStatus,
    healthStatus: "unknown",
    failProvisioning,
    notFoundGetsLeft: opts.notFoundGetsAfterCreate,
    getsUntilProvisioned: opts.pollsUntilProvisioned,
    deleting: false,
    getsUntilGone: 0,
  };
  if (opts.createStatus === "provisioned") settleProvisioning(key);
  state.nscaleKeys.set(key.id, key);

  const read = keyRead(e, key);
  const created: AccessKeyCreateResponse = {
    metadata: read.metadata,
    spec: { identityPolicy: key.identityPolicy, accessKeyId: key.accessKeyId, secret: key.secret },
  };
  return jsonResponse(201, created);
}

function getKey(state: EmulatorState, _req: EmuRequest, [endpointId, keyId]: string[]): EmuResponse {
  const e = state.nscaleEndpoints.get(endpointId ?? "");
  const k = state.nscaleKeys.get(keyId ?? "");
  if (!e || !k || k.endpointId !== e.id) return nscaleError(404);
  if (k.deleting) {
    if (k.getsUntilGone <= 0) {
      state.nscaleKeys.delete(k.id);
      return nscaleError(404);
    }
    k.getsUntilGone -= 1;
    return jsonResponse(200, keyRead(e, k));
  }
  if (k.notFoundGetsLeft > 0) {
    k.notFoundGetsLeft -= 1;
    return nscaleError(404);
  }
  if (k.provisioningStatus === "pending" || k.provisioningStatus === "provisioning" || k.provisioningStatus === "unknown") {
    if (k.getsUntilProvisioned <= 0) {
      settleProvisioning(k);
    } else {
      k.getsUntilProvisioned -= 1;
      k.provisioningStatus = "provisioning";
    }
  }
  return jsonResponse(200, keyRead(e, k));
}

function deleteKey(state: EmulatorState, _req: EmuRequest, [endpointId, keyId]: string[]): EmuResponse {
  const e = state.nscaleEndpoints.get(endpointId ?? "");
  const k = state.nscaleKeys.get(keyId ?? "");
  if (!e || !k || k.endpointId !== e.id) return nscaleError(404);
  const { pollsUntilDeleted } = state.options.nscale;
  if (pollsUntilDeleted <= 0) state.nscaleKeys.delete(k.id);
  else if (!k.deleting) markKeyDeleting(k, isoNow(state), pollsUntilDeleted);
  return { status: 202 };
}

function settleProvisioning(k: NscaleKey): void {
  k.getsUntilProvisioned = 0;
  k.provisioningStatus = k.failProvisioning ? "error" : "provisioned";
  k.healthStatus = k.failProvisioning ? "error" : "healthy";
}

function markKeyDeleting(k: NscaleKey, now: string, polls: number): void {
  k.deleting = true;
  k.deletionTime = now;
  k.provisioningStatus = "deprovisioning";
  k.getsUntilGone = polls;
}

/** Test hook: force a status; a terminal one also ends the provisioning countdown. */
export function setKeyStatus(state: EmulatorState, id: string, status: NscaleKey["provisioningStatus"]): void {
  const k = state.nscaleKeys.get(id);
  if (!k) throw new Error(`emulator: no Nscale access key with metadata.id ${id}`);
  k.provisioningStatus = status;
  if (status === "provisioned" || status === "error") k.getsUntilProvisioned = 0;
  k.healthStatus = status === "provisioned" ? "healthy" : status === "error" ? "error" : k.healthStatus;
}
