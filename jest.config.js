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
  // One suite at a time: several suites assert latency under load (event-loop.test.ts: another
  // user's `me` p99 while the worst documents are sent), and on two cores a second worker's
  // servers took that p99 from about 150-300 ms to past its 400 ms bound in two CI runs of four.
  maxWorkers: 1,
};
