/**
 * Pulumi YAML on the native plugin, under the real engine: the CLI, pulumi-language-yaml (built by
 * scripts/ensure-pulumi-yaml) and `pulumi-resource-object-storage-keys`, found on PATH because the
 * packed package is installed into the project (npm puts its `bin` in node_modules/.bin), exactly
 * as a user's install does. Both clouds' keys and a bucket, against the emulator: credentials as
 * the plugin's own secret config, bad input and a missing credential stopped at preview with the
 * property and the config key named, no plaintext secret anywhere, preview and refresh without
 * changes, a rotation created before the old key is deleted, `pulumi import` with YAML code
 * generation (the next preview changes nothing), and destroy leaving nothing behind.
 * CI runs this on CLI 3.248 + Node 20 and CLI 3.276 + Node 22 + SDK 3.276.
 */
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { emulatorEnv, type Emulator } from "../../src/emulator";
import { FIXTURES, REPO_ROOT, ensureTool, exec, npmInstall, packRepo, suiteSdkVersion } from "./consumer-support";
import { pulumiInFolder, transcript, useSuiteEngine } from "./examples-support";
import { prepareLocalBackend, readStateFile } from "./harness";
import {
  BLANK_PROVIDER_ENV,
  decodeHostupKeySegment,
  expectCreateBeforeDelete,
  expectNoPlaintext,
  hostupKeyIds,
  newSince,
  nscaleKeyIds,
  secretEnvelope,
  startSuiteEmulator,
  TIMING_ENV,
} from "./support";

const KEY_TOKEN = "object-storage-keys:index:ObjectStorageAccessKey";

/** A provisioned key made through Nscale's API, outside Pulumi. */
async function outsideNscaleKey(emu: Emulator, name: string): Promise<{ id: string; secret: string }> {
  const res = await request(`${emu.nscaleApiUrl}/api/v1/objectstorageendpoints/${emu.endpointId}/accesskeys`, {
    method: "POST",
    headers: { authorization: `Bearer ${emu.nscaleToken}`, "content-type": "application/json" },
    body: JSON.stringify({ metadata: { name }, spec: { identityPolicy: "bucket-admin" } }),
  });
  const body = (await res.body.json()) as { metadata: { id: string }; spec: { secret: string } };
  emu.setNscaleKeyStatus(body.metadata.id, "provisioned");
  return { id: body.metadata.id, secret: body.spec.secret };
}

describe("Pulumi YAML on the native plugin (installed from the packed package)", () => {
  const suite = useSuiteEngine("osk-yaml-");
  let emu: Emulator;
  let project: string;
  let pathWithPlugin: string;
  let yamlBin: string;

  beforeAll(async () => {
    emu = await startSuiteEmulator();
    if (!suite.dir) return;
    yamlBin = await ensureTool("ensure-pulumi-yaml");
    project = path.join(suite.dir, "project");
    await fs.mkdir(project, { recursive: true });
    const packed = await packRepo(suite.dir);
    await fs.writeFile(
      path.join(project, "package.json"),
      JSON.stringify(
        {
          name: "yaml-keys",
          private: true,
          dependencies: { "pulumi-object-storage-keys": `file:${packed.tarball}`, "@pulumi/pulumi": await suiteSdkVersion() },
        },
        null,
        2,
      ),
    );
    await npmInstall(project);
    await fs.copyFile(path.join(FIXTURES, "yaml-keys", "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    pathWithPlugin = [path.join(project, "node_modules", ".bin"), yamlBin, process.env.PATH].join(path.delimiter);
  }, 1_200_000); // a cold pulumi-language-yaml build (~8 min) may still be running in the background
  afterAll(async () => {
    await emu?.close();
  });

  it("preview stops on a missing credential and bad input, naming the plugin's config key and the property; then up, no plaintext, no changes, rotation, import with codegen, destroy", async (ctx) => {
    const eng = suite.need(ctx);
    const backend = await prepareLocalBackend(suite.dir, "yaml-test");
    // The credentials come from the plugin's config only; the URLs from the environment (its fallback).
    const env = { ...BLANK_PROVIDER_ENV, ...TIMING_ENV, ...backend.env, PATH: pathWithPlugin, ...emulatorEnv(emu, { credentials: false }) };
    const { pulumi, ok, consoleText } = pulumiInFolder(eng, project, env);
    const nscaleBefore = nscaleKeyIds(emu);
    const hostupBefore = hostupKeyIds(emu);

    await ok("stack", "init", "dev");
    await ok("config", "set", "endpointId", emu.endpointId);

    const noCredential = await pulumi("preview");
    expect(noCredential.code, transcript(noCredential)).not.toBe(0);
    // The engine stops at the first resource that fails check: whichever it is names its own key.
    expect(noCredential.stdout).toMatch(/pulumi config set --secret object-storage-keys:(nscaleApiToken|hostupApiKey) <value>/);
    expect(noCredential.stdout).not.toMatch(/nscale:apiToken|hostup:apiKey/);

    await ok("config", "set", "--secret", "object-storage-keys:nscaleApiToken", emu.nscaleToken);
    await ok("config", "set", "--secret", "object-storage-keys:hostupApiKey", emu.hostupApiKey);
    await ok("config", "set", "identityPolicy", "");
    const badInput = await pulumi("preview");
    expect(badInput.code, transcript(badInput)).not.toBe(0);
    expect(badInput.stdout).toMatch(/property identityPolicy value .* has a problem: must name an identity policy/);
    await ok("config", "set", "identityPolicy", "bucket-admin");

    const up = await ok("up", "--yes");
    expect(up.stdout).toMatch(/\+ {2,}object-storage-keys:index:ObjectStorageAccessKey nscaleKey created/);
    const masked = JSON.parse((await ok("stack", "output", "--json")).stdout) as Record<string, string>;
    const shown = JSON.parse((await ok("stack", "output", "--json", "--show-secrets")).stdout) as Record<string, string>;
    const secrets: Record<string, string> = {};
    for (const cloud of ["nscale", "hostup"]) {
      expect(masked[`${cloud}SecretAccessKey`]).toBe("[secret]");
      expect(shown[`${cloud}SecretAccessKey`]).toBe(emu.secretFor(shown[`${cloud}AccessKeyId`]!));
      secrets[cloud] = shown[`${cloud}SecretAccessKey`]!;
    }
    expect(emu.inspect().hostup.buckets.map((b) => b.name)).toContain(shown.bucketName);
    const exported = (await ok("stack", "export")).stdout;
    expect(exported).toMatch(/"secretAccessKey": \{\s*"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",\s*"ciphertext"/);
    const leaks = { ...secrets, nscaleToken: emu.nscaleToken, hostupApiKey: emu.hostupApiKey };
    expectNoPlaintext(exported, leaks);
    expectNoPlaintext(await readStateFile(backend.backendDir, ".pulumi"), leaks);

    await ok("preview", "--expect-no-changes");
    await ok("refresh", "--yes", "--expect-no-changes");

    // A replacing change: the new HostUp key is created before the old one is deleted, and the
    // bucket moves to it in between.
    const from = emu.requests.length;
    await ok("config", "set", "rotation", "second");
    await ok("up", "--yes");
    const rotated = JSON.parse((await ok("stack", "output", "--json", "--show-secrets")).stdout) as Record<string, string>;
    expect(rotated.hostupAccessKeyId).not.toBe(shown.hostupAccessKeyId);
    expectCreateBeforeDelete(
      emu.requests.slice(from),
      (r) => r.path === "/api/object-storage/keys",
      (r) => decodeHostupKeySegment(r.path) === shown.hostupAccessKeyId,
    );
    expect(hostupKeyIds(emu)).not.toContain(shown.hostupAccessKeyId);
    secrets.rotated = rotated.hostupSecretAccessKey!;

    // `pulumi import` with YAML code generation; the secret from the environment, stored encrypted.
    const outside = await outsideNscaleKey(emu, `outside-${Date.now()}`);
    const importFile = path.join(project, "import.yaml");
    const importing = pulumiInFolder(eng, project, { ...env, OSK_IMPORT_SECRET_ACCESS_KEY: outside.secret });
    await importing.ok("import", KEY_TOKEN, "outside", `nscale/${emu.endpointId}/${outside.id}`, "--yes", "--out", importFile);
    consoleText.push(...importing.consoleText);
    const generated = await fs.readFile(importFile, "utf8");
    expect(generated).toMatch(/type: object-storage-keys:ObjectStorageAccessKey/);
    expect(generated).toContain(`endpointId: ${emu.endpointId}`);
    secrets.imported = outside.secret;
    expectNoPlaintext((await ok("stack", "export")).stdout, secrets);
    const importedOut = JSON.parse((await ok("stack", "export", "--show-secrets")).stdout) as {
      deployment: { resources: Array<{ urn: string; outputs?: Record<string, unknown> }> };
    };
    expect(importedOut.deployment.resources.find((r) => r.urn.endsWith("::outside"))?.outputs?.secretAccessKey).toEqual(secretEnvelope(outside.secret));
    // The generated declaration joins the program: the next preview changes nothing.
    const program = await fs.readFile(path.join(project, "Pulumi.yaml"), "utf8");
    await fs.writeFile(path.join(project, "Pulumi.yaml"), program + generated.replace(/^resources:\n/, ""));
    await ok("preview", "--expect-no-changes");

    // Imports are protected by the generated code; release it, then destroy everything.
    await ok("state", "unprotect", `urn:pulumi:dev::yaml-keys::${KEY_TOKEN}::outside`, "--yes");
    await ok("destroy", "--yes");
    expect(newSince(nscaleBefore, nscaleKeyIds(emu))).toEqual([]);
    expect(newSince(hostupBefore, hostupKeyIds(emu))).toEqual([]);
    expect(emu.inspect().hostup.buckets.map((b) => b.name)).not.toContain(shown.bucketName);
    expectNoPlaintext(consoleText.join("\n"), { ...leaks, ...secrets });
  });

  it("the bundled tarball installs offline with `pulumi plugin install --file`, serves the committed schema, and runs a YAML key up and down", async (ctx) => {
    const eng = suite.need(ctx);
    const base = path.join(suite.dir, "tarball");
    const built = await exec(process.execPath, [path.join(REPO_ROOT, "scripts", "package-plugin.mjs"), "--out", path.join(base, "plugin")], { cwd: REPO_ROOT });
    expect(built.code, transcript(built)).toBe(0);
    const tarball = built.stdout.trim();
    const version = (JSON.parse(await fs.readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(path.basename(tarball)).toBe(
      `pulumi-resource-object-storage-keys-v${version}-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}.tar.gz`,
    );

    const dir = path.join(base, "project");
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(
      path.join(dir, "Pulumi.yaml"),
      [
        "name: yaml-tarball",
        "runtime: yaml",
        "resources:",
        "  key:",
        "    type: object-storage-keys:index:ObjectStorageAccessKey",
        "    properties:",
        "      cloud: hostup",
        "outputs:",
        "  accessKeyId: ${key.accessKeyId}",
        "",
      ].join("\n"),
    );
    const backend = await prepareLocalBackend(base, "yaml-tarball-test");
    // No folder on PATH that holds the plugin (npx puts the repo's node_modules/.bin there, where the
    // self-referencing devDependency links it): it must come from the installed tarball.
    const searchPath = (process.env.PATH ?? "").split(path.delimiter).filter((d) => d && !existsSync(path.join(d, "pulumi-resource-object-storage-keys")));
    const env = {
      ...BLANK_PROVIDER_ENV,
      ...backend.env,
      PATH: [yamlBin, ...searchPath].join(path.delimiter),
      HOSTUP_API_URL: emu.hostupApiUrl,
      HOSTUP_API_KEY: emu.hostupApiKey,
    };
    const { ok } = pulumiInFolder(eng, dir, env);
    await ok("plugin", "install", "resource", "object-storage-keys", version, "--file", tarball);
    const schema = JSON.parse((await ok("package", "get-schema", `object-storage-keys@${version}`)).stdout) as unknown;
    expect(schema).toEqual(JSON.parse(await fs.readFile(path.join(REPO_ROOT, "schema.json"), "utf8")));

    const hostupBefore = hostupKeyIds(emu);
    await ok("stack", "init", "dev");
    const up = await ok("up", "--yes");
    expect(up.stdout + up.stderr).not.toContain("using pulumi-resource-object-storage-keys from $PATH");
    const out = JSON.parse((await ok("stack", "output", "--json")).stdout) as Record<string, string>;
    expect(newSince(hostupBefore, hostupKeyIds(emu))).toEqual([out.accessKeyId]);
    await ok("destroy", "--yes");
    expect(newSince(hostupBefore, hostupKeyIds(emu))).toEqual([]);
  });
});
