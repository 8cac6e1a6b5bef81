import { randomUUID } from "node:crypto";
import type mysql from "mysql2/promise";
import {
  type BenchDatabase,
  connectMysql,
  inTransaction,
  openSqliteFile,
  sqliteDatetime,
} from "./bench-database";

/** Rows per statement and per transaction: 7,000 parameters, under either engine's limit. */
const BATCH_ROWS = 1_000;

/**
 * An argon2id hash (OWASP parameters) of a random password nobody kept: a row the server would
 * accept and verify, for users who never sign in.
 */
const PASSWORD_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$kabo74yQyV5MBJbTUQb6Qg$623aEbi6xwMia959sihzPkIvkMp0dsVK+FaI8sotgRQ";

const COLUMNS = "id, email, display_name, roles, password_hash, created_at, updated_at";
const insertSql = (rows: number) =>
  `INSERT INTO users (${COLUMNS}) VALUES ` +
  new Array<string>(rows).fill("(?, ?, ?, ?, ?, ?, ?)").join(", ");
const deleteSql = (rows: number) =>
  `DELETE FROM users WHERE id IN (${new Array<string>(rows).fill("?").join(", ")})`;

/** One engine's statements on the `users` table. */
interface Engine {
  count(): Promise<number>;
  /** Inserts the rows in one transaction. */
  insert(rows: ReadonlyArray<readonly unknown[]>): Promise<void>;
  /** Deletes the users of these ids; returns how many went. */
  delete(ids: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * Writes users straight into the server's `users` table, as the migrations define it and as
 * TypeORM reads it back (roles as a comma list, datetimes to the millisecond), and can remove
 * exactly those rows again so a shared MySQL database is left as it was.
 */
export class UserRowsWriter {
  private readonly inserted: string[][] = [];

  private constructor(
    private readonly engine: Engine,
    private readonly kind: BenchDatabase["kind"],
  ) {}

  static async open(database: BenchDatabase): Promise<UserRowsWriter> {
    const engine =
      database.kind === "sqlite" ? openSqlite(database.path) : await openMysql(database.url);
    return new UserRowsWriter(engine, database.kind);
  }

  count(): Promise<number> {
    return this.engine.count();
  }

  /** `count` USER accounts nobody signs in to, signed up a millisecond apart before `now`. */
  async addUsers(count: number, now = new Date()): Promise<void> {
    const runTag = randomUUID().slice(0, 8);
    for (let start = 0; start < count; start += BATCH_ROWS) {
      const rows: unknown[][] = [];
      const ids: string[] = [];
      for (let index = start; index < Math.min(count, start + BATCH_ROWS); index++) {
        const id = randomUUID();
        const signedUp = new Date(now.getTime() - (count - index));
        const at = this.kind === "sqlite" ? sqliteDatetime(signedUp) : signedUp;
        ids.push(id);
        rows.push([
          id,
          `bench-${runTag}-${index}@example.com`,
          `Bench user ${index}`,
          "USER",
          PASSWORD_HASH,
          at,
          at,
        ]);
      }
      await this.engine.insert(rows);
      this.inserted.push(ids);
    }
  }

  /** Deletes every row this writer inserted; returns how many it inserted and deleted. */
  async removeInserted(): Promise<{ inserted: number; deleted: number }> {
    let inserted = 0;
    let deleted = 0;
    while (this.inserted.length > 0) {
      const ids = this.inserted[this.inserted.length - 1];
      deleted += await this.engine.delete(ids);
      inserted += ids.length;
      this.inserted.pop();
    }
    return { inserted, deleted };
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

function openSqlite(path: string): Engine {
  const db = openSqliteFile(path);
  const insertAll = db.transaction((rows: ReadonlyArray<readonly unknown[]>) => {
    db.prepare(insertSql(rows.length)).run(...rows.flat());
  });
  return {
    count: () => {
      const row = db.prepare("SELECT COUNT(*) AS users FROM users").get() as { users: number };
      return Promise.resolve(row.users);
    },
    insert: (rows) => Promise.resolve(insertAll(rows)),
    delete: (ids) => Promise.resolve(db.prepare(deleteSql(ids.length)).run(...ids).changes),
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

async function openMysql(url: string): Promise<Engine> {
  const connection = await connectMysql(url);
  return {
    count: async () => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS users FROM users",
      );
      return Number((rows[0] as { users: number | string }).users);
    },
    insert: (rows) =>
      inTransaction(connection, async () => {
        await connection.query(insertSql(rows.length), rows.flat());
      }),
    delete: async (ids) => {
      const [result] = await connection.query<mysql.ResultSetHeader>(deleteSql(ids.length), [
        ...ids,
      ]);
      return result.affectedRows;
    },
    close: () => connection.end(),
  };
}
