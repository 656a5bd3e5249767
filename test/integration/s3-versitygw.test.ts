/**
 * The library's S3 client against an S3 server this project did not write: versitygw (built from
 * the Go module proxy by scripts/ensure-versitygw, posix backend in a temp dir), and the same
 * cases against the emulator. Under CI=true a versitygw that cannot be built fails the suite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import { startEmulator, type Emulator } from "../../src/emulator";
import { ProviderApiError } from "../../src/errors";
import { probeKey, S3Client, type S3ClientOptions } from "../../src/s3/client";
import { nscaleAccessKey } from "./support";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const ROOT_ACCESS = "OSKTESTROOTACCESSKEY";
const ROOT_SECRET = "osk-test-root-secret-0123456789abcdefghij";
const OBJECTS = 2500;
/** Keys a naive XML or URL handling gets wrong. */
const odd = (i: number) => `obj ${String(i).padStart(4, "0")} & <tag> 'q' é/日本`;

function isCI(): boolean {
  const ci = process.env["CI"];
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OSK_ENSURE_VERSITYGW_QUIET: "1" } });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      process.stderr.write(d);
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`${cmd} exited ${code}: ${err.trim().split("\n").slice(-3).join(" / ")}`)),
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, deadline = Date.now() + 15_000): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`versitygw exited with ${child.exitCode} before listening`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`versitygw did not listen on 127.0.0.1:${port}`);
}

interface Gateway {
  endpoint: string;
  close(): Promise<void>;
}

/** One versitygw process on loopback; `iam` gives it an internal IAM service, as real S3 has. */
async function startGateway(bin: string, dir: string, iam: boolean): Promise<Gateway> {
  const port = await freePort();
  const data = await fs.mkdtemp(path.join(dir, "posix-"));
  const args = ["--access", ROOT_ACCESS, "--secret", ROOT_SECRET, "--region", "us-east-1", "--port", `127.0.0.1:${port}`, "--quiet"];
  if (iam) args.push("--iam-dir", await fs.mkdtemp(path.join(dir, "iam-")));
  const child = spawn(bin, [...args, "posix", data], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${err instanceof Error ? err.message : String(err)}: ${stderr.trim()}`, { cause: err });
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function putAll(client: S3Client, bucket: string, keys: string[], concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await client.putObject(bucket, key, key);
      }
    }),
  );
}

async function allPages(client: S3Client, bucket: string): Promise<string[][]> {
  const pages: string[][] = [];
  for await (const page of client.listObjectKeys(bucket)) pages.push(page);
  return pages;
}

/** The cases both servers must pass; `options()` is read when a test runs. */
function clientCases(options: () => S3ClientOptions | string) {
  const ready = (ctx: TestContext): S3ClientOptions => {
    const o = options();
    if (typeof o === "string") ctx.skip(o);
    if (typeof o === "string") throw new Error(o);
    return o;
  };

  it("creates, heads and deletes a bucket, and round-trips objects with awkward keys", async (ctx) => {
    const client = new S3Client(ready(ctx));
    expect(await client.headBucket("rt-bucket")).toBe(false);
    await client.createBucket("rt-bucket");
    await client.createBucket("rt-bucket"); // already yours: not an error
    expect(await client.headBucket("rt-bucket")).toBe(true);
    const keys = ["a & b", "<x>", "it's", "dir/sub key", "日本語/ü", "plus+sign", "100%", "(paren)!*~", "0123"];
    for (const k of keys) await client.putObject("rt-bucket", k, `v:${k}`, "text/plain");
    for (const k of keys) expect((await client.getObject("rt-bucket", k)).toString("utf8")).toBe(`v:${k}`);
    expect((await allPages(client, "rt-bucket")).flat().sort()).toEqual([...keys].sort());
    await client.deleteObject("rt-bucket", "a & b");
    await expect(client.getObject("rt-bucket", "a & b")).rejects.toMatchObject({ status: 404, code: "NoSuchKey" });
    await expect(client.deleteBucket("rt-bucket")).rejects.toMatchObject({ status: 409, code: "BucketNotEmpty" });
    expect(await client.emptyBucket("rt-bucket")).toEqual({ objects: keys.length - 1, requests: 2 });
    expect(await client.deleteBucket("rt-bucket")).toBe("deleted");
    expect(await client.deleteBucket("rt-bucket")).toBe("gone");
    expect(await client.headBucket("rt-bucket")).toBe(false);
  });

  it(`empties a bucket of ${OBJECTS} objects in list pages plus delete batches`, async (ctx) => {
    const client = new S3Client(ready(ctx));
    await client.createBucket("big-bucket");
    const keys = Array.from({ length: OBJECTS }, (_, i) => odd(i));
    await putAll(client, "big-bucket", keys);
    const pages = await allPages(client, "big-bucket");
    expect(pages.map((p) => p.length)).toEqual([1000, 1000, 500]);
    expect(pages.flat().sort()).toEqual([...keys].sort());

    // 3 ListObjectsV2 pages + 3 DeleteObjects batches of at most 1,000 keys.
    expect(await client.emptyBucket("big-bucket")).toEqual({ objects: OBJECTS, requests: 6 });
    expect(await allPages(client, "big-bucket")).toEqual([[]]);
    expect(await client.emptyBucket("big-bucket")).toEqual({ objects: 0, requests: 1 });
    await client.putObject("big-bucket", " lone key ", "1"); // one <Contents> is still a list; edge spaces kept
    expect(await allPages(client, "big-bucket")).toEqual([[" lone key "]]);
    await client.deleteObject("big-bucket", " lone key ");
    expect(await client.deleteBucket("big-bucket")).toBe("deleted");
  }, 120_000);

  it("deleteObjects splits a long list into batches of 1,000", async (ctx) => {
    const client = new S3Client(ready(ctx));
    await client.createBucket("batch-bucket");
    const keys = Array.from({ length: 1001 }, (_, i) => `k/${i}`);
    await putAll(client, "batch-bucket", keys);
    expect(await client.deleteObjects("batch-bucket", keys)).toEqual({ objects: 1001, requests: 2 });
    expect(await client.deleteObjects("batch-bucket", [])).toEqual({ objects: 0, requests: 0 });
    expect(await allPages(client, "batch-bucket")).toEqual([[]]);
    expect(await client.deleteBucket("batch-bucket")).toBe("deleted");
  }, 60_000);
}

describe("S3Client against versitygw", () => {
  let tmp: string | undefined;
  let gateway: Gateway | undefined;
  let bin: string | undefined;
  let skipReason = "versitygw was not started";

  beforeAll(async () => {
    try {
      bin = await run("bash", [path.join(REPO_ROOT, "scripts", "ensure-versitygw")]);
    } catch (err) {
      const reason = `versitygw unavailable: ${err instanceof Error ? err.message : String(err)}`;
      if (isCI()) throw new Error(reason, { cause: err });
      skipReason = reason;
      return;
    }
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "osk-versitygw-"));
    gateway = await startGateway(bin, tmp, true);
  }, 600_000);

  afterAll(async () => {
    await gateway?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  const root = (): S3ClientOptions | string =>
    gateway ? { endpoint: gateway.endpoint, region: "us-east-1", credentials: { accessKeyId: ROOT_ACCESS, secretAccessKey: ROOT_SECRET } } : skipReason;

  clientCases(root);

  it("probeKey: the root key exists, an unknown key is deleted, a wrong secret throws", async (ctx) => {
    const o = root();
    if (typeof o === "string") return ctx.skip(o);
    expect(await probeKey(o)).toBe("exists");
    expect(await probeKey({ ...o, credentials: { accessKeyId: "OSKNOSUCHACCESSKEYID", secretAccessKey: ROOT_SECRET } })).toBe("deleted");
    const wrong = probeKey({ ...o, credentials: { accessKeyId: ROOT_ACCESS, secretAccessKey: "not-the-secret" } });
    await expect(wrong).rejects.toBeInstanceOf(ProviderApiError);
    await expect(wrong).rejects.toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("probeKey on a gateway without IAM (single account) is an error for an unknown key, never deleted", async (ctx) => {
    if (!bin || !tmp) return ctx.skip(skipReason);
    const single = await startGateway(bin, tmp, false);
    try {
      const unknown = probeKey({
        endpoint: single.endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "OSKNOSUCHACCESSKEYID", secretAccessKey: ROOT_SECRET },
      });
      // versitygw's single-account mode answers 404 XAdminUserNotFound, not S3's InvalidAccessKeyId.
      await expect(unknown).rejects.toMatchObject({ status: 404, code: "XAdminUserNotFound" });
    } finally {
      await single.close();
    }
  });
});

describe("S3Client against the emulator", () => {
  let emu: Emulator | undefined;
  let key: S3ClientOptions | undefined;

  beforeAll(async () => {
    emu = await startEmulator({ nscale: { createStatus: "provisioned" } });
    const { accessKeyId, secretAccessKey } = await nscaleAccessKey(emu, { name: "s3-client-test" });
    key = { endpoint: emu.s3Url, region: "us-east-1", credentials: { accessKeyId, secretAccessKey } };
  });

  afterAll(async () => {
    await emu?.close();
  });

  clientCases(() => key ?? "the emulator did not start");
});
