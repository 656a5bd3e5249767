/**
 * Issue 16, behaviour 10: input names that are Object.prototype members are unknown properties,
 * reported by check like any misspelling, never silently dropped. Both key shapes and the bucket.
 * Before this change `constructor`, `toString`, `hasOwnProperty` and `valueOf` passed check without
 * a failure (`k in {}` is true for them) and `__proto__` vanished when the inputs were copied.
 */
import { describe, expect, it } from "vitest";
import { checkKey } from "../../src/provider/check";
import { userInputs } from "../../src/provider/abi";
import { UNKNOWN } from "../../src/provider/abi";
import { bucket } from "../../src/provider/index";

const sources = { env: { NSCALE_API_TOKEN: "test-token", HOSTUP_API_KEY: "test-api-key" } };
const nscale = { cloud: "nscale", resourceName: "admin", endpointId: "a64f9269-36e0-4312-b8d1-52d93d569b7b", identityPolicy: "bucket-admin" };
const hostup = { cloud: "hostup", resourceName: "app" };
const NAMES = ["constructor", "toString", "hasOwnProperty", "__proto__", "valueOf", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString"];

/** Inputs with `name` as an own, enumerable property (as JSON.parse or the engine would give it). */
function withProperty(base: Record<string, unknown>, name: string, value: unknown): Record<string, unknown> {
  const out = { ...base };
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

describe("Object.prototype member names are unknown properties", () => {
  const rows = NAMES.flatMap(
    (name) =>
      [
        ["nscale", name, "x"],
        ["hostup", name, "x"],
        ["nscale", name, UNKNOWN], // a value not known yet at preview
      ] as const,
  );

  it.each(rows)("%s: `%s` (%j) is reported as an unknown property", (cloud, name, value) => {
    const r = checkKey({}, withProperty(cloud === "nscale" ? nscale : hostup, name, value), sources);
    expect(r.failures).toContainEqual({ property: `${name} (unknown property)`, reason: expect.stringMatching(/is not a property of an? \w+ access key/) });
  });

  it.each(NAMES)("adopt.%s is reported as an unknown field of adopt", (name) => {
    const adopt = withProperty({ keyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "s".repeat(40) }, name, "x");
    const r = checkKey({}, { ...hostup, adopt }, sources);
    expect(r.failures.map((f) => f.property)).toContain(`adopt.${name}`);
  });

  it.each(NAMES)("a bucket's `%s` is reported as an unknown property", async (name) => {
    const news = withProperty(
      {
        cloud: "hostup",
        resourceName: "b",
        bucketName: "b-abc1234",
        s3Endpoint: "https://s3.example.com",
        accessKeyId: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "s".repeat(40),
        __provider: "x",
      },
      name,
      "x",
    );
    const r = await bucket.check({}, news);
    expect(r.failures?.map((f) => f.property)).toContain(`${name} (unknown property)`);
  });

  it("the engine's inputs keep a `__proto__` name as a property, not as the prototype", () => {
    const raw = JSON.parse('{"cloud":"hostup","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const inputs = userInputs(raw);
    expect(Object.keys(inputs)).toContain("__proto__");
    expect(Object.getPrototypeOf(inputs)).toBe(Object.prototype);
    expect((inputs as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
