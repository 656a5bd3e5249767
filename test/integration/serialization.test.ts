/**
 * Serializes the providers exactly as the engine does (pulumi.runtime.serializeFunction over the
 * built package, in a plain Node process, not vitest's transformed modules), then deserializes the
 * text with require-from-string from a consumer's working directory and calls it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../..");
const TOKEN = "nscale-token-SHOULD-NOT-LEAK-7f3a";

const script = `
const pulumi = require("@pulumi/pulumi");
const requireFromString = require("require-from-string");
(async () => {
  process.env.NSCALE_API_TOKEN = ${JSON.stringify(TOKEN)};
  const lib = require("pulumi-object-storage-keys");
  const out = {};
  for (const name of ["accessKeyProvider", "bucketProvider"]) {
    // What pulumi.dynamic.Resource does: serializeFunction(() => provider).
    const provider0 = lib[name];
    const r = await pulumi.runtime.serializeFunction(() => provider0, { allowSecrets: true });
    const provider = requireFromString(r.text).handler();
    out[name] = { bytes: Buffer.byteLength(r.text), containsSecrets: r.containsSecrets, text: r.text, methods: Object.keys(provider).sort() };
  }
  const shim = lib.accessKeyProvider;
  const p = requireFromString((await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true })).text).handler();
  await p.configure({ config: { get: () => undefined } });
  out.check = await p.check({}, { cloud: "nscale", resourceName: "k", endpointId: "e", identityPolicy: "", __provider: "x" });
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe("serialized provider (__provider)", () => {
  it("is small, captures no token or secret, and works when loaded the way the engine loads it", () => {
    expect(existsSync(join(root, "dist/index.js")), "run `npm run build` first (scripts/test does)").toBe(true);
    const stdout = execFileSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", env: { ...process.env, NODE_NO_WARNINGS: "1" } });
    const out = JSON.parse(stdout.trim().split("\n").pop()!);
    for (const name of ["accessKeyProvider", "bucketProvider"]) {
      const s = out[name];
      console.log(`${name}: serialized __provider is ${s.bytes} bytes`);
      expect(s.bytes).toBeLessThan(3000);
      expect(s.containsSecrets).toBe(false);
      expect(s.text).not.toContain(TOKEN);
      expect(s.text).not.toMatch(/zod|undici|emulator/);
      expect(s.text).toContain('require("pulumi-object-storage-keys/provider")');
      expect(s.methods).toEqual(["check", "configure", "create", "delete", "diff", "read", "update"]);
    }
    expect(out.check.failures).toEqual([{ property: "identityPolicy", reason: expect.stringMatching(/must name an identity policy/) }]);
  });
});
