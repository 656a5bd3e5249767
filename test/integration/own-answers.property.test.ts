/**
 * Issue 16, behaviour 12: a property-based test (fast-check) over both clouds' own-answer
 * recognisers and response decoders. Whatever a server, gateway or CDN answers (any status, any
 * headers, any JSON or text body, and near misses of each cloud's documented bodies), the library
 * never concludes from it that a key is "gone" (not-found), "deleted", "committed" (a create that
 * returned a key and its secret) or that a create is "safe to re-send" (HostUp's own 429), and a
 * create answered 429 or 5xx is never taken as "nothing was created".
 *
 * The documented bodies the near misses start from are docs/provider-apis.md §1.4 (Nscale) and
 * §2.4 (HostUp; its error example is the seed copied to test/fixtures/seeds). Two layers:
 * the recognisers on a RawResponse (many runs), and the real clients through a loopback server
 * that answers each request with the generated response (fewer runs; no retries, no pacing).
 * The table of named look-alikes is test/unit/own-answers.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostupAnswers } from "../../src/clouds/hostup/answers";
import { HostUpClient, hostupError, isHostUpNotFound, isHostUpNotFoundAnswer, isHostUpRateLimit } from "../../src/clouds/hostup/client";
import { nscaleAnswers } from "../../src/clouds/nscale/answers";
import { isNscaleConflict, isNscaleNotFound, isNscaleNotFoundAnswer, NscaleClient, nscaleError } from "../../src/clouds/nscale/client";
import { ProviderApiError } from "../../src/errors";
import type { RawResponse } from "../../src/http/client";
import { hostPacer } from "../../src/http/pacing";

// ---------------------------------------------------------------------------------------------
// The documented bodies (valid), from which near misses are made

const HOSTUP_NOT_FOUND = {
  code: "NOT_FOUND",
  error: "Not Found",
  message: "Key not found",
  requestId: "2121ae20-bd9d-41e9-aeeb-5dd1dd1a24ba",
  timestamp: "2026-02-10T00:00:00.000Z",
};
const HOSTUP_RATE_LIMIT = { ...HOSTUP_NOT_FOUND, code: "RATE_LIMIT_EXCEEDED", error: "Too Many Requests", message: "Too many requests." };
const HOSTUP_V2_NOT_FOUND = {
  type: "https://developer.hostup.se/errors/not_found",
  title: "Not found",
  status: 404,
  detail: "No key matching the given ID was found.",
  code: "not_found",
  requestId: "req_xyz789",
};
const HOSTUP_DELETED = { success: true, timestamp: "2026-02-10T00:00:00.000Z", requestId: "r-1", data: { deleted: true } };
const HOSTUP_CREATED = {
  success: true,
  timestamp: "2026-02-10T00:00:00.000Z",
  requestId: "r-2",
  data: { key: { accessKey: "AKIAEXAMPLE000000000", secretKey: "s".repeat(40), label: "app" } },
};
const NSCALE_NOT_FOUND = { error: "not_found", error_description: "the requested resource does not exist", trace_id: "57bc14d9bd461f0b5a72db830149b67a" };
const NSCALE_CONFLICT = { error: "conflict", error_description: "a resource with the same name already exists" };
const NSCALE_CREATED = {
  metadata: {
    id: "2b5c0f5e-0000-4000-8000-000000000001",
    name: "admin",
    creationTime: "2026-02-10T00:00:00Z",
    provisioningStatus: "provisioned",
    healthStatus: "healthy",
    organizationId: "o",
    projectId: "p",
  },
  spec: { identityPolicy: "bucket-admin", accessKeyId: "AKIA0001", secret: "s".repeat(40) },
};

/**
 * Fields that define another error format (RFC 9457 and ASP.NET `type`/`title`/`status`/`detail`,
 * Spring's `status`/`path`, a gateway's `message`), per documented body: its own envelope never
 * carries them. HostUp's v2 problem is itself RFC 9457, so it has none (its `type` decides).
 */
const FOREIGN_FIELDS: Record<string, string[]> = {
  hostupNotFound: ["status", "path", "title", "type"],
  hostupRateLimit: ["status", "path", "title", "type"],
  nscaleNotFound: ["title", "type", "status", "path", "detail", "message"],
  nscaleConflict: ["title", "type", "status", "path", "detail", "message"],
};

/** Paths of required leaves (dotted) in each documented body. */
const REQUIRED: Record<string, string[]> = {
  hostupNotFound: ["code", "error", "message"],
  hostupRateLimit: ["code", "error", "message"],
  hostupV2: ["type", "title", "code"],
  hostupDeleted: ["success", "requestId", "data", "data.deleted"],
  hostupCreated: ["success", "requestId", "data", "data.key", "data.key.accessKey", "data.key.secretKey"],
  nscaleNotFound: ["error", "error_description"],
  nscaleConflict: ["error", "error_description"],
  nscaleCreated: ["metadata", "spec", "spec.accessKeyId", "spec.secret", "metadata.id"],
};
const DOCUMENTED: Record<string, Record<string, unknown>> = {
  hostupNotFound: HOSTUP_NOT_FOUND,
  hostupRateLimit: HOSTUP_RATE_LIMIT,
  hostupV2: HOSTUP_V2_NOT_FOUND,
  hostupDeleted: HOSTUP_DELETED,
  hostupCreated: HOSTUP_CREATED,
  nscaleNotFound: NSCALE_NOT_FOUND,
  nscaleConflict: NSCALE_CONFLICT,
  nscaleCreated: NSCALE_CREATED,
};

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function at(obj: Record<string, unknown>, path: string): { parent: Record<string, unknown>; key: string } {
  const parts = path.split(".");
  let parent = obj;
  for (const p of parts.slice(0, -1)) parent = parent[p] as Record<string, unknown>;
  return { parent, key: parts[parts.length - 1]! };
}

/** A value that is not the one a required field needs: any JSON but a string (or `true`). */
const wrongValue = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.boolean().map((b) => (b ? 0 : false)),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

/**
 * A near miss of a documented body: one required field dropped or given a wrong value, another
 * format's field added (error envelopes), `deleted: false` (HostUp's delete), or the body wrapped
 * in an array or a string. Extra random fields are mixed in too. None of these is the API's answer.
 */
const nearMiss: fc.Arbitrary<unknown> = fc
  .tuple(
    fc.constantFrom(...Object.keys(DOCUMENTED)),
    fc.nat(),
    fc.constantFrom("drop", "wrong", "foreign", "wrap", "string"),
    wrongValue,
    fc.nat(),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  )
  .map(([which, n, how, value, f, extra]) => {
    const body = { ...extra, ...clone(DOCUMENTED[which]!) } as Record<string, unknown>;
    const foreignFields = FOREIGN_FIELDS[which];
    const mode = how === "foreign" && !foreignFields ? "wrong" : how;
    if (mode === "wrap") return [body];
    if (mode === "string") return JSON.stringify(body);
    if (mode === "foreign") return { ...body, [foreignFields![f % foreignFields!.length]!]: value ?? "x" };
    const path = REQUIRED[which]![n % REQUIRED[which]!.length]!;
    const { parent, key } = at(body, path);
    if (mode === "drop") delete parent[key];
    else parent[key] = path === "data.deleted" && typeof value === "boolean" ? false : path === "data.deleted" && value === 0 ? false : value;
    return body;
  });

/** JSON of any shape, text, nothing, or a near miss of a documented body. */
const foreignBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: nearMiss },
);

/** Header values a server might send (printable ASCII: what HTTP allows). */
const headerValue = fc.oneof(
  fc.constantFrom("application/json", "application/problem+json", "text/html; charset=utf-8", "text/plain", "0", "1", "5", "2026-02-10T00:00:05.000Z", "100"),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 }).map((s) => s.trim()),
);
const headers = fc.dictionary(
  fc.constantFrom(
    "content-type",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-request-id",
    "server",
    "cf-ray",
    "x-trace-id",
  ),
  headerValue,
  { maxKeys: 5 },
);
const anyStatus = fc.integer({ min: 100, max: 599 });

const raw = (status: number, body: unknown, h: Record<string, string>): RawResponse => ({
  status,
  headers: h,
  body,
  text: body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body),
});

// ---------------------------------------------------------------------------------------------
// Recognisers on a RawResponse

const RUNS = 400;

describe("own-answer recognisers: random shapes are never the API's answer (behaviour 12)", () => {
  it("HostUp: no status, headers or foreign body is its own error, not-found ('gone') or rate limit ('safe to re-send')", () => {
    fc.assert(
      fc.property(anyStatus, headers, foreignBody, (status, h, body) => {
        const r = raw(status, body, h);
        expect(hostupError(r)).toBeUndefined();
        expect(isHostUpNotFound(r)).toBe(false);
        expect(isHostUpRateLimit(r)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("HostUp: its own not-found is 'gone' only as a 404, its own 429 only as a 429, whatever the headers", () => {
    fc.assert(
      fc.property(anyStatus, headers, fc.constantFrom(HOSTUP_NOT_FOUND, HOSTUP_V2_NOT_FOUND), (status, h, body) => {
        expect(isHostUpNotFound(raw(status, body, h))).toBe(status === 404);
        expect(isHostUpRateLimit(raw(status, HOSTUP_RATE_LIMIT, h))).toBe(status === 429);
      }),
      { numRuns: RUNS },
    );
  });

  it("Nscale: no status, headers or foreign body is its own error, not-found ('gone') or conflict ('an earlier create committed')", () => {
    fc.assert(
      fc.property(anyStatus, headers, foreignBody, (status, h, body) => {
        const r = raw(status, body, h);
        expect(nscaleError(r)).toBeUndefined();
        expect(isNscaleNotFound(r)).toBe(false);
        expect(isNscaleConflict(r)).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("Nscale: its own not-found is 'gone' only as a 404, its own conflict only as a 409, whatever the headers", () => {
    fc.assert(
      fc.property(anyStatus, headers, (status, h) => {
        expect(isNscaleNotFound(raw(status, NSCALE_NOT_FOUND, h))).toBe(status === 404);
        expect(isNscaleConflict(raw(status, NSCALE_CONFLICT, h))).toBe(status === 409);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Decoders: the real clients against a loopback server answering with the generated response

function isJsonText(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
let next: Answer = { status: 500, headers: {}, body: undefined };
let server: Server;
let origin = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const { status, headers: h, body } = next;
      // A string that is JSON text goes out as a JSON string (a double-encoded body), as in the layer above.
      const text = body === undefined ? "" : typeof body === "string" && !isJsonText(body) ? body : JSON.stringify(body);
      const type = h["content-type"] ?? (typeof body === "string" ? "text/plain" : "application/json");
      res.writeHead(status, { ...h, "content-type": type, "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  hostPacer.clear();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** No retries and no waits: each generated answer is seen once, as the lifecycle would see it. */
const NO_RETRY = { maxRetries: 0, maxRetries429: 0, minDelayMs: 0, maxDelayMs: 1, totalBudgetMs: 1 };
/** 1xx cannot be a final answer over HTTP/1.1; the recogniser layer above covers them. */
const wireStatus = fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304);
/** The statuses the lifecycle branches on, often; any other, sometimes. */
const clientStatus = fc.oneof(fc.constantFrom(200, 201, 202, 400, 404, 409, 429, 500, 502, 503), wireStatus);
/** A success body that does not say the work was done: `deleted` not `true`, a key without its secret. */
const notDone = fc
  .tuple(
    fc.constantFrom(false, null, "true", 1, 0, undefined),
    fc.constantFrom("", null, undefined, 42),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  )
  .chain(([deleted, secret, extra]) =>
    fc.constantFrom<unknown>(
      { ...extra, ...HOSTUP_DELETED, data: { ...extra, deleted } },
      { ...HOSTUP_CREATED, data: { key: { ...HOSTUP_CREATED.data.key, secretKey: secret } } },
      { ...NSCALE_CREATED, spec: { ...NSCALE_CREATED.spec, secret } },
    ),
  );
const answer = fc.record({ status: clientStatus, headers, body: fc.oneof(foreignBody, notDone) });

async function outcome<T>(answerWith: Answer, call: () => Promise<T>): Promise<{ value?: T; error?: unknown }> {
  next = answerWith;
  hostPacer.clear();
  try {
    return { value: await call() };
  } catch (error) {
    return { error };
  }
}

/** A thrown error that the cloud's not-found rule would read as "gone". */
function ownNotFound(err: unknown, rule: (status: number | undefined, code: string | undefined) => boolean): boolean {
  return err instanceof ProviderApiError && rule(err.status, err.code);
}

/** A create answered 429 or 5xx may have committed: it is never "known not to have happened". */
function expectCreateNotSettled(err: unknown, status: number, answers: typeof hostupAnswers): void {
  expect(err).toBeInstanceOf(ProviderApiError);
  if (status === 429 || status >= 500) expect(answers.isOutcomeUnknown(err)).toBe(true);
}

const CLIENT_RUNS = 60;

describe("response decoders: random answers never mean gone, deleted, committed or safe to re-send (behaviour 12)", () => {
  it("HostUp: delete (key and bucket) is never 'deleted' or 'gone'; create never returns a key and is never re-sendable", async () => {
    const api = () => new HostUpClient({ apiUrl: `${origin}/api`, apiKey: "k", retry: NO_RETRY });
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        for (const del of [() => api().deleteKey("AKIAEXAMPLE000000000"), () => api().deleteBucket("bucket-1")]) {
          const r = await outcome(a, del);
          expect(r.value, `delete answered ${a.status} ${JSON.stringify(a.body)}`).toBeUndefined();
          expect(ownNotFound(r.error, isHostUpNotFoundAnswer)).toBe(false);
        }
        const created = await outcome(a, () => api().createKey("app"));
        expect(created.value, `create answered ${a.status} ${JSON.stringify(a.body)}`).toBeUndefined();
        expectCreateNotSettled(created.error, a.status, hostupAnswers);
        // What the HostUp lifecycle re-sends a create on: its own 429 (ownAnswer).
        const e = created.error as ProviderApiError;
        expect(e.status === 429 && e.ownAnswer === true).toBe(false);
      }),
      { numRuns: CLIENT_RUNS },
    );
  });

  it("Nscale: a key read is never 'gone', a delete never 'gone', a create never returns a key or reads as a name conflict", async () => {
    const api = () => new NscaleClient({ apiUrl: origin, token: "t", retry: NO_RETRY });
    await fc.assert(
      fc.asyncProperty(answer, async (a) => {
        const read = await outcome(a, () => api().getAccessKey("e", "k"));
        expect(read.error ?? read.value, `read answered ${a.status} ${JSON.stringify(a.body)}`).toBeDefined();
        expect(ownNotFound(read.error, isNscaleNotFoundAnswer)).toBe(false);
        const del = await outcome(a, () => api().deleteAccessKey("e", "k"));
        expect(del.value).not.toBe("gone");
        expect(ownNotFound(del.error, isNscaleNotFoundAnswer)).toBe(false);
        const created = await outcome(a, () => api().createAccessKey("e", { metadata: { name: "admin" }, spec: { identityPolicy: "bucket-admin" } }));
        expect(created.value, `create answered ${a.status} ${JSON.stringify(a.body)}`).toBeUndefined();
        expectCreateNotSettled(created.error, a.status, nscaleAnswers);
        expect(nscaleAnswers.isConflict(created.error)).toBe(false);
      }),
      { numRuns: CLIENT_RUNS },
    );
  });
});
