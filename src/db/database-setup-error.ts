import type { DatabaseConfig } from "../config/config";
import { StartupError } from "../core/startup-error";

/**
 * The database is not set up for this server to start safely (migrations pending, a cluster
 * setting missing): its message says what to do, and is shown as it is, without a stack trace.
 */
export class DatabaseSetupError extends StartupError {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseSetupError";
  }
}

/** The database could not be opened at all: where it was looked for (never a password), and why. */
export function databaseUnreachable(database: DatabaseConfig, error: unknown): StartupError {
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const why = typeof code === "string" && !reason.includes(code) ? `${reason} (${code})` : reason;
  return new StartupError(
    `Cannot open the database ${databaseWhere(database)}: ${why}. Check DATABASE_URL.`,
  );
}

/** "SQLite file /path" or "MariaDB at host:3306, database app": never the credentials. */
export function databaseWhere(database: DatabaseConfig): string {
  if (database.kind === "sqlite") return `SQLite file ${database.path}`;
  const url = new URL(database.url);
  const kind = database.flavour === "mariadb" ? "MariaDB" : "MySQL";
  return `${kind} at ${url.hostname}:${url.port || "3306"}, database ${url.pathname.slice(1)}`;
}
