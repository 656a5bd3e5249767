/** Wire values of the native provider protocol: secrets unwrapped at any depth on the way in, wrapped on the way out. */
import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../src/provider/abi";
import { parseUrn } from "../../src/plugin/provider";
import { secretWire, unwrap, wrap } from "../../src/plugin/wire";

describe("unwrap", () => {
  it.each([
    ["plain values stay", { a: "x", n: 1, b: true }, { a: "x", n: 1, b: true }, []],
    ["a top-level secret", { apiToken: secretWire("tok") }, { apiToken: "tok" }, ["apiToken"]],
    [
      "a secret inside an object marks its top-level property",
      { adopt: { keyId: "k", secretAccessKey: secretWire("s") } },
      { adopt: { keyId: "k", secretAccessKey: "s" } },
      ["adopt"],
    ],
    ["a secret object", { adopt: secretWire({ keyId: "k" }) }, { adopt: { keyId: "k" } }, ["adopt"]],
    ["an unknown inside a secret stays unknown", { apiToken: secretWire(UNKNOWN) }, { apiToken: UNKNOWN }, ["apiToken"]],
    ["secrets in arrays", { list: [secretWire("a"), "b"] }, { list: ["a", "b"] }, ["list"]],
  ])("%s", (_name, input, plain, secret) => {
    const out = unwrap(input);
    expect(out.plain).toEqual(plain);
    expect([...out.secret]).toEqual(secret);
  });
});

describe("wrap", () => {
  it("wraps the named properties, leaves the rest, drops undefined", () => {
    expect(wrap({ secretAccessKey: "s", accessKeyId: "a", region: undefined }, new Set(["secretAccessKey"]))).toEqual({
      secretAccessKey: secretWire("s"),
      accessKeyId: "a",
    });
  });
});

describe("parseUrn", () => {
  it.each([
    ["urn:pulumi:dev::proj::object-storage-keys:index:ObjectStorageAccessKey::app-key", "object-storage-keys:index:ObjectStorageAccessKey", "app-key"],
    ["urn:pulumi:dev::proj::my:component:Thing$object-storage-keys:index:ObjectStorageBucket::data", "object-storage-keys:index:ObjectStorageBucket", "data"],
    [
      "urn:pulumi:dev::proj::object-storage-keys:index:ObjectStorageAccessKey::name::with::colons",
      "object-storage-keys:index:ObjectStorageAccessKey",
      "name::with::colons",
    ],
  ])("%s", (urn, type, name) => {
    expect(parseUrn(urn)).toEqual({ type, name });
  });
});
