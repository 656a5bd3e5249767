/**
 * The only place src/http reads the environment: the OSK_HTTP_* variables. Everything else in
 * src/http takes plain values (timeouts, a retry policy). This file is meant to move into the
 * library's settings module; until then `effectiveTimeouts` / `effectiveRetryPolicy` complete a
 * caller's partial overrides from here.
 *
 * A variable that is set (not blank) but is not a positive number is a ConfigurationError naming
 * it, never silently ignored.
 */
import { ConfigurationError } from "../errors";
import { defaultRetryPolicy, retryPolicyWithBudget, type RetryPolicy } from "./retry";
import { defaultTimeouts, type HttpTimeouts } from "./timeouts";

/** The OSK_HTTP_* variables and what each sets. */
export const HTTP_ENV_VARS = {
  connectMs: "OSK_HTTP_CONNECT_TIMEOUT_MS",
  headersMs: "OSK_HTTP_HEADERS_TIMEOUT_MS",
  bodyMs: "OSK_HTTP_BODY_TIMEOUT_MS",
  retryBudgetMs: "OSK_HTTP_RETRY_BUDGET_MS",
} as const;

export interface HttpEnvSettings {
  /** Only the timeouts that are set. */
  timeouts: Partial<HttpTimeouts>;
  /** Total budget for all retries of one request, when set. */
  retryBudgetMs?: number;
}

/** Reads and validates every OSK_HTTP_* variable; throws ConfigurationError naming a malformed one. */
export function readHttpEnvSettings(env: NodeJS.ProcessEnv = process.env): HttpEnvSettings {
  const read = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return undefined;
    const n = Number(raw.trim());
    if (!Number.isFinite(n) || n <= 0) {
      throw new ConfigurationError(
        `The environment variable ${name} must be a positive number of milliseconds, got ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}. Unset it to use the default.`,
      );
    }
    return n;
  };
  const timeouts: Partial<HttpTimeouts> = {};
  const connectMs = read(HTTP_ENV_VARS.connectMs);
  const headersMs = read(HTTP_ENV_VARS.headersMs);
  const bodyMs = read(HTTP_ENV_VARS.bodyMs);
  if (connectMs !== undefined) timeouts.connectMs = connectMs;
  if (headersMs !== undefined) timeouts.headersMs = headersMs;
  if (bodyMs !== undefined) timeouts.bodyMs = bodyMs;
  const retryBudgetMs = read(HTTP_ENV_VARS.retryBudgetMs);
  return retryBudgetMs === undefined ? { timeouts } : { timeouts, retryBudgetMs };
}

/** Timeouts in force: the defaults, overridable by OSK_HTTP_{CONNECT,HEADERS,BODY}_TIMEOUT_MS, then by `overrides`. */
export function effectiveTimeouts(overrides: Partial<HttpTimeouts> = {}, env: NodeJS.ProcessEnv = process.env): HttpTimeouts {
  return { ...defaultTimeouts, ...readHttpEnvSettings(env).timeouts, ...overrides };
}

/** The retry policy in force: the defaults, with the total budget overridable by OSK_HTTP_RETRY_BUDGET_MS, then `overrides`. */
export function effectiveRetryPolicy(overrides: Partial<RetryPolicy> = {}, env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const budget = readHttpEnvSettings(env).retryBudgetMs;
  const base = budget !== undefined ? retryPolicyWithBudget(budget, defaultRetryPolicy) : { ...defaultRetryPolicy };
  return { ...base, ...overrides };
}
