import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DataSource, type DataSourceOptions } from "typeorm";
import type { DatabaseConfig } from "../config/config";
import { migrations } from "./migrations";

/** The entity classes of the features, which the composition root names (app/data-source.ts). */
export type Entities = NonNullable<DataSourceOptions["entities"]>;

/**
 * The one place that turns DATABASE_URL into TypeORM options. Schema changes go through
 * migrations only: `synchronize` stays off here.
 */
export function dataSourceOptions(database: DatabaseConfig, entities: Entities): DataSourceOptions {
  const common = {
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  } as const;
  if (database.kind === "sqlite") {
    if (database.path !== ":memory:") mkdirSync(dirname(database.path), { recursive: true });
    return {
      ...common,
      type: "better-sqlite3",
      database: database.path,
      // WAL lets several server processes (and `npm run user:add`) share one file;
      // the busy timeout makes a writer wait for another instead of failing at once.
      enableWAL: database.path !== ":memory:",
      timeout: 5_000,
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        db.pragma("foreign_keys = ON");
      },
    };
  }
  return {
    ...common,
    type: database.flavour,
    url: database.url.replace(/^mariadb:/, "mysql:"),
    // Dates are stored and read as UTC whatever the server's or the process's time zone.
    timezone: "Z",
    charset: "utf8mb4_unicode_ci",
    connectTimeout: 5_000,
    poolSize: 10,
  };
}

export function createDataSource(database: DatabaseConfig, entities: Entities): DataSource {
  return new DataSource(dataSourceOptions(database, entities));
}
