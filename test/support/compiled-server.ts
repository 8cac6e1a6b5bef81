import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseFromEnvironment } from "../../src/config/config";
import { createAppDataSource } from "../../src/app/data-source";
import { migrate } from "../../src/db/migrate";
import { Task } from "../../src/tasks/task.entity";
import type { Role } from "../../src/core/role";
import { DEFAULT_PASSWORD, uniqueEmail } from "./factories";
import { cleanEnv, run, startServerProcess, USER_ADD_JS, type ServerProcess } from "./processes";
import { postGraphQL } from "./test-server";

export interface Account {
  readonly id: string;
  readonly accessToken: string;
}

export interface CompiledServer {
  readonly url: string;
  readonly process: ServerProcess;
  /** Signs in a new account with these roles (set with `user:add`, as an operator would). */
  account(roles: readonly Role[]): Promise<Account>;
  /** Writes `count` tasks of the longest title for `ownerId` straight into the database. */
  addTasks(ownerId: string, count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The compiled server (`dist/src/main.js`, built by the global setup) in a process of its own,
 * on a fresh SQLite file: what a load or abuse test measures is then the server alone, at the
 * speed it runs in production, never the test runner's pauses. `preload` is JavaScript the
 * server process runs first (`--require`), for probes.
 */
export async function startCompiledServer(
  options: { env?: Record<string, string>; preload?: string } = {},
): Promise<CompiledServer> {
  const cwd = mkdtempSync(join(tmpdir(), "gql-jwt-compiled-"));
  const databaseUrl = `sqlite:${join(cwd, "app.sqlite")}`;
  const env = cleanEnv({ DATABASE_URL: databaseUrl, JWT_SECRET: randomUUID() + randomUUID() });
  let preload = {};
  if (options.preload) {
    writeFileSync(join(cwd, "preload.js"), options.preload);
    preload = { NODE_OPTIONS: `--require ${join(cwd, "preload.js")}` };
  }
  let server: ServerProcess;
  try {
    server = await startServerProcess(cwd, {
      ...env,
      LOG_LEVEL: "info",
      ...options.env,
      ...preload,
    });
  } catch (error) {
    rmSync(cwd, { recursive: true, force: true });
    throw error;
  }

  const login = async (email: string): Promise<Account> => {
    const response = await postGraphQL<{ login: { accessToken: string; user: { id: string } } }>(
      server.url,
      "mutation($input: LoginInput!) { login(input: $input) { accessToken user { id } } }",
      { input: { email, password: DEFAULT_PASSWORD } },
    );
    const data = response.body.data?.login;
    if (!data) throw new Error(`login failed: ${JSON.stringify(response.body.errors)}`);
    return { id: data.user.id, accessToken: data.accessToken };
  };

  return {
    url: server.url,
    process: server,
    async account(roles) {
      const email = uniqueEmail("account");
      const added = await run(
        process.execPath,
        [
          USER_ADD_JS,
          "--email",
          email,
          "--password",
          DEFAULT_PASSWORD,
          "--roles",
          roles.join(",") || "USER",
        ],
        { cwd, env },
      );
      if (added.code !== 0) throw new Error(`user:add failed: ${added.output}`);
      return login(email);
    },
    async addTasks(ownerId, count) {
      const dataSource = createAppDataSource(
        databaseFromEnvironment({ DATABASE_URL: databaseUrl }),
      );
      await dataSource.initialize();
      try {
        await migrate(dataSource);
        const now = Date.now();
        const rows = Array.from({ length: count }, (_, i) => ({
          id: randomUUID(),
          title: "a title as long as titles get ".padEnd(200, "x"),
          done: i % 2 === 0,
          ownerId,
          createdAt: new Date(now + i),
          updatedAt: new Date(now + i),
        }));
        // In chunks: one INSERT of hundreds of rows is over SQLite's bound-variable limit.
        for (let i = 0; i < rows.length; i += 100) {
          await dataSource.getRepository(Task).insert(rows.slice(i, i + 100));
        }
      } finally {
        await dataSource.destroy();
      }
    },
    async close() {
      try {
        await server.stop();
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    },
  };
}
