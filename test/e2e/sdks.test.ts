/**
 * The SDKs generated from schema.json (sdk/nodejs, sdk/python, sdk/go; scripts/gen-sdks):
 * regenerating them changes nothing and each compiles as far as this machine allows
 * (scripts/check-sdks: python3 -m compileall, go build + go vet against
 * github.com/pulumi/pulumi/sdk/v3, tsc), and the TypeScript SDK drives a real program end to end:
 * an Automation API program declares a key and a bucket through the generated classes, the engine
 * runs the native plugin from PATH, credentials come from the plugin's secret config.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { exec, REPO_ROOT } from "./consumer-support";
import { transcript } from "./examples-support";
import { createTestStack, suiteGate, type TestStack } from "./harness";
import { BLANK_PROVIDER_ENV, expectNoPlaintext, hostupKeyIds, newSince, startSuiteEmulator } from "./support";
import { exportStackEncrypted } from "./harness";

/** The part of the generated SDK's surface this program uses (its own types are checked by check-sdks). */
type KeyOutputs = Record<"cloud" | "s3Endpoint" | "region" | "accessKeyId" | "secretAccessKey", pulumi.Output<string>>;
interface GeneratedSdk {
  ObjectStorageAccessKey: new (name: string, args: Record<string, unknown>) => KeyOutputs;
  ObjectStorageBucket: new (name: string, args: Record<string, unknown>) => { bucketName: pulumi.Output<string> };
}

describe("generated SDKs", () => {
  it("regenerating them from schema.json changes nothing, and each compiles (check-sdks)", async () => {
    const r = await exec("bash", [path.join(REPO_ROOT, "scripts", "check-sdks")], { cwd: REPO_ROOT, timeoutMs: 900_000 });
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/check-sdks: 4 passed, 0 failed, 0 skipped/);
  }, 900_000);
});

describe("the generated TypeScript SDK drives a real program on the native plugin", () => {
  const gate = suiteGate();
  let emu: Emulator;
  let ts: TestStack | undefined;
  beforeAll(async () => {
    emu = await startSuiteEmulator();
    if (!(await gate.ready())) return;
    // Built as its own `npm run build` would (tsc with the SDK's tsconfig), inside the repo so that
    // @pulumi/pulumi resolves from its node_modules; package.json beside it, which the SDK reads.
    const built = path.join(REPO_ROOT, ".pulumi-local", "sdk-nodejs-build");
    await fs.rm(built, { recursive: true, force: true });
    const tsc = await exec(
      process.execPath,
      [path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(REPO_ROOT, "sdk", "nodejs"), "--outDir", built],
      { cwd: REPO_ROOT },
    );
    expect(tsc.code, transcript(tsc)).toBe(0);
    await fs.copyFile(path.join(REPO_ROOT, "sdk", "nodejs", "package.json"), path.join(built, "package.json"));
    ts = await createTestStack({
      projectName: "sdk-program",
      program: async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const osk = require(path.join(REPO_ROOT, ".pulumi-local", "sdk-nodejs-build")) as GeneratedSdk;
        const key = new osk.ObjectStorageAccessKey("sdk-key", { cloud: "hostup" });
        const bucket = new osk.ObjectStorageBucket("sdk-bucket", {
          cloud: key.cloud,
          s3Endpoint: key.s3Endpoint,
          region: key.region,
          accessKeyId: key.accessKeyId,
          secretAccessKey: key.secretAccessKey,
        });
        return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, bucketName: bucket.bucketName };
      },
      // The plugin from the repo's bin/ on PATH; the URL from the environment, the key from config.
      envVars: { ...BLANK_PROVIDER_ENV, PATH: [path.join(REPO_ROOT, "bin"), process.env.PATH].join(path.delimiter), HOSTUP_API_URL: emu.hostupApiUrl },
      config: { "object-storage-keys:hostupApiKey": { value: emu.hostupApiKey, secret: true } },
    });
    gate.set(ts);
  });
  afterAll(async () => {
    await ts?.cleanup();
    await emu?.close();
  });

  it("up (secret output is a secret and the key's own), then destroy leaves nothing", async (ctx) => {
    const { stack } = gate.stack(ctx);
    const before = hostupKeyIds(emu);
    const up = await stack.up();
    expect(up.outputs.secretAccessKey?.secret).toBe(true);
    const accessKeyId = up.outputs.accessKeyId?.value as string;
    expect(up.outputs.secretAccessKey?.value).toBe(emu.secretFor(accessKeyId));
    expect(emu.inspect().hostup.buckets.map((b) => b.name)).toContain(up.outputs.bucketName?.value);
    expectNoPlaintext(await exportStackEncrypted(ts!), { secret: up.outputs.secretAccessKey?.value as string, apiKey: emu.hostupApiKey });
    await stack.destroy();
    expect(newSince(before, hostupKeyIds(emu))).toEqual([]);
  });
});
