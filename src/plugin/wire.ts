/**
 * How values cross the native provider protocol through `@pulumi/pulumi/provider`: it hands the
 * provider raw wire values, so a secret arrives as `{ [SECRET_SIG]: SECRET_TOKEN, value }` at any
 * depth, and an unknown (preview) as the same sentinel string the dynamic ABI uses (../provider/abi).
 * Values go in unwrapped, as the shared operations expect; secrets go back out wrapped, because the
 * engine stores an unwrapped value in plaintext (an import, for one, never consults the schema).
 */
import { SECRET_SIG, SECRET_TOKEN } from "../import/build";

type Props = Record<string, unknown>;

export interface SecretWire {
  [SECRET_SIG]: typeof SECRET_TOKEN;
  value: unknown;
}

export function isSecretWire(v: unknown): v is SecretWire {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_TOKEN;
}

export function secretWire(value: unknown): SecretWire {
  return { [SECRET_SIG]: SECRET_TOKEN, value };
}

function unwrapValue(v: unknown, onSecret: () => void): unknown {
  if (isSecretWire(v)) {
    onSecret();
    return unwrapValue(v.value, onSecret);
  }
  if (Array.isArray(v)) return v.map((x) => unwrapValue(x, onSecret));
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapValue(x, onSecret)]));
  return v;
}

/** The plain record, and the top-level properties that held a secret anywhere inside. */
export function unwrap(props: Props | undefined): { plain: Props; secret: Set<string> } {
  const secret = new Set<string>();
  const plain: Props = {};
  for (const [k, v] of Object.entries(props ?? {})) plain[k] = unwrapValue(v, () => secret.add(k));
  return { plain, secret };
}

/**
 * The record as the engine should store it: the named properties wrapped as secrets, undefined
 * dropped (protobuf's Struct has no undefined).
 */
export function wrap(props: Props, secret: ReadonlySet<string>): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k] = secret.has(k) ? secretWire(v) : v;
  }
  return out;
}
