/**
 * Shared fixtures of the integration suites (not a test file).
 *
 * - {@link useEmulator}: one emulator per file, back to its seeded state before every case.
 * - {@link useProviderEmulator}: the same, plus the provider pointed at it the way the engine's
 *   dynamic-provider host would see it (URLs and credentials in env vars, fast timing knobs,
 *   `configure` with an empty stack config), the process environment restored afterwards and the
 *   provider's cached reads forgotten between cases (the emulator is reset under them).
 * - {@link call}: one raw JSON request to a control plane, for the suites that check the wire.
 * - {@link nscaleAccessKey} / {@link hostupAccessKey}: a key created straight through each API (no
 *   project client), with the S3 credentials it carries, for the S3 suites.
 * - {@link checkedInputs}: the provider's `check` as the engine calls it, failing on any failure.
 * - {@link apiError}: the ProviderApiError a promise must reject with.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { request } from "undici";

import { forgetCachedReads } from "../../src/clouds/cache";
import * as hostup from "../../src/clouds/hostup/schemas";
import * as nscale from "../../src/clouds/nscale/schemas";
import { emulatorEnv, startEmulator, type Emulator, type EmulatorOptions } from "../../src/emulator";
import { ProviderApiError } from "../../src/errors";
import * as provider from "../../src/provider";

// ---------------------------------------------------------------------------------------------
// The emulator

export interface EmulatorFixture {
  /** Extra work before every case, after the emulator was reset. */
  beforeEach?: (emu: Emulator) => void;
}

/**
 * Registers beforeAll/afterAll/beforeEach: starts an emulator with `options` (hands it to
 * `started`, which the suite keeps it with), closes it after the file, resets it before each case.
 */
export function useEmulator(options: EmulatorOptions | undefined, started: (emu: Emulator) => void, fixture: EmulatorFixture = {}): void {
  let emu: Emulator | undefined;
  beforeAll(async () => {
    emu = await startEmulator(options);
    started(emu);
  });
  afterAll(async () => {
    await emu?.close();
  });
  beforeEach(() => {
    emu!.reset();
    fixture.beforeEach?.(emu!);
  });
}

// ---------------------------------------------------------------------------------------------
// The provider against the emulator

/** Where the provider finds the emulator: the same variables a user sets for the real clouds. */
export function emulatorConnectionEnv(emu: Emulator): Record<string, string> {
  return emulatorEnv(emu);
}

/** Fast polls, short provisioning timeout and reconcile grace, a small 429 retry budget. */
export const FAST_PROVIDER_KNOBS: Readonly<Record<string, string>> = {
  NSCALE_POLL_INTERVAL_MS: "10",
  NSCALE_PROVISIONING_TIMEOUT_SECONDS: "5",
  NSCALE_RECONCILE_GRACE_SECONDS: "0.5",
  OSK_HTTP_RETRY_BUDGET_MS: "1500",
};

export interface ProviderFixture extends EmulatorFixture {
  emulator?: EmulatorOptions;
  /** The timing env vars set next to the connection; default {@link FAST_PROVIDER_KNOBS}. */
  knobs?: Readonly<Record<string, string>>;
}

/**
 * {@link useEmulator}, and before the first case the provider is configured against it through env
 * vars (see {@link emulatorConnectionEnv}, plus `knobs`); the environment is restored after the
 * file. Before each case: cached reads forgotten, the emulator reset, then `fixture.beforeEach`.
 */
export function useProviderEmulator(started: (emu: Emulator) => void, fixture: ProviderFixture = {}): void {
  let savedEnv: NodeJS.ProcessEnv | undefined;
  useEmulator(
    fixture.emulator,
    (emu) => {
      started(emu);
      savedEnv = { ...process.env };
      Object.assign(process.env, emulatorConnectionEnv(emu), fixture.knobs ?? FAST_PROVIDER_KNOBS);
    },
    {
      beforeEach: (emu) => {
        forgetCachedReads(); // the emulator was reset under the provider
        fixture.beforeEach?.(emu);
      },
    },
  );
  beforeAll(async () => {
    await provider.configure({ config: { get: () => undefined } });
  });
  afterAll(() => {
    if (savedEnv) process.env = savedEnv;
  });
}

/** The provider's `check` of `news` with `shim` as `__provider`, which must report no failure. */
export async function checkedInputs(news: Record<string, unknown>, shim: string): Promise<Record<string, unknown>> {
  const r = await provider.check({}, { ...news, __provider: shim });
  expect(r.failures).toEqual([]);
  return { ...(r.inputs as Record<string, unknown>), __provider: shim } as Record<string, unknown>;
}

/** Checked inputs of an Nscale key on the emulator's endpoint (`admin`, bucket-admin) and of a HostUp key (`app`). */
export function keyInputs(emu: () => Emulator, shim: string) {
  return {
    nscaleKey: (extra: Record<string, unknown> = {}) =>
      checkedInputs({ cloud: "nscale", resourceName: "admin", endpointId: emu().endpointId, identityPolicy: "bucket-admin", ...extra }, shim),
    hostupKey: (extra: Record<string, unknown> = {}) => checkedInputs({ cloud: "hostup", resourceName: "app", ...extra }, shim),
  };
}

/** Awaits `p`, which must reject with a ProviderApiError, and returns it. */
export async function apiError(p: Promise<unknown>): Promise<ProviderApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderApiError);
  return err as ProviderApiError;
}

// ---------------------------------------------------------------------------------------------
// Raw requests

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/** One request; an object body is sent as JSON. The reply's body as text, and as JSON when it parses. */
export async function call(method: string, url: string, opts: { headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await request(url, { method: method as "GET", headers, body });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** SigV4 credentials for the emulator's S3. */
export interface S3Creds {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** A name no other key of the run has. */
/** Keys the emulator holds and is not deleting: Nscale metadata.ids, HostUp accessKeys. */
export const liveNscaleKeys = (emu: Emulator): string[] =>
  emu
    .inspect()
    .nscale.keys.filter((k) => !k.deleting)
    .map((k) => k.id);
export const liveHostupKeys = (emu: Emulator): string[] => emu.inspect().hostup.keys.map((k) => k.accessKey);

export const randomKeyName = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 10)}`;

/** An Nscale key on the emulator's endpoint, created through the API (no project client); default a random `k-…` name, bucket-admin. */
export async function nscaleAccessKey(emu: Emulator, opts: { identityPolicy?: string; name?: string } = {}): Promise<S3Creds & { id: string }> {
  const res = await request(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { authorization: `Bearer ${emu.nscaleToken}`, "content-type": "application/json" },
    body: JSON.stringify({ metadata: { name: opts.name ?? randomKeyName("k") }, spec: { identityPolicy: opts.identityPolicy ?? "bucket-admin" } }),
  });
  const created = nscale.AccessKeyCreateResponse.parse(await res.body.json());
  return { id: created.metadata.id, accessKeyId: created.spec.accessKeyId, secretAccessKey: created.spec.secret, region: "us-east-1" };
}

/** A HostUp key created through the API (no project client). */
export async function hostupAccessKey(emu: Emulator, label: string): Promise<S3Creds> {
  const res = await request(`${emu.hostupApiUrl}/object-storage/keys`, {
    method: "POST",
    headers: { "x-api-key": emu.hostupApiKey, "content-type": "application/json" },
    body: JSON.stringify({ label }),
  });
  const key = hostup.KeyCreateResponse.parse(await res.body.json()).data.key;
  return { accessKeyId: key.accessKey, secretAccessKey: key.secretKey, region: "eu-north-1" };
}

/** The error a promise rejects with (an Error: anything else fails the test). */
export function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => expect.unreachable("expected a failure"),
    (e: unknown) => {
      if (e instanceof Error) return e;
      throw new Error(`expected an Error, got ${String(e)}`, { cause: e });
    },
  );
}
