/**
 * Issue 16, behaviour 3: an Nscale create is sent twice only when the first provably did not
 * commit. When Nscale's key list lags past the grace period, a re-sent create meets the earlier
 * attempt's key (409): the library must not tell the user to "choose another name" (they may have
 * chosen none); it names the earlier attempt's marker and name, so no orphan goes unmentioned.
 * The first case failed before this change (the 409's "Choose another `name`" hint, no marker).
 * The last two failed before the create searched for its marker over the whole grace before a
 * re-send (one empty search sufficed: the re-send met the lagging key's name, or came at once).
 */
import { describe, expect, it } from "vitest";
import { MARKER_TAG } from "../../src/clouds/nscale/reasons";
import type { Emulator } from "../../src/emulator";
import * as provider from "../../src/provider";
import { FOREIGN_LOOKALIKES } from "../fixtures/foreign-error-bodies";
import { call, FAST_PROVIDER_KNOBS, keyInputs, useProviderEmulator, failure } from "./support";

let emu: Emulator;
const SHIM = "exports.handler = () => shim;";
useProviderEmulator((e) => (emu = e), { emulator: { nscale: { pollsUntilProvisioned: 1, notFoundGetsAfterCreate: 0 } } });
const { nscaleKey } = keyInputs(() => emu, SHIM);
const listRoute = /\/accesskeys$/;
const GRACE_MS = Number(FAST_PROVIDER_KNOBS.NSCALE_RECONCILE_GRACE_SECONDS) * 1000;

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

  it("a list that shows the earlier attempt's key within the grace: it is found by its marker and deleted before the create is re-sent", async () => {
    // The list lags for a few polls, well within the grace (0.5 s). Before the full-grace search,
    // one empty search let the create be re-sent, which met the earlier key's name (409).
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "afterCommit", status: 429, retryAfter: "0" } });
    emu.injectFault({ cloud: "nscale", method: "GET", path: listRoute, times: 3, action: { kind: "status", status: 200, body: [] } });
    const { id } = await provider.create(await nscaleKey());
    const log = emu.requests.filter((r) => r.cloud === "nscale" && (r.method === "POST" || r.method === "DELETE"));
    expect(log.map((r) => r.method)).toEqual(["POST", "DELETE", "POST"]); // found and deleted, then re-sent once
    expect(log[1]!.path).not.toContain(id); // the deleted key is the earlier attempt's, not the one returned
    expect(
      emu
        .inspect()
        .nscale.keys.filter((k) => !k.deleting)
        .map((k) => k.id),
    ).toEqual([id]);
  });

  it("after a foreign 429 (RFC 9457 problem) that committed nothing, the create is re-sent only once the marker search has run over the whole grace", async () => {
    emu.injectFault({
      cloud: "nscale",
      method: "POST",
      action: {
        kind: "status",
        status: 429,
        retryAfter: "0",
        body: FOREIGN_LOOKALIKES["an RFC 9457 problem (about:blank)"],
        headers: { "content-type": "application/problem+json" },
      },
    });
    const { id } = await provider.create(await nscaleKey());
    const posts = emu.requests.filter((r) => r.cloud === "nscale" && r.method === "POST");
    expect(posts).toHaveLength(2);
    const searches = emu.requests.filter((r) => r.method === "GET" && listRoute.test(r.path) && r.at > posts[0]!.at && r.at < posts[1]!.at);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(GRACE_MS);
    expect(searches.length).toBeGreaterThan(1);
    expect(
      emu
        .inspect()
        .nscale.keys.filter((k) => !k.deleting)
        .map((k) => k.id),
    ).toEqual([id]);
  });
});
