/**
 * examples/nscale-bucket-app and examples/hostup-bucket-app, run by scripts/run-example the way CI
 * runs them: the example's own program as an inline Automation API program against the embedded
 * emulator, `up`, the verification (an object written and read back through S3 with the
 * credentials from the app bundle), `destroy`. Also: every example typechecks with its own
 * tsconfig, and every Pulumi.yaml (examples and the repo-root demo) is accepted by the CLI.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { readJson, REPO_ROOT, run, runTs, transcript, useSuiteEngine } from "./examples-support";

interface BucketAppSummary {
  example: string;
  cloud: string;
  mode: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  bucketName?: string;
  outputsSecret: Record<string, boolean>;
  checks: Record<string, boolean>;
  roundTrip?: { object: string; bytes: number };
  plaintextSecretsInState?: number;
  destroyed: boolean;
  leftovers?: { keys: number; buckets: number };
  error?: string;
}

describe("bucket-app examples (runner, emulator, real engine)", () => {
  const suite = useSuiteEngine("osk-examples-");

  for (const [example, cloud] of [
    ["nscale-bucket-app", "nscale"],
    ["hostup-bucket-app", "hostup"],
  ] as const) {
    it(`${example}: up, S3 round trip with the dotenv credentials, destroy`, async (ctx) => {
      const eng = suite.need(ctx);
      const json = path.join(suite.dir, `${example}.json`);
      const r = await runTs(eng, "scripts/run-example.ts", [example, "--state-dir", path.join(suite.dir, example), "--json", json]);
      expect(r.code, transcript(r)).toBe(0);
      const s = await readJson<BucketAppSummary>(json);

      expect(s).toMatchObject({ example, cloud, mode: "emulator", destroyed: true, plaintextSecretsInState: 0, leftovers: { keys: 0, buckets: 0 } });
      expect(s.error).toBeUndefined();
      expect(s.accessKeyId).toMatch(/^[A-Z0-9]{16,}$/);
      // Every bundle check the runner made (dotenv/env map/manifest agree with the key; secrecy).
      expect(Object.keys(s.checks).length).toBeGreaterThanOrEqual(10);
      expect(Object.entries(s.checks).filter(([, ok]) => !ok)).toEqual([]);
      expect(s.outputsSecret).toMatchObject({
        secretAccessKey: true,
        dotenv: true,
        kubernetesSecret: true,
        environment: true,
        accessKeyId: false,
        bucketName: false,
      });
      expect(s.roundTrip?.object).toMatch(new RegExp(`^s3://${s.bucketName}/run-example/`));
      expect(s.roundTrip?.bytes).toBeGreaterThan(0);
      // The secret never reaches the console unmasked.
      expect(s.secretAccessKey).toMatch(/^.{4}\*{8} \(\d+ chars\)$/);
      expect(r.stdout).toContain("[secret]");
      expect(r.stdout).toMatch(new RegExp(`${example} passed in`));
    });
  }

  it("every example and the demo typecheck with their own tsconfig.json", async (ctx) => {
    const eng = suite.need(ctx);
    const tsc = path.join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    for (const folder of ["examples/nscale-bucket-app", "examples/hostup-bucket-app", "examples/automation-pipeline", "demo"]) {
      const r = await run(eng, process.execPath, [tsc, "--noEmit", "-p", path.join(REPO_ROOT, folder, "tsconfig.json")]);
      expect(r.code, `${folder}\n${transcript(r)}`).toBe(0);
    }
  });

  it("every Pulumi.yaml is accepted by the CLI (stack init + config on a file backend)", async (ctx) => {
    const eng = suite.need(ctx);
    for (const project of ["examples/nscale-bucket-app", "examples/hostup-bucket-app", "."]) {
      const dir = path.join(suite.dir, "yaml", project.replace(/[/.]/g, "_") || "root");
      await fs.mkdir(dir, { recursive: true });
      await fs.copyFile(path.join(REPO_ROOT, project, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
      const env = {
        PULUMI_BACKEND_URL: `file://${dir}`,
        PULUMI_HOME: path.join(dir, ".home"),
        PULUMI_CONFIG_PASSPHRASE: "examples-test",
      };
      const pulumi = path.join(eng.binDir, "pulumi");
      for (const args of [
        ["stack", "init", "check", "--non-interactive"],
        ["config", "set", "rotationTrigger", "2026-11", "--non-interactive"],
        ["config", "get", "rotationTrigger", "--non-interactive"],
      ]) {
        const r = await run(eng, pulumi, args, { cwd: dir, env });
        expect(r.code, `${project}: pulumi ${args.join(" ")}\n${transcript(r)}`).toBe(0);
        if (args[1] === "get") expect(r.stdout.trim()).toBe("2026-11");
      }
    }
  });
});
