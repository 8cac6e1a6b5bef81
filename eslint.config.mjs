import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "coverage/",
      "data/",
      "eslint.config.mjs",
      "jest.config.js",
      "jest.e2e.config.js",
      "jest.deploy.config.js",
      "jest.cluster.config.js",
      // The example app has its own toolchain and dependencies: `npm run build --prefix
      // examples/web` typechecks it, and CI runs that.
      "examples/",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through src/config." },
      ],
    },
  },
  {
    // Plain browser scripts served as they are, outside the TypeScript project.
    files: ["src/playground/browser/**/*.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "script",
    },
  },
  {
    files: ["src/config/**", "test/**", "bench/**", "jest.config.js"],
    rules: { "no-restricted-properties": "off" },
  },
  {
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
    },
  },
);
