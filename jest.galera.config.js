/**
 * The multi-primary run: the suites that matter on a Galera cluster (two instances on two nodes,
 * the revocation log's order, storms, migrations at start) plus the Galera-only findings
 * (*.galera.test.ts), against the cluster that `.ci/galera-cluster.sh up` starts. `.ci/run` sets
 * TEST_GALERA_URLS and TEST_DATABASES=galera; `npm run test:galera`.
 * @type {import("jest").Config}
 */
const base = require("./jest.config");

module.exports = {
  ...base,
  testMatch: [
    "**/test/integration/multi-instance.test.ts",
    "**/test/integration/revocation-store.test.ts",
    "**/test/integration/revocation-log-order.test.ts",
    "**/test/integration/cross-instance-storms.test.ts",
    "**/test/integration/cluster-migrations.test.ts",
    "**/*.galera.test.ts",
  ],
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
  testTimeout: 120_000,
};
