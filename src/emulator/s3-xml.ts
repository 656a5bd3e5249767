/** XML for the emulator's S3: responses built and DeleteObjects requests read with fast-xml-parser. */
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import { S3_XML_READING } from "../s3/xml";

export const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";
/** S3's limit for one DeleteObjects request. */
export const MAX_DELETE_KEYS = 1000;

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: "@_", processEntities: true, suppressEmptyNode: false });

/** `<root xmlns=...>` around `content`; array values repeat their element, "" gives an empty one. */
export function s3Document(root: string, content: Record<string, unknown>): string {
  return builder.build({ [root]: { "@_xmlns": XMLNS, ...content } });
}

const parser = new XMLParser({
  ...S3_XML_READING,
  isArray: (name, path) => String(path) === "Delete.Object",
});

const DeleteRequest = z.object({
  Delete: z.object({
    Quiet: z
      .string()
      .transform((v) => v.trim().toLowerCase() === "true")
      .optional(),
    Object: z
      .array(z.object({ Key: z.string(), VersionId: z.string().optional() }))
      .min(1)
      .max(MAX_DELETE_KEYS),
  }),
});

/** The keys to delete and the Quiet flag, or undefined when the body is not a valid `<Delete>` document. */
export function parseDeleteRequest(body: Buffer): { quiet: boolean; keys: string[] } | undefined {
  const text = body.toString("utf8");
  if (XMLValidator.validate(text) !== true) return undefined;
  const parsed = DeleteRequest.safeParse(parser.parse(text));
  if (!parsed.success) return undefined;
  return { quiet: parsed.data.Delete.Quiet ?? false, keys: parsed.data.Delete.Object.map((o) => o.Key) };
}
