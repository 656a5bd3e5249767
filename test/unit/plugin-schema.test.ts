/**
 * The package schema: derived from the zod schemas, committed as schema.json (regenerate with
 * `npm run schema`), described everywhere, and honest about secrets and internal inputs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { clouds } from "../../src/clouds/registry";
import { INTERNAL_INPUTS, secretFieldsOf } from "../../src/model/fields";
import { PACKAGE, RESOURCES } from "../../src/plugin/package";
import { packageSchema, schemaText } from "../../src/plugin/schema";
import { configKey, useConfigNamespace } from "../../src/settings";

const schema = packageSchema();
type Props = Record<string, { description?: string; secret?: boolean }>;

describe("package schema", () => {
  it("is what schema.json holds (run `npm run schema` after changing a zod schema)", () => {
    expect(fs.readFileSync(path.resolve(__dirname, "../../schema.json"), "utf8")).toBe(schemaText());
  });

  it("names the package and one resource per served type", () => {
    expect(schema.name).toBe(PACKAGE);
    expect(Object.keys(schema.resources)).toEqual(["object-storage-keys:index:ObjectStorageAccessKey", "object-storage-keys:index:ObjectStorageBucket"]);
  });

  const sections: Array<[string, Props]> = [
    ["config", schema.config.variables],
    ...Object.entries(schema.types).map(([t, spec]): [string, Props] => [t, spec.properties]),
    ...Object.entries(schema.resources).flatMap(([t, spec]): Array<[string, Props]> => [
      [`${t} inputs`, spec.inputProperties],
      [`${t} outputs`, spec.properties],
    ]),
  ];
  it.each(sections)("%s: every property has a description", (_section, props) => {
    expect(
      Object.entries(props)
        .filter(([, p]) => !p.description)
        .map(([k]) => k),
    ).toEqual([]);
  });

  it.each(sections)("%s: no internal input is exposed", (_section, props) => {
    for (const k of INTERNAL_INPUTS) expect(props).not.toHaveProperty(k);
  });

  it("marks every field a cloud's schema marks secret, and nothing else", () => {
    const key = schema.resources["object-storage-keys:index:ObjectStorageAccessKey"]!;
    const marked = (p: Props) =>
      Object.entries(p)
        .filter(([, v]) => v.secret)
        .map(([k]) => k)
        .sort();
    const expected = [...new Set(Object.values(clouds).flatMap((m) => [...secretFieldsOf(m.inputs), ...secretFieldsOf(m.state)]))].sort();
    expect(marked(key.properties)).toEqual(expected);
    expect(marked(key.inputProperties)).toEqual(expected.filter((k) => k in key.inputProperties));
    expect(RESOURCES[0]!.secrets).toEqual(new Set(expected));
  });

  it("declares every stack-config setting in the package namespace, credentials secret", () => {
    const vars = schema.config.variables;
    for (const m of Object.values(clouds)) {
      useConfigNamespace(PACKAGE);
      try {
        const credential = configKey(m.settings.credential.config).slice(PACKAGE.length + 1);
        expect(vars[credential]).toMatchObject({ type: "string", secret: true });
        expect(vars).toHaveProperty(configKey(m.settings.apiUrl.config).slice(PACKAGE.length + 1));
      } finally {
        useConfigNamespace(undefined);
      }
    }
    expect(Object.keys(vars)).toEqual(
      expect.arrayContaining(["nscaleApiToken", "hostupApiKey", "nscaleApiUrl", "hostupApiUrl", "nscaleProvisioningTimeoutSeconds"]),
    );
  });
});
