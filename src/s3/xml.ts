/** S3's XML bodies, read and written with fast-xml-parser. */
import { XMLBuilder, XMLParser } from "fast-xml-parser";

/** Elements S3 may repeat; they always parse as arrays, even when a page holds just one. */
const REPEATED = new Set(["Contents", "CommonPrefixes", "Deleted", "Bucket"]);

/** How S3 XML is read, by this client and by the emulator's S3 alike. */
export const S3_XML_READING = {
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keys and tokens are strings even when they look like numbers ("0123") or have edge spaces.
  parseTagValue: false,
  trimValues: false,
  // The named set adds numeric character references (S3 escapes control characters as &#13;);
  // without it only the five XML entities are decoded.
  htmlEntities: true,
} as const;

const parser = new XMLParser({
  ...S3_XML_READING,
  // <Error> repeats inside a DeleteResult, but is the root of an error document.
  isArray: (name, path) => REPEATED.has(name) || (name === "Error" && String(path) === "DeleteResult.Error"),
  jPath: true,
});

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", processEntities: true, suppressEmptyNode: false });

/** The document as plain objects; an unparsable body gives undefined, never a throw. */
export function parseXml(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return parser.parse(text);
  } catch {
    return undefined;
  }
}

/** Attributes are `@_name` keys; text is escaped, so any key survives the round trip. */
export function buildXml(doc: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build(doc)}`;
}
