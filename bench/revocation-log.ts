import type mysql from "mysql2/promise";
import {
  type BenchDatabase,
  connectMysql,
  inTransaction,
  openSqliteFile,
  sqliteDatetime,
} from "./bench-database";

/** Rows per transaction (and per statement on MySQL). */
const BATCH_ROWS = 1_000;

/** Rows one transaction inserted: ids firstId .. firstId + subjects.length - 1, normally. */
interface InsertedBatch {
  readonly firstId: number;
  readonly subjects: readonly string[];
}

/** One engine's statements on the `revocations` table. */
interface Engine {
  countLive(now: Date): Promise<number>;
  /** Inserts kind='session' rows in one transaction; returns the first row's id. */
  insertSessions(subjects: readonly string[], expiresAt: Date): Promise<number>;
  /** Deletes the batch's rows, matched by id range and subject; returns how many went. */
  deleteBatch(batch: InsertedBatch): Promise<number>;
  close(): Promise<void>;
}

/**
 * Writes session revocations straight into the server's `revocations` table, the way the
 * server's own writes look to its poller (each transaction takes the next number of the log's
 * commit sequence and stamps its rows with it), and can remove exactly those rows again so a
 * shared MySQL database is left as it was.
 */
export class RevocationLogWriter {
  private readonly inserted: InsertedBatch[] = [];

  private constructor(private readonly engine: Engine) {}

  static async open(database: BenchDatabase): Promise<RevocationLogWriter> {
    const engine =
      database.kind === "sqlite" ? openSqlite(database.path) : await openMysql(database.url);
    return new RevocationLogWriter(engine);
  }

  /** Rows that revoke something now: what the server holds in memory. */
  countLive(now: Date): Promise<number> {
    return this.engine.countLive(now);
  }

  /** One kind='session' row per subject, BATCH_ROWS per transaction. */
  async revokeSessions(subjects: readonly string[], expiresAt: Date): Promise<void> {
    for (let start = 0; start < subjects.length; start += BATCH_ROWS) {
      const batch = subjects.slice(start, start + BATCH_ROWS);
      const firstId = await this.engine.insertSessions(batch, expiresAt);
      this.inserted.push({ firstId, subjects: batch });
    }
  }

  /** Deletes every row this writer inserted; returns how many it inserted and deleted. */
  async removeInserted(): Promise<{ inserted: number; deleted: number }> {
    let inserted = 0;
    let deleted = 0;
    while (this.inserted.length > 0) {
      const batch = this.inserted[this.inserted.length - 1];
      deleted += await this.engine.deleteBatch(batch);
      inserted += batch.subjects.length;
      this.inserted.pop();
    }
    return { inserted, deleted };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

const SELECT_LIVE = "SELECT COUNT(*) AS live FROM revocations WHERE expires_at > ?";
/** As src/auth/revocation-sequence.ts takes a number, inside the inserting transaction. */
const NEXT_SEQ = "UPDATE revocation_sequence SET last_seq = last_seq + 1 WHERE id = 1";
const READ_SEQ = "SELECT last_seq FROM revocation_sequence WHERE id = 1";
const deleteSql = (subjects: number) =>
  "DELETE FROM revocations WHERE kind = 'session' AND id BETWEEN ? AND ? " +
  `AND subject IN (${new Array<string>(subjects).fill("?").join(", ")})`;

function openSqlite(path: string): Engine {
  // The server keeps the file in WAL mode, so it reads on while this connection writes.
  const db = openSqliteFile(path);
  const insert = db.prepare(
    "INSERT INTO revocations (kind, subject, roles, expires_at, seq) " +
      "VALUES ('session', ?, NULL, ?, ?)",
  );
  const nextSeq = db.prepare(NEXT_SEQ);
  const readSeq = db.prepare(READ_SEQ);
  const insertAll = db.transaction((subjects: readonly string[], expiresAt: string) => {
    nextSeq.run();
    const { last_seq: seq } = readSeq.get() as { last_seq: number };
    let firstId: number | undefined;
    for (const subject of subjects) {
      const { lastInsertRowid } = insert.run(subject, expiresAt, seq);
      firstId ??= Number(lastInsertRowid);
    }
    if (firstId === undefined) throw new Error("no rows to insert");
    return firstId;
  });
  return {
    countLive: (now) => {
      const row = db.prepare(SELECT_LIVE).get(sqliteDatetime(now)) as { live: number };
      return Promise.resolve(row.live);
    },
    insertSessions: (subjects, expiresAt) =>
      Promise.resolve(insertAll(subjects, sqliteDatetime(expiresAt))),
    deleteBatch: ({ firstId, subjects }) =>
      Promise.resolve(
        db
          .prepare(deleteSql(subjects.length))
          .run(firstId, firstId + subjects.length - 1, ...subjects).changes,
      ),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

async function openMysql(url: string): Promise<Engine> {
  const connection = await connectMysql(url);
  return {
    countLive: async (now) => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(SELECT_LIVE, [now]);
      return Number((rows[0] as { live: number | string }).live);
    },
    // One multi-row INSERT: InnoDB gives its rows consecutive ids, insertId being the first.
    insertSessions: (subjects, expiresAt) =>
      inTransaction(connection, async () => {
        await connection.query(NEXT_SEQ);
        const [seqRows] = await connection.query<mysql.RowDataPacket[]>(READ_SEQ);
        const seq = Number((seqRows[0] as { last_seq: number | string }).last_seq);
        const [result] = await connection.query<mysql.ResultSetHeader>(
          "INSERT INTO revocations (kind, subject, roles, expires_at, seq) VALUES ?",
          [subjects.map((subject) => ["session", subject, null, expiresAt, seq])],
        );
        return result.insertId;
      }),
    deleteBatch: async ({ firstId, subjects }) => {
      const [result] = await connection.query<mysql.ResultSetHeader>(deleteSql(subjects.length), [
        firstId,
        firstId + subjects.length - 1,
        ...subjects,
      ]);
      return result.affectedRows;
    },
    close: () => connection.end(),
  };
}
