/** The import-file command's help: the generic options, and each cloud's own lines from its `importing` and settings. */
import { clouds } from "../clouds/registry";

/** The environment variable the secret is read from (or stdin with --secret-from-stdin). */
export const SECRET_ENV = "OSK_IMPORT_SECRET_ACCESS_KEY";

/** "NSCALE_API_TOKEN (or NSCALE_SERVICE_TOKEN), NSCALE_API_URL, NSCALE_S3_REGION" for one cloud. */
function environmentOf(mod: (typeof clouds)[keyof typeof clouds]): string {
  const [first, ...others] = mod.settings.credential.env;
  const credential = `${first}${others.length > 0 ? ` (or ${others.join(", ")})` : ""}`;
  return [credential, mod.settings.apiUrl.env, ...(mod.settings.region ? [mod.settings.region.env] : [])].join(", ");
}

/** Words wrapped at `width`, each line indented by `indent`; "(or X)" stays on one line. */
function wrap(text: string, indent: string, width = 94): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ (?!\S*\))/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join("\n");
}

export function importUsage(): string {
  const mods = Object.values(clouds);
  return `Options for "import-file" (needs Pulumi CLI >= 3.254 on PATH):
${mods.flatMap((m) => m.importing.usage.map((l) => `  ${l}`)).join("\n")}
  --name <name>          the Pulumi resource name the program will declare
  --out <file>           the import file to create (mode 0600; must not exist yet)
  --import [--stack <s>] instead of --out: run \`pulumi import\` here on a private temporary
                         file and remove it, so no file holding the secret outlives the command
  --secret-from-stdin    read the key's secret from stdin; else from $${SECRET_ENV}
                         (${
                           mods.some((m) => m.importing.secretRequired)
                             ? `optional for ${mods
                                 .filter((m) => !m.importing.secretRequired)
                                 .map((m) => m.settings.displayName)
                                 .join(", ")}, required for ${mods
                                 .filter((m) => m.importing.secretRequired)
                                 .map((m) => m.settings.displayName)
                                 .join(", ")}`
                             : "optional"
                         }; never an argument)

${wrap(`Credentials and URLs come from the provider's environment variables: ${mods.map(environmentOf).join("; ")}.`, "  ")}`;
}
