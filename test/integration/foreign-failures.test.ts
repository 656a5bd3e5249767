/**
 * Failure shapes this project did not design (issue 10): a proxy's plain-text 404, an HTML page, a
 * body that reflects request headers, a wrong URL, a redirect, a 429 after a commit, a skewed clock,
 * two stacks racing for one name. The provider is called as the engine calls it, over loopback.
 * Each case checks what is recorded (state kept, nothing deleted, nothing leaked), not only wording.
 */
import { describe, expect, it } from "vitest";
import { NscaleClient } from "../../src/clouds/nscale/client";
import type { Emulator } from "../../src/emulator";
import * as provider from "../../src/provider";
import { S3Client } from "../../src/s3/client";
import { keyInputs, liveHostupKeys, liveNscaleKeys, useProviderEmulator, failure } from "./support";

let emu: Emulator;
const SHIM = "exports.handler = () => shim;";
// The emulator is reconfigured by cases; reset() brings back these start-up options.
useProviderEmulator((e) => (emu = e), { emulator: { nscale: { pollsUntilProvisioned: 1, notFoundGetsAfterCreate: 0 } } });
const { nscaleKey, hostupKey } = keyInputs(() => emu, SHIM);
const liveNscale = () => liveNscaleKeys(emu);
const liveHostup = () => liveHostupKeys(emu);
const keyRoute = /\/accesskeys\/[^/]+$/;

describe("a key counts as gone only on the API's own not-found", () => {
  const foreign404 = { kind: "foreign", status: 404, body: { type: "text" } } as const;

  it.each([
    ["a proxy's plain-text 404", foreign404],
    ["an HTML error page", { kind: "foreign", status: 404, body: { type: "html" } }],
    ["a plain-text 401 from another upstream", { kind: "foreign", status: 401, body: { type: "text" } }],
    ["a plain-text 403", { kind: "foreign", status: 403, body: { type: "text" } }],
    ["a redirect", { kind: "redirect", status: 302, location: "/moved{path}" }],
  ] as const)("Nscale refresh keeps the key on %s", async (_t, action) => {
    const { id, outs } = await provider.create(await nscaleKey());
    emu.injectFault({ cloud: "nscale", method: "GET", path: keyRoute, times: Infinity, action });
    const err = await failure(provider.read(id, outs));
    expect(err.message).toMatch(/check the API URL|token|redirect|HTTP 3\d\d/i);
    expect(liveNscale()).toContain(id);
  });

  it("Nscale destroy fails (the key stays in state) on a proxy's 404, and the key still exists", async () => {
    const { id, outs } = await provider.create(await nscaleKey());
    emu.injectFault({ cloud: "nscale", method: "DELETE", path: keyRoute, action: foreign404 });
    const err = await failure(provider.delete(id, outs));
    expect(err.message).toMatch(/did not come from the Nscale API.*check the API URL/);
    expect(liveNscale()).toContain(id);
  });

  it("Nscale refresh and destroy with apiUrl pointing at a wrong path fail instead of dropping the key", async () => {
    const { id, outs } = await provider.create(await nscaleKey());
    const wrong = { ...outs, apiUrl: `${emu.nscaleApiUrl}/wrong-prefix` };
    await failure(provider.read(id, wrong));
    await failure(provider.delete(id, wrong));
    expect(liveNscale()).toContain(id);
  });

  it("Nscale: a real out-of-band deletion still refreshes as gone (the endpoint confirms)", async () => {
    const { id, outs } = await provider.create(await nscaleKey());
    emu.deleteOutOfBand("nscale", id);
    await new Promise((r) => setTimeout(r, 50));
    expect(await provider.read(id, outs)).toEqual({});
  });

  it("HostUp destroy fails on a proxy's 404 and the key still exists", async () => {
    await provider.create(await hostupKey()); // a second key, so the last-key rule is not what fails
    const { id, outs } = await provider.create(await hostupKey());
    emu.injectFault({ cloud: "hostup", method: "DELETE", action: foreign404 });
    const err = await failure(provider.delete(id, outs));
    expect(err.message).toMatch(/did not come from the HostUp API/);
    expect(liveHostup()).toContain(id);
  });

  it("HostUp refresh of a key S3 no longer knows fails when the HostUp API does not answer with these credentials", async () => {
    const { id, outs } = await provider.create(await hostupKey());
    emu.deleteOutOfBand("hostup", id);
    const err = await failure(provider.read(id, { ...outs, apiUrl: `${emu.url}/not-hostup` }));
    expect(err.message).toMatch(/HostUp/);
    expect(await provider.read(id, outs)).toEqual({}); // with the right URL it is confirmed gone
  });

  it("changing apiUrl in place is verified with an authenticated read before it is stored", async () => {
    const { id, outs } = await provider.create(await nscaleKey());
    const news = await nscaleKey({ apiUrl: `${emu.nscaleApiUrl}/typo` });
    await failure(provider.update(id, outs, news));
    const good = await nscaleKey({ apiUrl: emu.nscaleApiUrl });
    expect((await provider.update(id, outs, good)).outs).toMatchObject({ apiUrl: emu.nscaleApiUrl, secretAccessKey: outs.secretAccessKey });
  });
});

describe("lost-response cleanup deletes only its own key (ownership marker)", () => {
  it("never deletes another stack's key with the same name created meanwhile", async () => {
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "status", status: 503 } });
    const first = failure(provider.create(await nscaleKey({ name: "shared-name" })));
    // The other stack's create lands while the first one's cleanup is looking.
    while (!emu.requests.some((r) => r.method === "POST")) await new Promise((r) => setTimeout(r, 5));
    const other = await new NscaleClient({ apiUrl: emu.nscaleApiUrl, token: emu.nscaleToken }).createAccessKey(emu.endpointId, {
      metadata: { name: "shared-name" },
      spec: { identityPolicy: "bucket-admin" },
    });
    const err = await first;
    expect(err.message).toMatch(/most likely nothing was created/);
    expect(liveNscale()).toContain(other.metadata.id);
  });

  it.each([5_000, -5_000])("finds and deletes its own orphan with the server's clock %i ms off", async (offset) => {
    emu.setClockOffset(offset);
    emu.injectFault({ cloud: "nscale", method: "POST", action: { kind: "dropAfterCommit" } });
    const err = await failure(provider.create(await nscaleKey()));
    expect(err.message).toMatch(/deleted again .* found by this create's marker/);
    await new Promise((r) => setTimeout(r, 50));
    expect(liveNscale()).toEqual([]);
  });
});

describe("credentials never reach error text", () => {
  it.each([
    ["nscale", "POST", "text"],
    ["nscale", "GET", "html"],
    ["hostup", "POST", "text"],
    ["hostup", "GET", "html"],
  ] as const)("%s %s: a gateway page reflecting the request headers (%s) is summarised, never copied", async (cloud, method, format) => {
    emu.injectFault({ cloud, method, times: Infinity, action: { kind: "foreign", status: 400, body: { type: "echoHeaders", format } } });
    const err = await failure(provider.create(await (cloud === "nscale" ? nscaleKey() : hostupKey())));
    const token = cloud === "nscale" ? emu.nscaleToken : emu.hostupApiKey;
    expect(err.message).not.toContain(token);
    expect(err.stack ?? "").not.toContain(token);
    expect(err.message).toMatch(/not the API's own/);
  });

  it("the redactor removes a credential whatever put it in the message", async () => {
    const token = `${emu.nscaleToken}`;
    emu.injectFault({
      cloud: "nscale",
      method: "GET",
      times: Infinity,
      action: { kind: "status", status: 500, body: { error: "server_error", error_description: `bad token ${token}` } },
    });
    const err = await failure(provider.create(await nscaleKey()));
    expect(err.message).not.toContain(token);
    expect(err.message).toContain("[redacted]");
  });
});

describe("credential hygiene", () => {
  it("a token with a trailing newline (read from a file) is trimmed and works", async () => {
    process.env.NSCALE_API_TOKEN = `${emu.nscaleToken}\n`;
    try {
      const { id } = await provider.create(await nscaleKey());
      expect(liveNscale()).toContain(id);
    } finally {
      process.env.NSCALE_API_TOKEN = emu.nscaleToken;
    }
  });

  it("a token with a line break inside fails at check, naming the setting, before anything is sent", async () => {
    process.env.NSCALE_API_TOKEN = `${emu.nscaleToken.slice(0, 4)}\n${emu.nscaleToken.slice(4)}`;
    try {
      const r = await provider.check({}, { cloud: "nscale", resourceName: "admin", endpointId: emu.endpointId, identityPolicy: "bucket-admin" });
      expect(r.failures).toEqual([
        expect.objectContaining({ property: "apiToken (secret)", reason: expect.stringMatching(/NSCALE_API_TOKEN contains control characters/) }),
      ]);
      expect(emu.requests).toHaveLength(0);
    } finally {
      process.env.NSCALE_API_TOKEN = emu.nscaleToken;
    }
  });
});

describe("forceDestroy at scale", () => {
  it("empties and deletes an Nscale bucket of 2,500 objects with &, <, ', spaces in their keys", async () => {
    const { outs } = await provider.create(await nscaleKey());
    const b = await provider.bucket.check(
      {},
      {
        cloud: "nscale",
        resourceName: "data",
        bucketName: "force-destroy-scale",
        s3Endpoint: outs.s3Endpoint,
        accessKeyId: outs.accessKeyId,
        secretAccessKey: outs.secretAccessKey,
        forceDestroy: true,
      },
    );
    expect(b.failures).toEqual([]);
    const created = await provider.bucket.create(b.inputs);
    const s3 = new S3Client({
      endpoint: String(outs.s3Endpoint),
      region: "us-east-1",
      credentials: { accessKeyId: String(outs.accessKeyId), secretAccessKey: String(outs.secretAccessKey) },
    });
    const names = Array.from({ length: 2_500 }, (_, i) => ["a&b", "x<y", "it's", "with space", "plain"][i % 5] + `/${i}`);
    for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((n) => s3.putObject("force-destroy-scale", n, "x")));
    await provider.bucket.delete(created.id, created.outs);
    expect(emu.inspect().s3.buckets.map((x) => x.name)).not.toContain("force-destroy-scale");
  });
});

describe("adoption says exactly what was and was not recorded", () => {
  it("HostUp: adopting a key S3 does not know fails and records nothing", async () => {
    const err = await failure(provider.create(await hostupKey({ adopt: { keyId: "NOSUCHKEY00000000000", secretAccessKey: "x".repeat(40) } })));
    expect(err.message).toMatch(/adopt.secretAccessKey .*Nothing was recorded in state/);
  });

  it("Nscale: adopting an unknown key ID fails and records nothing", async () => {
    const err = await failure(provider.create(await nscaleKey({ adopt: { keyId: "00000000-0000-0000-0000-000000000000" } })));
    expect(err.message).toMatch(/no access key .* Nothing was recorded in state/);
  });
});
