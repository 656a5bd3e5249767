/**
 * ES-module programs ("type": "module"), in JavaScript and in TypeScript, consuming the packed
 * package from a `file:` dependency on its tarball, installed with npm and run by the plain CLI in
 * the project folder: up, secrets masked, `preview --expect-no-changes`, refresh, destroy.
 *
 * The package is CommonJS; what this proves is that Node's ESM loader sees its named exports
 * (`import { ObjectStorageAccessKey } from ...`), that TypeScript under `module: nodenext` finds
 * its types, and that the dynamic provider (which loads the package with require) works when the
 * program itself is an ES module.
 */
import * as path from "node:path";

import { describe, expect, it } from "vitest";

import { CONSUMER_DEV_DEPS, npmInstall, projectFromFixture, projectLifecycle, useConsumerSuite } from "./consumer-support";

describe("ES-module programs", () => {
  const { suite, ready, dependencies } = useConsumerSuite("osk-esm-");

  const cases = [
    { fixture: "esm-js", devDependencies: undefined },
    // ts-node >= 10 and typescript >= 4.7 in the project: what @pulumi/pulumi needs for ESM TypeScript.
    { fixture: "esm-ts", devDependencies: { ...CONSUMER_DEV_DEPS } },
  ];
  for (const c of cases) {
    it(`${c.fixture}: npm install of the tarball, up, masked secrets, preview without changes, refresh, destroy`, async (ctx) => {
      const eng = suite.need(ctx);
      const base = path.join(suite.dir, c.fixture);
      const project = await projectFromFixture(c.fixture, path.join(base, "project"), {
        dependencies: dependencies(),
        devDependencies: c.devDependencies,
      });
      await npmInstall(project);
      const { outputs } = await projectLifecycle(eng, ready.emu, base, project);
      expect(outputs["moduleKind"], "the program ran as an ES module").toBe("esm");
    });
  }
});
