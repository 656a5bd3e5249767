/** The import-file command's help, in a module of its own so `--help` loads nothing else. */

/** The environment variable the secret is read from (or stdin with --secret-from-stdin). */
export const SECRET_ENV = "OSK_IMPORT_SECRET_ACCESS_KEY";

export const IMPORT_USAGE = `Options for "import-file" (needs Pulumi CLI >= 3.254 on PATH):
  --cloud nscale --id <endpoint_id>/<key_id>
  --cloud nscale --endpoint-id <id> --key-id <id>   (the key's metadata.id)
  --cloud hostup --access-key <key> [--label <label>]
  --name <name>          the Pulumi resource name the program will declare
  --out <file>           the import file to create (mode 0600; must not exist yet)
  --import [--stack <s>] instead of --out: run \`pulumi import\` here on a private temporary
                         file and remove it, so no file holding the secret outlives the command
  --secret-from-stdin    read the key's secret from stdin; else from $${SECRET_ENV}
                         (optional for Nscale, required for HostUp; never an argument)

  Credentials and URLs come from the provider's environment variables: NSCALE_API_TOKEN
  (or NSCALE_SERVICE_TOKEN), NSCALE_API_URL, NSCALE_S3_REGION; HOSTUP_API_KEY, HOSTUP_API_URL.`;
