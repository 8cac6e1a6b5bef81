/**
 * The deployment test: deploy/local-stack.sh brings up nginx (Debian's package) in front of two
 * API instances on one MySQL/MariaDB (TEST_MYSQL_URL), and the test talks to it over HTTP.
 * Fails, never skips, without nginx or MySQL. `npm run test:deploy`.
 * @type {import("jest").Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/deploy"],
  testMatch: ["**/*.deploy.test.ts"],
  transform: { "^.+\\.ts$": "@swc/jest" },
  setupFiles: ["reflect-metadata"],
  testTimeout: 60_000,
  maxWorkers: 1,
};
