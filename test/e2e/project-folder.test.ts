/**
 * `pulumi up` in a project folder, the way most users run Pulumi: the CLI starts the Node.js
 * language host (`pulumi-language-nodejs`, from scripts/ensure-pulumi), which starts
 * @pulumi/pulumi's run entry point, which compiles the project's `index.ts` with ts-node. No
 * Automation API and no inline program: the only things in common with the other suites are the
 * library and the emulator.
 *
 * Each project is copied into a temp dir so no stack file lands in the repo. The examples get a
 * `node_modules` linking to the repo's (what `npm install` with `file:../..` gives a user). The
 * repo-root demo gets the root package.json and links to the repo's node_modules and dist/, so it
 * resolves the package by self-reference exactly as it does in a clone.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Emulator } from "../../src/emulator";
import { createConsumerDir, prepareLocalBackend, readStateFile } from "./harness";
import { pulumiInFolder, REPO_ROOT, transcript, useSuiteEngine } from "./examples-support";
import { ACCESS_KEY_TYPE, emulatorEnv, expectNoPlaintext, hostupKeyIds, newSince, nscaleKeyIds, startSuiteEmulator } from "./support";

interface Project {
  /** Repo-relative folder holding Pulumi.yaml. */
  source: string;
  /** Files and folders to copy (relative to `source`). */
  copy: string[];
  /** Repo-root entries to symlink instead of making a consumer node_modules. */
  link?: string[];
  config: (emu: Emulator) => Array<[string, string]>;
  /** Stack outputs holding an access key ID and its secret. */
  keyOutputs: Array<{ accessKeyId: string; secretAccessKey: string }>;
}

const PROJECTS: Project[] = [
  {
    source: "examples/hostup-bucket-app",
    copy: ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "program.ts"],
    config: () => [["keyLabel", "folder-project-key"]],
    keyOutputs: [{ accessKeyId: "accessKeyId", secretAccessKey: "secretAccessKey" }],
  },
  {
    source: "examples/nscale-bucket-app",
    copy: ["Pulumi.yaml", "package.json", "tsconfig.json", "index.ts", "program.ts"],
    config: (emu) => [["endpointId", emu.endpointId]],
    keyOutputs: [{ accessKeyId: "accessKeyId", secretAccessKey: "secretAccessKey" }],
  },
  {
    source: ".",
    copy: ["Pulumi.yaml", "package.json", "demo"],
    link: ["node_modules", "dist"],
    config: (emu) => [["nscaleEndpointId", emu.endpointId]],
    keyOutputs: [
      { accessKeyId: "nscaleAccessKeyId", secretAccessKey: "nscaleSecretAccessKey" },
      { accessKeyId: "hostupAccessKeyId", secretAccessKey: "hostupSecretAccessKey" },
    ],
  },
];

describe("Pulumi.yaml projects run by the CLI and the Node.js language host", () => {
  const suite = useSuiteEngine("osk-folder-");
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startSuiteEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  for (const project of PROJECTS) {
    const label = project.source === "." ? "repo-root demo" : project.source;
    const importStep = project.source === "examples/hostup-bucket-app" ? ", `pulumi import` refused" : "";
    it(`${label}: up, outputs, no plaintext in state, preview without changes, refresh${importStep}, destroy`, async (ctx) => {
      const eng = suite.need(ctx);
      const base = path.join(suite.dir, label.replace(/[^a-z0-9]+/gi, "-"));
      const dir = path.join(base, "project");
      if (project.link === undefined) await createConsumerDir(dir);
      else {
        await fs.mkdir(dir, { recursive: true });
        for (const entry of project.link) await fs.symlink(path.join(REPO_ROOT, entry), path.join(dir, entry));
      }
      for (const entry of project.copy) {
        await fs.cp(path.join(REPO_ROOT, project.source, entry), path.join(dir, entry), { recursive: true });
      }
      const env = { ...emulatorEnv(emu), ...(await prepareLocalBackend(base, "folder-project-test")).env };
      const { pulumi, ok, consoleText } = pulumiInFolder(eng, dir, env);
      const nscaleBefore = nscaleKeyIds(emu);
      const hostupBefore = hostupKeyIds(emu);

      await ok("stack", "init", "dev");
      for (const [key, value] of project.config(emu)) await ok("config", "set", key, value);

      const up = await ok("up", "--yes");
      expect(up.stdout).toMatch(/created/);

      const masked = JSON.parse((await ok("stack", "output", "--json")).stdout) as Record<string, unknown>;
      const shown = JSON.parse((await ok("stack", "output", "--json", "--show-secrets")).stdout) as Record<string, unknown>;
      const secrets: Record<string, string> = {};
      for (const { accessKeyId, secretAccessKey } of project.keyOutputs) {
        const id = shown[accessKeyId] as string;
        expect(id).toMatch(/^[A-Z0-9]{16,}$/);
        expect(masked[secretAccessKey]).toBe("[secret]");
        expect(emu.secretFor(id)).toMatch(/^\S{20,}$/);
        expect(shown[secretAccessKey]).toBe(emu.secretFor(id));
        secrets[secretAccessKey] = shown[secretAccessKey] as string;
      }
      expectNoPlaintext(await readStateFile(path.join(base, "backend"), ".pulumi"), {
        ...secrets,
        nscaleToken: emu.nscaleToken,
        hostupApiKey: emu.hostupApiKey,
      });
      const created = newSince(nscaleBefore, nscaleKeyIds(emu)).length + newSince(hostupBefore, hostupKeyIds(emu)).length;
      expect(created).toBe(project.keyOutputs.length);

      await ok("preview", "--expect-no-changes");
      await ok("refresh", "--yes", "--expect-no-changes");

      if (project.source === "examples/hostup-bucket-app") {
        // The engine imports with a Read that carries no serialized provider: it must fail and
        // change nothing (adopt is the supported way, see rotation-adopt.test.ts).
        const someKey = shown["accessKeyId"] as string;
        const imp = await pulumi("import", ACCESS_KEY_TYPE, "imported", someKey, "--yes");
        consoleText.push(imp.stdout, imp.stderr);
        console.log(`pulumi import -> exit ${imp.code}: ${(imp.stdout + imp.stderr).match(/error: .*/)?.[0] ?? ""}`);
        expect(imp.code, transcript(imp)).not.toBe(0);
        // The behaviour, not the SDK's wording (which differs between versions): nothing was
        // recorded (the preview below shows no changes) and the key is untouched.
        expect(imp.stdout + imp.stderr).toMatch(/imported/);
        await ok("preview", "--expect-no-changes");
        expect(emu.secretFor(someKey)).toBe(secrets["secretAccessKey"]);
      }

      await ok("destroy", "--yes");
      // Nothing the CLI printed (up, outputs without --show-secrets, preview, refresh, destroy) holds a secret.
      expectNoPlaintext(consoleText.join("\n"), { ...secrets, nscaleToken: emu.nscaleToken, hostupApiKey: emu.hostupApiKey });
      expect(newSince(nscaleBefore, nscaleKeyIds(emu))).toEqual([]);
      expect(newSince(hostupBefore, hostupKeyIds(emu))).toEqual([]);
    });
  }
});
