/**
 * Proves the e2e harness works against the real Pulumi engine: an inline
 * Automation API program with a trivial dynamic resource goes through
 * up → preview (no changes) → refresh → destroy on a file:// backend.
 * No project code is imported: the provider is a plain object literal.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { collect, createTestStack, getEngine, readStateFile, type TestStack } from "./harness";

const TIMEOUT = 180_000;
const SECRET_OUTPUT = "smoke-secret-output-4f9c2d";
const SECRET_CONFIG = "smoke-secret-config-8b1e7a";

// Trivial provider: self-contained (no captured imports or variables) so its
// closure serializes the same under vitest's transform as under plain Node.
const smokeProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { name: string }) {
    return { id: `smoke-${inputs.name}`, outs: { name: inputs.name, greeting: `hello ${inputs.name}` } };
  },
  async delete() {},
};

class Smoke extends pulumi.dynamic.Resource {
  declare readonly greeting: pulumi.Output<string>;
  constructor(name: string, args: { name: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
    super(smokeProvider, name, { ...args, greeting: undefined }, opts, "smoke", "Smoke");
  }
}

const program = async (): Promise<Record<string, unknown>> => {
  const r = new Smoke("smoke", { name: "world" });
  return { greeting: r.greeting, resourceId: r.id, secretOut: pulumi.secret(SECRET_OUTPUT) };
};

describe("engine smoke (real CLI, inline program, file backend)", () => {
  let skipReason: string | undefined;
  let ts: TestStack | undefined;

  beforeAll(async () => {
    const engine = await getEngine();
    if ("skip" in engine) {
      skipReason = engine.skip;
      return;
    }
    ts = await createTestStack({
      projectName: "osk-engine-smoke",
      program,
      // A secret provider-namespaced config value: set without a language host,
      // and it must reach state only as ciphertext.
      config: { "nscale:apiToken": { value: SECRET_CONFIG, secret: true } },
    });
  }, TIMEOUT);

  afterAll(async () => {
    await ts?.cleanup();
  });

  function stackOrSkip(ctx: { skip: (note?: string) => never }): TestStack {
    if (skipReason !== undefined) ctx.skip(skipReason);
    if (!ts) throw new Error("stack was not created");
    return ts;
  }

  it(
    "up creates the resource and returns a secret stack output",
    async (ctx) => {
      const { stack, backendDir } = stackOrSkip(ctx);
      const out = collect();
      const res = await stack.up({ onOutput: out.onOutput, onError: out.onError });

      expect(res.summary.result).toBe("succeeded");
      expect(res.outputs["greeting"]).toEqual({ value: "hello world", secret: false });
      expect(res.outputs["resourceId"]).toEqual({ value: "smoke-world", secret: false });
      expect(res.outputs["secretOut"]).toEqual({ value: SECRET_OUTPUT, secret: true });
      expect(res.summary.resourceChanges?.["create"]).toBeGreaterThanOrEqual(2); // stack + Smoke
      // The CLI display simplifies type tokens (`pkg:mod/sub:T` -> `pkg:mod:T`).
      expect(out.text()).toContain("pulumi-nodejs:dynamic:Smoke smoke created");

      const cfg = await stack.getConfig("nscale:apiToken");
      expect(cfg).toEqual({ value: SECRET_CONFIG, secret: true });

      const state = await readStateFile(backendDir);
      expect(state).toContain("pulumi-nodejs:dynamic/smoke:Smoke");
      expect(state).not.toContain(SECRET_OUTPUT);
      expect(state).not.toContain(SECRET_CONFIG);
      const everything = await readStateFile(backendDir, ".pulumi");
      expect(everything).not.toContain(SECRET_OUTPUT);
      expect(everything).not.toContain(SECRET_CONFIG);
    },
    TIMEOUT,
  );

  it(
    "preview then reports no changes",
    async (ctx) => {
      const { stack } = stackOrSkip(ctx);
      const res = await stack.preview({ expectNoChanges: true });
      const changes = Object.entries(res.changeSummary).filter(([op, n]) => op !== "same" && n > 0);
      expect(changes).toEqual([]);
      expect(res.changeSummary["same"]).toBeGreaterThanOrEqual(2);
    },
    TIMEOUT,
  );

  it(
    "refresh succeeds and changes nothing",
    async (ctx) => {
      const { stack } = stackOrSkip(ctx);
      const res = await stack.refresh({ expectNoChanges: true });
      expect(res.summary.result).toBe("succeeded");
      const outputs = await stack.outputs();
      expect(outputs["greeting"]?.value).toBe("hello world");
      expect(outputs["secretOut"]).toEqual({ value: SECRET_OUTPUT, secret: true });
    },
    TIMEOUT,
  );

  it(
    "destroy removes everything",
    async (ctx) => {
      const { stack } = stackOrSkip(ctx);
      const res = await stack.destroy();
      expect(res.summary.result).toBe("succeeded");
      expect(res.summary.resourceChanges?.["delete"]).toBeGreaterThanOrEqual(2);
      const deployment = await stack.exportStack();
      const resources = (deployment.deployment as { resources?: unknown[] }).resources ?? [];
      expect(resources).toEqual([]);
    },
    TIMEOUT,
  );
});
