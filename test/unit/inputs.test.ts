import { describe, expect, it } from "vitest";
import { CONSOLE_MADE_NSCALE_KEY } from "./fixtures";
import { bucket as bucketProvider, check, diff } from "../../src/provider/index";
import { UNKNOWN } from "../../src/provider/abi";
import { checkKey } from "../../src/provider/check";
import { generateName, nameBase } from "../../src/provider/names";

/** Validation alone: credentials are present, so only the inputs themselves can fail. */
const withCredentials = { env: { NSCALE_API_TOKEN: "test-token", HOSTUP_API_KEY: "test-api-key" } };
const checkInputs = (olds: Record<string, unknown>, news: Record<string, unknown>) => checkKey(olds, news, withCredentials);

const base = {
  cloud: "nscale",
  resourceName: "admin",
  endpointId: "a64f9269-36e0-4312-b8d1-52d93d569b7b",
  identityPolicy: "bucket-admin",
  name: "bucket-admin-key",
  __provider: "exports.handler = ...",
};
const nscale = base;
const hostup = { cloud: "hostup", resourceName: "app", label: "Example Label", __provider: "x" };

type Case = [string, Record<string, unknown>, string, RegExp];

const invalid: Case[] = [
  ["cloud missing", { resourceName: "a" }, "cloud", /required.*"nscale", "hostup"/],
  ["cloud unknown", { ...nscale, cloud: "aws" }, "cloud", /must be one of.*got "aws"/],
  ["cloud wrong type", { ...nscale, cloud: 3 }, "cloud", /must be one of/],
  ["endpointId missing", { ...nscale, endpointId: undefined }, "endpointId", /required.*UUID/],
  ["endpointId empty", { ...nscale, endpointId: "" }, "endpointId", /must not be empty/],
  ["endpointId too long", { ...nscale, endpointId: "a".repeat(64) }, "endpointId", /at most 63/],
  ["endpointId uppercase", { ...nscale, endpointId: "A64F9269" }, "endpointId", /lowercase/],
  ["endpointId not a string", { ...nscale, endpointId: 42 }, "endpointId", /must be a string, got number 42/],
  ["endpointId trailing hyphen", { ...nscale, endpointId: "abc-" }, "endpointId", /lowercase letters, digits and hyphens/],
  ["identityPolicy missing", { ...nscale, identityPolicy: undefined }, "identityPolicy", /required.*bucket-admin/],
  ["identityPolicy empty", { ...nscale, identityPolicy: "" }, "identityPolicy", /must name an identity policy/],
  ["identityPolicy too long", { ...nscale, identityPolicy: "p".repeat(65) }, "identityPolicy", /at most 64/],
  ["name uppercase", { ...nscale, name: "Bucket-Admin" }, "name", /lowercase letter/],
  ["name starts with digit", { ...nscale, name: "1key" }, "name", /start with a lowercase letter/],
  ["name ends with hyphen", { ...nscale, name: "key-" }, "name", /not end with a hyphen/],
  ["name underscore", { ...nscale, name: "my_key" }, "name", /hyphens/],
  ["name dot", { ...nscale, name: "my.key" }, "name", /hyphens/],
  ["name too long", { ...nscale, name: `k${"a".repeat(63)}` }, "name", /at most 63/],
  ["name empty", { ...nscale, name: "" }, "name", /lowercase letter/],
  ["description too long", { ...nscale, description: "d".repeat(1025) }, "description", /at most 1024/],
  ["description not string", { ...nscale, description: 5 }, "description", /must be a string, got number 5/],
  ["rotationTrigger number", { ...nscale, rotationTrigger: 2026 }, "rotationTrigger", /must be a string/],
  ["rotationTrigger too long", { ...hostup, rotationTrigger: "x".repeat(257) }, "rotationTrigger", /at most 256/],
  ["rotateAfter without unit", { ...nscale, rotateAfter: "90" }, "rotateAfter", /must be a duration.*"90d"/],
  ["rotateAfter zero", { ...hostup, rotateAfter: "0d" }, "rotateAfter", /longer than zero/],
  ["rotateAfter words", { ...hostup, rotateAfter: "three months" }, "rotateAfter", /must be a duration/],
  ["apiUrl not a URL", { ...nscale, apiUrl: "storage.example.com" }, "apiUrl", /absolute http\(s\) URL/],
  ["apiUrl ftp", { ...hostup, apiUrl: "ftp://x" }, "apiUrl", /absolute http\(s\) URL/],
  ["apiToken empty", { ...nscale, apiToken: "" }, "apiToken (secret)", /must not be empty/],
  ["apiToken number", { ...nscale, apiToken: 12 }, "apiToken (secret)", /must be a string/],
  ["apiKey empty", { ...hostup, apiKey: "" }, "apiKey (secret)", /must not be empty/],
  ["unknown field typo", { ...nscale, endpointID: "x" }, "endpointID (unknown property)", /Did you mean `endpointId`/],
  ["unknown field on hostup", { ...hostup, identityPolicy: "x" }, "identityPolicy (unknown property)", /not a property of an hostup access key/],
  ["nscale field on hostup", { ...hostup, endpointId: "x" }, "endpointId (unknown property)", /Valid properties: cloud, label/],
  ["label on nscale", { ...nscale, label: "x" }, "label (unknown property)", /not a property of an nscale/],
  ["label blank", { ...hostup, label: "   " }, "label", /must not be empty or blank/],
  ["label too long", { ...hostup, label: "l".repeat(65) }, "label", /at most 64/],
  ["label not string", { ...hostup, label: true }, "label", /must be a string, got boolean true/],
  ["apiKey on nscale", { ...nscale, apiKey: "k" }, "apiKey (unknown property)", /Did you mean|not a property/],
  ["adopt without keyId", { ...nscale, adopt: {} }, "adopt.keyId", /is required \(a string\)/],
  ["adopt unknown field", { ...hostup, adopt: { keyId: "AK", secret: "s" } }, "adopt.secret", /unknown field\(s\) `secret`; allowed: keyId, secretAccessKey/],
  ["adopt wrong type", { ...hostup, adopt: "AK" }, "adopt (secret)", /must be an object/],
  // Issue 10: URLs wherever they come from, credential hygiene, adoption formats, cross-field rules.
  ["apiUrl with a space in the host", { ...nscale, apiUrl: "https://exa mple.com" }, "apiUrl", /not a valid URL/],
  ["apiUrl with an impossible port", { ...hostup, apiUrl: "http://127.0.0.1:99999" }, "apiUrl", /not a valid URL/],
  ["apiUrl plain http to a remote host", { ...nscale, apiUrl: "http://storage.example.com" }, "apiUrl", /plain http .* clear text.*OSK_ALLOW_INSECURE_HTTP/],
  ["apiUrl with credentials in it", { ...hostup, apiUrl: "https://user:pw@api.example.com" }, "apiUrl", /user name or password/],
  ["apiToken with a line break inside", { ...nscale, apiToken: "abc\ndef" }, "apiToken (secret)", /control characters/],
  ["apiKey only whitespace", { ...hostup, apiKey: " \n" }, "apiKey (secret)", /must not be empty/],
  ["adopt.keyId '.' (Nscale)", { ...nscale, adopt: { keyId: "." } }, "adopt.keyId", /lowercase letters, digits and hyphens/],
  ["adopt.keyId '..' (HostUp)", { ...hostup, adopt: { keyId: "..", secretAccessKey: "s" } }, "adopt.keyId", /S3 access key ID/],
  ["adopt.keyId with a slash (HostUp)", { ...hostup, adopt: { keyId: "AK/../x", secretAccessKey: "s" } }, "adopt.keyId", /S3 access key ID/],
  [
    "HostUp adopt without a secret",
    { ...hostup, adopt: { keyId: "EXAMPLE_ACCESS_KEY" } },
    "adopt.secretAccessKey",
    /required for HostUp.*cannot read or list keys/,
  ],
  ["adopt with rotateAfter (Nscale)", { ...nscale, adopt: { keyId: "a64f9269" }, rotateAfter: "90d" }, "rotateAfter", /cannot be combined with `adopt`/],
  [
    "adopt with rotateAfter (HostUp)",
    { ...hostup, adopt: { keyId: "EXAMPLE_ACCESS_KEY", secretAccessKey: "s" }, rotateAfter: "1d" },
    "rotateAfter",
    /never replaced/,
  ],
  ["Nscale name with rotationTrigger", { ...nscale, name: "fixed", rotationTrigger: "2026-12" }, "name", /409.*Omit `name`/],
  ["Nscale name with rotateAfter", { ...nscale, name: "fixed", rotateAfter: "30d" }, "name", /cannot be combined with rotationTrigger or rotateAfter/],
];

describe("check rejects invalid inputs with the property named", () => {
  it("has at least 30 cases", () => expect(invalid.length).toBeGreaterThanOrEqual(30));

  it.each(invalid)("%s", (_title, news, property, reason) => {
    const { failures } = checkInputs({}, news);
    const failure = failures.find((f) => f.property === property);
    expect(failure, JSON.stringify(failures)).toBeDefined();
    expect(failure!.reason).toMatch(reason);
  });
});

describe("failures on secret inputs never name a top-level property the engine would print", () => {
  it.each([
    ["apiToken", { ...nscale, apiToken: "" }],
    ["apiKey", { ...hostup, apiKey: 5 }],
    ["adopt", { ...hostup, adopt: "AKSECRET" }],
    ["adopt", { ...hostup, adopt: { keyId: "AK", secretAccessKey: "s", secretKey: "typo" } }],
    ["adopt", { ...hostup, adopt: { keyId: "AK", secretAccessKey: 12345678901234 } }],
    ["apiToken", { ...nscale, apiToken: 98765432109876 }],
  ])("%s", (secretInput, news) => {
    const { failures } = checkInputs({}, news);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(f.property).not.toBe(secretInput);
    // No reason repeats a secret value either.
    for (const value of [12345678901234, 98765432109876, "AKSECRET"]) expect(JSON.stringify(failures)).not.toContain(String(value));
  });

  it("a mistyped secret input is not named either, and no failure echoes a secret value", () => {
    const token = "tok-0123456789abcdef";
    const { failures } = checkInputs({}, { ...nscale, apiTokn: token, apiToken: 1234567890123 });
    expect(failures.map((f) => f.property).sort()).toEqual(["apiToken (secret)", "apiTokn (unknown property)"]);
    const text = JSON.stringify(failures);
    expect(text).not.toContain(token);
    expect(text).not.toContain("1234567890123");
    expect(text).toMatch(/Did you mean `apiToken`/);
  });
});

describe("check accepts valid inputs", () => {
  it("accepts the documented Nscale example and strips __provider", () => {
    const { inputs, failures } = checkInputs({}, nscale);
    expect(failures).toEqual([]);
    expect(inputs).not.toHaveProperty("__provider");
    expect(inputs).toMatchObject({ name: "bucket-admin-key", identityPolicy: "bucket-admin" });
  });

  it("lets preview-time unknowns through format rules", () => {
    const { failures } = checkInputs({}, { ...nscale, endpointId: UNKNOWN, name: UNKNOWN, identityPolicy: UNKNOWN });
    expect(failures).toEqual([]);
  });

  it("derives a unique name from the resource name and keeps it on later checks", () => {
    const first = checkInputs({}, { ...nscale, name: undefined, resourceName: "My_App Key" });
    expect(first.failures).toEqual([]);
    expect(first.inputs.name).toMatch(/^my-app-key-[a-z0-9]{7}$/);
    const again = checkInputs(first.inputs, { ...nscale, name: undefined, resourceName: "My_App Key" });
    expect(again.inputs.name).toBe(first.inputs.name);
    const replaced = checkInputs({}, { ...nscale, name: undefined, resourceName: "My_App Key" });
    expect(replaced.inputs.name).not.toBe(first.inputs.name);
  });

  it("derives HostUp labels the same way", () => {
    const { inputs } = checkInputs({}, { cloud: "hostup", resourceName: "app" });
    expect(inputs.label).toMatch(/^app-[a-z0-9]{7}$/);
  });

  it("makes valid Nscale names from awkward resource names", () => {
    for (const n of ["123", "---", "Ä", "x".repeat(200), "a--b"]) {
      expect(generateName(n)).toMatch(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/);
      expect(nameBase(n).length).toBeLessThanOrEqual(55);
    }
  });
});

describe("check reports a missing credential at preview", () => {
  it("names every way to set the Nscale token", async () => {
    const saved = { ...process.env };
    delete process.env.NSCALE_API_TOKEN;
    delete process.env.NSCALE_SERVICE_TOKEN;
    try {
      const { failures } = await check({}, nscale);
      expect(failures).toHaveLength(1);
      expect(failures![0]!.property).toBe("apiToken (secret)");
      expect(failures![0]!.reason).toMatch(/apiToken.*pulumi config set --secret nscale:apiToken.*NSCALE_API_TOKEN or NSCALE_SERVICE_TOKEN/);
    } finally {
      process.env = saved;
    }
  });

  it("accepts the token from the environment", async () => {
    const saved = { ...process.env };
    process.env.NSCALE_SERVICE_TOKEN = "t";
    try {
      expect((await check({}, nscale)).failures).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});

describe("diff", () => {
  // A generated name (what check makes when `name` is omitted): replacements regenerate it.
  const nscale = { ...base, name: "admin-x7k2m9q" };
  const olds = { ...nscale, keyId: "k", secretAccessKey: "s", provisioningStatus: "provisioned", __provider: "old shim" };

  type DiffCase = [string, Record<string, unknown>, boolean, string[]];
  const cases: DiffCase[] = [
    ["no change (only outputs and __provider differ)", { ...nscale, __provider: "new shim" }, false, []],
    ["identity policy", { ...nscale, identityPolicy: "bucket-readonly" }, true, ["identityPolicy"]],
    ["name", { ...nscale, name: "other" }, true, ["name"]],
    ["description", { ...nscale, description: "new" }, true, ["description"]],
    ["endpoint", { ...nscale, endpointId: "b" }, true, ["endpointId"]],
    ["rotation trigger", { ...nscale, rotationTrigger: "2026-12" }, true, ["rotationTrigger"]],
    ["unknown at preview", { ...nscale, identityPolicy: UNKNOWN }, true, ["identityPolicy"]],
    ["token override changes in place", { ...nscale, apiToken: "t2" }, true, []],
    ["api URL changes in place", { ...nscale, apiUrl: "http://x" }, true, []],
  ];

  it.each(cases)("%s", async (_t, news, changes, replaces) => {
    const result = await diff("k", olds, news);
    expect(result.changes).toBe(changes);
    expect(result.replaces).toEqual(replaces);
    expect(result.deleteBeforeReplace).toBe(false);
  });

  it("replaces a key older than rotateAfter, and only then", async () => {
    const createdAt = new Date(Date.now() - 91 * 864e5).toISOString();
    const old = await diff("k", { ...olds, createdAt, rotateAfter: "90d" }, { ...nscale, rotateAfter: "90d" });
    expect(old).toMatchObject({ changes: true, replaces: ["rotateAfter"] });
    const young = await diff("k", { ...olds, createdAt, rotateAfter: "100d" }, { ...nscale, rotateAfter: "100d" });
    expect(young).toMatchObject({ changes: false, replaces: [] });
    const policyChange = await diff("k", { ...olds, createdAt: new Date().toISOString() }, { ...nscale, rotateAfter: "1d" });
    expect(policyChange).toMatchObject({ changes: true, replaces: [] });
  });

  it("replaces on a HostUp label change", async () => {
    const r = await diff("AK", { ...hostup, keyId: "AK" }, { ...hostup, label: "new" });
    expect(r).toMatchObject({ changes: true, replaces: ["label"] });
  });

  it.each([
    ["rotationTrigger", { rotationTrigger: "2027-01" }],
    ["identityPolicy", { identityPolicy: "read-only" }],
  ])("refuses, at preview, a replacement (%s) that keeps an explicit Nscale name: the new key would get a 409", async (replaced, change) => {
    const explicit = { ...olds, name: "bucket-admin-key" };
    await expect(diff("k", explicit, { ...explicit, ...change })).rejects.toMatchObject({
      reason: { code: "replace_would_conflict", property: "name", replaces: [replaced], value: explicit["name"] },
    });
  });

  it("an imported key's carried-over name does not block a rotation (the replacement's check generates a new one)", async () => {
    const imported = { ...olds, name: "made-in-console", imported: true };
    expect(await diff("k", imported, { ...imported, rotationTrigger: "2027-01" })).toMatchObject({ replaces: ["rotationTrigger"] });
  });

  it("check carries an imported key's server-made name and description when the program omits them", () => {
    const previous = { ...nscale, name: "made-in-console", description: "from the console", imported: true };
    const { inputs, failures } = checkInputs(previous, { ...nscale, name: undefined });
    expect(failures).toEqual([]);
    expect(inputs).toMatchObject({ name: "made-in-console", description: "from the console", imported: true });
  });

  it("a HostUp key adopted without its secret by an earlier release still checks (a new adoption needs it)", () => {
    const adopt = { keyId: "EXAMPLE_ACCESS_KEY" };
    const olds = { cloud: "hostup", resourceName: "app", adopt, __provider: "x" };
    expect(checkInputs(olds, { ...olds }).failures).toEqual([]);
    expect(checkInputs({}, { ...olds }).failures.map((f) => f.property)).toContain("adopt.secretAccessKey");
  });

  it("an explicit name changed together with the replacing input is fine", async () => {
    const explicit = { ...olds, name: "bucket-admin-key" };
    expect(await diff("k", explicit, { ...explicit, name: "bucket-admin-key-2", rotationTrigger: "x" })).toMatchObject({
      replaces: ["name", "rotationTrigger"],
    });
  });
});

describe("bucket diff", () => {
  const bucket = {
    cloud: "nscale",
    resourceName: "b",
    bucketName: "b-abc1234",
    s3Endpoint: "https://s3.example",
    accessKeyId: "AKIA1",
    secretAccessKey: "s1",
  };
  const olds = { ...bucket, createdAt: "2026-11-23T00:00:00.000Z" };
  it.each([
    ["no change", bucket, false, []],
    ["an unknown region (an Nscale key without region config, in preview) is no change", { ...bucket, region: UNKNOWN }, false, []],
    ["a known new region updates in place", { ...bucket, region: "eu-west-1" }, true, []],
    [
      "an unknown accessKeyId (key rotation, in preview) updates in place",
      { ...bucket, accessKeyId: UNKNOWN, secretAccessKey: UNKNOWN, region: UNKNOWN },
      true,
      [],
    ],
    ["a new bucket name replaces", { ...bucket, bucketName: "other-name" }, true, ["bucketName"]],
    ["an unknown s3Endpoint does not replace", { ...bucket, s3Endpoint: UNKNOWN }, false, []],
    ["a known new s3Endpoint replaces", { ...bucket, s3Endpoint: "https://other.example" }, true, ["s3Endpoint"]],
  ] as const)("%s", async (_label, news, changes, replaces) => {
    const result = await bucketProvider.diff("b-abc1234", { ...olds, __provider: "x" }, { ...news, __provider: "x" });
    expect(result.changes).toBe(changes);
    expect(result.replaces ?? []).toEqual(replaces);
  });
});

describe("adopted keys are never replaced (a replacement would re-adopt the key, then delete it)", () => {
  const adopt = { keyId: "a1b2c3", secretAccessKey: "s3cr3t-value-0001" };
  const olds = {
    ...CONSOLE_MADE_NSCALE_KEY,
    adopt,
    adopted: true,
    createdAt: "2020-01-01T00:00:00.000Z",
    __provider: "x",
  };
  const news = { cloud: "nscale", resourceName: "legacy", endpointId: "ep-1", identityPolicy: "bucket-admin", adopt, __provider: "x" };

  it("check generates no name for an adopted key (the server's name stands)", () => {
    const { inputs, failures } = checkInputs({}, { ...news });
    expect(failures).toEqual([]);
    expect(inputs.name).toBeUndefined();
  });

  it.each([
    ["fields the program leaves to the server", news],
    ["the same fields set to the server's values", { ...news, name: "console-made-key", description: "made in the console" }],
  ])("no change: %s", async (_label, n) => {
    expect(await diff("a1b2c3", olds, n)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it.each([
    ["rotationTrigger", { ...news, rotationTrigger: "2026-11" }],
    ["name", { ...news, name: "other-name" }],
    ["identityPolicy", { ...news, identityPolicy: "bucket-readonly" }],
    ["rotateAfter", { ...news, rotateAfter: "1d" }],
  ])("a change of %s fails at preview, naming the fix", async (property, n) => {
    await expect(diff("a1b2c3", olds, n)).rejects.toMatchObject({ reason: { code: "adopted_would_replace", properties: [property], keyId: "a1b2c3" } });
  });

  it("a secret supplied later is an in-place update", async () => {
    const withoutSecret = { ...olds, adopt: { keyId: "a1b2c3" } };
    expect(await diff("a1b2c3", withoutSecret, news)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it("adopting a different key, or dropping adopt, replaces as usual", async () => {
    expect((await diff("a1b2c3", olds, { ...news, adopt: { keyId: "other" } })).replaces).toContain("adopt");
    expect((await diff("a1b2c3", olds, { ...news, adopt: undefined })).replaces).toContain("adopt");
  });
});
