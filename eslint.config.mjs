// npm run lint: typescript-eslint's recommended rules over src/, test/ and scripts/ (sdk/ is
// generated, dist/ is built), and Prettier's check for formatting (eslint-config-prettier turns
// off the rules Prettier owns).
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "sdk/", "node_modules/", ".pulumi-local/", "tools/", "examples/", "bin/", "**/*.d.ts", "test/fixtures/state-v0.1.0/release/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      // TypeScript checks names; plain JS scripts run on Node, whose globals the rule does not know.
      "no-undef": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["**/*.cjs", "**/*.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
