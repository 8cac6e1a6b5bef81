import type { DataSource } from "typeorm";
import type { MigrationMode } from "../config/config";
import {
  GALERA_NEEDS_A_MIGRATOR,
  isGaleraNode,
  MigrationError,
  waitUntilMigrated,
} from "./migration-coordination";

const LOCK_NAME = "graphql_jwt_api_migrations";
const LOCK_TIMEOUT_SECONDS = 60;

export interface MigrateOptions {
  /** See MigrationMode; `auto` by default. */
  readonly mode?: MigrationMode;
  /** For `wait`. */
  readonly waitTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly onWaiting?: (pending: readonly string[]) => void;
}

/**
 * Applies pending migrations, or waits for another process to (`wait`). On one MySQL server
 * several instances may start at once, so they take turns under a named lock; SQLite
 * serializes writers on its own. On Galera that lock is per node, so `auto` is refused there:
 * exactly one process per cluster migrates (`run`, or `npm run migration:run`), the rest wait.
 */
export async function migrate(dataSource: DataSource, options: MigrateOptions = {}): Promise<void> {
  const mode = options.mode ?? "auto";
  if (mode === "wait") {
    await waitUntilMigrated(dataSource, {
      timeoutMs: options.waitTimeoutMs ?? 600_000,
      pollIntervalMs: options.pollIntervalMs,
      onWaiting: options.onWaiting,
    });
    return;
  }
  if (dataSource.options.type === "better-sqlite3") {
    await dataSource.runMigrations({ transaction: "each" });
    return;
  }
  if (mode === "auto" && (await isGaleraNode(dataSource))) {
    throw new MigrationError(GALERA_NEEDS_A_MIGRATOR);
  }
  const runner = dataSource.createQueryRunner();
  try {
    const [row] = (await runner.query("SELECT GET_LOCK(?, ?) AS acquired", [
      LOCK_NAME,
      LOCK_TIMEOUT_SECONDS,
    ])) as Array<{ acquired: number | string | null }>;
    if (Number(row?.acquired) !== 1) throw new Error("Timed out waiting for the migration lock");
    try {
      await dataSource.runMigrations({ transaction: "each" });
    } finally {
      await runner.query("SELECT RELEASE_LOCK(?)", [LOCK_NAME]);
    }
  } finally {
    await runner.release();
  }
}
