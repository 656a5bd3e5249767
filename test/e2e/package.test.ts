/**
 * The npm package as a user receives it: `npm pack` of the repository.
 *
 * 1. It ships exactly what the `exports` map and `bin` need: the modules the entry points load
 *    (`require` in JavaScript, imports in the declarations), their compiled files and source maps,
 *    the sources those maps name, plus package.json, README.md, LICENSE and CHANGELOG.md. Nothing
 *    else: no tests, no stale build output or dead module, no map pointing at a missing file.
 * 2. The tarball installs into a fresh program (npm, from a `file:` dependency on the .tgz) and
 *    runs there: the three export entries load and have their API, the emulator starts, and the
 *    bin answers --help and --version.
 *
 * 3. A fresh clone packs itself: `git clone` of HEAD, `npm ci` and `npm pack` with no earlier build
 *    (package.json's prepack builds), and that tarball has dist/, installs and runs.
 *
 * 1 and 2 pack what dist/ holds, so they run after `npm run build` like the rest of the e2e suite;
 * no engine is needed.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { exec, npmInstall, packRepo, REPO_ROOT, suiteSdkVersion, type Packed } from "./consumer-support";
import { transcript } from "./examples-support";
import { assertDistBuilt } from "./harness";

interface PackageJson {
  name: string;
  version: string;
  license: string;
  main?: string;
  types?: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  files: string[];
  repository?: unknown;
  keywords?: string[];
}

/** Relative specifiers a compiled file loads: require() and import() (lazy loads) in JS; import/export ... from and import() in .d.ts. */
function relativeSpecifiers(text: string, kind: "js" | "dts"): string[] {
  const patterns =
    kind === "js"
      ? [/\brequire\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g, /\bimport\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g]
      : [/\bfrom\s+["'](\.{1,2}\/[^"']*)["']/g, /\bimport\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g, /^\s*import\s+["'](\.{1,2}\/[^"']*)["']/gm];
  // Block comments load nothing: a bundle keeps its dependencies' JSDoc (`@param {import('../x')}`).
  const code = kind === "js" ? text.replace(/\/\*[\s\S]*?\*\//g, "") : text;
  const out: string[] = [];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Resolves a relative specifier against the set of shipped files the way Node (or tsc) does. */
function resolveIn(shipped: Set<string>, fromFile: string, spec: string, kind: "js" | "dts"): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  const stem = base.replace(/\.(c|m)?js$/, "");
  const candidates = kind === "js" ? [base, `${base}.js`, `${base}/index.js`] : [`${stem}.d.ts`, `${base}.d.ts`, `${base}/index.d.ts`];
  return candidates.find((c) => shipped.has(c));
}

describe("the npm package", () => {
  let tmp: string;
  let packed: Packed;
  let root: string; // the unpacked tarball's package/ directory
  let pkg: PackageJson;

  beforeAll(async () => {
    await assertDistBuilt("dist/index.js");
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "osk-package-"));
    packed = await packRepo(tmp);
    const r = await exec("tar", ["-xzf", packed.tarball, "-C", tmp], { cwd: tmp });
    expect(r.code, transcript(r)).toBe(0);
    root = path.join(tmp, "package");
    pkg = JSON.parse(await fs.readFile(path.join(root, "package.json"), "utf8")) as PackageJson;
  });
  afterAll(async () => {
    if (tmp && process.env["PULUMI_OSK_KEEP_E2E"] !== "1") await fs.rm(tmp, { recursive: true, force: true });
  });

  it("ships exactly what the exports map and bin need (no tests, no dangling source maps)", async () => {
    const shipped = new Set(packed.files);
    const read = (f: string): Promise<string> => fs.readFile(path.join(root, f), "utf8");
    const meta = ["package.json", "README.md", "LICENSE", "CHANGELOG.md"];
    const problems: string[] = [];
    for (const f of meta) if (!shipped.has(f)) problems.push(`${f} is not in the package`);

    // Entry points: every exports condition, main/types, and bin.
    const jsQueue: string[] = [];
    const dtsQueue: string[] = [];
    const entry = (target: string, condition: string): void => {
      const f = path.posix.normalize(target);
      if (!shipped.has(f)) problems.push(`entry ${condition} -> ${target} is not in the package`);
      else if (f.endsWith(".d.ts")) dtsQueue.push(f);
      else if (f.endsWith(".js")) jsQueue.push(f);
    };
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === "string") entry(target, subpath);
      else for (const [cond, t] of Object.entries(target)) entry(t, `${subpath} (${cond})`);
    }
    if (pkg.main) entry(pkg.main, "main");
    if (pkg.types) entry(pkg.types, "types");
    for (const [name, target] of Object.entries(pkg.bin)) entry(target, `bin ${name}`);
    expect(jsQueue.length, "JavaScript entry points").toBeGreaterThanOrEqual(4);

    // What the entry points load, transitively: require() from the JS entries (what runs), and
    // imports from the declaration entries (what a TypeScript user's compiler reads).
    const reached = { js: new Set<string>(), dts: new Set<string>() };
    for (const [queue, kind] of [
      [jsQueue, "js"],
      [dtsQueue, "dts"],
    ] as const) {
      while (queue.length > 0) {
        const f = queue.pop()!;
        if (reached[kind].has(f)) continue;
        reached[kind].add(f);
        for (const spec of relativeSpecifiers(await read(f), kind)) {
          const target = resolveIn(shipped, f, spec, kind);
          if (target === undefined) problems.push(`${f} loads ${spec}, which the package lacks`);
          else queue.push(target);
        }
      }
    }

    // A module is needed when it runs or when its types are read. For each, its compiled files
    // (X.js, X.d.ts) and source maps may ship; each map must resolve, and so must every source it
    // names (the TypeScript under src/).
    const stem = (f: string): string => f.replace(/\.d\.ts$|\.js$/, "");
    const modules = new Set([...reached.js, ...reached.dts].map(stem));
    const allowed = new Set<string>(meta);
    for (const m of modules) {
      for (const f of [`${m}.js`, `${m}.d.ts`]) {
        if (!shipped.has(f)) continue;
        allowed.add(f);
        const link = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(await read(f));
        if (!link) continue;
        const mapFile = path.posix.normalize(path.posix.join(path.posix.dirname(f), link[1]!));
        if (!shipped.has(mapFile)) {
          problems.push(`${f} points at ${link[1]}, which the package lacks`);
          continue;
        }
        allowed.add(mapFile);
        const map = JSON.parse(await read(mapFile)) as { sources: string[]; sourceRoot?: string };
        for (const source of map.sources) {
          const s = path.posix.normalize(path.posix.join(path.posix.dirname(mapFile), map.sourceRoot ?? "", source));
          if (!shipped.has(s)) problems.push(`${mapFile} names ${source} (${s}), which the package lacks`);
          else allowed.add(s);
        }
      }
    }

    expect(problems, problems.join("\n")).toEqual([]);
    expect(
      [...shipped].filter((f) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.(test|spec)\./.test(f)),
      "test files",
    ).toEqual([]);
    const extra = [...shipped].filter((f) => !allowed.has(f));
    expect(extra, `shipped, but neither run by nor typed from any entry point (dead modules or stale build output?):\n${extra.join("\n")}`).toEqual([]);
  });

  it("declares its license, repository and keywords, and LICENSE is the Apache-2.0 text", async () => {
    expect(pkg.license).toBe("Apache-2.0");
    const license = await fs.readFile(path.join(root, "LICENSE"), "utf8");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION");
    expect(license).toContain("END OF TERMS AND CONDITIONS");
    expect(pkg.repository).toBeTruthy();
    expect(pkg.keywords).toEqual(expect.arrayContaining(["pulumi", "pulumi-dynamic-provider", "nscale", "hostup", "s3"]));
    const changelog = await fs.readFile(path.join(root, "CHANGELOG.md"), "utf8");
    expect(changelog).toMatch(/^## \[?Unreleased\]?/m);
    expect(changelog).toContain(`## [${pkg.version}]`);
  });

  it("installs from the tarball into a fresh program, which loads all three entry points and runs the bin", async () => {
    const app = path.join(tmp, "app");
    await fs.mkdir(app);
    await fs.writeFile(
      path.join(app, "package.json"),
      JSON.stringify(
        { name: "osk-package-consumer", private: true, dependencies: { [pkg.name]: `file:${packed.tarball}`, "@pulumi/pulumi": await suiteSdkVersion() } },
        null,
        2,
      ),
    );
    await npmInstall(app);
    // A real copy, not a link back into the repository.
    const installed = path.join(app, "node_modules", pkg.name);
    expect((await fs.lstat(installed)).isSymbolicLink()).toBe(false);
    expect(path.relative(REPO_ROOT, await fs.realpath(installed)).startsWith("..")).toBe(true);

    const script = `
      const lib = require("${pkg.name}");
      const provider = require("${pkg.name}/provider");
      const emulator = require("${pkg.name}/emulator");
      const version = require("${pkg.name}/package.json").version;
      const shape = {
        resource: typeof lib.ObjectStorageAccessKey,
        bucket: typeof lib.ObjectStorageBucket,
        provider: ["check", "diff", "create", "read", "update", "delete"].map((m) => typeof provider[m]),
        emulator: typeof emulator.startEmulator,
        from: require.resolve("${pkg.name}"),
        version,
      };
      emulator.startEmulator({ port: 0 }).then(async (emu) => {
        const res = await fetch(emu.nscaleApiUrl + "/api/v1/objectstorageendpoints/" + emu.endpointId + "/accesskeys", {
          headers: { authorization: "Bearer " + emu.nscaleToken },
        });
        shape.emulatorStatus = res.status;
        await emu.close();
        console.log(JSON.stringify(shape));
      });
    `;
    const loaded = await exec(process.execPath, ["-e", script], { cwd: app });
    expect(loaded.code, transcript(loaded)).toBe(0);
    const shape = JSON.parse(loaded.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    expect(shape).toMatchObject({
      resource: "function",
      bucket: "function",
      provider: ["function", "function", "function", "function", "function", "function"],
      emulator: "function",
      emulatorStatus: 200,
      version: pkg.version,
    });
    expect(shape["from"]).toBe(path.join(await fs.realpath(installed), "dist", "index.js"));

    const bin = path.join(app, "node_modules", ".bin", Object.keys(pkg.bin)[0]!);
    const help = await exec(bin, ["--help"], { cwd: app });
    expect(help.code, transcript(help)).toBe(0);
    expect(help.stdout + help.stderr).toContain(`Usage: ${pkg.name}`);
    const version = await exec(bin, ["--version"], { cwd: app });
    expect(version.code, transcript(version)).toBe(0);
    expect(version.stdout).toContain(pkg.version);
  });
});

describe("a fresh clone", () => {
  let tmp: string;
  afterAll(async () => {
    if (tmp && process.env["PULUMI_OSK_KEEP_E2E"] !== "1") await fs.rm(tmp, { recursive: true, force: true });
  });

  it("packs itself with no earlier build: the tarball has dist/, installs into a fresh program, and a program using it runs", async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "osk-clean-clone-"));
    const clone = path.join(tmp, "clone");
    const cloned = await exec("git", ["clone", "--quiet", "--no-hardlinks", REPO_ROOT, clone], { cwd: tmp });
    expect(cloned.code, transcript(cloned)).toBe(0);
    // Nothing built: a clone has no dist/ (it is not committed).
    await expect(fs.stat(path.join(clone, "dist"))).rejects.toThrow(/ENOENT/);
    const ci = await exec("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: clone, timeoutMs: 600_000 });
    expect(ci.code, `npm ci\n${transcript(ci)}`).toBe(0);
    await expect(fs.stat(path.join(clone, "dist")), "npm ci built nothing yet").rejects.toThrow(/ENOENT/);

    const out = path.join(tmp, "out");
    await fs.mkdir(out);
    const pack = await exec("npm", ["pack", "--json", "--pack-destination", out], { cwd: clone, timeoutMs: 600_000 });
    expect(pack.code, `npm pack\n${transcript(pack)}`).toBe(0);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    for (const entry of ["dist/index.js", "dist/index.d.ts", "dist/provider/index.js", "dist/emulator/index.js", "dist/cli.js", "dist/plugin/main.js"]) {
      expect(files, `the tarball has ${entry}`).toContain(entry);
    }
    const tarball = path.join(out, info!.filename);

    const app = path.join(tmp, "app");
    await fs.mkdir(app);
    await fs.writeFile(
      path.join(app, "package.json"),
      JSON.stringify(
        {
          name: "osk-clean-clone-consumer",
          private: true,
          dependencies: { "pulumi-object-storage-keys": `file:${tarball}`, "@pulumi/pulumi": await suiteSdkVersion() },
        },
        null,
        2,
      ),
    );
    await npmInstall(app);
    const installed = await fs.realpath(path.join(app, "node_modules", "pulumi-object-storage-keys"));
    expect(path.relative(clone, installed).startsWith(".."), "a real copy, not a link into the clone").toBe(true);
    // A program that uses it: the provider's check on a key's inputs, and the emulator's API.
    const script = `
      const lib = require("pulumi-object-storage-keys");
      const provider = require("pulumi-object-storage-keys/provider");
      const { startEmulator } = require("pulumi-object-storage-keys/emulator");
      startEmulator({ port: 0 }).then(async (emu) => {
        const res = await fetch(emu.nscaleApiUrl + "/api/v1/objectstorageendpoints/" + emu.endpointId + "/accesskeys", {
          headers: { authorization: "Bearer " + emu.nscaleToken },
        });
        await emu.close();
        console.log(JSON.stringify({ resource: typeof lib.ObjectStorageAccessKey, check: typeof provider.check, status: res.status, from: require.resolve("pulumi-object-storage-keys") }));
      });
    `;
    const ran = await exec(process.execPath, ["-e", script], { cwd: app });
    expect(ran.code, transcript(ran)).toBe(0);
    const shape = JSON.parse(ran.stdout.trim().split("\n").pop()!) as Record<string, unknown>;
    expect(shape).toMatchObject({ resource: "function", check: "function", status: 200 });
    expect(shape["from"]).toBe(path.join(installed, "dist", "index.js"));
  });
});
