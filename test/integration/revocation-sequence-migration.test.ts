import { randomUUID } from "node:crypto";
import { DataSource } from "typeorm";
import { DatabaseRevocationLog } from "../../src/revocation/database-revocation-log";
import { DatabaseRevocationView } from "../../src/revocation/database-revocation-view";
import { NoRevocationFanout } from "../../src/revocation/revocation-fanout";
import { databaseFromEnvironment } from "../../src/config/config";
import { entities } from "../../src/app/data-source";
import { dataSourceOptions } from "../../src/db/data-source";
import { migrations } from "../../src/db/migrations";
import { RevocationSequence1764200000000 } from "../../src/db/migrations/1764200000000-revocation-sequence";
import { createLogger } from "../../src/logging/logger";
import { databaseKinds, type TestDatabase } from "../support/databases";

/**
 * The migration that orders the log by commit runs over a log already in use: rows written
 * before it keep their order (by id), the counter starts above them, and it can be undone.
 */
describe.each(databaseKinds())("the revocation sequence migration ($name)", (kind) => {
  let database: TestDatabase;
  const open = async (upTo: number): Promise<DataSource> => {
    const options = dataSourceOptions(
      databaseFromEnvironment({ DATABASE_URL: database.url }),
      entities,
    );
    const dataSource = new DataSource({ ...options, migrations: migrations.slice(0, upTo) });
    await dataSource.initialize();
    return dataSource;
  };

  beforeAll(async () => {
    database = await kind.create();
  });
  afterAll(() => database?.drop());

  it("numbers the rows already in the log, starts the counter above them, and can be undone", async () => {
    const before = migrations.indexOf(RevocationSequence1764200000000);
    expect(before).toBeGreaterThan(0);
    const sessionIds = [randomUUID(), randomUUID(), randomUUID()];

    const old = await open(before);
    try {
      await old.runMigrations({ transaction: "each" });
      const expiresAt = new Date(Date.now() + 3_600_000);
      for (const subject of sessionIds) {
        // As the previous release wrote them: no sequence number.
        await old.query(
          "INSERT INTO revocations (kind, subject, expires_at) VALUES ('session', ?, ?)",
          [subject, kind.name === "sqlite" ? expiresAt.toISOString() : expiresAt],
        );
      }
    } finally {
      await old.destroy();
    }

    // Up to the sequence and no further, so that undoing the last migration undoes it.
    const current = await open(before + 1);
    try {
      await current.runMigrations({ transaction: "each" });
      const rows: Array<{ id: number | string; seq: number | string }> = await current.query(
        "SELECT id, seq FROM revocations ORDER BY id",
      );
      expect(rows.map((row) => Number(row.seq))).toEqual(rows.map((row) => Number(row.id)));
      const [counter] = await current.query<Array<{ last_seq: number | string }>>(
        "SELECT last_seq FROM revocation_sequence WHERE id = 1",
      );
      expect(Number(counter.last_seq)).toBe(Math.max(...rows.map((row) => Number(row.id))));

      const store = new DatabaseRevocationView(
        current,
        { pollIntervalMs: 60_000, maxStalenessMs: 60_000, retentionSeconds: 3_600 },
        { now: () => new Date() },
        createLogger("silent"),
      );
      await store.start();
      try {
        for (const sessionId of sessionIds) {
          const principal = {
            userId: "u-1",
            sessionId,
            tokenId: randomUUID(),
            roles: [],
            scope: null,
            issuedAt: 0,
            expiresAt: 0,
          };
          expect(store.check(principal)).toBeNull();
        }
        // The next revocation is numbered above every old row.
        const log = new DatabaseRevocationLog(
          current,
          { retentionSeconds: 3_600 },
          { now: () => new Date() },
          new NoRevocationFanout(),
          createLogger("silent"),
        );
        await current.transaction((manager) => log.recordSessions(manager, [randomUUID()]));
        const [next] = await current.query<Array<{ seq: number | string }>>(
          "SELECT MAX(seq) AS seq FROM revocations",
        );
        expect(Number(next.seq)).toBe(Number(counter.last_seq) + 1);
      } finally {
        await store.stop();
      }

      await current.undoLastMigration({ transaction: "each" });
      expect(await current.createQueryRunner().hasTable("revocation_sequence")).toBe(false);
      expect(await current.createQueryRunner().hasColumn("revocations", "seq")).toBe(false);
    } finally {
      await current.destroy();
    }
  });
});
