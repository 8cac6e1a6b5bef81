import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseKind, TestDatabase } from "./databases";
import { cleanEnv, type ServerProcess, startServerProcess } from "./processes";

/**
 * Two server processes sharing one database and one signing secret, as in a deployment. On a
 * cluster A talks to node 1 and B to node 2; A migrates (MIGRATIONS=run) and everything else,
 * B and `npm run user:add` with `env`, waits for the schema (MIGRATIONS=wait).
 */
export interface TwoInstances {
  readonly a: ServerProcess;
  readonly b: ServerProcess;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly database: TestDatabase;
}

export async function startTwoInstances(
  kind: DatabaseKind,
  extraEnv: Record<string, string>,
): Promise<TwoInstances> {
  const database = await kind.create();
  const cwd = mkdtempSync(join(tmpdir(), "gql-jwt-instances-"));
  const env = cleanEnv({
    DATABASE_URL: database.url,
    JWT_SECRET: randomBytes(48).toString("base64url"),
    // `info` at least: startServerProcess waits for the info-level "listening" line.
    LOG_LEVEL: "info",
    ...(kind.clustered ? { MIGRATIONS: "wait" } : {}),
    ...extraEnv,
  });
  const started: ServerProcess[] = [];
  try {
    // One after the other, so the two do not race to run the migrations.
    started.push(
      await startServerProcess(cwd, kind.clustered ? { ...env, MIGRATIONS: "run" } : env),
    );
    started.push(
      await startServerProcess(cwd, {
        ...env,
        DATABASE_URL: database.nodeUrls?.[1] ?? database.url,
      }),
    );
  } catch (error) {
    await Promise.all(started.map((server) => server.stop("SIGKILL")));
    rmSync(cwd, { recursive: true, force: true });
    await database.drop();
    throw error;
  }
  return { a: started[0], b: started[1], cwd, env, database };
}

/** Stops both (each must drain and exit 0 on SIGTERM) and removes what they used. */
export async function stopTwoInstances(instances: TwoInstances | undefined): Promise<void> {
  if (!instances) return;
  try {
    const codes = await Promise.all([instances.a.stop("SIGTERM"), instances.b.stop("SIGTERM")]);
    if (codes.some((code) => code !== 0))
      throw new Error(`instances exited with ${codes.join(", ")}`);
  } finally {
    rmSync(instances.cwd, { recursive: true, force: true });
    await instances.database.drop();
  }
}
