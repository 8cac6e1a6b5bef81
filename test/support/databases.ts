import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnection } from "mysql2/promise";
import type { DataSource } from "typeorm";
import { databaseFromEnvironment } from "../../src/config/config";
import { createAppDataSource } from "../../src/app/data-source";
import { migrate } from "../../src/db/migrate";

export interface TestDatabase {
  /** A DATABASE_URL for the app. */
  readonly url: string;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  readonly name: "sqlite" | "mysql";
  create(): Promise<TestDatabase>;
}

const sqlite: DatabaseKind = {
  name: "sqlite",
  create: () => {
    const dir = mkdtempSync(join(tmpdir(), "gql-jwt-test-"));
    return Promise.resolve({
      url: `sqlite:${join(dir, "test.sqlite")}`,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  },
};

function mysql(baseUrl: string): DatabaseKind {
  return {
    name: "mysql",
    create: async () => {
      const name = `t_${randomBytes(6).toString("hex")}`;
      const admin = await createConnection(withoutDatabase(baseUrl));
      try {
        await admin.query(
          `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        );
      } finally {
        await admin.end();
      }
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => {
          const connection = await createConnection(withoutDatabase(baseUrl));
          try {
            await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
          } finally {
            await connection.end();
          }
        },
      };
    },
  };
}

function withoutDatabase(url: string): string {
  const parsed = new URL(url.replace(/^mariadb:/, "mysql:"));
  parsed.pathname = "/";
  return parsed.toString();
}

/** SQLite always; MySQL (or MariaDB) too when TEST_MYSQL_URL names a server. */
export function databaseKinds(): DatabaseKind[] {
  const mysqlUrl = process.env.TEST_MYSQL_URL;
  return mysqlUrl ? [sqlite, mysql(mysqlUrl)] : [sqlite];
}

/**
 * A fresh database of the given kind with every migration applied, for tests that drive the data
 * layer directly rather than through a server. `close` disconnects and drops it.
 */
export async function openMigratedDataSource(
  kind: DatabaseKind,
): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const database = await kind.create();
  const dataSource = createAppDataSource(databaseFromEnvironment({ DATABASE_URL: database.url }));
  await dataSource.initialize();
  await migrate(dataSource);
  return {
    dataSource,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.drop();
    },
  };
}
