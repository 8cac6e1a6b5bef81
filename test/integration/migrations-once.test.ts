import { DataSource } from "typeorm";
import { entities } from "../../src/app/data-source";
import { databaseFromEnvironment } from "../../src/config/config";
import { dataSourceOptions } from "../../src/db/data-source";
import { migrations } from "../../src/db/migrations";
import { RateLimitCounters1764300000000 } from "../../src/db/migrations/1764300000000-rate-limit-counters";
import { databaseKinds, type TestDatabase } from "../support/databases";

/**
 * The late process of a start-up race: its pending list, read before its transaction, still names
 * a migration another process has since applied. Dropping and creating a table can run twice, so
 * the migration itself must refuse, inside the transaction, and leave what is stored alone.
 */
describe.each(databaseKinds())("a migration already applied ($name)", (kind) => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await kind.create();
    const options = dataSourceOptions(
      databaseFromEnvironment({ DATABASE_URL: database.url }),
      entities,
    );
    dataSource = new DataSource({ ...options, migrations });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: "each" });
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it("refuses to run again, recording nothing and dropping no rows", async () => {
    await dataSource.query("INSERT INTO rate_limits (`key`, points, expire) VALUES ('k', 3, NULL)");
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await expect(new RateLimitCounters1764300000000().up(runner)).rejects.toThrow(
        "RateLimitCounters1764300000000 was applied by another process meanwhile",
      );
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
    const recorded = await dataSource.query<unknown[]>(
      "SELECT name FROM migrations WHERE name = 'RateLimitCounters1764300000000'",
    );
    expect(recorded).toHaveLength(1);
    const rows = await dataSource.query<Array<{ points: number }>>(
      "SELECT points FROM rate_limits",
    );
    expect(rows.map((row) => Number(row.points))).toEqual([3]);
  });
});
