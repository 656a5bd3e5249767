/**
 * The import file's pure parts: the CLI version rule, the `endpoint_id/key_id` form, and the file
 * entry (secret envelopes, `__provider` on both sides, the type token), plus the promise the whole
 * feature rests on: what the file records is what check makes of the printed declaration, so the
 * first `up` after the import neither replaces nor updates the key.
 */
import { CONSOLE_MADE_NSCALE_KEY } from "./fixtures";
import { describe, expect, it } from "vitest";

import { clouds } from "../../src/clouds/registry";
import { ACCESS_KEY_TYPE, buildImportFile, SECRET_SIG, SECRET_TOKEN, secretStateFields } from "../../src/import/build";
import { parseNscaleImportId } from "../../src/clouds/nscale/import";
import { judgeCliVersion, MIN_IMPORT_CLI, parseVersion } from "../../src/import/cli-version";
import { checkKey } from "../../src/provider/check";
import { diffKey } from "../../src/provider/diff";
import { SECRET_OUTPUTS } from "../../src/resource";

describe("the CLI version import-file needs", () => {
  it.each([
    ["v3.254.0\n", true],
    ["v3.276.0", true],
    ["3.300.1", true],
    ["v4.0.0", true],
    ["v3.253.9", false],
    ["v3.248.0", false],
    ["v2.999.0", false],
  ])("`pulumi version` %j -> %s", (output, ok) => {
    const verdict = judgeCliVersion(output);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) {
      expect(verdict.reason).toContain(`Pulumi CLI >= ${MIN_IMPORT_CLI}`);
      expect(verdict.reason).toContain(`is ${parseVersion(output)!.join(".")}`);
      expect(verdict.reason).toContain("adopt");
    }
  });

  it("no pulumi on PATH, or an answer that is not a version, is a refusal naming the version", () => {
    for (const output of [undefined, "command not found", ""]) {
      const verdict = judgeCliVersion(output);
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.reason).toContain(">= 3.254.0");
    }
  });

  it("the minimum is the release with import-file inputs/outputs (pulumi/pulumi#23984)", () => {
    expect(MIN_IMPORT_CLI).toBe("3.254.0");
  });
});

describe("--id <endpoint_id>/<key_id>", () => {
  it("splits in two, like Nscale's Terraform provider", () => {
    expect(parseNscaleImportId("a64f9269-36e0-4312-b8d1-52d93d569b7b/b5606dc6-2b93-4405-9303-7b8d4da01bb3")).toEqual({
      endpointId: "a64f9269-36e0-4312-b8d1-52d93d569b7b",
      keyId: "b5606dc6-2b93-4405-9303-7b8d4da01bb3",
    });
  });
  it.each(["", "abc", "/k", "e/", "e/k/x", "e//k"])("refuses %j", (id) => {
    expect(parseNscaleImportId(id)).toBeUndefined();
  });
});

const nscaleKey = {
  id: "b5606dc6-2b93-4405-9303-7b8d4da01bb3",
  inputs: { ...CONSOLE_MADE_NSCALE_KEY, imported: true },
  outputs: {
    ...CONSOLE_MADE_NSCALE_KEY,
    keyId: "b5606dc6-2b93-4405-9303-7b8d4da01bb3",
    accessKeyId: "AKIAEXAMPLEEXAMPLE01",
    secretAccessKey: "s3cr3t-s3cr3t-s3cr3t",
    s3Endpoint: "https://s3.example",
    createdAt: "2026-01-01T00:00:00Z",
    provisioningStatus: "provisioned",
    imported: true,
  },
};
const hostupKey = {
  id: "HOSTUPKEY1",
  inputs: { cloud: "hostup", resourceName: "app", imported: true, label: "Dashboard Key" },
  outputs: {
    cloud: "hostup",
    resourceName: "app",
    keyId: "HOSTUPKEY1",
    accessKeyId: "HOSTUPKEY1",
    secretAccessKey: "h0stup-s3cr3t-value",
    s3Endpoint: "https://s3.hostup.se",
    region: "eu-north-1",
    createdAt: "2026-01-01T00:00:00Z",
    label: "Dashboard Key",
    imported: true,
  },
};

describe("the import file entry", () => {
  it("has the dynamic resource's type token, the resource name and ID, and __provider in inputs and outputs", () => {
    const file = buildImportFile("legacy", nscaleKey, "exports.handler = __f0;", secretStateFields(clouds.nscale));
    expect(ACCESS_KEY_TYPE).toBe("pulumi-nodejs:dynamic/objectstorage:AccessKey");
    expect(file.resources).toHaveLength(1);
    const [entry] = file.resources;
    expect(entry).toMatchObject({ type: ACCESS_KEY_TYPE, name: "legacy", id: nscaleKey.id });
    expect(entry!.inputs.__provider).toBe("exports.handler = __f0;");
    expect(entry!.outputs.__provider).toBe("exports.handler = __f0;");
    expect(entry!.inputs).toMatchObject({ ...nscaleKey.inputs });
  });

  it("writes every secret output as Pulumi's secret envelope (the engine encrypts it before storing), and nothing else", () => {
    for (const [cloud, key] of [
      ["nscale", nscaleKey],
      ["hostup", hostupKey],
    ] as const) {
      const secrets = secretStateFields(clouds[cloud]);
      expect(secrets, "the same secret fields the resource class declares").toEqual(expect.arrayContaining(["secretAccessKey"]));
      for (const s of secrets) expect(SECRET_OUTPUTS).toContain(s);
      const [entry] = buildImportFile("x", key, "p", secrets).resources;
      expect(entry!.outputs.secretAccessKey).toEqual({ [SECRET_SIG]: SECRET_TOKEN, plaintext: JSON.stringify(key.outputs.secretAccessKey) });
      expect(JSON.stringify(entry!.inputs)).not.toContain(key.outputs.secretAccessKey);
      for (const [k, v] of Object.entries(entry!.outputs))
        if (k !== "secretAccessKey" && k !== "__provider") expect(v).toEqual((key.outputs as Record<string, unknown>)[k]);
    }
    expect(SECRET_SIG).toBe("4dabf18193072939515e22adb298388d");
    expect(SECRET_TOKEN).toBe("1b47061264138c4ac30d75fd1eb44270");
  });
});

const sources = { env: { NSCALE_API_TOKEN: "t", HOSTUP_API_KEY: "k" } };

describe("the first `up` after the import: the printed declaration against the imported inputs", () => {
  it.each([
    ["nscale", nscaleKey, { cloud: "nscale", endpointId: "ep-1", identityPolicy: "bucket-admin", description: "made in the console" }],
    ["hostup", hostupKey, { cloud: "hostup" }],
  ] as const)("%s: check keeps the imported name and marker, and diff finds no change", (_cloud, key, declared) => {
    // What the engine does at import: check with the file's inputs as old and new.
    const atImport = checkKey(key.inputs, key.inputs, sources);
    expect(atImport.failures).toEqual([]);
    expect(atImport.inputs).toEqual(key.inputs);
    // The program's first run: the declaration (resourceName added by the class) against the recorded inputs.
    const news = checkKey(key.inputs, { ...declared, resourceName: key.inputs.resourceName }, sources);
    expect(news.failures).toEqual([]);
    expect(news.inputs).toEqual(key.inputs);
    expect(diffKey({ ...key.outputs, ...key.inputs }, news.inputs)).toMatchObject({ changes: false, replaces: [] });
  });

  it("a declaration that differs from the imported key is never taken as no change: a replacement (which the import's protect refuses at up) or a refusal at preview", () => {
    const hostup = checkKey(hostupKey.inputs, { cloud: "hostup", label: "Another Label", resourceName: "app" }, sources);
    expect(diffKey({ ...hostupKey.outputs, ...hostupKey.inputs }, hostup.inputs)).toMatchObject({ changes: true, replaces: ["label"] });
    const nscale = checkKey(
      nscaleKey.inputs,
      { cloud: "nscale", endpointId: "ep-1", identityPolicy: "bucket-readonly", description: "made in the console", resourceName: "legacy" },
      sources,
    );
    let verdict: unknown;
    try {
      verdict = diffKey({ ...nscaleKey.outputs, ...nscaleKey.inputs }, nscale.inputs);
    } catch (err) {
      // Today: the carried-over name would be reused by the replacement, which Nscale refuses (409).
      verdict = err instanceof Error ? err.message : String(err);
    }
    if (typeof verdict === "string") expect(verdict).toMatch(/^name: changing identityPolicy replaces this key/);
    else expect(verdict).toMatchObject({ changes: true, replaces: expect.arrayContaining(["identityPolicy"]) });
  });
});
