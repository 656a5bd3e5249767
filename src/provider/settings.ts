/**
 * Where credentials and endpoints come from, resolved in one place:
 *   1. the resource's own override (a Pulumi secret input),
 *   2. stack config, handed to the dynamic provider's `configure` (`nscale:apiToken`, ...),
 *   3. environment variables of the `pulumi` process,
 *   4. defaults (URLs only).
 * Adapters receive plain values; nothing here is ever serialized into state.
 */
import { ConfigurationError, type Cloud } from "../errors";

export interface ConfigSource {
  get(key: string): string | undefined;
}

export const DEFAULT_NSCALE_API_URL = "https://storage.unikorn.nscale.com";
export const DEFAULT_HOSTUP_API_URL = "https://cloud.hostup.se/api";

export const settingNames = {
  nscale: {
    credentialConfig: "nscale:apiToken",
    credentialEnv: ["NSCALE_API_TOKEN", "NSCALE_SERVICE_TOKEN"],
    credentialInput: "apiToken",
    urlConfig: "nscale:apiUrl",
    urlEnv: "NSCALE_API_URL",
  },
  hostup: {
    credentialConfig: "hostup:apiKey",
    credentialEnv: ["HOSTUP_API_KEY"],
    credentialInput: "apiKey",
    urlConfig: "hostup:apiUrl",
    urlEnv: "HOSTUP_API_URL",
  },
} as const;

export interface Environment {
  config?: ConfigSource;
  env: NodeJS.ProcessEnv;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== "" ? v : undefined;
}

export function missingCredentialMessage(cloud: Cloud): string {
  const n = settingNames[cloud];
  const what = cloud === "nscale" ? "an Nscale service token" : "a HostUp API key";
  return (
    `No ${cloud === "nscale" ? "Nscale API token" : "HostUp API key"} found. Provide ${what} in one of these ways ` +
    `(first match wins): the resource argument \`${n.credentialInput}\` (as a Pulumi secret); ` +
    `stack config \`pulumi config set --secret ${n.credentialConfig} <value>\`; ` +
    `or the environment variable ${n.credentialEnv.join(" or ")}.`
  );
}

export function resolveCredential(cloud: Cloud, override: string | undefined, e: Environment): string | undefined {
  const n = settingNames[cloud];
  return (
    nonEmpty(override) ??
    nonEmpty(e.config?.get(n.credentialConfig)) ??
    n.credentialEnv.map((k) => nonEmpty(e.env[k])).find((v) => v !== undefined)
  );
}

export function requireCredential(cloud: Cloud, override: string | undefined, e: Environment): string {
  const value = resolveCredential(cloud, override, e);
  if (value === undefined) throw new ConfigurationError(missingCredentialMessage(cloud));
  return value;
}

export function resolveApiUrl(cloud: Cloud, override: string | undefined, e: Environment): string {
  const n = settingNames[cloud];
  return (
    nonEmpty(override) ??
    nonEmpty(e.config?.get(n.urlConfig)) ??
    nonEmpty(e.env[n.urlEnv]) ??
    (cloud === "nscale" ? DEFAULT_NSCALE_API_URL : DEFAULT_HOSTUP_API_URL)
  );
}

/** S3 signing region for Nscale endpoints: undocumented, so only what the user configures. */
export function resolveNscaleRegion(e: Environment): string | undefined {
  return nonEmpty(e.config?.get("nscale:region")) ?? nonEmpty(e.env.NSCALE_S3_REGION);
}

function positiveNumber(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigurationError(`${name} must be a positive number, got ${JSON.stringify(raw)}.`);
  }
  return n;
}

export interface Timing {
  /** First wait between provisioning polls; grows 1.5x up to 10 s. */
  pollIntervalMs: number;
  /** Upper bound on waiting for Nscale provisioning or deletion. */
  provisioningTimeoutMs: number;
  /** How long to keep looking for a key whose create response was lost (a late commit). */
  reconcileGraceMs: number;
}

export function resolveTiming(e: Environment): Timing {
  const interval =
    positiveNumber(e.config?.get("nscale:pollIntervalMs"), "nscale:pollIntervalMs") ??
    positiveNumber(e.env.NSCALE_POLL_INTERVAL_MS, "NSCALE_POLL_INTERVAL_MS") ??
    1000;
  const timeoutSeconds =
    positiveNumber(e.config?.get("nscale:provisioningTimeoutSeconds"), "nscale:provisioningTimeoutSeconds") ??
    positiveNumber(e.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS, "NSCALE_PROVISIONING_TIMEOUT_SECONDS") ??
    600;
  const graceSeconds =
    positiveNumber(e.config?.get("nscale:reconcileGraceSeconds"), "nscale:reconcileGraceSeconds") ??
    positiveNumber(e.env.NSCALE_RECONCILE_GRACE_SECONDS, "NSCALE_RECONCILE_GRACE_SECONDS") ??
    30;
  return { pollIntervalMs: interval, provisioningTimeoutMs: timeoutSeconds * 1000, reconcileGraceMs: graceSeconds * 1000 };
}
