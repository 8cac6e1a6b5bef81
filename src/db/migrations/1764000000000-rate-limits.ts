import { type MigrationInterface, type QueryRunner, Table, TableIndex } from "typeorm";

/**
 * Attempt counters for the rate limits, shared by every instance on the database: one row per
 * bucket (say, sign-in attempts from one address) and fixed window. Times are epoch
 * milliseconds, so the window start is an exact integer key on MySQL and SQLite alike.
 */
export class RateLimits1764000000000 implements MigrationInterface {
  name = "RateLimits1764000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
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

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("rate_limits");
  }
}
