import type { DataSource, QueryRunner } from "typeorm";
import { Revocation } from "./revocation.entity";

/** What one read of the log returns: its rows in commit order, and the number read up to. */
export interface LogRead {
  readonly rows: readonly Revocation[];
  /** Every row numbered up to this is among the rows read so far. */
  readonly floor: number;
}

/**
 * The view's reads of the `revocations` table, by commit sequence (revocation-sequence.ts), on a
 * connection of their own (MySQL): they never queue for the pool behind requests, such as a
 * storm of revocations taking turns on the sequence row, which would otherwise leave the view
 * stale and every token refused with 503.
 */
export class RevocationLogReader {
  private reader?: QueryRunner;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * The live rows when nothing was read yet (`floor` undefined), else the rows numbered above
   * `floor`: one indexed range read, returning nothing when nothing happened.
   */
  async readAfter(floor: number | undefined, now: Date): Promise<LogRead> {
    try {
      return await this.read(floor, now);
    } catch (error) {
      // The connection may be the broken part: the next read takes a fresh one.
      await this.release();
      throw error;
    }
  }

  async release(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    await reader?.release().catch(() => undefined);
  }

  private async read(floor: number | undefined, now: Date): Promise<LogRead> {
    const reader = this.connection();
    const query = this.dataSource
      .getRepository(Revocation)
      .createQueryBuilder("revocation", reader)
      .select([
        "revocation.id",
        "revocation.seq",
        "revocation.kind",
        "revocation.subject",
        "revocation.roles",
        "revocation.expiresAt",
      ])
      .orderBy("revocation.seq", "ASC")
      .addOrderBy("revocation.id", "ASC");
    let from = floor;
    if (from === undefined) {
      // Read before the rows: every transaction numbered up to it had committed then, so the
      // read of live rows that follows sees all of them, and later reads may start above it.
      from = await this.highestCommittedSeq(reader);
      query.where("revocation.expiresAt > :now", { now });
    } else {
      query.where("revocation.seq > :floor", { floor: from });
    }
    return { rows: await query.getMany(), floor: from };
  }

  private connection(): QueryRunner | undefined {
    // SQLite has one connection and no pool to queue for.
    if (this.dataSource.options.type === "better-sqlite3") return undefined;
    if (!this.reader || this.reader.isReleased) this.reader = this.dataSource.createQueryRunner();
    return this.reader;
  }

  private async highestCommittedSeq(reader: QueryRunner | undefined): Promise<number> {
    const row = await this.dataSource
      .getRepository(Revocation)
      .createQueryBuilder("revocation", reader)
      .select("MAX(revocation.seq)", "highest")
      .getRawOne<{ highest: number | string | null }>();
    return Number(row?.highest ?? 0);
  }
}
