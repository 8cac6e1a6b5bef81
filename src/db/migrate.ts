import type { DataSource } from "typeorm";
import type { MigrationMode } from "../config/config";
import { DatabaseSetupError } from "./database-setup-error";
import { isGaleraNode } from "./galera";
import {
  GALERA_NEEDS_A_MIGRATOR,
  pendingMigrationNames,
  waitUntilMigrated,
} from "./migration-coordination";
import { retryOnConflict, type RetryPolicy } from "./retry";

const LOCK_NAME = "graphql_jwt_api_migrations";
const LOCK_TIMEOUT_SECONDS = 60;
/** SQLite: about 8 s of tries in all, for processes that started together to take turns. */
const SQLITE_RACE_POLICY: RetryPolicy = { attempts: 20, baseDelayMs: 50, maxDelayMs: 500 };

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
 * several instances may start at once, so they take turns under a named lock. On Galera that
 * lock is per node, so `auto` is refused there: exactly one process per cluster migrates (`run`,
 * or `npm run migration:run`), the rest wait. SQLite has no such lock, but runs each migration,
 * its DDL and its record in `migrations` included, in one transaction: a process that lost the
 * race to another rolled its attempt back whole, and tries again on what is still pending.
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
    await retryOnConflict(
      async () => {
        try {
          await dataSource.runMigrations({ transaction: "each" });
        } catch (error) {
          // "table ... already exists" from a process that got there first is no failure.
          if ((await pendingMigrationNames(dataSource)).length > 0) throw error;
        }
      },
      { policy: SQLITE_RACE_POLICY, isRetryable: () => true },
    );
    return;
  }
  if (mode === "auto" && (await isGaleraNode(dataSource))) {
    throw new DatabaseSetupError(GALERA_NEEDS_A_MIGRATOR);
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
