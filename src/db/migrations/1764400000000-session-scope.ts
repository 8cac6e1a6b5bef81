import { type MigrationInterface, type QueryRunner, TableColumn } from "typeorm";

/**
 * A session may be narrowed at login to a scope (space-separated permission names); every access
 * token of the session carries it, refresh after refresh. Null: the session is not narrowed.
 */
export class SessionScope1764400000000 implements MigrationInterface {
  name = "SessionScope1764400000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      "sessions",
      new TableColumn({ name: "scope", type: "varchar", length: "1024", isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn("sessions", "scope");
  }
}
