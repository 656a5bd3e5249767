/**
 * Lifecycle rules with no server: each lifecycle takes its transport through the operation
 * context (`connection.transport`), here undici's MockAgent, which answers from a script and
 * refuses any request the script does not expect. The same rules run against the loopback
 * emulator in test/integration/.
 */
import { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { forgetCachedReads } from "../../src/clouds/cache";
import type { OperationContext } from "../../src/clouds/contract";
import { hostupLifecycle } from "../../src/clouds/hostup/lifecycle";
import { nscaleLifecycle } from "../../src/clouds/nscale/lifecycle";
import { hostupError, nscaleError } from "../../src/emulator/errors";
import type { EmuResponse } from "../../src/emulator/http";
import { HTTP_DEFAULTS } from "../../src/settings";

const HOSTUP = "https://hostup.test";
const NSCALE = "https://nscale.test";

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  forgetCachedReads();
});
afterEach(async () => {
  await agent.close();
});

function ctx(apiUrl: string): OperationContext {
  const resolved = {
    connection: { apiUrl, credential: "credential-0001", http: { ...HTTP_DEFAULTS, retryBudgetMs: 5_000 }, transport: agent },
    timing: { pollIntervalMs: 1, provisioningTimeoutMs: 200, reconcileGraceMs: 20 },
    sources: { env: {} },
  };
  return { ...resolved, resolveWith: () => resolved };
}

const reply = (r: EmuResponse) => ({ statusCode: r.status, data: String(r.body ?? ""), responseOptions: { headers: r.headers ?? {} } });
const ok = (data: unknown) => ({
  statusCode: 200,
  data: JSON.stringify({ success: true, requestId: "r1", data }),
  responseOptions: { headers: { "content-type": "application/json" } },
});

function hostup() {
  const pool = agent.get(HOSTUP);
  const posts: string[] = [];
  pool
    .intercept({ path: "/api/object-storage", method: "GET" })
    .reply(() => ok({ provisioned: true, endpoint: "https://s3.hostup.test", awsRegion: "eu-north-1" }))
    .persist();
  return { pool, posts };
}

const hostupInputs = { cloud: "hostup" as const, resourceName: "k", label: "ci-key" };

describe("HostUp create: a 429 is re-sent only when HostUp itself sent it", () => {
  it("its own 429 (its error envelope): sent again, one key", async () => {
    const { pool } = hostup();
    const own429 = hostupError(429);
    pool
      .intercept({ path: "/api/object-storage/keys", method: "POST" })
      .reply(own429.status, String(own429.body), { headers: { ...own429.headers, "retry-after": "0" } });
    pool
      .intercept({ path: "/api/object-storage/keys", method: "POST" })
      .reply(() => ok({ key: { accessKey: "AK1", secretKey: "SK1-secret", label: "ci-key" } }));
    const { id, state } = await hostupLifecycle.create(hostupInputs, ctx(`${HOSTUP}/api`));
    expect(id).toBe("AK1");
    expect(state).toMatchObject({ keyId: "AK1", secretAccessKey: "SK1-secret", s3Endpoint: "https://s3.hostup.test", region: "eu-north-1" });
    agent.assertNoPendingInterceptors();
  });

  it("a gateway's 429 (no envelope) may follow a commit: not re-sent, and the error names the label to look for", async () => {
    const { pool } = hostup();
    pool
      .intercept({ path: "/api/object-storage/keys", method: "POST" })
      .reply(429, "Too Many Requests", { headers: { "content-type": "text/plain", "retry-after": "0" } });
    const err = await hostupLifecycle.create(hostupInputs, ctx(`${HOSTUP}/api`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: { code: "hostup.create_outcome_unknown", label: "ci-key", cause: { code: "http_status", status: 429 } } });
    // A second POST would have found no interceptor and failed differently.
    agent.assertNoPendingInterceptors();
  });

  it("object storage not provisioned: refused before any create", async () => {
    agent
      .get(HOSTUP)
      .intercept({ path: "/api/object-storage", method: "GET" })
      .reply(() => ok({ provisioned: false }));
    await expect(hostupLifecycle.create(hostupInputs, ctx(`${HOSTUP}/api`))).rejects.toMatchObject({ reason: { code: "hostup.not_provisioned" } });
  });
});

describe("Nscale: a key is gone only on Nscale's own not-found, confirmed by its endpoint", () => {
  const keyPath = "/api/v1/objectstorageendpoints/e1/accesskeys/k1";
  const state = {
    cloud: "nscale" as const,
    resourceName: "k",
    endpointId: "e1",
    keyId: "k1",
    accessKeyId: "AK",
    secretAccessKey: "s",
    s3Endpoint: "",
    createdAt: "",
    identityPolicy: "p",
    provisioningStatus: "provisioned",
  };
  const endpoint = {
    metadata: {
      id: "e1",
      name: "e",
      creationTime: "2026-01-01T00:00:00Z",
      provisioningStatus: "provisioned",
      healthStatus: "healthy",
      organizationId: "o1",
      projectId: "p1",
    },
    spec: { objectStorageEndpointClassId: "c1" },
    status: { regionId: "r1", exposure: { public: { dnsName: "s3.e1.test" } } },
  };

  it("own 404 on the key, endpoint answers: read says gone", async () => {
    const pool = agent.get(NSCALE);
    pool.intercept({ path: keyPath, method: "GET" }).reply(() => reply(nscaleError(404)));
    pool
      .intercept({ path: "/api/v1/objectstorageendpoints/e1", method: "GET" })
      .reply(200, JSON.stringify(endpoint), { headers: { "content-type": "application/json" } });
    expect(await nscaleLifecycle.read("k1", state, ctx(NSCALE))).toBeUndefined();
    agent.assertNoPendingInterceptors();
  });

  it("own 404 on the key, but the endpoint is not there for these credentials: the read fails, state stays", async () => {
    const pool = agent.get(NSCALE);
    pool.intercept({ path: keyPath, method: "GET" }).reply(() => reply(nscaleError(404)));
    pool.intercept({ path: "/api/v1/objectstorageendpoints/e1", method: "GET" }).reply(() => reply(nscaleError(404)));
    await expect(nscaleLifecycle.read("k1", state, ctx(NSCALE))).rejects.toMatchObject({ reason: { code: "http_status", status: 404 } });
  });

  it("a proxy's 404 (not Nscale's body) is never gone", async () => {
    agent
      .get(NSCALE)
      .intercept({ path: keyPath, method: "GET" })
      .reply(404, "<html>Not Found</html>", { headers: { "content-type": "text/html" } });
    await expect(nscaleLifecycle.read("k1", state, ctx(NSCALE))).rejects.toMatchObject({ reason: { code: "http_status", status: 404 } });
  });
});
