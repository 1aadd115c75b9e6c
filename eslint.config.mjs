// ESLint flat config (`npm run lint`):
// - the root project's TypeScript: @eslint/js recommended plus typescript-eslint's strict set;
// - security rules (eslint-plugin-security's recommended set, as errors, and a few core rules) over the
//   program `pulumi up` runs and over the service's sources (app/src, app/scripts). The rest of the app
//   (its tests, bench, fuzz) keeps its own toolchain and is not linted from here.
import js from "@eslint/js";
import security from "eslint-plugin-security";
import tseslint from "typescript-eslint";

const TS_AND_JS = "{ts,mts,cts,js,mjs,cjs}";
/** The program: what `pulumi up` runs, the policy pack, the operator scripts and the examples. */
export const PROGRAM_SOURCES = ["components", "policy", "scripts", "ci-identity", "examples"].map((dir) => `${dir}/**/*.${TS_AND_JS}`).concat("index.ts");
/** The service's own sources; the only app files linted from the root. */
export const SERVICE_SOURCES = [`app/src/**/*.${TS_AND_JS}`, `app/scripts/**/*.${TS_AND_JS}`];

/** The plugin's recommended rules, every one an error: a warning would not fail `npm run lint`. */
const securityRulesAsErrors = Object.fromEntries(Object.keys(security.configs.recommended.rules).map((rule) => [rule, "error"]));

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/", "rendered/", "dist/", "components/dist/", ".cache/", ".pulumi-state/", "**/*.d.ts",
      // The app's folders other than its sources: only app/src and app/scripts are linted from here.
      "app/*", "!app/src/", "!app/scripts/",
    ],
  },
  {
    ignores: ["app/**"],
    extends: [js.configs.recommended, ...tseslint.configs.strict],
  },
  {
    files: ["**/*.ts"],
    ignores: ["app/**"],
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      // Unused names fail the typecheck already (noUnusedLocals); a leading underscore marks one kept on purpose.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "prefer-const": "error",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // Tests assert on rendered manifests, which are untyped JSON: `Record<string, any>` is the idiom there.
      "@typescript-eslint/no-explicit-any": "off",
      // Tests reach into modules the way the engine does (fresh requires, internal SDK hooks).
      "@typescript-eslint/no-require-imports": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  {
    // The service's TypeScript is parsed without type information: the security rules need only the syntax.
    files: SERVICE_SOURCES,
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: "module" },
  },
  {
    files: [...PROGRAM_SOURCES, ...SERVICE_SOURCES],
    extends: [security.configs.recommended],
    rules: {
      ...securityRulesAsErrors,
      // Reports every `object[key]` whose key is a variable and follows no data flow, so it cannot tell a
      // typed key or an array index from request input: over a hundred reports here that would bury the rest.
      "security/detect-object-injection": "off",
      // What the plugin misses: code built from strings, and a shell command line built from values.
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.name=/^exec(Sync)?$/][arguments.0.type=/^(TemplateLiteral|BinaryExpression)$/], CallExpression[callee.property.name=/^exec(Sync)?$/][arguments.0.type=/^(TemplateLiteral|BinaryExpression)$/]",
          message: "exec/execSync runs its argument in a shell: pass the program and its arguments to execFile/spawn instead of building a command line",
        },
      ],
    },
  },
  {
    files: ["scripts/**"],
    rules: {
      // The operator's own commands: their paths come from the repository layout and the operator's
      // command line, run with the operator's own rights, never from a request.
      "security/detect-non-literal-fs-filename": "off",
    },
  },
);
