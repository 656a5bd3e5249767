/**
 * `npm run bench:plugin [-- options]`: the native plugin's own cost (issue 15, item 10). Figures
 * only: nothing here is asserted, and no test times anything.
 *
 *   1. Start to listening: how long `pulumi-resource-object-storage-keys` takes from spawn to
 *      printing its port, as npm installs it (bin/ over dist/) and as the bundled tarball ships it
 *      (one esbuild file), next to a no-op plugin serving the same schema. Median of --starts.
 *   2. N keys from a Pulumi YAML program, `pulumi up` then `pulumi destroy`, per cloud, against the
 *      emulator in a process of its own (Nscale keys provisioned at once): A = the bundled plugin, B = a no-op
 *      plugin with the same schema whose create returns the same outputs (secrets wrapped) without
 *      any I/O: the engine's and YAML's floor for this state shape. Alternating A B A B for
 *      --rounds; printed: median seconds, the ratio A/B, and the plugin process's peak RSS
 *      (VmHWM from /proc) next to the no-op's.
 *
 *   --n <count>       keys per stack (default 100)
 *   --rounds <count>  A B rounds (default 2)
 *   --clouds <list>   nscale,hostup (default both)
 *   --starts <count>  spawns per start-to-listening figure (default 7)
 */
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { makeTempDir, prepareLocalBackend, REPO_ROOT, requireEngine, runWithEngine, type Engine } from "./lib/local-stack";
import { median, withRssSampling } from "./lib/proc-rss";
import { startEmulatorProcess, type EmulatorProcess } from "./lib/emulator-process";

const EXE = "pulumi-resource-object-storage-keys";
type Cloud = "nscale" | "hostup";

/** A plugin that serves the real schema and answers create with fixed outputs, no I/O. */
function noopPluginSource(): string {
  const sdk = JSON.stringify(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "provider"));
  const schema = JSON.stringify(path.join(REPO_ROOT, "dist", "plugin", "schema.js"));
  const wire = JSON.stringify(path.join(REPO_ROOT, "dist", "plugin", "wire.js"));
  return `#!/usr/bin/env node
const provider = require(${sdk});
const { schemaText } = require(${schema});
const { secretWire } = require(${wire});
provider.main({
  version: require(${JSON.stringify(path.join(REPO_ROOT, "package.json"))}).version,
  schema: schemaText(),
  async check(_urn, _olds, news) { return { inputs: news }; },
  async diff() { return { changes: false }; },
  async create(urn, inputs) {
    const id = "noop-" + urn.split("::").pop();
    return { id, outs: { ...inputs, keyId: id, accessKeyId: "NOOPACCESSKEYID00000", secretAccessKey: secretWire("n".repeat(40)), s3Endpoint: "https://s3.invalid", createdAt: new Date().toISOString() } };
  },
  async read(id, _urn, props) { return { id, props }; },
  async delete() {},
}, process.argv.slice(2));
`;
}

/** ms from spawn until the plugin prints its port. */
function timeToListening(exe: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(exe, [], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.once("data", () => {
      resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      child.kill();
    });
    child.once("error", reject);
  });
}

function program(cloud: Cloud, n: number, pluginDir: string, emu: Pick<EmulatorProcess, "endpointId">): string {
  const lines = [
    "name: bench-plugin",
    "runtime: yaml",
    "plugins:",
    "  providers:",
    "    - name: object-storage-keys",
    `      path: ${pluginDir}`,
    "resources:",
  ];
  for (let i = 0; i < n; i++) {
    lines.push(`  key${i}:`, "    type: object-storage-keys:index:ObjectStorageAccessKey", "    properties:", `      cloud: ${cloud}`);
    if (cloud === "nscale") lines.push(`      endpointId: ${emu.endpointId}`, "      identityPolicy: bucket-admin");
  }
  return `${lines.join("\n")}\n`;
}

interface Sample {
  cloud: Cloud;
  variant: "plugin" | "no-op";
  upS: number;
  destroyS: number;
  peakMiB: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: "string", default: "100" },
      rounds: { type: "string", default: "2" },
      clouds: { type: "string", default: "nscale,hostup" },
      starts: { type: "string", default: "7" },
    },
  });
  const n = Number(values.n);
  const rounds = Math.max(1, Number(values.rounds));
  const clouds = values.clouds.split(",") as Cloud[];
  const engine: Engine = await requireEngine();
  const yamlBin = await new Promise<string>((resolve, reject) => {
    const child = spawn("bash", [path.join(REPO_ROOT, "scripts", "ensure-pulumi-yaml")], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => (code === 0 ? resolve(out.trim().split("\n").pop()!) : reject(new Error("ensure-pulumi-yaml failed"))));
  });
  const tmp = await makeTempDir("osk-bench-plugin-");
  try {
    const bundled = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, "scripts", "package-plugin.mjs"), "--out", path.join(tmp.dir, "bundle")], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      child.on("close", (code) => (code === 0 ? resolve(path.join(tmp.dir, "bundle", "stage")) : reject(new Error("package-plugin failed"))));
    });
    const noopDir = path.join(tmp.dir, "noop");
    await fs.mkdir(noopDir, { recursive: true });
    await fs.writeFile(path.join(noopDir, EXE), noopPluginSource(), { mode: 0o755 });

    const starts = Number(values.starts);
    const listening: Record<string, number> = {};
    for (const [label, dir] of [
      ["npm bin (dist/)", path.join(REPO_ROOT, "bin")],
      ["bundled tarball", bundled],
      ["no-op, same schema", noopDir],
    ] as const) {
      const ms: number[] = [];
      for (let i = 0; i < starts; i++) ms.push(await timeToListening(path.join(dir, EXE)));
      listening[label] = median(ms);
    }

    // In a process of its own, as a real API is: its CPU is not the plugin's or the engine's.
    const emu = await startEmulatorProcess(REPO_ROOT, { nscale: { createStatus: "provisioned", pollsUntilDeleted: 0 }, hostup: { seedKeys: 1 } });
    const samples: Sample[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        for (const cloud of clouds) {
          for (const [variant, dir] of [
            ["plugin", bundled],
            ["no-op", noopDir],
          ] as const) {
            const work = path.join(tmp.dir, `${cloud}-${variant}-${round}`);
            await fs.mkdir(path.join(work, "project"), { recursive: true });
            await fs.writeFile(path.join(work, "project", "Pulumi.yaml"), program(cloud, n, dir, emu));
            const backend = await prepareLocalBackend(work, "bench");
            const env = {
              ...backend.env,
              PATH: [yamlBin, process.env.PATH].join(path.delimiter),
              NSCALE_API_URL: emu.nscaleApiUrl,
              NSCALE_API_TOKEN: emu.nscaleToken,
              HOSTUP_API_URL: emu.hostupApiUrl,
              HOSTUP_API_KEY: emu.hostupApiKey,
              NSCALE_POLL_INTERVAL_MS: "50",
            };
            const pulumi = async (...args: string[]) => {
              const t0 = Date.now();
              const r = await runWithEngine(engine, path.join(engine.binDir, "pulumi"), [...args, "--non-interactive"], {
                cwd: path.join(work, "project"),
                env,
              });
              if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
              return (Date.now() - t0) / 1000;
            };
            await pulumi("stack", "init", "bench");
            const { result, peakMiB } = await withRssSampling(EXE, async () => ({
              upS: await pulumi("up", "--yes", "--skip-preview"),
              destroyS: await pulumi("destroy", "--yes", "--skip-preview"),
            }));
            samples.push({ cloud, variant, ...result, peakMiB });
            process.stderr.write(
              `round ${round + 1} ${cloud} ${variant}: up ${result.upS.toFixed(1)} s, destroy ${result.destroyS.toFixed(1)} s, peak RSS ${peakMiB.toFixed(0)} MiB\n`,
            );
          }
        }
      }
    } finally {
      await emu.close();
    }

    const out: string[] = [`Native plugin benchmark: CLI ${engine.version}, Node ${process.version}, ${n} keys per stack, ${rounds} A/B rounds`, ""];
    out.push("Start to listening (median of " + starts + " spawns):");
    for (const [label, ms] of Object.entries(listening)) out.push(`  ${label.padEnd(20)} ${ms.toFixed(0)} ms`);
    out.push(
      "",
      "| cloud | up: plugin / no-op (s) | ratio | destroy: plugin / no-op (s) | ratio | peak RSS plugin / no-op (MiB) |",
      "|---|---|---|---|---|---|",
    );
    for (const cloud of clouds) {
      const of = (variant: Sample["variant"], k: "upS" | "destroyS" | "peakMiB") =>
        median(samples.filter((s) => s.cloud === cloud && s.variant === variant).map((s) => s[k]));
      const [a, b] = [of("plugin", "upS"), of("no-op", "upS")];
      const [c, d] = [of("plugin", "destroyS"), of("no-op", "destroyS")];
      out.push(
        `| ${cloud} | ${a.toFixed(1)} / ${b.toFixed(1)} | ${(a / b).toFixed(2)}× | ${c.toFixed(1)} / ${d.toFixed(1)} | ${(c / d).toFixed(2)}× | ${of("plugin", "peakMiB").toFixed(0)} / ${of("no-op", "peakMiB").toFixed(0)} |`,
      );
    }
    console.log(out.join("\n"));
  } finally {
    await tmp.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
