/** The S3 response documents this client reads, as parsed by ./xml (text leaves are strings). */
import { z } from "zod";

/** An element S3 sends empty (`<Prefix/>`) parses as "", one with only whitespace as that text. */
const text = z.string();
const flag = z.enum(["true", "false"]).transform((v) => v === "true");

export const ErrorDocument = z.object({
  Error: z.object({ Code: text.optional(), Message: text.optional() }),
});

export const ListBucketResult = z.object({
  ListBucketResult: z.object({
    IsTruncated: flag,
    NextContinuationToken: text.optional(),
    Contents: z.array(z.object({ Key: text })).default([]),
  }),
});

export const DeleteResult = z.object({
  // A quiet success with nothing to report is an empty element, which parses as text.
  DeleteResult: z.union([
    text,
    z.object({
      Error: z.array(z.object({ Key: text.optional(), Code: text.optional(), Message: text.optional() })).default([]),
    }),
  ]),
});
