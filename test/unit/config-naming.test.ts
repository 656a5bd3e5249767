/** Every hint names the config key the running front end reads (dynamic: nscale:apiToken; plugin: object-storage-keys:nscaleApiToken). */
import { afterEach, describe, expect, it } from "vitest";
import { hostupHints } from "../../src/clouds/hostup/answers";
import { nscaleHints } from "../../src/clouds/nscale/answers";
import { PACKAGE } from "../../src/plugin/package";
import { lookup, namespacedKey, useConfigNamespace } from "../../src/settings";

afterEach(() => useConfigNamespace(undefined));

describe("namespacedKey", () => {
  it.each([
    ["nscale:apiToken", "object-storage-keys:nscaleApiToken"],
    ["hostup:apiKey", "object-storage-keys:hostupApiKey"],
    ["nscale:provisioningTimeoutSeconds", "object-storage-keys:nscaleProvisioningTimeoutSeconds"],
  ])("%s → %s", (key, expected) => expect(namespacedKey(PACKAGE, key)).toBe(expected));
});

describe("hints follow the front end", () => {
  const cases: Array<[string, () => string | undefined, string, string]> = [
    ["Nscale 401", () => nscaleHints(401, undefined, "create access key"), "nscale:apiToken", "object-storage-keys:nscaleApiToken"],
    ["HostUp 401", () => hostupHints(401, undefined, "", "create access key"), "hostup:apiKey", "object-storage-keys:hostupApiKey"],
  ];
  it.each(cases)("%s", (_name, hint, dynamicName, pluginName) => {
    expect(hint()).toContain(`pulumi config set --secret ${dynamicName} `);
    useConfigNamespace(PACKAGE);
    expect(hint()).toContain(`pulumi config set --secret ${pluginName} `);
    expect(hint()).not.toContain(dynamicName);
  });

  it("lookups read the front end's key and report it as the origin", () => {
    const config = { get: (k: string) => (k === "object-storage-keys:nscaleApiToken" ? "tok" : undefined) };
    const knob = { config: "nscale:apiToken", env: [] };
    expect(lookup({ config, env: {} }, knob)).toBeUndefined();
    useConfigNamespace(PACKAGE);
    expect(lookup({ config, env: {} }, knob)).toEqual({ raw: "tok", origin: { kind: "config", name: "object-storage-keys:nscaleApiToken" } });
  });
});
