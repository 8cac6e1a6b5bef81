import { CannotExecuteNotConnectedError, ConnectionIsNotSetError, QueryFailedError } from "typeorm";
import { isDatabaseUnavailable, isUniqueViolation } from "../../../src/db/db-errors";

/** The shape of a mysql2 error: an Error with code, errno, sqlState and fatal. */
function mysqlError(code: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { code, errno: 0, sqlState: "HY000", ...extra });
}

/** The shape of better-sqlite3's SqliteError: an Error named SqliteError with a string code. */
function sqliteError(code: string, message: string) {
  const error = Object.assign(new Error(message), { code });
  Object.defineProperty(error, "name", { value: "SqliteError" });
  return error;
}

const queryFailed = (driverError: Error) => new QueryFailedError("SELECT 1", [], driverError);

describe("isDatabaseUnavailable", () => {
  it.each([
    ["ECONNREFUSED", "connect ECONNREFUSED 10.0.0.5:3306"],
    ["ECONNRESET", "read ECONNRESET"],
    ["ETIMEDOUT", "connect ETIMEDOUT"],
    ["EHOSTUNREACH", "connect EHOSTUNREACH 10.0.0.5:3306"],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND db.internal"],
    ["EPIPE", "write EPIPE"],
    ["PROTOCOL_CONNECTION_LOST", "Connection lost: The server closed the connection."],
    ["PROTOCOL_SEQUENCE_TIMEOUT", "Query inactivity timeout"],
    ["ER_CON_COUNT_ERROR", "Too many connections"],
    ["ER_SERVER_SHUTDOWN", "Server shutdown in progress"],
  ])("is true for a mysql2 %s error", (code, message) => {
    expect(isDatabaseUnavailable(mysqlError(code, message, { fatal: true }))).toBe(true);
  });

  it.each([
    ["ER_LOCK_WAIT_TIMEOUT", "Lock wait timeout exceeded; try restarting transaction"],
    ["ER_UNKNOWN_COM_ERROR", "WSREP has not yet prepared node for application use"],
  ])("is true for a mysql2 %s error, which is not fatal to the connection", (code, message) => {
    expect(isDatabaseUnavailable(queryFailed(mysqlError(code, message)))).toBe(true);
  });

  it("is true for a mysql2 connection error wrapped in TypeORM's QueryFailedError", () => {
    const lost = mysqlError("PROTOCOL_CONNECTION_LOST", "Connection lost");
    expect(isDatabaseUnavailable(queryFailed(lost))).toBe(true);
  });

  it.each([
    ["SQLITE_BUSY", "database is locked"],
    ["SQLITE_LOCKED", "database table is locked"],
    ["SQLITE_CANTOPEN", "unable to open database file"],
    ["SQLITE_IOERR", "disk I/O error"],
    ["SQLITE_IOERR_WRITE", "disk I/O error"],
    ["SQLITE_IOERR_SHORT_READ", "disk I/O error"],
  ])("is true for a better-sqlite3 %s error, bare or wrapped", (code, message) => {
    expect(isDatabaseUnavailable(sqliteError(code, message))).toBe(true);
    expect(isDatabaseUnavailable(queryFailed(sqliteError(code, message)))).toBe(true);
  });

  it("is true when TypeORM has no connection", () => {
    expect(isDatabaseUnavailable(new CannotExecuteNotConnectedError())).toBe(true);
    expect(isDatabaseUnavailable(new ConnectionIsNotSetError("mysql"))).toBe(true);
  });

  it.each([
    ["mysql2's closed pool", new Error("Pool is closed.")],
    ["better-sqlite3's closed database", new TypeError("The database connection is not open")],
  ])("is true for %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  // mysql2 (lib/base/connection.js, _addCommandClosedState) fails every command on a connection
  // that has died with this fatal error, which has no code: the database went away.
  it("is true for mysql2's fatal 'connection is in closed state' error", () => {
    const closed = Object.assign(
      new Error("Can't add new command when connection is in closed state"),
      { fatal: true },
    );
    expect(isDatabaseUnavailable(closed)).toBe(true);
    expect(isDatabaseUnavailable(queryFailed(closed))).toBe(true);
  });

  it.each([
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN db.internal"],
    ["ENETUNREACH", "connect ENETUNREACH 10.0.0.5:3306"],
  ])("is true for an unreachable database host (%s)", (code, message) => {
    expect(isDatabaseUnavailable(mysqlError(code, message, { fatal: true }))).toBe(true);
  });

  it.each([
    ["a unique violation", mysqlError("ER_DUP_ENTRY", "Duplicate entry 'a' for key 'email'")],
    ["a syntax error", mysqlError("ER_PARSE_ERROR", "You have an error in your SQL syntax")],
    ["a SQLite constraint", sqliteError("SQLITE_CONSTRAINT_NOTNULL", "NOT NULL constraint failed")],
    ["a SQLite syntax error", sqliteError("SQLITE_ERROR", "near 'SELEC': syntax error")],
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
  ])("is false for %s", (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnavailable(queryFailed(error))).toBe(false);
  });

  it.each([null, undefined, "ECONNREFUSED", 42, { code: 111 }])("is false for %j", (value) => {
    expect(isDatabaseUnavailable(value)).toBe(false);
  });
});

describe("isUniqueViolation", () => {
  it("is true for MySQL/MariaDB ER_DUP_ENTRY, bare or wrapped", () => {
    const duplicate = mysqlError(
      "ER_DUP_ENTRY",
      "Duplicate entry 'ann@example.com' for key 'email'",
      {
        errno: 1062,
        sqlState: "23000",
      },
    );
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isUniqueViolation(queryFailed(duplicate))).toBe(true);
  });

  it.each([
    ["SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed: users.email"],
    ["SQLITE_CONSTRAINT_PRIMARYKEY", "UNIQUE constraint failed: users.id"],
  ])("is true for better-sqlite3 %s, bare or wrapped", (code, message) => {
    expect(isUniqueViolation(sqliteError(code, message))).toBe(true);
    expect(isUniqueViolation(queryFailed(sqliteError(code, message)))).toBe(true);
  });

  it.each([
    [
      "a foreign key violation",
      sqliteError("SQLITE_CONSTRAINT_FOREIGNKEY", "FOREIGN KEY constraint failed"),
    ],
    [
      "a NOT NULL violation",
      sqliteError("SQLITE_CONSTRAINT_NOTNULL", "NOT NULL constraint failed"),
    ],
    ["a MySQL foreign key violation", mysqlError("ER_NO_REFERENCED_ROW_2", "Cannot add or update")],
    ["a lost connection", mysqlError("ECONNREFUSED", "connect ECONNREFUSED")],
    ["a message that merely mentions duplicates", new Error("Duplicate entry")],
  ])("is false for %s", (_name, error) => {
    expect(isUniqueViolation(error)).toBe(false);
    expect(isUniqueViolation(queryFailed(error))).toBe(false);
  });

  it.each([null, undefined, "ER_DUP_ENTRY"])("is false for %j", (value) => {
    expect(isUniqueViolation(value)).toBe(false);
  });
});
