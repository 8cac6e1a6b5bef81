import { type MigrationInterface, type QueryRunner, TableIndex } from "typeorm";

/**
 * Paged lists read in (created_at, id) order from a cursor: these indexes let each page start at
 * its cursor and stop after `first` rows instead of sorting a whole table, per owner for
 * `tasks` and `User.tasks`, overall for `allTasks` and `users`.
 */
export class PagingIndexes1764100000000 implements MigrationInterface {
  name = "PagingIndexes1764100000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      "tasks",
      new TableIndex({
        name: "idx_tasks_owner_created",
        columnNames: ["owner_id", "created_at", "id"],
      }),
    );
    await queryRunner.createIndex(
      "tasks",
      new TableIndex({ name: "idx_tasks_created", columnNames: ["created_at", "id"] }),
    );
    await queryRunner.createIndex(
      "users",
      new TableIndex({ name: "idx_users_created", columnNames: ["created_at", "id"] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex("users", "idx_users_created");
    await queryRunner.dropIndex("tasks", "idx_tasks_created");
    await queryRunner.dropIndex("tasks", "idx_tasks_owner_created");
  }
}
