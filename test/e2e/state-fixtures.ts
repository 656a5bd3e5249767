/**
 * The state fixtures written by release 0.1.0 (test/fixtures/state-v0.1.0): loading them for
 * `pulumi stack import` into a fresh stack, and re-seeding an emulator with what those stacks'
 * resources need (keys with their ids and secrets, buckets with their objects).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";

import type { Deployment } from "@pulumi/pulumi/automation";

import type { Emulator } from "../../src/emulator";
import { EmulatorState } from "../../src/emulator/state";
import type { FixtureHoldings } from "../fixtures/state-v0.1.0/holdings";
import type { FixtureCloud } from "../fixtures/state-v0.1.0/program";
import { REPO_ROOT } from "./harness";

export { FIXTURE_CLOUDS, FIXTURE_PASSPHRASE, FIXTURE_PROJECT, fixtureProgram, type FixtureCloud } from "../fixtures/state-v0.1.0/program";
export type { FixtureHoldings };

export const STATE_FIXTURES_DIR = path.join(REPO_ROOT, "test", "fixtures", "state-v0.1.0");

export function loadHoldings(): FixtureHoldings {
  return JSON.parse(readFileSync(path.join(STATE_FIXTURES_DIR, "emulator.json"), "utf8")) as FixtureHoldings;
}

/**
 * The stack export of `cloud`'s fixture, as the engine wrote it (secrets as ciphertext under the
 * fixture's passphrase), with the emulator the state was written against replaced by `emu`: the
 * state holds its S3 URL (key `s3Endpoint`, bucket inputs), and that is the one thing that cannot
 * stay the same between two emulators on random ports. Nothing else is changed.
 */
export function loadFixtureDeployment(cloud: FixtureCloud, emu: Emulator, holdings = loadHoldings()): Deployment {
  const text = readFileSync(path.join(STATE_FIXTURES_DIR, `${cloud}.stack.json`), "utf8");
  const moved = text.split(holdings.origins.s3).join(emu.s3Url).split(holdings.origins.control).join(emu.url);
  return JSON.parse(moved) as Deployment;
}

/** The ids the fixture state refers to, per cloud. */
export function fixtureIds(holdings: FixtureHoldings): { nscale: string[]; hostup: string[]; buckets: string[] } {
  return {
    nscale: holdings.nscale.keys.map((k) => k.id).sort(),
    hostup: holdings.hostup.keys.map((k) => k.accessKey).sort(),
    buckets: holdings.buckets.map((b) => b.name).sort(),
  };
}

/** What the emulator hook is asked to take (see `seedEmulator`). */
export type EmulatorSeed = Pick<FixtureHoldings, "nscale" | "hostup" | "buckets">;

/**
 * Puts the fixture's keys (given ids, access keys, secrets, names, creation times, provisioned)
 * and buckets (with their objects) into a running emulator. Uses the emulator's `seed(...)` hook
 * when it has one; until then, the emulator's in-memory state directly (captured through the
 * snapshot that `inspect()` takes), which is as close as a test can get without that hook.
 */
export function seedEmulator(emu: Emulator, seed: EmulatorSeed): void {
  const hook = (emu as Emulator & { seed?: (s: EmulatorSeed) => void }).seed;
  if (typeof hook === "function") {
    hook.call(emu, seed);
    return;
  }
  const st = captureState(emu);
  for (const k of seed.nscale.keys) {
    if (st.nscaleKeys.has(k.id)) throw new Error(`emulator already holds Nscale key ${k.id}`);
    st.nscaleKeys.set(k.id, {
      endpointId: k.endpointId,
      id: k.id,
      name: k.name,
      description: k.description,
      identityPolicy: k.identityPolicy,
      accessKeyId: k.accessKeyId,
      secret: k.secret,
      createdAt: k.createdAt,
      provisioningStatus: k.provisioningStatus as never,
      healthStatus: k.healthStatus as never,
      failProvisioning: false,
      notFoundGetsLeft: 0,
      getsUntilProvisioned: 0,
      deleting: false,
      getsUntilGone: 0,
    });
  }
  for (const k of seed.hostup.keys) {
    if (st.hostupKeys.has(k.accessKey)) throw new Error(`emulator already holds HostUp key ${k.accessKey}`);
    st.hostupKeys.set(k.accessKey, { ...k });
  }
  for (const b of seed.buckets) {
    if (st.buckets.has(b.name)) throw new Error(`emulator already holds bucket ${b.name}`);
    const objects = new Map(
      b.objects.map((o) => {
        const body = Buffer.from(o.body, "utf8");
        return [
          o.key,
          { body, contentType: o.contentType, etag: `"${createHash("md5").update(body).digest("hex")}"`, lastModified: new Date(b.createdAt), metadata: {} },
        ] as const;
      }),
    );
    st.buckets.set(b.name, {
      owner: b.owner,
      name: b.name,
      createdAt: b.createdAt,
      ...(b.endpointId !== undefined ? { endpointId: b.endpointId } : {}),
      objects,
    });
  }
}

function captureState(emu: Emulator): EmulatorState {
  const proto = EmulatorState.prototype;
  const original = proto.snapshot;
  let captured: EmulatorState | undefined;
  proto.snapshot = function (this: EmulatorState) {
    // The point: keep the emulator's own state object, the one its snapshot reads.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    captured = this;
    return original.call(this);
  };
  try {
    emu.inspect();
  } finally {
    proto.snapshot = original;
  }
  if (!captured) throw new Error("could not reach the emulator's state to seed it (and it has no seed() hook)");
  return captured;
}
