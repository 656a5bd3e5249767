// Writes schema.json, the package schema the native plugin serves (src/plugin/schema.ts derives it
// from the zod schemas). test/unit/plugin-schema.test.ts fails while the committed file differs.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { schemaText } from "../src/plugin/schema";

writeFileSync(join(__dirname, "..", "schema.json"), schemaText());
console.log("schema.json written");
