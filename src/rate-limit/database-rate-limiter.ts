import type { DataSource } from "typeorm";
import {
  type RateLimiterAbstract,
  RateLimiterMySQL,
  RateLimiterSQLite,
} from "rate-limiter-flexible";
import { FlexibleRateLimiter, type LimiterOptions } from "./flexible-rate-limiter";

/** Created by migration 1764300000000 in the shape rate-limiter-flexible reads and writes. */
export const RATE_LIMIT_TABLE = "rate_limits";

/**
 * Counters in the `rate_limits` table, one row per bucket, so every instance on the database
 * shares them; rate-limiter-flexible runs the atomic upsert on the data source's own connection:
 * on SQLite one `INSERT ... ON CONFLICT ... RETURNING` in a transaction of better-sqlite3's, on
 * MySQL and MariaDB `INSERT ... ON DUPLICATE KEY UPDATE` and a `SELECT` of the row in one
 * transaction on a connection of TypeORM's mysql2 pool, the upsert's row lock keeping other
 * increments out until the read is done. The app never runs DDL here: the table is the
 * migration's (`tableCreated`), and the library's own expiry timer is off in favour of
 * `purgeExpired`, which the app's purge calls.
 */
export class DatabaseRateLimiter extends FlexibleRateLimiter {
  constructor(
    private readonly dataSource: DataSource,
    windowSeconds: number,
  ) {
    super(windowSeconds);
  }

  /** The data source is started (and stopped) by its owner. */
  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async purgeExpired(): Promise<number> {
    // The library's clock: it writes `expire` from Date.now(), and a row whose `expire` is not
    // after now counts from zero at its next hit.
    const now = Date.now();
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(RATE_LIMIT_TABLE)
      .where("expire <= :now", { now })
      .execute();
    return result.affected ?? 0;
  }

  protected createLimiter(options: LimiterOptions): RateLimiterAbstract {
    const common = {
      ...options,
      tableName: RATE_LIMIT_TABLE,
      tableCreated: true,
      clearExpiredByTimeout: false,
      // The table holds nothing else: the bucket is the key.
      keyPrefix: "",
    };
    const { driver } = this.dataSource;
    if (this.dataSource.options.type === "better-sqlite3") {
      const { databaseConnection } = driver as unknown as { databaseConnection: unknown };
      return new RateLimiterSQLite({
        ...common,
        storeClient: databaseConnection,
        storeType: "better-sqlite3",
      });
    }
    const { pool } = driver as unknown as { pool: unknown };
    return new RateLimiterMySQL({
      ...common,
      storeClient: pool,
      storeType: "pool",
      dbName: driver.database,
    });
  }
}
