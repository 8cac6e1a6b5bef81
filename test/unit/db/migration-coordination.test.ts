import type { DataSource } from "typeorm";
import { DatabaseSetupError } from "../../../src/db/database-setup-error";
import { pendingMigrationNames, waitUntilMigrated } from "../../../src/db/migration-coordination";

/** A data source whose `migrations` table answers with each entry of `answers` in turn. */
function database(answers: Array<string[] | Error>): DataSource & { reads: () => number } {
  let reads = 0;
  return {
    options: { type: "mariadb" },
    driver: { escape: (name: string) => `\`${name}\`` },
    migrations: [{ name: "First1" }, { name: "Second2" }],
    query: (sql: string) => {
      expect(sql).toBe("SELECT name FROM `migrations`");
      const answer = answers[Math.min(reads++, answers.length - 1)];
      return answer instanceof Error
        ? Promise.reject(answer)
        : Promise.resolve(answer.map((name) => ({ name })));
    },
    reads: () => reads,
  } as unknown as DataSource & { reads: () => number };
}

const noSuchTable = () =>
  Object.assign(new Error("Table 't.migrations' doesn't exist"), { code: "ER_NO_SUCH_TABLE" });

/** A clock that only moves when the wait sleeps. */
function virtualTime() {
  let now = 0;
  return {
    monotonicNow: () => now,
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
  };
}

describe("pendingMigrationNames", () => {
  it("names what is not recorded, and everything when there is no migrations table yet", async () => {
    expect(await pendingMigrationNames(database([["First1"]]))).toEqual(["Second2"]);
    expect(await pendingMigrationNames(database([["First1", "Second2", "Newer3"]]))).toEqual([]);
    expect(await pendingMigrationNames(database([noSuchTable()]))).toEqual(["First1", "Second2"]);
  });

  it("throws any other error", async () => {
    await expect(pendingMigrationNames(database([new Error("boom")]))).rejects.toThrow("boom");
  });
});

describe("waitUntilMigrated", () => {
  it("returns once every migration is recorded, having said once what it waits for", async () => {
    const db = database([noSuchTable(), ["First1"], ["First1"], ["First1", "Second2"]]);
    const told: Array<readonly string[]> = [];
    await waitUntilMigrated(db, {
      timeoutMs: 10_000,
      pollIntervalMs: 500,
      ...virtualTime(),
      onWaiting: (pending) => told.push(pending),
    });
    expect(db.reads()).toBe(4);
    expect(told).toEqual([["First1", "Second2"]]);
  });

  it("waits through a database it cannot read for a while", async () => {
    const db = database([
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      ["First1", "Second2"],
    ]);
    await expect(waitUntilMigrated(db, { timeoutMs: 10_000, ...virtualTime() })).resolves.toBe(
      undefined,
    );
  });

  it("gives up after the timeout, naming what is pending and what to do", async () => {
    const db = database([["First1"]]);
    const outcome = waitUntilMigrated(db, {
      timeoutMs: 3_000,
      pollIntervalMs: 500,
      ...virtualTime(),
    });
    await expect(outcome).rejects.toBeInstanceOf(DatabaseSetupError);
    await expect(outcome).rejects.toThrow(
      "MIGRATIONS=wait: the schema was not current after 3s (still pending: Second2). " +
        "Run `npm run migration:run` once, or start one instance with MIGRATIONS=run.",
    );
    expect(db.reads()).toBe(7); // at 0, 500, ..., 3000 ms
  });

  it("says so when the database could not be read at the end", async () => {
    const db = database([new Error("connect ECONNREFUSED")]);
    await expect(waitUntilMigrated(db, { timeoutMs: 1_000, ...virtualTime() })).rejects.toThrow(
      /could not be read \(connect ECONNREFUSED\)/,
    );
  });
});
