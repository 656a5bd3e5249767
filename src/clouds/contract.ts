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
 * What the cloud's API itself answers. Only these answers may change what the library records:
 * a key counts as gone only on the API's own not-found, never on a proxy's 404.
 */
export interface ApiAnswers {
  /** The API's own "this key does not exist" (not a 404 from a proxy or a wrong URL). */
  isNotFound(err: unknown): boolean;
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
}

/** The registry's view: the same module with raw records at its edges, parsed by its own schemas. */
export interface CloudModule {
  readonly id: string;
  readonly settings: CloudSettings;
  readonly inputs: ObjectSchema;
  readonly state: ObjectSchema;
  readonly generatedNameField: string;
  readonly replaceOnChange: readonly string[];
  readonly inPlace: readonly string[];
  readonly describedByServer: readonly string[];
  readonly answers: ApiAnswers;
  crossCheck(inputs: Record<string, unknown>, userSet: Record<string, unknown>, olds: Record<string, unknown>): Array<{ property: string; reason: string }>;
  readonly uniqueWhileBothExist: readonly string[];
  create(inputs: Record<string, unknown>, ctx: OperationContext): Promise<{ id: string; state: Record<string, unknown> }>;
  read(id: string, state: Record<string, unknown>, ctx: OperationContext): Promise<Record<string, unknown> | undefined>;
  update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>, ctx: OperationContext): Promise<Record<string, unknown>>;
  delete(id: string, state: Record<string, unknown>, ctx: OperationContext): Promise<void>;
  buckets(): Promise<BucketOps>;
  readonly bucketsUseApi: boolean;
}

export function defineCloud<I extends ObjectSchema, S extends ObjectSchema>(
  def: CloudDefinition<I, S>,
): CloudModule {
  const inputs = (raw: Record<string, unknown>) => def.inputs.parse(raw);
  const state = (raw: Record<string, unknown>) => def.state.parse(raw);
  return {
    id: def.id,
    settings: def.settings,
    inputs: def.inputs,
    state: def.state,
    generatedNameField: def.generatedNameField,
    replaceOnChange: def.replaceOnChange,
    inPlace: def.inPlace,
    describedByServer: def.describedByServer,
    answers: def.answers,
    crossCheck: (raw, userSet, olds) => {
      const parsed = def.inputs.safeParse(raw);
      return parsed.success && def.crossCheck ? def.crossCheck(parsed.data, userSet, olds) : [];
    },
    uniqueWhileBothExist: def.uniqueWhileBothExist ?? [],
    create: async (raw, ctx) => (await def.lifecycle()).create(inputs(raw), ctx),
    read: async (id, raw, ctx) => (await def.lifecycle()).read(id, state(raw), ctx),
    update: async (id, olds, news, ctx) => (await def.lifecycle()).update(id, state(olds), inputs(news), ctx),
    delete: async (id, raw, ctx) => (await def.lifecycle()).delete(id, state(raw), ctx),
    buckets: def.buckets,
    bucketsUseApi: def.bucketsUseApi,
  };
}
