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
