import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";

/**
 * The rate-limit counters move to rate-limiter-flexible, which reads and writes its own shape:
 * one row per counter, `key` (the primary key), `points` and `expire` (epoch milliseconds), in
 * that order (its MySQL upsert names no columns). The app never creates the table at run time, so
 * it is made here, on SQLite and MySQL alike.
 *
 * The old table (one row per counter and aligned window) is dropped with its rows rather than
 * converted: counters are ephemeral, and the worst this does is forget the attempts of the
 * current window once, at the deploy that runs it.
 */
export class RateLimitCounters1764300000000 implements MigrationInterface {
  name = "RateLimitCounters1764300000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("rate_limits");
    await queryRunner.createTable(
      new Table({
        name: "rate_limits",
        columns: [
          { name: "key", type: "varchar", length: "255", isPrimary: true },
          { name: "points", type: "int", default: 0 },
          { name: "expire", type: "bigint", unsigned: true, isNullable: true },
        ],
        // For the purge of ended windows (`expire <= now`).
        indices: [new TableIndex({ name: "idx_rate_limits_expire", columnNames: ["expire"] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("rate_limits");
    await queryRunner.createTable(
      new Table({
        name: "rate_limits",
        columns: [
          { name: "bucket", type: "varchar", length: "160", isPrimary: true },
          { name: "window_start", type: "bigint", isPrimary: true },
          { name: "hits", type: "bigint" },
          { name: "expires_at", type: "bigint" },
        ],
        indices: [
          new TableIndex({ name: "idx_rate_limits_expires_at", columnNames: ["expires_at"] }),
        ],
      }),
    );
  }
}
