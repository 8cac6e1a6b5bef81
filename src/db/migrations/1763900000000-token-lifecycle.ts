import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from "typeorm";

/**
 * Refresh rotation and revocation: each session gets its own rotation key, remembers its
 * previous refresh token for the reuse grace period, and has an absolute end; `revocations`
 * is the log every instance follows to refuse revoked sessions' access tokens.
 */
export class TokenLifecycle1763900000000 implements MigrationInterface {
  name = "TokenLifecycle1763900000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.options.type === "better-sqlite3";
    await queryRunner.addColumns("sessions", [
      // Sessions from before this migration have no key: their refresh tokens stop working.
      new TableColumn({ name: "rotation_key", type: "varchar", length: "64", default: "''" }),
      new TableColumn({
        name: "previous_token_hash",
        type: "varchar",
        length: "64",
        isNullable: true,
      }),
      new TableColumn({ name: "rotated_at", type: "datetime", precision: 3, isNullable: true }),
      new TableColumn({
        name: "absolute_expires_at",
        type: "datetime",
        precision: 3,
        isNullable: true,
      }),
      new TableColumn({ name: "revoked_reason", type: "varchar", length: "32", isNullable: true }),
    ]);
    await queryRunner.createIndex(
      "sessions",
      new TableIndex({ name: "idx_sessions_expires_at", columnNames: ["expires_at"] }),
    );

    await queryRunner.createTable(
      new Table({
        name: "revocations",
        columns: [
          {
            name: "id",
            type: sqlite ? "integer" : "bigint",
            isPrimary: true,
            isGenerated: true,
            generationStrategy: "increment",
          },
          { name: "kind", type: "varchar", length: "16" },
          { name: "subject", type: "varchar", length: "64" },
          { name: "roles", type: "varchar", length: "64", isNullable: true },
          {
            // The database's clock, not an instance's: followers page through the log by it.
            name: "created_at",
            type: "datetime",
            precision: 3,
            default: sqlite ? "(strftime('%Y-%m-%d %H:%M:%f', 'now'))" : "CURRENT_TIMESTAMP(3)",
          },
          { name: "expires_at", type: "datetime", precision: 3 },
        ],
        indices: [
          new TableIndex({ name: "idx_revocations_created_at", columnNames: ["created_at"] }),
          new TableIndex({ name: "idx_revocations_expires_at", columnNames: ["expires_at"] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("revocations");
    await queryRunner.dropIndex("sessions", "idx_sessions_expires_at");
    for (const column of [
      "revoked_reason",
      "absolute_expires_at",
      "rotated_at",
      "previous_token_hash",
      "rotation_key",
    ]) {
      await queryRunner.dropColumn("sessions", column);
    }
  }
}
