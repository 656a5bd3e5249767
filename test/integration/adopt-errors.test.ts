/**
 * Issue 16, behaviour 11: adoption errors say exactly what happened. Adopting an Nscale key whose
 * provisioning ended in `error` (or that never becomes provisioned within the timeout) records
 * nothing in state, so the error must say that, and what the user can do: never the create path's
 * "was created … recorded in state … run `pulumi destroy`", which is false for adoption (nothing
 * is in state, so destroy would not touch the key, and this library did not create it).
 * Both cases failed before this change (the create path's wording, shared through waitProvisioned).
 */
import { describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { PartialCreateError } from "../../src/provider/abi";
import * as provider from "../../src/provider";
import { keyInputs, useProviderEmulator, failure } from "./support";

let emu: Emulator;
const SHIM = "exports.handler = () => shim; // adopt-errors";
useProviderEmulator((e) => (emu = e), { emulator: { nscale: { pollsUntilProvisioned: 1, notFoundGetsAfterCreate: 0 } } });
const { nscaleKey } = keyInputs(() => emu, SHIM);

/** What no adoption error may say: it records nothing, and the key is not this library's to destroy. */
function expectNothingRecorded(err: Error, keyId: string): void {
  expect(err).not.toBeInstanceOf(PartialCreateError);
  expect(err.message).toContain(keyId);
  expect(err.message).toMatch(/^adopt\.keyId: /);
  expect(err.message).toMatch(/Nothing was recorded in state/);
  expect(err.message).not.toMatch(/was created/);
  expect(err.message).not.toMatch(/recorded in state (with|so)/);
  expect(err.message).not.toMatch(/pulumi destroy/);
}

describe("adopting an Nscale key that cannot be adopted (behaviour 11)", () => {
  it("a key whose provisioning ended in error: nothing recorded, the key left alone, what to do named", async () => {
    const { id } = await provider.create(await nscaleKey({ resourceName: "made-elsewhere" }));
    emu.setNscaleKeyStatus(id, "error");
    const err = await failure(provider.create(await nscaleKey({ resourceName: "adopter", adopt: { keyId: id } })));
    expectNothingRecorded(err, id);
    expect(err.message).toMatch(/provisioning status is "error"/);
    expect(err.message).toMatch(/remove `adopt`/);
    expect(err.message).toMatch(/delete this key yourself if you no longer need it/);
    // Adoption deletes nothing: the key is still there.
    expect(emu.inspect().nscale.keys.some((k) => k.id === id && !k.deleting)).toBe(true);
  });

  it("a key still provisioning at the timeout: nothing recorded, run up again or raise the timeout", async () => {
    emu.configure({ nscale: { pollsUntilProvisioned: 1_000_000 } });
    const saved = process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS;
    process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = "0.2";
    try {
      const partial = await failure(provider.create(await nscaleKey({ resourceName: "made-elsewhere" })));
      expect(partial).toBeInstanceOf(PartialCreateError);
      const id = (partial as PartialCreateError).id;
      const err = await failure(provider.create(await nscaleKey({ resourceName: "adopter", adopt: { keyId: id } })));
      expectNothingRecorded(err, id);
      expect(err.message).toMatch(/still provisioning after 0\.2 s/);
      expect(err.message).toMatch(/Run `pulumi up` again to adopt it once it is provisioned, or raise object-storage-keys:provisioningTimeoutSeconds/);
    } finally {
      process.env.NSCALE_PROVISIONING_TIMEOUT_SECONDS = saved;
    }
  });
});
