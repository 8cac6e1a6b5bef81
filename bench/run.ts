import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  failures,
  LOAD_HEADER,
  type LoadResult,
  type LoadSpec,
  loadRow,
  postGraphQL,
  runLoad,
} from "./load";
import { runTokenMicroBenchmark } from "./micro";
import { findFreePort, ServerProcess } from "./server";
import { fixed, printTable } from "./table";

const READY_TIMEOUT_MILLIS = 60_000;
const ME_CONNECTIONS = 10;
const ME_WARMUP_SECONDS = 2;
const LOGIN_CONNECTIONS = 4;
/** Far below saturation, so the probe's latency shows waiting on the event loop, not queueing. */
const PROBE_RATE = 100;
const PROBE_CONNECTIONS = 2;

const ME_QUERY = "{ me { id email roles } }";
const REGISTER_MUTATION =
  "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }";
const LOGIN_MUTATION =
  "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";
const LOGIN_BODY_PREFIX = '{"data":{"login":{"accessToken":"';

function secondsFromEnv(name: string, fallback: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  // autocannon averages per-second samples, so a run needs at least one whole second.
  if (!Number.isInteger(value) || value < 1 || value > 600) {
    throw new Error(`${name} must be a whole number of seconds from 1 to 600`);
  }
  return value;
}

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** What must be released however the run ends: the server process and its database. */
class Resources {
  server?: ServerProcess;
  tempDir?: string;
  private releasing?: Promise<void>;

  release(): Promise<void> {
    this.releasing ??= (async () => {
      await this.server?.stop();
      this.removeTempDir();
    })();
    return this.releasing;
  }

  /** For the process "exit" event, where nothing asynchronous runs any more. */
  releaseNow(): void {
    this.server?.killNow();
    this.removeTempDir();
  }

  private removeTempDir(): void {
    if (this.tempDir === undefined) return;
    rmSync(this.tempDir, { recursive: true, force: true });
    this.tempDir = undefined;
  }
}

async function startServer(resources: Resources): Promise<ServerProcess> {
  const tempDir = mkdtempSync(join(tmpdir(), "graphql-jwt-bench-"));
  resources.tempDir = tempDir;
  const externalDatabase = process.env.BENCH_DATABASE_URL?.trim();
  const port = await findFreePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    JWT_SECRET: randomBytes(48).toString("base64url"),
    DATABASE_URL: externalDatabase || `sqlite:${join(tempDir, "bench.sqlite")}`,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  };
  if (process.env.UV_THREADPOOL_SIZE) env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE;
  // The temp dir as working directory keeps a developer's .env out of the measured server.
  const server = new ServerProcess({
    mainScript: resolve(__dirname, "../src/main.js"),
    cwd: tempDir,
    env,
    port,
  });
  resources.server = server;
  // Never print BENCH_DATABASE_URL itself: it may hold a password.
  const database = externalDatabase ? "BENCH_DATABASE_URL" : "SQLite in a temp dir";
  progress(`starting server on ${server.url} (${database})`);
  await server.waitUntilReady(READY_TIMEOUT_MILLIS);
  return server;
}

/** Registers a fresh user and returns what the load needs, after checking each reply. */
async function prepareUser(url: string) {
  const email = `bench-${randomUUID()}@example.com`;
  const password = randomBytes(18).toString("base64url");
  const credentials = { input: { email, password } };

  const registered = await postGraphQL(
    url,
    JSON.stringify({ query: REGISTER_MUTATION, variables: credentials }),
  );
  const accessToken = at(registered.body, ["data", "register", "accessToken"]);
  if (registered.status !== 200 || typeof accessToken !== "string") {
    throw new Error(`register failed (${registered.status}): ${registered.text}`);
  }
  const authorization = { authorization: `Bearer ${accessToken}` };

  const meBody = JSON.stringify({ query: ME_QUERY });
  const me = await postGraphQL(url, meBody, authorization);
  const roles = at(me.body, ["data", "me", "roles"]);
  if (
    me.status !== 200 ||
    me.body.errors !== undefined ||
    at(me.body, ["data", "me", "email"]) !== email ||
    typeof at(me.body, ["data", "me", "id"]) !== "string" ||
    !Array.isArray(roles) ||
    roles.join() !== "USER"
  ) {
    throw new Error(`me returned something other than the new user (${me.status}): ${me.text}`);
  }

  const loginBody = JSON.stringify({ query: LOGIN_MUTATION, variables: credentials });
  const isLoginSuccess = (body: string) =>
    body.startsWith(LOGIN_BODY_PREFIX) && !body.includes('"errors"');
  const login = await postGraphQL(url, loginBody);
  if (login.status !== 200 || !isLoginSuccess(login.text)) {
    throw new Error(`login failed (${login.status}): ${login.text}`);
  }

  // Every `me` reply for this user is byte-for-byte the one just checked.
  const expectedMe = me.text;
  return {
    authorization,
    meBody,
    isMeSuccess: (body: string) => body === expectedMe,
    loginBody,
    isLoginSuccess,
  };
}

async function main(resources: Resources): Promise<void> {
  const meSeconds = secondsFromEnv("BENCH_DURATION", 10);
  const loginSeconds = secondsFromEnv("BENCH_LOGIN_DURATION", 5);
  console.log(`Node ${process.version}, ${availableParallelism()} CPUs`);

  progress("token micro-benchmark");
  runTokenMicroBenchmark({ iterations: 5_000, warmupIterations: 1_000, maxMillis: 2_000 });

  const server = await startServer(resources);
  const user = await prepareUser(server.url);

  const me: LoadSpec = {
    name: "me",
    url: server.url,
    body: user.meBody,
    headers: user.authorization,
    connections: ME_CONNECTIONS,
    durationSeconds: meSeconds,
    warmupSeconds: ME_WARMUP_SECONDS,
    verifyBody: user.isMeSuccess,
  };
  const probe = (name: string): LoadSpec => ({
    ...me,
    name,
    connections: PROBE_CONNECTIONS,
    durationSeconds: loginSeconds,
    warmupSeconds: undefined,
    overallRate: PROBE_RATE,
  });
  const login: LoadSpec = {
    name: "login (argon2id)",
    url: server.url,
    body: user.loginBody,
    connections: LOGIN_CONNECTIONS,
    durationSeconds: loginSeconds,
    verifyBody: user.isLoginSuccess,
  };
  const probeIdle = probe(`me @ ${PROBE_RATE}/s, idle server`);
  const probeDuringLogins = probe(`me @ ${PROBE_RATE}/s, during logins`);

  const results: LoadResult[] = [];
  const problems: string[] = [];
  // A failed stage ends the run: later numbers would measure a broken server.
  const stage = async (description: string, runs: () => Promise<LoadResult>[]) => {
    if (problems.length > 0) return;
    progress(description);
    const done = await Promise.all(runs());
    results.push(...done);
    problems.push(...done.flatMap(failures));
  };
  await stage(
    `me: ${ME_CONNECTIONS} connections, ${ME_WARMUP_SECONDS} s warm-up + ${meSeconds} s`,
    () => [runLoad(me)],
  );
  await stage(`me probe on the idle server: ${loginSeconds} s`, () => [runLoad(probeIdle)]);
  await stage(`login and me probe together: ${loginSeconds} s`, () => [
    runLoad(login),
    runLoad(probeDuringLogins),
  ]);

  printTable(
    "HTTP benchmark (POST /graphql on 127.0.0.1, autocannon)",
    LOAD_HEADER,
    results.map(loadRow),
  );
  const find = (spec: LoadSpec) => results.find((result) => result.spec === spec);
  const idle = find(probeIdle);
  const busy = find(probeDuringLogins);
  const logins = find(login);
  if (idle && busy && logins) {
    // Were hashing on the event loop, `me` would queue behind whole logins.
    console.log(
      `me p99 at ${PROBE_RATE} req/s: ${fixed(idle.p99Millis, 2)} ms idle, ` +
        `${fixed(busy.p99Millis, 2)} ms during logins (login p50 ${fixed(logins.p50Millis, 2)} ms)`,
    );
  }
  if (problems.length > 0) throw new Error(`requests failed:\n  - ${problems.join("\n  - ")}`);
}

const resources = new Resources();
process.once("exit", () => resources.releaseNow());
for (const [signal, exitCode] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the server`);
    void resources.release().finally(() => process.exit(exitCode));
  });
}

void main(resources)
  .catch((error: unknown) => {
    process.exitCode = 1;
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    const output = resources.server?.output();
    if (output) console.error(`last server output:\n${output}`);
  })
  .finally(() => resources.release());
