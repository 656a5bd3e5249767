/**
 * Code generation through the engine and the repository's stand-in Node.js language host
 * (tools/pulumi/language-nodejs: GeneratePackage, GenerateProgram): `pulumi package gen-sdk
 * --language nodejs` from the plugin itself gives exactly the committed sdk/nodejs, and `pulumi
 * import --out <file>.ts` in a TypeScript project writes the declaration of the imported key, and
 * `pulumi convert --from yaml --language typescript` (with pulumi-converter-yaml) writes a program
 * on the SDK.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { emulatorEnv, type Emulator } from "../../src/emulator";
import { ensureTool, REPO_ROOT } from "./consumer-support";
import { pulumiInFolder, useSuiteEngine } from "./examples-support";
import { prepareLocalBackend } from "./harness";
import { BLANK_PROVIDER_ENV, startSuiteEmulator } from "./support";

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = await fs.readFile(file, "utf8");
  }
  return out;
}

describe("code generation through the stand-in Node.js language host", () => {
  const suite = useSuiteEngine("osk-codegen-");
  let emu: Emulator;
  beforeAll(async () => {
    emu = await startSuiteEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it("pulumi package gen-sdk --language nodejs from the plugin equals the committed sdk/nodejs", async (ctx) => {
    const eng = suite.need(ctx);
    const out = path.join(suite.dir, "gen-sdk");
    const { ok } = pulumiInFolder(eng, suite.dir, { PULUMI_SKIP_UPDATE_CHECK: "true" });
    await ok("package", "gen-sdk", path.join(REPO_ROOT, "bin", "pulumi-resource-object-storage-keys"), "--language", "nodejs", "--out", out);
    // The CLI leaves the version as a placeholder for the publisher; scripts/gen-sdks writes the schema's.
    const versionless = (files: Record<string, string>) => {
      const pkg = JSON.parse(files["package.json"]!) as { version?: string; pulumi?: { version?: string } };
      delete pkg.version;
      delete pkg.pulumi?.version;
      return { ...files, "package.json": pkg };
    };
    expect(versionless(await filesUnder(path.join(out, "nodejs")))).toEqual(versionless(await filesUnder(path.join(REPO_ROOT, "sdk", "nodejs"))));
  });

  it("pulumi import --out <file>.ts writes the TypeScript declaration of an imported key", async (ctx) => {
    const eng = suite.need(ctx);
    const res = await request(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
      method: "POST",
      headers: { authorization: `Bearer ${emu.nscaleToken}`, "content-type": "application/json" },
      body: JSON.stringify({ metadata: { name: "ts-import" }, spec: { identityPolicy: "bucket-admin" } }),
    });
    const key = (await res.body.json()) as { metadata: { id: string }; spec: { secret: string } };
    emu.setNscaleKeyStatus(key.metadata.id, "provisioned");

    const dir = path.join(suite.dir, "ts-project");
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: ts-import\nruntime: nodejs\n");
    const backend = await prepareLocalBackend(path.join(suite.dir, "ts-state"), "codegen-test");
    const env = {
      ...BLANK_PROVIDER_ENV,
      ...backend.env,
      PATH: [path.join(REPO_ROOT, "bin"), process.env.PATH].join(path.delimiter),
      ...emulatorEnv(emu),
      OSK_IMPORT_SECRET_ACCESS_KEY: key.spec.secret,
    };
    const { ok } = pulumiInFolder(eng, dir, env);
    await ok("stack", "init", "dev");
    const file = path.join(dir, "imported.ts");
    await ok("import", "object-storage-keys:index:ObjectStorageAccessKey", "imported", `nscale/${emu.endpointId}/${key.metadata.id}`, "--yes", "--out", file);
    const code = await fs.readFile(file, "utf8");
    expect(code).toMatch(/new [\w_]+\.ObjectStorageAccessKey\("imported", \{/);
    expect(code).toContain('name: "ts-import"');
    expect(code).toContain(`endpointId: "${emu.endpointId}"`);
    expect(code).not.toContain(key.spec.secret);
  });

  it("pulumi convert --from yaml --language typescript --generate-only turns examples/yaml-bucket-app into a TypeScript program on the SDK", async (ctx) => {
    const eng = suite.need(ctx);
    const yamlBin = await ensureTool("ensure-pulumi-yaml"); // holds pulumi-converter-yaml too
    const src = path.join(suite.dir, "convert-src");
    await fs.mkdir(src, { recursive: true });
    const program = await fs.readFile(path.join(REPO_ROOT, "examples", "yaml-bucket-app", "Pulumi.yaml"), "utf8");
    await fs.writeFile(path.join(src, "Pulumi.yaml"), program.replace("path: ../../bin", `path: ${path.join(REPO_ROOT, "bin")}`));
    const out = path.join(suite.dir, "convert-out");
    const env = { PULUMI_HOME: path.join(suite.dir, "convert-home"), PATH: [yamlBin, process.env.PATH].join(path.delimiter) };
    const { ok } = pulumiInFolder(eng, src, env);
    // --generate-only: without it, convert installs the generated SDK's package from npm, where it is not.
    await ok("convert", "--from", "yaml", "--language", "typescript", "--generate-only", "--out", out);
    const code = await fs.readFile(path.join(out, "index.ts"), "utf8");
    expect(code).toContain('import * as object_storage_keys from "@pulumi-object-storage-keys/sdk";');
    expect(code).toMatch(/new object_storage_keys\.ObjectStorageAccessKey\("appKey", \{\s*cloud: "hostup"/);
    expect(code).toContain("secretAccessKey: appKey.secretAccessKey");
  });
});
