import {
  type MigrationInterface,
  type QueryRunner,
  Table,
  TableForeignKey,
  TableIndex,
} from "typeorm";

const uuid = (name: string) => ({ name, type: "varchar", length: "36" });
const timestamp = (name: string, isNullable = false) => ({
  name,
  type: "datetime",
  precision: 3,
  isNullable,
});

/** Users, their sessions and their tasks. Written with the Table API so it runs on MySQL and SQLite. */
export class InitialSchema1763800000000 implements MigrationInterface {
  name = "InitialSchema1763800000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: "users",
        columns: [
          { ...uuid("id"), isPrimary: true },
          { name: "email", type: "varchar", length: "254", isUnique: true },
          { name: "display_name", type: "varchar", length: "100", isNullable: true },
          { name: "roles", type: "varchar", length: "64" },
          { name: "password_hash", type: "varchar", length: "255" },
          timestamp("created_at"),
          timestamp("updated_at"),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: "sessions",
        columns: [
          { ...uuid("id"), isPrimary: true },
          uuid("user_id"),
          { name: "refresh_token_hash", type: "varchar", length: "64", isUnique: true },
          { name: "user_agent", type: "varchar", length: "512", isNullable: true },
          timestamp("created_at"),
          timestamp("last_used_at"),
          timestamp("expires_at"),
          timestamp("revoked_at", true),
        ],
        indices: [new TableIndex({ name: "idx_sessions_user_id", columnNames: ["user_id"] })],
        foreignKeys: [
          new TableForeignKey({
            name: "fk_sessions_user",
            columnNames: ["user_id"],
            referencedTableName: "users",
            referencedColumnNames: ["id"],
            onDelete: "CASCADE",
          }),
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: "tasks",
        columns: [
          { ...uuid("id"), isPrimary: true },
          { name: "title", type: "varchar", length: "200" },
          { name: "done", type: "boolean", default: false },
          uuid("owner_id"),
          timestamp("created_at"),
          timestamp("updated_at"),
        ],
        indices: [new TableIndex({ name: "idx_tasks_owner_id", columnNames: ["owner_id"] })],
        foreignKeys: [
          new TableForeignKey({
            name: "fk_tasks_owner",
            columnNames: ["owner_id"],
            referencedTableName: "users",
            referencedColumnNames: ["id"],
            onDelete: "CASCADE",
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("tasks");
    await queryRunner.dropTable("sessions");
    await queryRunner.dropTable("users");
  }
}
