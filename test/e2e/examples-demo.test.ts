/**
 * The demo's program path headlessly: scripts/demo.ts (what `npm run demo` runs after its setup
 * steps) with the emulator and a temp state dir. The setup steps themselves (scripts/install,
 * `npm run build`, scripts/ensure-pulumi) are not repeated here: rebuilding dist/ while other suites
 * load it would race with them.
 */
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { readJson, run, runTs, transcript, REPO_ROOT, useSuiteEngine } from "./examples-support";

interface DemoSummary {
  project: string;
  stack: string;
  mode: string;
  clouds: string[];
  keys: Record<string, { accessKeyId?: string; secretAccessKey?: string; bucket?: string; roundTrip?: { object: string; bytes: number } }>;
  outputsSecret: Record<string, boolean>;
  plaintextSecretsInState?: number;
  secretsChecked?: number;
  destroyed: boolean;
  kept: boolean;
  totalSeconds: number;
  error?: string;
}

describe("demo (scripts/demo.ts, emulator, real engine)", () => {
  const suite = useSuiteEngine("osk-demo-");

  it("creates an Nscale and a HostUp key with buckets, proves both through S3, tears down", async (ctx) => {
    const eng = suite.need(ctx);
    const json = path.join(suite.dir, "demo.json");
    const r = await runTs(eng, "scripts/demo.ts", ["--state-dir", path.join(suite.dir, "state"), "--json", json]);
    expect(r.code, transcript(r)).toBe(0);
    const s = await readJson<DemoSummary>(json);

    expect(s).toMatchObject({
      project: "object-storage-keys-demo",
      stack: "demo",
      mode: "emulator",
      clouds: ["nscale", "hostup"],
      destroyed: true,
      kept: false,
      plaintextSecretsInState: 0,
    });
    expect(s.error).toBeUndefined();
    expect(s.secretsChecked).toBe(4); // two secret access keys + the two emulator credentials in config
    for (const cloud of ["nscale", "hostup"]) {
      const k = s.keys[cloud]!;
      expect(k.accessKeyId).toBeTruthy();
      expect(k.secretAccessKey).toMatch(/^.{4}\*{8} \(\d+ chars\)$/);
      expect(k.roundTrip?.object).toMatch(new RegExp(`^s3://${k.bucket}/demo/hello-`));
      expect(s.outputsSecret[`${cloud}SecretAccessKey`]).toBe(true);
      expect(s.outputsSecret[`${cloud}AccessKeyId`]).toBe(false);
      expect(r.stdout).toMatch(new RegExp(`s3\\s+${cloud}\\s+PUT \\+ GET s3://`));
    }
    // One line per phase, with elapsed seconds; secrets masked; total wall time at the end.
    for (const phase of ["emulator", "stack", "config", "up", "outputs", "s3", "state", "destroy"]) {
      expect(r.stdout).toMatch(new RegExp(`^\\[\\s*\\d+\\.\\ds\\] ${phase}\\b`, "m"));
    }
    expect(r.stdout).toMatch(/SecretAccessKey\s+.{4}\*{8} \(40 chars\) \[secret\]/);
    expect(r.stdout).toMatch(/demo finished in \d+\.\ds/);
  });

  it("bash scripts/demo --help answers without running the setup", async (ctx) => {
    const eng = suite.need(ctx);
    const r = await run(eng, "bash", [path.join(REPO_ROOT, "scripts", "demo"), "--help"]);
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stdout).toContain("--keep");
    expect(r.stdout).toContain("KEEP_STACK=1");
    expect(r.stdout).not.toContain("install");
  });
});
