import { CannotExecuteNotConnectedError, ConnectionIsNotSetError, QueryFailedError } from "typeorm";

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "PROTOCOL_CONNECTION_LOST",
  "PROTOCOL_SEQUENCE_TIMEOUT",
  "ER_CON_COUNT_ERROR",
  "ER_SERVER_SHUTDOWN",
  // A lock held elsewhere for innodb_lock_wait_timeout: busy, not a fault of the request.
  "ER_LOCK_WAIT_TIMEOUT",
  // Galera (1047): "WSREP has not yet prepared node for application use", a node that is not
  // synced with, or has lost, the cluster's primary component.
  "ER_UNKNOWN_COM_ERROR",
  "SQLITE_BUSY",
  "SQLITE_CANTOPEN",
  "SQLITE_IOERR",
  "SQLITE_LOCKED",
]);

/** The driver's error code (`ER_LOCK_DEADLOCK`, `SQLITE_BUSY`, ...), unwrapped from TypeORM's error. */
export function driverCode(error: unknown): string | undefined {
  if (!error || typeof error !== "object") return undefined;
  const candidate = error instanceof QueryFailedError ? (error.driverError as unknown) : error;
  const code = (candidate as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** True when the database could not be reached or used at all, as opposed to a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof CannotExecuteNotConnectedError || error instanceof ConnectionIsNotSetError) {
    return true;
  }
  const code = driverCode(error);
  if (code !== undefined && (UNAVAILABLE_CODES.has(code) || code.startsWith("SQLITE_IOERR"))) {
    return true;
  }
  // mysql2 marks errors that kill a connection as fatal; some of them (a command on a connection
  // already closed) carry no code at all.
  const driverError: unknown = error instanceof QueryFailedError ? error.driverError : error;
  if (
    driverError &&
    typeof driverError === "object" &&
    (driverError as { fatal?: unknown }).fatal === true
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : "";
  return /pool is closed|connection is closed|closed state|database connection is not open/i.test(
    message,
  );
}

export function isUniqueViolation(error: unknown): boolean {
  const code = driverCode(error);
  return (
    code === "ER_DUP_ENTRY" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/**
 * Errors after which the database has undone the whole transaction (or the one autocommit
 * statement) because of a concurrent one, so running it again from the start is safe and
 * likely to succeed:
 * - `ER_LOCK_DEADLOCK` (1213, SQLSTATE 40001): an InnoDB deadlock; on Galera also a write set
 *   that failed certification against another node's (at COMMIT), or a local transaction that a
 *   replicated one aborted (at its next statement);
 * - `SQLITE_BUSY_SNAPSHOT`: a WAL transaction that read, then tried to write after another
 *   process committed; `SQLITE_BUSY`: the same transaction trying to write while the other
 *   process is still writing (SQLite answers at once, without waiting out the busy timeout,
 *   since the reader's snapshot could not be written on anyway). The same code after a busy
 *   timeout of 5 s would be retried too, but no transaction here holds the write lock that long.
 * A MySQL lock wait timeout is not one of them: it rolls back only the statement, after a long
 * wait.
 */
const CONFLICT_CODES = new Set(["ER_LOCK_DEADLOCK", "SQLITE_BUSY_SNAPSHOT", "SQLITE_BUSY"]);

export function isTransactionConflict(error: unknown): boolean {
  const code = driverCode(error);
  return code !== undefined && CONFLICT_CODES.has(code);
}
