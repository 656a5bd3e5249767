/**
 * A program whose dependencies pnpm installs (pnpm from the npm registry, via scripts/ensure-pnpm,
 * never a global install), consuming the packed package from a `file:` dependency on its tarball,
 * run by the plain CLI in the project folder: up, secrets masked, `preview --expect-no-changes`,
 * refresh, destroy.
 *
 * What differs from npm: node_modules holds symlinks into node_modules/.pnpm, each package sees only
 * its declared dependencies, and the peer dependency @pulumi/pulumi is linked next to the package.
 * The dynamic provider runs `require("pulumi-object-storage-keys/provider")` from the project
 * folder and must get the same @pulumi/pulumi the program uses.
 */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { CONSUMER_DEV_DEPS, ensureTool, exec, projectFromFixture, projectLifecycle, useConsumerSuite } from "./consumer-support";
import { transcript } from "./examples-support";

describe("a pnpm-installed program", () => {
  const { suite, ready, dependencies } = useConsumerSuite("osk-pnpm-");
  let pnpmBin: string;

  beforeAll(async () => {
    pnpmBin = await ensureTool("ensure-pnpm");
  });

  it("pnpm install of the tarball, up, masked secrets, preview without changes, refresh, destroy", async (ctx) => {
    const eng = suite.need(ctx);
    const base = path.join(suite.dir, "pnpm-app");
    const project = await projectFromFixture("pnpm-app", path.join(base, "project"), {
      dependencies: dependencies(),
      devDependencies: { typescript: CONSUMER_DEV_DEPS.typescript },
    });
    // pnpm's content-addressed store lives with the other cached tools (like npm's ~/.npm cache).
    const store = path.join(process.env["PULUMI_OSK_CACHE"] || path.join(os.homedir(), ".cache", "pulumi-object-storage-keys"), "pnpm-store");
    const install = await exec(
      path.join(pnpmBin, "pnpm"),
      ["install", "--no-frozen-lockfile", "--prefer-offline", "--store-dir", store, "--reporter", "append-only"],
      { cwd: project },
    );
    expect(install.code, `pnpm install\n${transcript(install)}`).toBe(0);
    // Really pnpm's layout: the packages are symlinks into node_modules/.pnpm.
    await fs.access(path.join(project, "node_modules", ".pnpm"));
    for (const pkg of ["@pulumi/pulumi", "pulumi-object-storage-keys"]) {
      const link = path.join(project, "node_modules", pkg);
      expect((await fs.lstat(link)).isSymbolicLink(), `${pkg} is a symlink`).toBe(true);
      expect(await fs.realpath(link)).toContain(`${path.sep}.pnpm${path.sep}`);
    }
    // The package's own view of its peer dependency is the program's @pulumi/pulumi.
    const own = await fs.realpath(path.join(project, "node_modules", "pulumi-object-storage-keys"));
    const peer = await fs.realpath(path.join(own, "..", "@pulumi", "pulumi"));
    expect(peer).toBe(await fs.realpath(path.join(project, "node_modules", "@pulumi", "pulumi")));

    await projectLifecycle(eng, ready.emu, base, project);
  });
});
