/**
 * Which Pulumi CLI is on PATH, and whether it imports dynamic resources. A dynamic resource can
 * only be imported from a file whose entry carries `inputs` and `outputs` (the engine then skips
 * the provider's Read, which for a dynamic resource has no `__provider` to run): the CLI supports
 * that since 3.254 (pulumi/pulumi#23984; `importSpec.Inputs` / `importSpec.Outputs` in
 * pkg/cmd/pulumi/operations/import.go, used by `ImportStep.Apply` in pkg/resource/deploy/step.go).
 */
import { execFile } from "node:child_process";

export const MIN_IMPORT_CLI = "3.254.0";

export type Version = [number, number, number];

export function parseVersion(text: string): Version | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export type CliCheck = { ok: true; version: string } | { ok: false; reason: string };

/** The verdict on a `pulumi version` answer (undefined: no `pulumi` could be run). */
export function judgeCliVersion(output: string | undefined, minimum = MIN_IMPORT_CLI): CliCheck {
  const need = `Importing an ObjectStorageAccessKey needs Pulumi CLI >= ${minimum} (an import file with \`inputs\` and \`outputs\`, pulumi/pulumi#23984)`;
  if (output === undefined) {
    return {
      ok: false,
      reason: `${need}, and no \`pulumi\` was found on PATH. Install Pulumi (https://www.pulumi.com/docs/install/) or put it on PATH; or use \`adopt\` instead (see the README).`,
    };
  }
  const found = parseVersion(output);
  const min = parseVersion(minimum)!;
  if (!found) return { ok: false, reason: `${need}; \`pulumi version\` printed ${JSON.stringify(output.trim().slice(0, 80))}, which is not a version.` };
  const version = found.join(".");
  if (compareVersions(found, min) < 0) {
    return {
      ok: false,
      reason: `${need}; the \`pulumi\` on PATH is ${version}. Older CLIs import a dynamic resource by calling its provider's Read without \`__provider\`, which fails. Upgrade the CLI (\`pulumi self-update\` or https://www.pulumi.com/docs/install/), or use \`adopt\` instead (see the README).`,
    };
  }
  return { ok: true, version };
}

/** Runs `pulumi version` from PATH; undefined when it cannot be run. */
export function pulumiVersionOnPath(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("pulumi", ["version"], { env: { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" }, timeout: 60_000 }, (err, stdout) => {
      resolve(err ? undefined : stdout);
    });
  });
}
