/** @type {import("jest").Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/e2e"],
  testMatch: ["**/*.e2e.test.ts"],
  transform: { "^.+\\.ts$": "@swc/jest" },
  setupFiles: ["reflect-metadata"],
  // A real browser against a real server, waiting out short token lifetimes on purpose.
  testTimeout: 120_000,
  // One Chromium at a time on a 2-core machine.
  maxWorkers: 1,
};
