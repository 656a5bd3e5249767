/**
 * Every knob the library reads, resolved and validated in one place. For each setting the first
 * match wins: the resource's own argument, then stack config (handed to the dynamic provider's
 * `configure`), then environment variables of the `pulumi` process, then the default. A value
 * that is set but malformed is an error naming where it came from, never silently ignored.
 *
 * Clouds declare their setting names (see `CloudSettings`); clients receive resolved values.
 */
import { ConfigurationError, credentialHowTo as howTo, type CredentialWays, type Origin } from "./errors";
import { defaultRetryPolicy } from "./http/retry";
import { defaultTimeouts, type HttpTimeouts } from "./http/timeouts";
import type { Dispatcher } from "undici";

export interface ConfigSource {
  get(key: string): string | undefined;
}

export interface Sources {
  config?: ConfigSource;
  env: NodeJS.ProcessEnv;
}

/**
 * How the running front end names the library's stack-config keys. A program using the dynamic
 * resource reads its stack config as is (`nscale:apiToken`); the engine hands a native provider only
 * its own package's namespace, where the same setting is `object-storage-keys:nscaleApiToken`. The
 * adapter sets this once per process; every lookup and every hint goes through `configKey`, so users
 * are always told the name their own front end reads.
 */
let configNaming: (key: string) => string = (key) => key;

/** `nscale:apiToken` → `<pkg>:nscaleApiToken`; undefined restores the dynamic resource's names. */
export function useConfigNamespace(pkg: string | undefined): void {
  configNaming = pkg === undefined ? (key) => key : (key) => namespacedKey(pkg, key);
}

export function namespacedKey(pkg: string, key: string): string {
  const [ns, name = ""] = key.split(":", 2);
  // Settings every cloud shares are already in the package's own namespace.
  if (ns === pkg) return key;
  return `${pkg}:${ns}${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** The name the running front end reads for one of the library's config keys. */
export function configKey(key: string): string {
  return configNaming(key);
}

/** A setting read from stack config and/or environment variables. */
export interface Knob<T> {
  config?: string;
  /** Older names of the same config key, still read (after `config`). */
  configAliases?: readonly string[];
  env: readonly string[];
  /** Validates a raw value; throws a message (without the value, which may be secret). */
  parse: (raw: string) => T;
  /** What it does, for the native plugin's schema (config knobs only). */
  description?: string;
}

function invalid(origin: Origin, problem: string): ConfigurationError {
  return new ConfigurationError({ code: "invalid_setting", origin, problem });
}

/** The first non-blank value among the given sources, with where it came from. */
export function lookup(
  sources: Sources,
  knob: Pick<Knob<unknown>, "config" | "configAliases" | "env">,
  argument?: { name: string; value: string | undefined },
): { raw: string; origin: Origin } | undefined {
  if (argument && argument.value !== undefined) return { raw: argument.value, origin: { kind: "argument", name: argument.name } };
  for (const key of knob.config ? [knob.config, ...(knob.configAliases ?? [])] : []) {
    const name = configKey(key);
    const v = sources.config?.get(name);
    if (v !== undefined && v.trim() !== "") return { raw: v, origin: { kind: "config", name } };
  }
  for (const name of knob.env) {
    const v = sources.env[name];
    if (v !== undefined && v.trim() !== "") return { raw: v, origin: { kind: "env", name } };
  }
  return undefined;
}

export function resolveKnob<T>(sources: Sources, knob: Knob<T>, fallback: T, argument?: { name: string; value: string | undefined }): T {
  const found = lookup(sources, knob, argument);
  if (!found) return fallback;
  try {
    return knob.parse(found.raw);
  } catch (err) {
    throw invalid(found.origin, err instanceof Error ? err.message : String(err));
  }
}

// ---------------------------------------------------------------------------------------------
// Value rules

export function positiveNumber(raw: string): number {
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || n <= 0) throw new Error(`must be a positive number, got ${JSON.stringify(raw)}.`);
  return n;
}

export function optionalText(raw: string): string {
  return raw.trim();
}

/** Truthy spellings accepted for boolean switches. */
export function booleanSwitch(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new Error(`must be true or false, got ${JSON.stringify(raw)}.`);
}

/**
 * Tokens and keys are often read from files or mounted secrets with a trailing newline: surrounding
 * whitespace is trimmed. What remains must be printable (it goes into an HTTP header).
 */
export function credentialValue(raw: string): string {
  const v = raw.trim();
  if (v === "") throw new Error("must not be empty (or only whitespace).");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new Error("contains control characters (a line break or tab inside the value?); set it to the token alone.");
  return v;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

export const INSECURE_HTTP_SETTING: Knob<boolean> = { env: ["OSK_ALLOW_INSECURE_HTTP"], parse: booleanSwitch };

/**
 * An API base URL: parseable, http or https, a valid port. Plain http sends credentials in clear
 * text, so it is refused for anything but loopback unless the user opts in.
 */
export function apiUrlRule(allowInsecure: boolean): (raw: string) => string {
  return (raw) => {
    const text = raw.trim();
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`is not a valid URL (${JSON.stringify(text)}): it must be an absolute http(s) URL such as "https://api.example.com".`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new Error(`must be an absolute http(s) URL, got the scheme ${JSON.stringify(url.protocol.replace(/:$/, ""))}.`);
    }
    if (url.username || url.password) throw new Error("must not contain a user name or password; pass credentials through their own settings.");
    if (url.protocol === "http:" && !LOOPBACK.test(url.hostname) && !allowInsecure) {
      throw new Error(
        `uses plain http to ${url.host}, which would send the credential in clear text. Use https, or set OSK_ALLOW_INSECURE_HTTP=true if this host is trusted (for example a proxy on a private network).`,
      );
    }
    return url.toString().replace(/\/$/, "");
  };
}

// ---------------------------------------------------------------------------------------------
// What each cloud declares

export interface CloudSettings {
  /** "Nscale", "HostUp". */
  displayName: string;
  /** e.g. "an Nscale service token". */
  credentialWhat: string;
  credential: { input: string; config: string; env: readonly string[] };
  apiUrl: { config: string; env: string; default: string };
  /** The S3 signing region, when the cloud's API does not report one. */
  region?: { config: string; env: string };
}

/** How a cloud's credential can be given, with the config key the running front end reads. */
export function credentialWays(s: CloudSettings): CredentialWays {
  return { what: s.credentialWhat, input: s.credential.input, config: configKey(s.credential.config), env: s.credential.env };
}

export function credentialHowTo(s: CloudSettings): string {
  return howTo(credentialWays(s));
}

export function missingCredential(s: CloudSettings): ConfigurationError {
  return new ConfigurationError({ code: "missing_credential", cloud: s.displayName, ways: credentialWays(s) });
}

// ---------------------------------------------------------------------------------------------
// HTTP and timing (shared by every cloud)

export interface HttpSettings {
  timeouts: HttpTimeouts;
  /** Total time all retries of one request may take. */
  retryBudgetMs: number;
}

const HTTP_KNOBS = {
  connectMs: { env: ["OSK_HTTP_CONNECT_TIMEOUT_MS"], parse: positiveNumber },
  headersMs: { env: ["OSK_HTTP_HEADERS_TIMEOUT_MS"], parse: positiveNumber },
  bodyMs: { env: ["OSK_HTTP_BODY_TIMEOUT_MS"], parse: positiveNumber },
  retryBudgetMs: { env: ["OSK_HTTP_RETRY_BUDGET_MS"], parse: positiveNumber },
  // One call from sending to its last body byte, retries included (src/http/bounds.ts).
  totalMs: { env: ["OSK_HTTP_REQUEST_TIMEOUT_MS"], parse: positiveNumber },
} satisfies Record<string, Knob<number>>;

export const HTTP_DEFAULTS: HttpSettings = { timeouts: defaultTimeouts, retryBudgetMs: defaultRetryPolicy.totalBudgetMs };

export function resolveHttp(sources: Sources): HttpSettings {
  const d = HTTP_DEFAULTS;
  return {
    timeouts: {
      connectMs: resolveKnob(sources, HTTP_KNOBS.connectMs, d.timeouts.connectMs),
      headersMs: resolveKnob(sources, HTTP_KNOBS.headersMs, d.timeouts.headersMs),
      bodyMs: resolveKnob(sources, HTTP_KNOBS.bodyMs, d.timeouts.bodyMs),
      totalMs: resolveKnob(sources, HTTP_KNOBS.totalMs, d.timeouts.totalMs),
    },
    retryBudgetMs: resolveKnob(sources, HTTP_KNOBS.retryBudgetMs, d.retryBudgetMs),
  };
}

export interface Timing {
  /** First wait between provisioning polls (then ×1.5, up to 5 s). */
  pollIntervalMs: number;
  /** Upper bound on waiting for asynchronous provisioning or deletion. */
  provisioningTimeoutMs: number;
  /** How long to keep looking for a key whose create response was lost (a late commit). */
  reconcileGraceMs: number;
}

/**
 * Timing every cloud receives, under cloud-neutral names in the package's own namespace (the same
 * key for the dynamic resource and the native plugin). The names from when only Nscale waited
 * (`nscale:pollIntervalMs`, NSCALE_POLL_INTERVAL_MS, ...) are still read, after the new ones.
 */
export const TIMING_KNOBS = {
  pollIntervalMs: {
    config: "object-storage-keys:pollIntervalMs",
    configAliases: ["nscale:pollIntervalMs"],
    env: ["OSK_POLL_INTERVAL_MS", "NSCALE_POLL_INTERVAL_MS"],
    parse: positiveNumber,
    description: "First wait between provisioning polls, in milliseconds (default 200).",
  },
  provisioningTimeoutSeconds: {
    config: "object-storage-keys:provisioningTimeoutSeconds",
    configAliases: ["nscale:provisioningTimeoutSeconds"],
    env: ["OSK_PROVISIONING_TIMEOUT_SECONDS", "NSCALE_PROVISIONING_TIMEOUT_SECONDS"],
    parse: positiveNumber,
    description: "How long to wait for a key to be provisioned or deleted, in seconds (default 600).",
  },
  reconcileGraceSeconds: {
    config: "object-storage-keys:reconcileGraceSeconds",
    configAliases: ["nscale:reconcileGraceSeconds"],
    env: ["OSK_RECONCILE_GRACE_SECONDS", "NSCALE_RECONCILE_GRACE_SECONDS"],
    parse: positiveNumber,
    description: "How long to look for a key whose create response was lost, in seconds (default 30).",
  },
} satisfies Record<string, Knob<number> & { config: string; configAliases: readonly string[] }>;

export function resolveTiming(sources: Sources): Timing {
  return {
    pollIntervalMs: resolveKnob(sources, TIMING_KNOBS.pollIntervalMs, 200),
    provisioningTimeoutMs: resolveKnob(sources, TIMING_KNOBS.provisioningTimeoutSeconds, 600) * 1000,
    reconcileGraceMs: resolveKnob(sources, TIMING_KNOBS.reconcileGraceSeconds, 30) * 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// What an operation receives

export interface Connection {
  apiUrl: string;
  credential: string;
  http: HttpSettings;
  /**
   * The transport the cloud's API client sends through; default: the shared pool. Lifecycle rules
   * are unit-tested by passing a mock transport (undici's MockAgent) here, with no server.
   */
  transport?: Dispatcher;
}

export interface Resolved {
  connection: Connection;
  timing: Timing;
  /** From the cloud's region setting, when it has one and it is set. */
  region?: string;
  sources: Sources;
}

/** Overrides a resource may carry: its credential input and `apiUrl`. */
export interface Overrides {
  credential?: string;
  apiUrl?: string;
}

export function resolveApiUrl(s: CloudSettings, overrides: Overrides, sources: Sources): string {
  const allowInsecure = resolveKnob(sources, INSECURE_HTTP_SETTING, false);
  return resolveKnob(sources, { config: s.apiUrl.config, env: [s.apiUrl.env], parse: apiUrlRule(allowInsecure) }, s.apiUrl.default, {
    name: "apiUrl",
    value: overrides.apiUrl,
  });
}

export function resolveCredential(s: CloudSettings, overrides: Overrides, sources: Sources): string | undefined {
  return resolveKnob<string | undefined>(sources, { config: s.credential.config, env: s.credential.env, parse: credentialValue }, undefined, {
    name: s.credential.input,
    value: overrides.credential,
  });
}

/** Everything an operation against one cloud needs; throws ConfigurationError naming the bad setting. */
export function resolve(s: CloudSettings, overrides: Overrides, sources: Sources): Resolved {
  const apiUrl = resolveApiUrl(s, overrides, sources);
  const credential = resolveCredential(s, overrides, sources);
  if (credential === undefined) throw missingCredential(s);
  const region = s.region
    ? resolveKnob<string | undefined>(sources, { config: s.region.config, env: [s.region.env], parse: optionalText }, undefined)
    : undefined;
  return { connection: { apiUrl, credential, http: resolveHttp(sources) }, timing: resolveTiming(sources), region, sources };
}
