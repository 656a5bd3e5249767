/**
 * examples/yaml-bucket-app as a user runs it: `pulumi up` in the folder (a temp copy, its
 * `plugins.providers[].path` pointing back at the repo's bin/, the development path), the HostUp
 * API key as the plugin's secret config, against the emulator. Then the app configuration the
 * example exports (its `environment` map) writes an object through S3 and reads it back, every
 * output holding the secret is masked, nothing is stored in plaintext, and destroy leaves nothing.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { s3RoundTrip } from "../../scripts/lib/stack-app";
import { ensureTool } from "./consumer-support";
import { pulumiInFolder, REPO_ROOT, useSuiteEngine } from "./examples-support";
import { prepareLocalBackend, readStateFile } from "./harness";
import { BLANK_PROVIDER_ENV, expectNoPlaintext, hostupKeyIds, newSince, startSuiteEmulator } from "./support";

describe("examples/yaml-bucket-app (Pulumi YAML, native plugin, real engine)", () => {
  const suite = useSuiteEngine("osk-examples-yaml-");
  let emu: Emulator;
  let yamlBin: string;
  beforeAll(async () => {
    emu = await startSuiteEmulator();
    yamlBin = await ensureTool("ensure-pulumi-yaml");
  }, 1_200_000); // a cold pulumi-language-yaml build (~8 min) may still be running in the background
  afterAll(async () => {
    await emu?.close();
  });

  it("up, S3 round trip with the exported environment, secrets masked and encrypted, destroy", async (ctx) => {
    const eng = suite.need(ctx);
    const dir = path.join(suite.dir, "examples", "yaml-bucket-app");
    await fs.mkdir(dir, { recursive: true });
    const source = await fs.readFile(path.join(REPO_ROOT, "examples", "yaml-bucket-app", "Pulumi.yaml"), "utf8");
    expect(source).toContain("path: ../../bin");
    await fs.writeFile(path.join(dir, "Pulumi.yaml"), source.replace("path: ../../bin", `path: ${path.join(REPO_ROOT, "bin")}`));
    const backend = await prepareLocalBackend(suite.dir, "yaml-example-test");
    const env = { ...BLANK_PROVIDER_ENV, ...backend.env, PATH: [yamlBin, process.env.PATH].join(path.delimiter), HOSTUP_API_URL: emu.hostupApiUrl };
    const { ok, consoleText } = pulumiInFolder(eng, dir, env);
    const before = hostupKeyIds(emu);

    await ok("stack", "init", "dev");
    await ok("config", "set", "--secret", "object-storage-keys:hostupApiKey", emu.hostupApiKey);
    await ok("up", "--yes");
    const masked = JSON.parse((await ok("stack", "output", "--json")).stdout) as Record<string, unknown>;
    for (const secretOutput of ["secretAccessKey", "environment", "dotenv"]) expect(masked[secretOutput], secretOutput).toBe("[secret]");
    const shown = JSON.parse((await ok("stack", "output", "--json", "--show-secrets")).stdout) as {
      environment: Record<string, string>;
      dotenv: string;
      secretAccessKey: string;
    };
    const e = shown.environment;
    expect(e.AWS_SECRET_ACCESS_KEY).toBe(emu.secretFor(e.AWS_ACCESS_KEY_ID!));
    expect(shown.dotenv).toContain(`AWS_SECRET_ACCESS_KEY=${e.AWS_SECRET_ACCESS_KEY}`);
    const trip = await s3RoundTrip(
      {
        s3Endpoint: e.AWS_ENDPOINT_URL_S3!,
        region: e.AWS_REGION!,
        accessKeyId: e.AWS_ACCESS_KEY_ID!,
        secretAccessKey: e.AWS_SECRET_ACCESS_KEY!,
        bucketName: e.S3_BUCKET!,
      },
      "hello.txt",
      "hello from YAML",
      { cleanUp: true },
    );
    expect(trip.bytes).toBe(15);
    expectNoPlaintext(await readStateFile(backend.backendDir, ".pulumi"), { secret: shown.secretAccessKey, hostupApiKey: emu.hostupApiKey });

    await ok("destroy", "--yes");
    expect(newSince(before, hostupKeyIds(emu))).toEqual([]);
    expectNoPlaintext(consoleText.join("\n"), { secret: shown.secretAccessKey, hostupApiKey: emu.hostupApiKey });
  });
});
