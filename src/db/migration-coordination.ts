import type { DataSource } from "typeorm";
import { DatabaseSetupError } from "./database-setup-error";
import { systemMonotonic } from "../core/clock";

/**
 * The names of the migrations this build knows and the database has not recorded, read without
 * writing anything: TypeORM's own check (`showMigrations`) creates its `migrations` table when
 * it is missing, which on a fresh cluster would race the instance that migrates.
 */
export async function pendingMigrationNames(dataSource: DataSource): Promise<string[]> {
  const table = dataSource.driver.escape(dataSource.options.migrationsTableName ?? "migrations");
  let executed: Set<string>;
  try {
    const rows: Array<{ name: string }> = await dataSource.query(`SELECT name FROM ${table}`);
    executed = new Set(rows.map((row) => row.name));
  } catch (error) {
    if (!isNoSuchTable(error)) throw error;
    executed = new Set();
  }
  return dataSource.migrations
    .map((migration) => migration.name ?? migration.constructor.name)
    .filter((name) => !executed.has(name));
}

function isNoSuchTable(error: unknown): boolean {
  const driverError = (error as { driverError?: unknown } | null)?.driverError ?? error;
  const code = (driverError as { code?: unknown } | null)?.code;
  const message = driverError instanceof Error ? driverError.message : "";
  return code === "ER_NO_SUCH_TABLE" || /no such table/i.test(message);
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs?: number;
  /** Injected in tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly monotonicNow?: () => number;
  /** Told once, when the wait begins, what it waits for. */
  readonly onWaiting?: (pending: readonly string[]) => void;
}

/**
 * `MIGRATIONS=wait`: returns once every migration this build knows is recorded as applied (by
 * `npm run migration:run`, or by the one instance started with MIGRATIONS=run), and throws
 * DatabaseSetupError after `timeoutMs`. A database that cannot be read meanwhile is waited for too.
 */
export async function waitUntilMigrated(
  dataSource: DataSource,
  options: WaitOptions,
): Promise<void> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.monotonicNow ?? systemMonotonic;
  const deadline = now() + options.timeoutMs;
  let pending: readonly string[] = [];
  let told = false;
  let lastError: unknown;
  for (;;) {
    try {
      pending = await pendingMigrationNames(dataSource);
      lastError = undefined;
      if (pending.length === 0) return;
      if (!told) options.onWaiting?.(pending);
      told = true;
    } catch (error) {
      lastError = error;
    }
    if (now() >= deadline) break;
    await sleep(options.pollIntervalMs ?? 500);
  }
  const why =
    lastError instanceof Error
      ? `the database could not be read (${lastError.message})`
      : `still pending: ${pending.join(", ")}`;
  throw new DatabaseSetupError(
    `MIGRATIONS=wait: the schema was not current after ${Math.round(options.timeoutMs / 1000)}s ` +
      `(${why}). Run \`npm run migration:run\` once, or start one instance with MIGRATIONS=run.`,
  );
}

/** GET_LOCK is per node on Galera: two instances on two nodes would both migrate. */
export const GALERA_NEEDS_A_MIGRATOR =
  "DATABASE_URL names a Galera cluster node (wsrep_on=ON), where the migration lock (GET_LOCK) " +
  "holds only on one node: instances starting together on several nodes would race to migrate. " +
  "Set MIGRATIONS=wait on every instance and run `npm run migration:run` once per deploy " +
  "(or MIGRATIONS=run on exactly one instance).";
