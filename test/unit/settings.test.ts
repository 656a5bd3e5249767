/**
 * The settings module: every knob validated the same way. A malformed value is a
 * ConfigurationError naming where it came from; a blank one is unset; valid ones apply.
 */
import { describe, expect, it } from "vitest";
import { nscaleSettings } from "../../src/clouds/nscale/model";
import { hostupSettings } from "../../src/clouds/hostup/model";
import { ConfigurationError } from "../../src/errors";
import { HTTP_DEFAULTS, resolve, resolveApiUrl, resolveCredential, resolveHttp, resolveTiming, useConfigNamespace } from "../../src/settings";

const VARS = [
  "OSK_HTTP_CONNECT_TIMEOUT_MS",
  "OSK_HTTP_HEADERS_TIMEOUT_MS",
  "OSK_HTTP_BODY_TIMEOUT_MS",
  "OSK_HTTP_RETRY_BUDGET_MS",
  "OSK_HTTP_REQUEST_TIMEOUT_MS",
];
const MALFORMED = ["abc", "10ms", "-5", "0", "Infinity", "NaN", "1,000"];
const config = (values: Record<string, string>) => ({ get: (k: string) => values[k] });

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`expected an Error, got ${String(err)}`, { cause: err });
  }
  throw new Error("expected an error");
}

describe("HTTP settings (OSK_HTTP_*)", () => {
  it("defaults when unset or blank", () => {
    expect(resolveHttp({ env: {} })).toEqual(HTTP_DEFAULTS);
    expect(resolveHttp({ env: { OSK_HTTP_CONNECT_TIMEOUT_MS: "  ", OSK_HTTP_RETRY_BUDGET_MS: "" } })).toEqual(HTTP_DEFAULTS);
  });

  it("reads every variable", () => {
    const env = {
      OSK_HTTP_CONNECT_TIMEOUT_MS: "1000",
      OSK_HTTP_HEADERS_TIMEOUT_MS: " 2000 ",
      OSK_HTTP_BODY_TIMEOUT_MS: "3000",
      OSK_HTTP_RETRY_BUDGET_MS: "1500",
      OSK_HTTP_REQUEST_TIMEOUT_MS: "4000",
    };
    expect(resolveHttp({ env })).toEqual({ timeouts: { connectMs: 1000, headersMs: 2000, bodyMs: 3000, totalMs: 4000 }, retryBudgetMs: 1500 });
  });

  const rows = VARS.flatMap((name) => MALFORMED.map((value) => [name, value] as const));
  it.each(rows)("%s=%j is an error naming the variable", (name, value) => {
    const err = thrown(() => resolveHttp({ env: { [name]: value } }));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err).toMatchObject({
      reason: { code: "invalid_setting", origin: { kind: "env", name }, problem: expect.stringMatching(/^must be a positive number/) },
    });
  });
});

describe("timing settings", () => {
  it("have cloud-neutral names (one key for both front ends, OSK_* variables); the old nscale:* and NSCALE_* names stay aliases, read after them", () => {
    const t = (cfg: Record<string, string>, env: Record<string, string> = {}) => resolveTiming({ config: config(cfg), env });
    expect(t({ "object-storage-keys:pollIntervalMs": "40", "nscale:pollIntervalMs": "50" }).pollIntervalMs).toBe(40);
    expect(t({ "nscale:pollIntervalMs": "50" }, { OSK_POLL_INTERVAL_MS: "60" }).pollIntervalMs).toBe(50);
    expect(t({}, { OSK_POLL_INTERVAL_MS: "60", NSCALE_POLL_INTERVAL_MS: "70" }).pollIntervalMs).toBe(60);
    expect(t({}, { NSCALE_POLL_INTERVAL_MS: "70" }).pollIntervalMs).toBe(70);
    expect(t({ "object-storage-keys:provisioningTimeoutSeconds": "2" }).provisioningTimeoutMs).toBe(2000);
    expect(t({}, { OSK_RECONCILE_GRACE_SECONDS: "3" }).reconcileGraceMs).toBe(3000);
    expect(t({ "nscale:reconcileGraceSeconds": "4" }).reconcileGraceMs).toBe(4000);
    // The native plugin reads the same neutral key, and its own earlier name as the alias.
    useConfigNamespace("object-storage-keys");
    try {
      expect(t({ "object-storage-keys:pollIntervalMs": "41", "object-storage-keys:nscalePollIntervalMs": "51" }).pollIntervalMs).toBe(41);
      expect(t({ "object-storage-keys:nscalePollIntervalMs": "51" }).pollIntervalMs).toBe(51);
      expect(t({ "nscale:pollIntervalMs": "52" }).pollIntervalMs).toBe(200);
    } finally {
      useConfigNamespace(undefined);
    }
  });

  it("stack config wins over the environment, and a malformed config value names the config key", () => {
    expect(resolveTiming({ config: config({ "nscale:pollIntervalMs": "50" }), env: { NSCALE_POLL_INTERVAL_MS: "70" } }).pollIntervalMs).toBe(50);
    expect(thrown(() => resolveTiming({ config: config({ "nscale:reconcileGraceSeconds": "soon" }), env: {} }))).toMatchObject({
      reason: {
        code: "invalid_setting",
        origin: { kind: "config", name: "nscale:reconcileGraceSeconds" },
        problem: expect.stringMatching(/^must be a positive number/),
      },
    });
  });
});

describe("API URLs, wherever they are set", () => {
  type Row = [string, { argument?: string; config?: string; env?: string; insecure?: string }, RegExp | string];
  const rows: Row[] = [
    ["an https URL from the argument", { argument: "https://api.example.com/base/" }, "https://api.example.com/base"],
    ["HTTPS in capitals", { argument: "HTTPS://API.example.com" }, "https://api.example.com"],
    ["plain http to loopback", { env: "http://127.0.0.1:8080" }, "http://127.0.0.1:8080"],
    ["plain http to localhost", { config: "http://localhost:9000/api" }, "http://localhost:9000/api"],
    ["plain http to a remote host with the opt-in", { env: "http://proxy.internal", insecure: "true" }, "http://proxy.internal"],
    ["a space in the host (argument)", { argument: "https://exa mple.com" }, /the resource argument `apiUrl` is not a valid URL/],
    ["an impossible port (config)", { config: "http://127.0.0.1:99999" }, /stack config `nscale:apiUrl` is not a valid URL/],
    ["not a URL (env)", { env: "storage.example.com" }, /the environment variable NSCALE_API_URL is not a valid URL/],
    ["ftp (env)", { env: "ftp://files.example.com" }, /must be an absolute http\(s\) URL, got the scheme "ftp"/],
    ["plain http to a remote host", { config: "http://storage.example.com" }, /plain http to storage.example.com.*OSK_ALLOW_INSECURE_HTTP=true/],
    ["user info in the URL", { argument: "https://u:p@api.example.com" }, /user name or password/],
    ["a malformed opt-in", { env: "http://proxy.internal", insecure: "maybe" }, /OSK_ALLOW_INSECURE_HTTP must be true or false/],
  ];
  it.each(rows)("%s", (_t, where, expected) => {
    const sources = {
      config: config(where.config ? { "nscale:apiUrl": where.config } : {}),
      env: { ...(where.env ? { NSCALE_API_URL: where.env } : {}), ...(where.insecure ? { OSK_ALLOW_INSECURE_HTTP: where.insecure } : {}) },
    };
    const run = () => resolveApiUrl(nscaleSettings, { apiUrl: where.argument }, sources);
    if (typeof expected === "string") expect(run()).toBe(expected);
    else expect(thrown(run).message).toMatch(expected);
  });

  it("the default applies when nothing is set", () => {
    expect(resolveApiUrl(hostupSettings, {}, { env: {} })).toBe("https://cloud.hostup.se/api");
  });
});

describe("credentials", () => {
  it("are trimmed (a trailing newline from a file or mounted secret)", () => {
    expect(resolveCredential(nscaleSettings, {}, { env: { NSCALE_SERVICE_TOKEN: "tok-123\n" } })).toBe("tok-123");
  });

  it.each([
    ["a line break inside", "tok\n123"],
    ["a tab inside", "tok\t123"],
    ["a NUL", "tok\u0000"],
  ])("with %s are refused, naming the setting but not the value", (_t, value) => {
    const err = thrown(() => resolveCredential(hostupSettings, {}, { config: config({ "hostup:apiKey": value }), env: {} }));
    expect(err.message).toMatch(/stack config `hostup:apiKey` contains control characters/);
    expect(err.message).not.toContain(value.trim());
  });

  it("missing: names every way to set it", () => {
    expect(thrown(() => resolve(nscaleSettings, {}, { env: {} })).message).toMatch(/apiToken.*nscale:apiToken.*NSCALE_API_TOKEN or NSCALE_SERVICE_TOKEN/);
  });
});
