/**
 * examples/automation-pipeline/pipeline.ts run as a child process, the way a user or a CI job runs
 * it, with --emulator and a rotation: the summary must show a new accessKeyId, the S3 check made
 * with the new key *before* the engine deleted the old one, and the old key rejected by S3 after.
 */
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { readJson, runTs, transcript, useSuiteEngine } from "./examples-support";

const SCRIPT = "examples/automation-pipeline/pipeline.ts";

interface PipelineSummary {
  project: string;
  stack: string;
  cloud: string;
  emulator: boolean;
  rotated: boolean;
  previousTrigger?: string;
  rotationTrigger?: string;
  oldAccessKeyId?: string;
  newAccessKeyId?: string;
  secretAccessKey?: string;
  preview?: Record<string, number>;
  verification?: {
    ok: boolean;
    accessKeyId?: string;
    object?: string;
    order?: { newKeyCreated?: number; checked?: number; oldKeyDeleted?: number };
    checkedBeforeOldKeyDeleted?: boolean;
    newKeyAfterUp?: string;
    oldKeyAfterUp?: string;
  };
  destroyed: boolean;
  timings: Record<string, number>;
  error?: string;
}

describe("automation-pipeline example (child process, emulator, real engine)", () => {
  const suite = useSuiteEngine("osk-pipeline-");

  for (const cloud of ["nscale", "hostup"] as const) {
    it(`${cloud}: --emulator --rotate creates, checks the new key through S3 before the old one is deleted, destroys`, async (ctx) => {
      const eng = suite.need(ctx);
      const json = path.join(suite.dir, `${cloud}.json`);
      const r = await runTs(eng, SCRIPT, ["--emulator", "--cloud", cloud, "--stack", `ci-${cloud}`, "--rotate", "2026-11-23", "--summary-json", json]);
      expect(r.code, transcript(r)).toBe(0);
      const s = await readJson<PipelineSummary>(json);

      expect(s).toMatchObject({
        project: "automation-pipeline",
        stack: `ci-${cloud}`,
        cloud,
        emulator: true,
        rotated: true,
        rotationTrigger: "2026-11-23",
        destroyed: true,
      });
      expect(s.error).toBeUndefined();
      expect(s.oldAccessKeyId).toBeTruthy();
      expect(s.newAccessKeyId).toBeTruthy();
      expect(s.newAccessKeyId).not.toBe(s.oldAccessKeyId);

      // The preview before the rotation: the key replaced; the bucket and the check updated in place.
      expect(s.preview).toMatchObject({ replace: 1, update: 2 });

      const v = s.verification!;
      expect(v.ok).toBe(true);
      expect(v.accessKeyId).toBe(s.newAccessKeyId);
      expect(v.object).toMatch(/^s3:\/\/[a-z0-9-]+\/pulumi-key-check\//);
      expect(v.checkedBeforeOldKeyDeleted).toBe(true);
      expect(v.order!.newKeyCreated!).toBeLessThan(v.order!.checked!);
      expect(v.order!.checked!).toBeLessThan(v.order!.oldKeyDeleted!);
      expect(v.newKeyAfterUp).toBe("exists");
      expect(v.oldKeyAfterUp).toBe("deleted");

      // Human summary: old and new key, masked secret, timings; engine output streamed.
      expect(r.stdout).toContain("Summary");
      expect(r.stdout).toContain(`old accessKeyId   ${s.oldAccessKeyId}`);
      expect(r.stdout).toContain(`new accessKeyId   ${s.newAccessKeyId}`);
      expect(r.stdout).toMatch(/secretAccessKey\s+.{4}\*{8} \(\d+ chars, secret\)/);
      expect(r.stdout).toMatch(/timings\s+.*up \(rotate\) [\d.]+s/);
      expect(r.stdout).toContain("│ Updating (ci-");
      expect(r.stdout).toContain("(checked before the old key was deleted)");
      for (const t of ["up (initial)", "preview", "up (rotate)", "destroy", "total"]) expect(s.timings[t]).toBeGreaterThan(0);
    });
  }

  it("a failing key check stops the rotation: the old key stays (pending deletion), the next up finishes it", async (ctx) => {
    const eng = suite.need(ctx);
    const r = await runTs(eng, "test/e2e/fixtures/examples-pipeline-failed-check.ts", [path.join(suite.dir, "failed-check")]);
    expect(r.code, transcript(r)).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
      oldAccessKeyId: string;
      failedUp?: string;
      keysAfterFailure: Array<{ accessKeyId: string; deleting: boolean }>;
      outputAfterFailure: string;
      pendingDelete: string[];
      retryAccessKeyId: string;
      retryVerifiedAccessKeyId: string;
      keysAfterRetry: string[];
    };
    expect(out.failedUp).toMatch(/^Key check failed: access key \S+ could not write and read back/);
    // The old key was not deleted and still works for the app (stack outputs unchanged) ...
    expect(out.keysAfterFailure).toContainEqual({ accessKeyId: out.oldAccessKeyId, deleting: false });
    expect(out.keysAfterFailure).toHaveLength(2);
    expect(out.outputAfterFailure).toBe(out.oldAccessKeyId);
    // ... and is recorded for deletion once a rotation succeeds.
    expect(out.pendingDelete).toEqual([out.oldAccessKeyId]);
    expect(out.retryAccessKeyId).not.toBe(out.oldAccessKeyId);
    expect(out.retryVerifiedAccessKeyId).toBe(out.retryAccessKeyId);
    expect(out.keysAfterRetry).toEqual([out.retryAccessKeyId]);
  });

  it("--help prints usage; bad flags exit 2", async (ctx) => {
    const eng = suite.need(ctx);
    const help = await runTs(eng, SCRIPT, ["--help"]);
    expect(help.code, transcript(help)).toBe(0);
    for (const flag of ["--stack", "--cloud", "--rotate", "--destroy", "--emulator", "--backend"]) expect(help.stdout).toContain(flag);
    const bad = await runTs(eng, SCRIPT, ["--cloud", "aws"]);
    expect(bad.code, transcript(bad)).toBe(2);
    expect(bad.stderr).toContain('--cloud must be "nscale" or "hostup"');
  });
});
