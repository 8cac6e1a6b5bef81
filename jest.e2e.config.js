/**
 * End-to-end tests: a real API on loopback driven by headless Chromium (playwright-core, with
 * Debian's chromium; CHROMIUM_PATH overrides). One suite at a time: each starts servers and a
 * browser, and the machine is small. `npm run test:e2e`.
 * @type {import("jest").Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  transform: { "^.+\\.ts$": "@swc/jest" },
  setupFiles: ["reflect-metadata"],
  testTimeout: 120_000,
  maxWorkers: 1,
};
