/**
 * `check` validates with the values still unknown at preview set aside, which needs the input
 * schema with those fields optional. zod compiles a parser for every new object schema on its first
 * parse, so building that variant per call cost every key its own compiled code in the engine's
 * provider process (issue 18: ~1.2 ms and ~14 KiB of RSS per check, growing). These pin that each
 * variant is built once, and that the results do not depend on it.
 */
import { describe, expect, it, vi } from "vitest";
import { clouds } from "../../src/clouds/registry";
import { UNKNOWN } from "../../src/provider/abi";
import { parseKnown } from "../../src/provider/check";

const known = { cloud: "nscale", resourceName: "k", endpointId: "ep-1", identityPolicy: "bucket-admin" };

describe("parseKnown builds each schema variant once", () => {
  it.each([
    ["no unknown value: no variant built over three checks", {}, 0],
    ["one unknown field: one variant built over three checks", { endpointId: UNKNOWN }, 1],
    ["two unknown fields: one variant built over three checks", { endpointId: UNKNOWN, identityPolicy: UNKNOWN }, 1],
  ])("%s", (_label, unknowns, built) => {
    const schema = clouds.nscale.inputs.extend({});
    const partial = vi.spyOn(schema, "partial");
    const results = [1, 2, 3].map(() => parseKnown(schema, { ...known, ...unknowns }));
    expect(partial).toHaveBeenCalledTimes(built);
    for (const r of results) {
      expect(r.success).toBe(true);
      expect(r.unknown).toEqual(unknowns);
      expect(r.data).toEqual({ ...known, ...unknowns });
    }
  });

  it("the same unknown fields in another order reuse the variant", () => {
    const schema = clouds.nscale.inputs.extend({});
    const partial = vi.spyOn(schema, "partial");
    parseKnown(schema, { ...known, endpointId: UNKNOWN, identityPolicy: UNKNOWN });
    parseKnown(schema, { ...known, identityPolicy: UNKNOWN, endpointId: UNKNOWN });
    expect(partial).toHaveBeenCalledTimes(1);
  });

  it("a field that is unknown is optional in its variant only: a missing required field still fails elsewhere", () => {
    const schema = clouds.nscale.inputs.extend({});
    expect(parseKnown(schema, { ...known, endpointId: UNKNOWN }).success).toBe(true);
    const { endpointId: _omitted, ...withoutEndpoint } = known;
    expect(parseKnown(schema, withoutEndpoint).success).toBe(false);
  });
});
