/** What a user sets for a HostUp key, and what the library stores in state for it. */
import { z } from "zod";
import { adopt, apiUrl, commonState, importedMarker, credential, resourceName, rotationInputs, secret } from "../../model/fields";
import type { CloudSettings } from "../../settings";

export const hostupSettings: CloudSettings = {
  displayName: "HostUp",
  credentialWhat: "a HostUp API key",
  credential: { input: "apiKey", config: "hostup:apiKey", env: ["HOSTUP_API_KEY"] },
  apiUrl: { config: "hostup:apiUrl", env: "HOSTUP_API_URL", default: "https://cloud.hostup.se/api" },
};

/** An S3 access key ID: letters, digits and `_`, `-`, `+`, `=` (never `.` or `/`, which would change the URL's path). */
const accessKey = z.string().regex(/^[A-Za-z0-9_+=-]{1,128}$/, {
  error: 'must be an S3 access key ID (letters, digits, `_`, `-`, `+`, `=`; at most 128 characters), e.g. "EXAMPLE_ACCESS_KEY"',
});

export const HostUpInputs = z.strictObject({
  cloud: z.literal("hostup"),
  resourceName,
  imported: importedMarker,
  label: z
    .string()
    .refine((v) => v.trim().length > 0, { error: "must not be empty or blank: omit it to derive one from the resource name" })
    .refine((v) => v.length <= 64, { error: "must be at most 64 characters" })
    .describe("HostUp: the key's label; default: the resource name plus a random suffix.")
    .optional(),
  ...rotationInputs,
  apiKey: credential("HostUp API key").optional(),
  apiUrl: apiUrl.optional(),
  // HostUp cannot read or list keys, so the secret is the only proof that an adopted key exists:
  // required for a new adoption (see `crossCheck` in ./index.ts, which spares older adoptions).
  adopt: adopt(accessKey, "access key (its accessKey)").optional(),
});
export type HostUpInputs = z.output<typeof HostUpInputs>;

export const HostUpState = z.looseObject({
  cloud: z.literal("hostup"),
  ...commonState,
  label: z.string().optional(),
  apiKey: secret(z.string().optional()),
});
export type HostUpState = z.output<typeof HostUpState>;
