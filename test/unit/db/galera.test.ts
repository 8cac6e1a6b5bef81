import type { DataSource } from "typeorm";
import { DatabaseSetupError } from "../../../src/db/database-setup-error";
import { assertCausalReadsOnGalera, isGaleraNode } from "../../../src/db/galera";

/** A data source that answers the two questions asked of it, as MySQL or MariaDB would. */
function server(answers: { wsrepOn?: string; syncWait?: number | string }): DataSource {
  return {
    options: { type: "mariadb" },
    query: (sql: string) => {
      if (sql.startsWith("SHOW VARIABLES LIKE 'wsrep_on'")) {
        return Promise.resolve(
          answers.wsrepOn === undefined
            ? []
            : [{ Variable_name: "wsrep_on", Value: answers.wsrepOn }],
        );
      }
      if (sql.includes("@@SESSION.wsrep_sync_wait")) {
        return Promise.resolve([{ syncWait: answers.syncWait }]);
      }
      return Promise.reject(new Error(`unexpected query ${sql}`));
    },
  } as unknown as DataSource;
}

describe("isGaleraNode", () => {
  it("is true only where wsrep is on", async () => {
    expect(await isGaleraNode(server({ wsrepOn: "ON" }))).toBe(true);
    expect(await isGaleraNode(server({ wsrepOn: "OFF" }))).toBe(false); // MariaDB without a cluster
    expect(await isGaleraNode(server({}))).toBe(false); // MySQL: no such variable
  });

  it("asks SQLite nothing", async () => {
    const sqlite = { options: { type: "better-sqlite3" }, query: jest.fn() };
    expect(await isGaleraNode(sqlite as unknown as DataSource)).toBe(false);
    expect(sqlite.query).not.toHaveBeenCalled();
  });
});

describe("assertCausalReadsOnGalera", () => {
  it.each([1, 3, 7, "15"])("lets a Galera node with wsrep_sync_wait=%s start", async (syncWait) => {
    await expect(assertCausalReadsOnGalera(server({ wsrepOn: "ON", syncWait }))).resolves.toBe(
      undefined,
    );
  });

  it.each([0, 2, 4, 6])(
    "refuses a Galera node whose reads are not causal (wsrep_sync_wait=%s), saying what to set",
    async (syncWait) => {
      const outcome = assertCausalReadsOnGalera(server({ wsrepOn: "ON", syncWait }));
      await expect(outcome).rejects.toBeInstanceOf(DatabaseSetupError);
      await expect(outcome).rejects.toThrow(/Set wsrep_sync_wait=1 on every node/);
    },
  );

  it("asks nothing more of a server that is not a Galera node", async () => {
    await expect(assertCausalReadsOnGalera(server({ wsrepOn: "OFF" }))).resolves.toBe(undefined);
    await expect(assertCausalReadsOnGalera(server({}))).resolves.toBe(undefined);
  });
});
