/** A key made outside Pulumi (in the Nscale console), as the unit suites describe it. */
export const CONSOLE_MADE_NSCALE_KEY = {
  cloud: "nscale",
  resourceName: "legacy",
  endpointId: "ep-1",
  name: "console-made-key",
  description: "made in the console",
  identityPolicy: "bucket-admin",
} as const;
