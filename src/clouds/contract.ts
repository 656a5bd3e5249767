/**
 * What a cloud provides. Each cloud folder exports one `CloudModule` built with `defineCloud`; the
 * registry maps the `cloud` input to it, and nothing outside the folder knows the cloud's wire
 * format, lifecycle or the meaning of its errors. A third cloud is one new folder and one
 * registry line.
 */
import type { z } from "zod";

/** Inputs and state are zod objects: their shapes are what the resource declares and marks secret. */
export type ObjectSchema = z.ZodObject<z.ZodRawShape, z.core.$ZodObjectConfig>;
import type { CloudSettings, HttpSettings, Resolved } from "../settings";
import type { BucketState } from "../model/bucket";

/**
 * What the cloud's API itself answers. Only these answers may change what the library records.
 * Not-found has one home, in each cloud's client: a key counts as gone only when the client
 * answers "gone" (undefined) on the API's own not-found, never on a proxy's 404.
 */
export interface ApiAnswers {
  /** The API's own "this conflicts with something that exists" (e.g. a duplicate name). */
  isConflict(err: unknown): boolean;
  /** The request may have taken effect, but the response does not say whether it did. */
  isOutcomeUnknown(err: unknown): boolean;
}

export interface OperationContext extends Resolved {
  /** Resolves settings for another set of overrides (e.g. in-place credential changes). */
  resolveWith(overrides: { credential?: string; apiUrl?: string }): Resolved;
}

export interface KeyLifecycle<I, S> {
  /** Creates (or adopts) a key. Throws `KeyCreatedButFailed` once the key exists and anything fails. */
  create(inputs: I, ctx: OperationContext): Promise<{ id: string; state: S }>;
  /** The key's current state, or undefined when the API itself says it no longer exists. */
  read(id: string, state: S, ctx: OperationContext): Promise<S | undefined>;
  /** In-place changes only (see `inPlace`): returns the full new state. */
  update(id: string, olds: S, news: I, ctx: OperationContext): Promise<S>;
  delete(id: string, state: S, ctx: OperationContext): Promise<void>;
}

/** `connect` resolves the cloud's API settings; buckets made through S3 never call it. */
export interface BucketContext {
  http: HttpSettings;
  connect(): OperationContext;
}

export interface BucketOps {
  create(b: BucketState, ctx: BucketContext): Promise<void>;
  exists(b: BucketState, ctx: BucketContext): Promise<boolean>;
  delete(b: BucketState, ctx: BucketContext): Promise<void>;
}

/** What one existing key is, in the provider's own terms: the inputs check produces and the state create writes. */
export interface DescribedKey {
  /** The Pulumi resource ID (Nscale: metadata.id; HostUp: the accessKey). */
  id: string;
  /** Checked inputs, without `__provider`. */
  inputs: Record<string, unknown>;
  /** State as create would write it, without `__provider`. */
  outputs: Record<string, unknown>;
}

/** A cloud's own IDs of one existing key (e.g. `endpointId` and `keyId`), as import-file's flags or the import ID give them. */
export type KeyIds = Readonly<Record<string, string>>;

/** One key to import: its IDs, the resource name the program will give it, and its secret when given. */
export interface ImportRequest {
  ids: KeyIds;
  resourceName: string;
  secret?: string;
  /** Where the secret came from, for messages (`stdin`, an environment variable). */
  secretFrom: string;
}

/**
 * How `import-file` and the native `pulumi import` find one existing key of this cloud and
 * describe it; src/import/ is generic and asks only this.
 */
export interface CloudImport {
  /** import-file's options for this cloud (string-valued), without the leading `--`. */
  flags: readonly string[];
  /** import-file's help lines for this cloud (`--cloud <id> ...`). */
  usage: readonly string[];
  /** The native import ID's form, starting with the cloud's id, e.g. `nscale/<endpointId>/<keyId>`. */
  idForm: string;
  /** The key's IDs from import-file's flags (only this cloud's may be set); throws `usage(message)` on a misuse. Notes are printed after the import. */
  fromFlags(flags: Readonly<Record<string, string | undefined>>, resourceName: string, usage: (message: string) => Error): { ids: KeyIds; notes: string[] };
  /** The key's IDs from the native import ID after `<cloud>/`, or undefined when malformed. Notes are logged as warnings. */
  fromImportId(rest: string, resourceName: string): { ids: KeyIds; notes: string[] } | undefined;
  /** When the cloud cannot prove a key exists without its secret: the message for import-file and the error for the native import. */
  secretRequired?: { importFile: (variable: string) => string; native: (ids: KeyIds, variable: string) => Error };
  /** Reads the key from the API (its secret, when given, verified first) and describes it; a refusal ends with `nothingDone`. */
  describe(req: ImportRequest, ctx: OperationContext, opts: { now: () => Date; nothingDone: string }): Promise<DescribedKey>;
  /** The arguments (besides `cloud`) the program declares the imported key with, for import-file's next steps. */
  declaration(inputs: Record<string, unknown>): Record<string, unknown>;
  /** import-file's note on the generated-name field (keep it, or leave it out). */
  nameNote(inputs: Record<string, unknown>): string;
}

export interface CloudDefinition<I extends ObjectSchema, S extends ObjectSchema> {
  /** The `cloud` input's value. */
  id: string;
  settings: CloudSettings;
  /** Strict schema of what a user may set (plus `cloud` and `resourceName`). */
  inputs: I;
  /** Lenient schema of what the key stores in state. */
  state: S;
  /** The input the library generates when omitted (a unique name or label). */
  generatedNameField: string;
  /** Inputs whose change replaces the key (neither API can update a key). */
  replaceOnChange: readonly string[];
  /** Inputs that change in place: they only affect how the library talks to the API. */
  inPlace: readonly string[];
  /** Fields the server reports about an adopted key; compared only when the program sets them. */
  describedByServer: readonly string[];
  /** What check says when a required input is missing, in the cloud's terms (default: "is required"). */
  requiredHints?: Readonly<Record<string, string>>;
  /**
   * Cross-field rules the schema cannot express, on the checked inputs and on what the user set
   * (before generated defaults); each failure names its property and the fix.
   */
  crossCheck?: (inputs: z.output<I>, userSet: Record<string, unknown>, olds: Record<string, unknown>) => Array<{ property: string; reason: string }>;
  /**
   * Inputs the API requires to differ between two live keys. A replacement is created while the old
   * key still exists, so it cannot keep them; diff says so at preview instead of a conflict at `up`.
   */
  uniqueWhileBothExist?: readonly string[];
  answers: ApiAnswers;
  /** Loaded on first use, so programs that only declare resources never load HTTP code. */
  lifecycle: () => Promise<KeyLifecycle<z.output<I>, z.output<S>>>;
  buckets: () => Promise<BucketOps>;
  /** Whether bucket operations go through the cloud's API (and so need its credential). */
  bucketsUseApi: boolean;
  /** How an existing key is found and described for import. */
  importing: CloudImport;
}

/**
 * The registry's view, derived from `CloudDefinition`: the same declarations, with raw records at
 * the lifecycle's edges (each parsed by the cloud's own schemas) and its optional parts filled in.
 */
export type CloudModule = Readonly<
  Omit<CloudDefinition<ObjectSchema, ObjectSchema>, "inputs" | "state" | "crossCheck" | "uniqueWhileBothExist" | "requiredHints" | "lifecycle"> & {
    inputs: ObjectSchema;
    state: ObjectSchema;
    uniqueWhileBothExist: readonly string[];
    requiredHints: Readonly<Record<string, string>>;
    crossCheck(inputs: Record<string, unknown>, userSet: Record<string, unknown>, olds: Record<string, unknown>): Array<{ property: string; reason: string }>;
  } & { [K in keyof KeyLifecycle<unknown, unknown>]: RawLifecycle[K] }
>;

/** A lifecycle on raw records. */
type RawLifecycle = KeyLifecycle<Record<string, unknown>, Record<string, unknown>>;

export function defineCloud<I extends ObjectSchema, S extends ObjectSchema>(def: CloudDefinition<I, S>): CloudModule {
  const inputs = (raw: Record<string, unknown>) => def.inputs.parse(raw);
  const state = (raw: Record<string, unknown>) => def.state.parse(raw);
  const { lifecycle, crossCheck, uniqueWhileBothExist, requiredHints, ...declared } = def;
  return {
    ...declared,
    crossCheck: (raw, userSet, olds) => {
      const parsed = def.inputs.safeParse(raw);
      return parsed.success && crossCheck ? crossCheck(parsed.data, userSet, olds) : [];
    },
    uniqueWhileBothExist: uniqueWhileBothExist ?? [],
    requiredHints: requiredHints ?? {},
    create: async (raw, ctx) => (await lifecycle()).create(inputs(raw), ctx),
    read: async (id, raw, ctx) => (await lifecycle()).read(id, state(raw), ctx),
    update: async (id, olds, news, ctx) => (await lifecycle()).update(id, state(olds), inputs(news), ctx),
    delete: async (id, raw, ctx) => (await lifecycle()).delete(id, state(raw), ctx),
  };
}
