/**
 * Issue 16, behaviour 8: a HostUp refresh trusts the S3 endpoint recorded in state only while
 * HostUp still names it. `InvalidAccessKeyId` from that endpoint means "deleted outside Pulumi"
 * only when the service status reports the same endpoint now; otherwise the key stays and the
 * error says the endpoint changed. The first case failed before this change (the key was dropped).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import * as provider from "../../src/provider";
import { keyInputs, useProviderEmulator, failure } from "./support";

let emu: Emulator;
const SHIM = "exports.handler = () => shim;";
useProviderEmulator((e) => (emu = e));
const { hostupKey } = keyInputs(() => emu, SHIM);

/** An S3 endpoint that knows no key at all: every request is S3's own InvalidAccessKeyId. */
let oldS3 = "";
const server = createServer((_req, res) => {
  res.writeHead(403, { "content-type": "application/xml" });
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message></Error>',
  );
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  oldS3 = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("a HostUp refresh trusts the recorded S3 endpoint only while HostUp names it (behaviour 8)", () => {
  it("InvalidAccessKeyId from an endpoint HostUp no longer reports keeps the key and says the endpoint changed", async () => {
    const { id, outs } = await provider.create(await hostupKey());
    const recorded = { ...outs, s3Endpoint: oldS3 };
    const err = await failure(provider.read(id, recorded));
    expect(err.message).toContain(oldS3);
    expect(err.message).toContain(emu.s3Url.replace(/\/$/, ""));
    expect(err.message).toMatch(/endpoint changed/i);
    expect(err.message).toMatch(/kept/);
    expect(emu.inspect().hostup.keys.map((k) => k.accessKey)).toContain(id);
  });

  it("InvalidAccessKeyId from the endpoint HostUp reports now is still 'deleted outside Pulumi'", async () => {
    const { id, outs } = await provider.create(await hostupKey());
    emu.deleteOutOfBand("hostup", id);
    expect(await provider.read(id, outs)).toEqual({});
  });
});
