/**
 * The multi-primary run, `npm run test:cluster`: the suites that matter on a Galera cluster (two
 * instances on two nodes, the revocation log's order, migrations at start) and those that run
 * here only (*.cluster.test.ts: storms of logins, refreshes and logouts across two instances,
 * what Galera itself does), against the cluster `.ci/galera-cluster.sh up` starts and the
 * ordinary server. `.ci/run` sets TEST_GALERA_URLS, TEST_MYSQL_URL and TEST_DATABASES=mysql,galera.
 * One suite at a time: the storms load the machine, and the other suites hold time bounds.
 * @type {import("jest").Config}
 */
const base = require("./jest.config");

module.exports = {
  ...base,
  testMatch: [
    "**/test/integration/multi-instance.test.ts",
    "**/test/integration/revocation-store.test.ts",
    "**/test/integration/revocation-log-order.test.ts",
    "**/test/integration/revocation-sequence-migration.test.ts",
    "**/test/integration/cluster-migrations.test.ts",
    "**/*.cluster.test.ts",
  ],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
  testTimeout: 120_000,
  maxWorkers: 1,
};
