import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from "typeorm";

/**
 * Orders the revocation log by commit, not by id. Each revoking transaction takes the next
 * number from the one-row `revocation_sequence` counter (an UPDATE, so transactions that revoke
 * take their numbers one after the other and commit in that order) and stamps its rows with it
 * in `revocations.seq`. Followers read `seq > last seen`, which can never skip a committed row
 * whatever the auto-increment step, the batch size or the order in which ids were handed out.
 *
 * Rows already in the log keep their order by id. `seq` has no default once filled, so a writer
 * that does not take a number (an instance of the previous release, during a rolling upgrade)
 * fails its revocation loudly rather than writing a row no follower would read.
 */
export class RevocationSequence1764200000000 implements MigrationInterface {
  name = "RevocationSequence1764200000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      "revocations",
      new TableColumn({ name: "seq", type: "bigint", default: 0 }),
    );
    await queryRunner.query("UPDATE revocations SET seq = id");
    await queryRunner.changeColumn(
      "revocations",
      "seq",
      new TableColumn({ name: "seq", type: "bigint" }),
    );
    await queryRunner.createIndex(
      "revocations",
      new TableIndex({ name: "idx_revocations_seq", columnNames: ["seq"] }),
    );
    await queryRunner.createTable(
      new Table({
        name: "revocation_sequence",
        columns: [
          { name: "id", type: "integer", isPrimary: true },
          { name: "last_seq", type: "bigint" },
        ],
      }),
    );
    await queryRunner.query(
      "INSERT INTO revocation_sequence (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM revocations",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable("revocation_sequence");
    await queryRunner.dropIndex("revocations", "idx_revocations_seq");
    await queryRunner.dropColumn("revocations", "seq");
  }
}
