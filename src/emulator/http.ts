import type { IncomingHttpHeaders } from "node:http";

/** A request after the body was read. `path` is the raw (still percent-encoded) path. */
export interface EmuRequest {
  method: string;
  path: string;
  /** Raw query string without the leading "?" ("" when absent). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * What a handler wants sent. Handlers never write to the socket themselves, so a response can be
 * computed (the request applied) and then dropped (the dropAfterCommit fault).
 */
export interface EmuResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): EmuResponse {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

export function header(req: EmuRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Query parameters, decoded; repeated names keep every value. */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!rawQuery) return out;
  for (const part of rawQuery.split("&")) {
    if (!part) continue;
    const eq = part.indexOf("=");
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = safeDecode(eq < 0 ? "" : part.slice(eq + 1));
    if (name === undefined || value === undefined) continue;
    const list = out.get(name) ?? [];
    list.push(value);
    out.set(name, list);
  }
  return out;
}

export function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Path segments, percent-decoded; undefined when a segment is not valid percent-encoding. */
export function pathSegments(path: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of path.split("/").slice(1)) {
    const decoded = safeDecode(raw);
    if (decoded === undefined) return undefined;
    segments.push(decoded);
  }
  return segments;
}

export function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString("utf8")) as unknown };
  } catch {
    return { ok: false };
  }
}
