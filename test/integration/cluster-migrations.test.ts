import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrations } from "../../src/db/migrations";
import { databaseKinds, openDataSource, type TestDatabase } from "../support/databases";
import {
  cleanEnv,
  PROJECT_ROOT,
  run,
  type ServerProcess,
  startServerProcess,
} from "../support/processes";

/**
 * Migrations run exactly once per database however many instances start together: on one server
 * under GET_LOCK (MIGRATIONS=auto), on a Galera cluster by the one designated process
 * (MIGRATIONS=run, or `npm run migration:run`) while the others wait (MIGRATIONS=wait).
 */

const INSTANCES = 4;
const TYPEORM_CLI = join(PROJECT_ROOT, "node_modules", "typeorm", "cli.js");
const ORMCONFIG_JS = join(PROJECT_ROOT, "dist", "ormconfig.js");

describe.each(databaseKinds())("migrations at start ($name)", (kind) => {
  let database: TestDatabase | undefined;
  let cwd: string;
  let started: ServerProcess[] = [];
  const urlOfNode = (index: number) => {
    const urls = database!.nodeUrls ?? [database!.url];
    return urls[index % urls.length];
  };
  const envFor = (extra: Record<string, string>) =>
    cleanEnv({
      DATABASE_URL: database!.url,
      JWT_SECRET: randomBytes(48).toString("base64url"),
      LOG_LEVEL: "info",
      ...extra,
    });

  beforeEach(async () => {
    database = await kind.create();
    cwd = mkdtempSync(join(tmpdir(), "gql-jwt-migrations-"));
    started = [];
  });
  afterEach(async () => {
    await Promise.all(started.map((server) => server.stop("SIGTERM")));
    rmSync(cwd, { recursive: true, force: true });
    await database?.drop();
  }, 30_000);

  /** Each migration of this build recorded exactly once. */
  async function expectEachMigrationOnce(): Promise<void> {
    const dataSource = await openDataSource(database!.url);
    try {
      const rows: Array<{ name: string }> = await dataSource.query("SELECT name FROM migrations");
      expect(rows.map((row) => row.name).sort()).toEqual(
        migrations.map((migration) => migration.name).sort(),
      );
    } finally {
      await dataSource.destroy();
    }
  }

  async function expectAllReady(): Promise<void> {
    for (const server of started) {
      const response = await fetch(`${server.url}/readyz`);
      expect(response.status).toBe(200);
    }
  }

  /** Starts them all at once; every one must come up (none may die on a half-migrated schema). */
  async function startTogether(envs: NodeJS.ProcessEnv[]): Promise<void> {
    const outcomes = await Promise.allSettled(
      envs.map((env) => startServerProcess(cwd, env, 60_000)),
    );
    started = outcomes.flatMap((outcome) =>
      outcome.status === "fulfilled" ? [outcome.value] : [],
    );
    const failures = outcomes.flatMap((outcome) =>
      outcome.status === "rejected" ? [String(outcome.reason)] : [],
    );
    expect(failures).toEqual([]);
  }

  if (kind.clustered) {
    it(`starts ${INSTANCES} instances at once on a fresh database over every node: one migrates, the others wait`, async () => {
      await startTogether(
        Array.from({ length: INSTANCES }, (_, index) =>
          envFor({
            DATABASE_URL: urlOfNode(index + 1),
            MIGRATIONS: index === 0 ? "run" : "wait",
          }),
        ),
      );
      await expectAllReady();
      await expectEachMigrationOnce();
    }, 90_000);

    it(`starts ${INSTANCES} waiting instances at once while \`npm run migration:run\` migrates`, async () => {
      const waiting = startTogether(
        Array.from({ length: INSTANCES }, (_, index) =>
          envFor({ DATABASE_URL: urlOfNode(index), MIGRATIONS: "wait" }),
        ),
      );
      // The deploy step, as `npm run migration:run` runs it once the build exists.
      const deployed = await run(
        process.execPath,
        [TYPEORM_CLI, "migration:run", "-d", ORMCONFIG_JS, "-t", "each"],
        { cwd, env: cleanEnv({ DATABASE_URL: urlOfNode(1) }) },
      );
      expect(deployed.code).toBe(0);
      await waiting;
      await expectAllReady();
      await expectEachMigrationOnce();
    }, 90_000);

    it("refuses MIGRATIONS=auto on a Galera node, saying what to set", async () => {
      const refused = await startServerProcess(cwd, envFor({}), 30_000).then(
        (server) => {
          started.push(server);
          return "started";
        },
        (error: unknown) => String(error),
      );
      expect(refused).toMatch(/server exited with 1/);
      expect(refused).toContain("Galera");
      expect(refused).toContain("MIGRATIONS=wait");
      expect(refused).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }, 60_000);
  } else {
    it(`starts ${INSTANCES} instances at once on a fresh database: they take turns, each migration runs once`, async () => {
      await startTogether(Array.from({ length: INSTANCES }, () => envFor({})));
      await expectAllReady();
      await expectEachMigrationOnce();
    }, 90_000);
  }

  it("gives up, saying what to do, when MIGRATIONS=wait waits for a migration nobody runs", async () => {
    const outcome = await startServerProcess(
      cwd,
      envFor({ MIGRATIONS: "wait", MIGRATIONS_WAIT_TIMEOUT: "2s" }),
      30_000,
    ).then(
      (server) => {
        started.push(server);
        return "started";
      },
      (error: unknown) => String(error),
    );
    expect(outcome).toMatch(/server exited with 1/);
    expect(outcome).toContain("MIGRATIONS=wait: the schema was not current after 2s");
    expect(outcome).toContain("npm run migration:run");
    expect(outcome).toContain(migrations[0].name);
  }, 60_000);
});
