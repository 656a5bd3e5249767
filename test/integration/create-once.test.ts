/**
 * Issue 16, behaviour 3: an Nscale create is sent twice only when the first provably did not
 * commit. When Nscale's key list lags past the grace period, a re-sent create meets the earlier
 * attempt's key (409): the library must not tell the user to "choose another name" (they may have
 * chosen none); it names the earlier attempt's marker and name, so no orphan goes unmentioned.
 * The first case failed before this change (the 409's "Choose another `name`" hint, no marker).
 */
import { describe, expect, it } from "vitest";
import { MARKER_TAG } from "../../src/clouds/nscale/reasons";
import type { Emulator } from "../../src/emulator";
import * as provider from "../../src/provider";
import { call, keyInputs, useProviderEmulator, failure } from "./support";

let emu: Emulator;
const SHIM = "exports.handler = () => shim;";
useProviderEmulator((e) => (emu = e), { emulator: { nscale: { pollsUntilProvisioned: 1, notFoundGetsAfterCreate: 0 } } });
const { nscaleKey } = keyInputs(() => emu, SHIM);
const listRoute = /\/accesskeys$/;

async function markerOf(id: string): Promise<string | undefined> {
  const res = await call("GET", `${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys/${id}`, {
    headers: { authorization: `Bearer ${emu.nscaleToken}` },
  });
  const tags = (res.json as { metadata: { tags?: Array<{ name: string; value: string }> } }).metadata.tags ?? [];
  return tags.find((t) => t.name === MARKER_TAG)?.value;
}

describe("a re-sent create that meets the earlier attempt's key (behaviour 3)", () => {
  it("a list lagging past the grace: the error names the earlier attempt's marker and name, never 'choose another name'", async () => {
    // The first create commits but its answer is a 429; the key list keeps answering without it.
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, retryAfter: "0" } });
    emu.injectFault({ cloud: "nscale", method: "GET", path: listRoute, times: Infinity, action: { kind: "status", status: 200, body: [] } });
    const inputs = await nscaleKey(); // no `name`: a generated one
    const err = await failure(provider.create(inputs));
    const live = emu.inspect().nscale.keys.filter((k) => !k.deleting);
    expect(live).toHaveLength(1); // the earlier attempt's key: the orphan the message must name
    const marker = await markerOf(live[0]!.id);
    expect(err.message).not.toMatch(/Choose another `name`/);
    expect(err.message).toContain(`"${String(inputs.name)}"`);
    expect(err.message).toContain(`${MARKER_TAG} is ${marker}`);
    expect(err.message).toMatch(/delete it/);
    expect(emu.requests.filter((r) => r.method === "POST").length).toBe(2);
  });

  it("a list that shows the earlier attempt's key within the grace: it is found by its marker and deleted", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, retryAfter: "0" } });
    emu.injectFault({ cloud: "nscale", method: "GET", path: listRoute, times: 1, action: { kind: "status", status: 200, body: [] } });
    const err = await failure(provider.create(await nscaleKey()));
    expect(err).toMatchObject({ reason: { code: "nscale.create_cleaned" } });
    expect(emu.inspect().nscale.keys.filter((k) => !k.deleting)).toEqual([]);
  });
});
