import type { DataSource, EntityManager } from "typeorm";
import type { Clock } from "../core/clock";
import { driverCode } from "../db/db-errors";
import { fixedWindow, type RateLimiter, type WindowCount } from "./rate-limiter";

/** MySQL deadlock and lock-wait errors: the transaction was rolled back and may be run again. */
const RETRYABLE_MYSQL_ERRORS = new Set(["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);
const MAX_ATTEMPTS = 3;

/**
 * Counters in the `rate_limits` table, one row per bucket and window, so every instance on the
 * database shares them. Each consume is one atomic upsert: SQLite's `ON CONFLICT ... RETURNING`
 * in one statement; on MySQL and MariaDB (no RETURNING with an upsert) the upsert and the read
 * of the total run in one transaction, the upsert's row lock keeping other increments out until
 * the read is done, so each caller sees its own total.
 */
export class DatabaseRateLimiter implements RateLimiter {
  private readonly sqlite: boolean;

  constructor(
    private readonly dataSource: DataSource,
    private readonly windowMs: number,
    private readonly clock: Clock,
  ) {
    this.sqlite = dataSource.options.type === "better-sqlite3";
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async consume(bucket: string, hits: number): Promise<WindowCount> {
    const window = fixedWindow(this.clock.now().getTime(), this.windowMs);
    const total = this.sqlite
      ? await this.upsertReturning(bucket, window.start, window.end, hits)
      : await this.upsertInTransaction(bucket, window.start, window.end, hits);
    return { hits: total, resetsAt: window.end };
  }

  async purgeExpired(): Promise<number> {
    const now = this.clock.now().getTime();
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from("rate_limits")
      .where("expires_at <= :now", { now })
      .execute();
    return result.affected ?? 0;
  }

  private async upsertReturning(
    bucket: string,
    windowStart: number,
    expiresAt: number,
    hits: number,
  ): Promise<number> {
    const rows: Array<{ hits: number | string }> = await this.dataSource.query(
      "INSERT INTO rate_limits (bucket, window_start, hits, expires_at) VALUES (?, ?, ?, ?) " +
        "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + excluded.hits " +
        "RETURNING hits",
      [bucket, windowStart, hits, expiresAt],
    );
    return Number(rows[0].hits);
  }

  private async upsertInTransaction(
    bucket: string,
    windowStart: number,
    expiresAt: number,
    hits: number,
  ): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager: EntityManager) => {
          await manager.query(
            "INSERT INTO rate_limits (bucket, window_start, hits, expires_at) VALUES (?, ?, ?, ?) " +
              "ON DUPLICATE KEY UPDATE hits = hits + ?",
            [bucket, windowStart, hits, expiresAt, hits],
          );
          const rows: Array<{ hits: number | string }> = await manager.query(
            "SELECT hits FROM rate_limits WHERE bucket = ? AND window_start = ?",
            [bucket, windowStart],
          );
          return Number(rows[0].hits);
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE_MYSQL_ERRORS.has(driverCode(error) ?? ""))
          throw error;
      }
    }
  }
}
