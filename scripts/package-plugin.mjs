// Builds the native plugin as Pulumi installs it:
//   build/plugin/pulumi-resource-object-storage-keys-v<version>-<os>-<arch>.tar.gz
// holding one executable, `pulumi-resource-object-storage-keys`: src/plugin/main.ts and everything
// it loads (the SDK's provider server, grpc, zod, undici) bundled by esbuild into one file, run by
// the `node` on PATH (Node >= 20). Install it offline with
//   pulumi plugin install resource object-storage-keys <version> --file <tgz>
// Usage: node scripts/package-plugin.mjs [--os linux] [--arch x64] [--out <dir>]  (prints the tarball's path)
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const goArch = { x64: "amd64", arm64: "arm64" };
const { values } = parseArgs({
  options: {
    os: { type: "string", default: process.platform },
    arch: { type: "string", default: process.arch },
    out: { type: "string", default: join(root, "build/plugin") },
  },
});
const os = values.os === "win32" ? "windows" : values.os;
const arch = goArch[values.arch] ?? values.arch;

const name = "pulumi-resource-object-storage-keys";
const stage = join(values.out, "stage");
rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const exe = join(stage, name);
await build({
  entryPoints: [join(root, "src/plugin/main.ts")],
  outfile: exe,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  // Everything is bundled: the plugin runs from the plugin cache, where no node_modules is reachable
  // (test/e2e/yaml.test.ts installs it there). main.ts keeps its #! line.
  legalComments: "none",
  logLevel: "warning",
});
chmodSync(exe, 0o755);
const tarball = join(values.out, `${name}-v${version}-${os}-${arch}.tar.gz`);
execFileSync("tar", ["-czf", tarball, "-C", stage, name]);
console.log(tarball);
