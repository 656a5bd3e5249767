/**
 * Issue 16, behaviour 9: `import-file --import` leaves no file holding the secret behind when it is
 * interrupted. The real CLI runs as its own process (the sources transpiled with esbuild, module by
 * module, next to this repo's node_modules), with a stand-in `pulumi` on PATH that answers
 * `version` and then sits in `import`, the way a slow import would. The test signals the CLI
 * mid-import (SIGINT, SIGTERM, SIGHUP) or kills the `pulumi` child, and checks that the private
 * temp dir and its import file are gone, and that the signal reached `pulumi`.
 * The three signal cases failed before this change (Node's default action ended the process with
 * the 0600 file still on disk).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { promises as fs, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/emulator";
import { SECRET_ENV } from "../../src/import/usage";
import { hostupAccessKey, useEmulator } from "./support";

const ROOT = path.resolve(__dirname, "../..");
let emu: Emulator;
useEmulator(undefined, (e) => (emu = e));

let work: string; // the transpiled package (inside node_modules/.cache, so its requires resolve)
let bin: string; // the stand-in pulumi
beforeAll(async () => {
  const cache = path.join(ROOT, "node_modules", ".cache");
  await fs.mkdir(cache, { recursive: true });
  work = await fs.mkdtemp(path.join(cache, "osk-import-signals-"));
  const entryPoints = (await fs.readdir(path.join(ROOT, "src"), { recursive: true })).filter((f) => f.endsWith(".ts")).map((f) => path.join(ROOT, "src", f));
  await build({
    entryPoints,
    outdir: path.join(work, "src"),
    outbase: path.join(ROOT, "src"),
    format: "cjs",
    platform: "node",
    target: "node20",
    bundle: false,
    logLevel: "silent",
  });
  await fs.copyFile(path.join(ROOT, "package.json"), path.join(work, "package.json"));
  bin = await fs.mkdtemp(path.join(os.tmpdir(), "osk-fake-pulumi-"));
  await fs.writeFile(
    path.join(bin, "pulumi"),
    [
      "#!/bin/sh",
      'if [ "$1" = "version" ]; then echo v3.276.0; exit 0; fi',
      'echo "$3" > "$OSK_FAKE_PULUMI_FILE"',
      'echo $$ > "$OSK_FAKE_PULUMI_PID"',
      "exec sleep 30",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
}, 60_000);
afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
  await fs.rm(bin, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const readIfThere = (file: string) =>
  fs.readFile(file, "utf8").then(
    (t) => (t.trim() === "" ? undefined : t.trim()),
    () => undefined,
  );
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts `import-file --import` for a fresh HostUp key; resolves once `pulumi import` holds the file. */
async function importInProgress() {
  const key = await hostupAccessKey(emu, "console-made");
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "osk-signal-tmp-"));
  const marks = await fs.mkdtemp(path.join(os.tmpdir(), "osk-signal-marks-"));
  const stderr: Buffer[] = [];
  const cli: ChildProcess = spawn(
    process.execPath,
    [path.join(work, "src", "cli.js"), "import-file", "--cloud", "hostup", "--access-key", key.accessKeyId, "--name", "legacy", "--import"],
    {
      env: {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
        HOME: process.env.HOME ?? tmp,
        TMPDIR: tmp,
        HOSTUP_API_URL: emu.hostupApiUrl,
        HOSTUP_API_KEY: emu.hostupApiKey,
        [SECRET_ENV]: key.secretAccessKey,
        OSK_FAKE_PULUMI_FILE: path.join(marks, "file"),
        OSK_FAKE_PULUMI_PID: path.join(marks, "pid"),
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  cli.stderr!.on("data", (c: Buffer) => stderr.push(c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => cli.on("exit", (code, signal) => resolve({ code, signal })));
  const file = await until("pulumi import to start", () => readIfThere(path.join(marks, "file")));
  const pulumiPid = Number(await until("the pulumi pid", () => readIfThere(path.join(marks, "pid"))));
  return { key, tmp, marks, cli, exited, file, pulumiPid, stderr: () => Buffer.concat(stderr).toString("utf8") };
}

describe("import-file --import leaves no secret on disk when interrupted (behaviour 9)", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "%s to the command mid-import removes the file and stops pulumi",
    async (signal) => {
      const run = await importInProgress();
      try {
        expect(existsSync(run.file)).toBe(true); // the import really was in progress
        expect(await fs.readFile(run.file, "utf8")).toContain(run.key.accessKeyId);
        run.cli.kill(signal);
        const exit = await run.exited;
        expect(existsSync(run.file)).toBe(false);
        expect(existsSync(path.dirname(run.file))).toBe(false);
        expect(await fs.readdir(run.tmp)).toEqual([]);
        expect(exit.code).not.toBe(0);
        expect(run.stderr()).toMatch(new RegExp(`interrupted \\(${signal}\\); the import file was removed`));
        expect(run.stderr()).not.toContain(run.key.secretAccessKey);
        await until("pulumi to stop", async () => (alive(run.pulumiPid) ? undefined : true), 5_000);
      } finally {
        if (alive(run.pulumiPid)) process.kill(run.pulumiPid, "SIGKILL");
        run.cli.kill("SIGKILL");
        await fs.rm(run.tmp, { recursive: true, force: true });
        await fs.rm(run.marks, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it("pulumi dying mid-import (SIGKILL) removes the file too", async () => {
    const run = await importInProgress();
    try {
      process.kill(run.pulumiPid, "SIGKILL");
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(existsSync(run.file)).toBe(false);
      expect(await fs.readdir(run.tmp)).toEqual([]);
      expect(run.stderr()).toMatch(/failed \(exit by a signal.*the import file was removed/);
    } finally {
      run.cli.kill("SIGKILL");
      await fs.rm(run.tmp, { recursive: true, force: true });
      await fs.rm(run.marks, { recursive: true, force: true });
    }
  }, 60_000);
});
