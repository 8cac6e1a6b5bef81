/** @type {import("jest").Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Browser suites (*.e2e.test.ts) run on their own: `npm run test:e2e` (jest.e2e.config.js); so
  // do the nginx deployment (`npm run test:deploy`, jest.deploy.config.js) and the multi-primary
  // suites (*.cluster.test.ts): `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: [
    "/node_modules/",
    "<rootDir>/test/e2e/",
    "<rootDir>/test/deploy/",
    "\\.cluster\\.test\\.ts$",
  ],
  transform: { "^.+\\.ts$": "@swc/jest" },
  setupFiles: ["reflect-metadata"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  // Integration suites start real servers and hash passwords with production argon2 parameters.
  testTimeout: 30_000,
  maxWorkers: 2,
};
