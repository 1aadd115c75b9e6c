// ESLint flat config (`npm run lint`): @eslint/js recommended plus typescript-eslint's strict set over the
// root project's TypeScript. The app package has its own toolchain and is not linted from here.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "app/", "rendered/", "dist/", "components/dist/", ".cache/", ".pulumi-state/", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ["**/*.ts"],
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
);
