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
  /** On a cluster: the same database through each node, `url` (node 1) first. */
  readonly nodeUrls?: readonly string[];
  drop(): Promise<void>;
}

export interface DatabaseKind {
  readonly name: "sqlite" | "mysql" | "galera";
  /** A multi-primary cluster: one process per cluster migrates (MIGRATIONS=run), others wait. */
  readonly clustered: boolean;
  create(): Promise<TestDatabase>;
}

const sqlite: DatabaseKind = {
  name: "sqlite",
  clustered: false,
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
    clustered: false,
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

/**
 * A fresh database on a Galera cluster, created through node 1 and waited for on every node
 * (Galera runs DDL in total order, but each node applies it in its own time).
 */
function galera(nodeUrls: readonly string[]): DatabaseKind {
  return {
    name: "galera",
    clustered: true,
    create: async () => {
      const created = await mysql(nodeUrls[0]).create();
      const name = new URL(created.url).pathname.slice(1);
      for (const nodeUrl of nodeUrls) {
        const connection = await createConnection(withoutDatabase(nodeUrl));
        try {
          for (let tries = 0; ; tries++) {
            const [rows] = await connection.query("SHOW DATABASES LIKE ?", [name]);
            if ((rows as unknown[]).length === 1) break;
            if (tries > 100) throw new Error(`database ${name} never reached ${nodeUrl}`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        } finally {
          await connection.end();
        }
      }
      return {
        url: created.url,
        nodeUrls: nodeUrls.map((nodeUrl) => {
          const url = new URL(nodeUrl);
          url.pathname = `/${name}`;
          return url.toString();
        }),
        drop: () => created.drop(),
      };
    },
  };
}

function withoutDatabase(url: string): string {
  const parsed = new URL(url.replace(/^mariadb:/, "mysql:"));
  parsed.pathname = "/";
  return parsed.toString();
}

/**
 * SQLite always; MySQL (or MariaDB) too when TEST_MYSQL_URL names a server; Galera when
 * TEST_GALERA_URLS lists its nodes (comma-separated, at least two: `.ci/galera-cluster.sh urls`).
 * TEST_DATABASES (say `galera`) keeps only the kinds it names, for a run on the cluster alone.
 */
export function databaseKinds(): DatabaseKind[] {
  const kinds: DatabaseKind[] = [sqlite];
  const mysqlUrl = process.env.TEST_MYSQL_URL;
  if (mysqlUrl) kinds.push(mysql(mysqlUrl));
  const galeraUrls = (process.env.TEST_GALERA_URLS ?? "")
    .split(",")
    .map((url) => url.trim())
    .filter(Boolean);
  if (galeraUrls.length === 1) throw new Error("TEST_GALERA_URLS must list at least two nodes");
  if (galeraUrls.length > 1) kinds.push(galera(galeraUrls));
  const only = process.env.TEST_DATABASES?.split(",").map((name) => name.trim());
  return only ? kinds.filter((kind) => only.includes(kind.name)) : kinds;
}

/**
 * A fresh database of the given kind with every migration applied, for tests that drive the data
 * layer directly rather than through a server. `close` disconnects and drops it; data sources
 * opened with `openDataSource` on `database` must be destroyed first.
 */
export async function openMigratedDataSource(
  kind: DatabaseKind,
): Promise<{ dataSource: DataSource; database: TestDatabase; close(): Promise<void> }> {
  const database = await kind.create();
  const dataSource = createAppDataSource(databaseFromEnvironment({ DATABASE_URL: database.url }));
  await dataSource.initialize();
  await migrate(dataSource, { mode: kind.clustered ? "run" : "auto" });
  return {
    dataSource,
    database,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await database.drop();
    },
  };
}

/** Another connection pool to a test database, for a second writer or a reader on another node. */
export async function openDataSource(url: string): Promise<DataSource> {
  const dataSource = createAppDataSource(databaseFromEnvironment({ DATABASE_URL: url }));
  await dataSource.initialize();
  return dataSource;
}
