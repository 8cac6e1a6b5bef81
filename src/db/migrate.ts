import type { DataSource } from "typeorm";

const LOCK_NAME = "graphql_jwt_api_migrations";
const LOCK_TIMEOUT_SECONDS = 60;

/**
 * Applies pending migrations. On MySQL several instances may start at once, so they take
 * turns under a named lock; SQLite serializes writers on its own.
 */
export async function migrate(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type === "better-sqlite3") {
    await dataSource.runMigrations({ transaction: "each" });
    return;
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
