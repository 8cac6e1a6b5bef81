import Database from "better-sqlite3";
import mysql from "mysql2/promise";

/** The server's database, as the benchmark configured it. */
export type BenchDatabase =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "mysql"; readonly url: string };

const SQLITE_BUSY_TIMEOUT_MILLIS = 5_000;

/** How TypeORM stores a datetime on better-sqlite3: UTC text, 'YYYY-MM-DD HH:MM:SS.SSS'. */
export function sqliteDatetime(date: Date): string {
  return date.toISOString().replace("T", " ").slice(0, 23);
}

/** A second connection to the server's SQLite file, which the server keeps in WAL mode. */
export function openSqliteFile(path: string): Database.Database {
  return new Database(path, { fileMustExist: true, timeout: SQLITE_BUSY_TIMEOUT_MILLIS });
}

/** A connection with the server's own options: dates are sent and read as UTC. */
export function connectMysql(url: string): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: url.replace(/^mariadb:/, "mysql:"), timezone: "Z" });
}

export async function inTransaction<T>(
  connection: mysql.Connection,
  work: () => Promise<T>,
): Promise<T> {
  await connection.beginTransaction();
  try {
    const result = await work();
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback();
    throw error;
  }
}
