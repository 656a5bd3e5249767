/**
 * The package schema (what `pulumi package get-schema` prints and SDKs are generated from),
 * derived from the zod schemas, their descriptions and secret markers, and the settings module's
 * config knobs. Nothing is restated: a new input, output or setting appears here by itself.
 */
import { z } from "zod";
import { clouds } from "../clouds/registry";
import type { ObjectSchema } from "../clouds/contract";
import { INTERNAL_INPUTS } from "../model/fields";
import { namespacedKey, TIMING_KNOBS } from "../settings";
import { PACKAGE_VERSION } from "../version";
import { PACKAGE, RESOURCES, type ServedResource } from "./package";

interface PropertySpec {
  type?: string;
  $ref?: string;
  description?: string;
  secret?: boolean;
  deprecationMessage?: string;
}

interface ObjectTypeSpec {
  type: "object";
  description: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
}

type JsonSchema = { type?: string; const?: unknown; enum?: unknown[]; description?: string; properties?: Record<string, JsonSchema>; required?: string[] };

const ANY = "pulumi.json#/Any";
const SCALARS = new Set(["string", "boolean", "number", "integer"]);
const hidden: readonly string[] = INTERNAL_INPUTS;

function jsonOf(field: z.core.$ZodType): JsonSchema {
  return z.toJSONSchema(field, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/** A zod field as a schema property; object-valued fields become named types in `types`. */
function propertyOf(name: string, js: JsonSchema, types: Record<string, ObjectTypeSpec>): PropertySpec {
  if (js.type && SCALARS.has(js.type)) return { type: js.type };
  if (js.const !== undefined || js.enum) return { type: "string" };
  if (js.type === "object" && js.properties) {
    const token = `${PACKAGE}:index:${pascal(name)}`;
    types[token] ??= {
      type: "object",
      description: js.description ?? name,
      properties: Object.fromEntries(Object.entries(js.properties).map(([k, v]) => [k, { ...propertyOf(k, v, types), description: v.description }])),
      required: js.required,
    };
    return { $ref: `#/types/${token}` };
  }
  return { $ref: ANY };
}

/** Every field of the given schemas (the first description found wins), minus internal ones. */
function propertiesOf(schemas: readonly ObjectSchema[], describers: readonly ObjectSchema[], r: ServedResource, types: Record<string, ObjectTypeSpec>) {
  const out: Record<string, PropertySpec> = {};
  for (const schema of schemas) {
    for (const [name, field] of Object.entries(schema.shape)) {
      if (hidden.includes(name) || out[name]) continue;
      const description = describers.map((s) => s.shape[name] && jsonOf(s.shape[name]).description).find((d) => d);
      out[name] = { ...propertyOf(name, jsonOf(field), types), description, ...(r.secrets.has(name) ? { secret: true } : {}) };
    }
  }
  return out;
}

function resourceSpec(r: ServedResource, types: Record<string, ObjectTypeSpec>) {
  return {
    description: r.description,
    inputProperties: propertiesOf(r.inputs, [...r.inputs, ...r.outputs], r, types),
    requiredInputs: [...r.requiredInputs],
    properties: propertiesOf(r.outputs, [...r.outputs, ...r.inputs], r, types),
    required: [...r.requiredOutputs],
  };
}

/** The provider's config variables: every stack-config setting the library reads, in our namespace. */
export function configVariables(): Record<string, PropertySpec & { type: string }> {
  const short = (key: string) => namespacedKey(PACKAGE, key).slice(PACKAGE.length + 1);
  const vars: Record<string, PropertySpec & { type: string }> = {};
  for (const m of Object.values(clouds)) {
    const s = m.settings;
    vars[short(s.credential.config)] = {
      type: "string",
      secret: true,
      description: `${pascal(s.credentialWhat)} (else the environment variable ${s.credential.env.join(" or ")}; a resource's \`${s.credential.input}\` input overrides it).`,
    };
    vars[short(s.apiUrl.config)] = { type: "string", description: `The ${s.displayName} API base URL (else ${s.apiUrl.env}; default ${s.apiUrl.default}).` };
    if (s.region) vars[short(s.region.config)] = { type: "string", description: `The S3 signing region for ${s.displayName} keys (else ${s.region.env}).` };
  }
  for (const knob of Object.values(TIMING_KNOBS)) {
    const name = short(knob.config);
    vars[name] = { type: "number", description: `${knob.description} Else ${knob.env.join(" or ")}.` };
    for (const alias of knob.configAliases) {
      vars[short(alias)] = {
        type: "number",
        description: `The earlier name of \`${name}\`, still read when \`${name}\` is not set.`,
        deprecationMessage: `Use ${name}.`,
      };
    }
  }
  return vars;
}

export function packageSchema() {
  const types: Record<string, ObjectTypeSpec> = {};
  const resources = Object.fromEntries(RESOURCES.map((r) => [r.token, resourceSpec(r, types)]));
  const variables = configVariables();
  return {
    name: PACKAGE,
    displayName: "Object Storage Keys",
    version: PACKAGE_VERSION,
    description: "Object-storage access keys and buckets on Nscale and HostUp, with the secret kept as a Pulumi secret.",
    keywords: ["pulumi", "nscale", "hostup", "s3", "object-storage", "category/cloud", "kind/native"],
    license: "Apache-2.0",
    repository: "https://github.com/pulumi-object-storage-keys/pulumi-object-storage-keys",
    config: { variables },
    provider: { description: `The ${PACKAGE} provider. Every setting falls back to its environment variable.`, inputProperties: variables },
    types,
    resources,
    language: {
      // respectSchemaVersion: the generated package.json carries the schema's version, which the
      // SDK reports to the engine when it asks for this plugin.
      nodejs: {
        packageName: "@pulumi-object-storage-keys/sdk",
        packageDescription: "Object-storage access keys on Nscale and HostUp (generated SDK).",
        respectSchemaVersion: true,
      },
      python: { packageName: "pulumi_object_storage_keys", respectSchemaVersion: true },
      go: { importBasePath: "github.com/pulumi-object-storage-keys/pulumi-object-storage-keys/sdk/go/objectstoragekeys" },
    },
  };
}

/** The exact text served and committed as schema.json. */
export function schemaText(): string {
  return `${JSON.stringify(packageSchema(), null, 2)}\n`;
}
