import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  at,
  failures,
  LOAD_HEADER,
  type LoadResult,
  type LoadSpec,
  loadRow,
  postGraphQL,
  runLoad,
} from "./load";
import { runTokenMicroBenchmark } from "./micro";
import {
  isNestedTasksAnswer,
  NESTED_OWNERS,
  NESTED_TASKS,
  prepareNestedTasks,
} from "./nested-tasks";
import type { BenchDatabase } from "./bench-database";
import { RevocationLogWriter } from "./revocation-log";
import { UserRowsWriter } from "./user-rows";
import { runSocketBenchmark } from "./sockets";
import { benchServerEnv, findFreePort, ServerProcess } from "./server";
import { fixed, printTable } from "./table";

const READY_TIMEOUT_MILLIS = 60_000;
const ME_CONNECTIONS = 10;
const ME_WARMUP_SECONDS = 2;
const LOGIN_CONNECTIONS = 4;
/** Far below saturation, so the probe's latency shows waiting on the event loop, not queueing. */
const PROBE_RATE = 100;
const PROBE_CONNECTIONS = 2;
/** Revoked sessions written into the log for the second `me` run, unless BENCH_REVOKED says. */
const DEFAULT_REVOKED = 100_000;
/** Users written into the `users` table for the second `me` run, unless BENCH_USERS says. */
const DEFAULT_USERS = 100_000;
/** How long the revocations stay live: past the end of the run, like real ones. */
const REVOCATION_LIFETIME_MILLIS = 60 * 60 * 1000;
/** The server polls the log every 250 ms; this bounds the wait for it to catch up. */
const CATCH_UP_TIMEOUT_MILLIS = 30_000;
const CATCH_UP_POLL_MILLIS = 20;

const ME_QUERY = "{ me { id email roles } }";
const REGISTER_MUTATION =
  "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }";
const LOGIN_MUTATION =
  "mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }";
const LOGIN_BODY_PREFIX = '{"data":{"login":{"accessToken":"';

function integerFromEnv(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** What BENCH_ONLY can name; unset, the run does them all in this order. */
const WORKLOADS = ["tokens", "me", "login", "nested", "sockets", "users", "revoked"] as const;
type Workload = (typeof WORKLOADS)[number];
const isWorkload = (name: string): name is Workload =>
  (WORKLOADS as readonly string[]).includes(name);

function workloadsFromEnv(): ReadonlySet<Workload> {
  const text = process.env.BENCH_ONLY?.trim();
  if (!text) return new Set(WORKLOADS);
  const names = text.split(",").map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !isWorkload(name));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_ONLY names unknown workloads (${unknown.join(", ")}); known: ${WORKLOADS.join(", ")}`,
    );
  }
  return new Set(names.filter(isWorkload));
}

// autocannon averages per-second samples, so a run needs at least one whole second.
const secondsFromEnv = (name: string, fallback: number) => integerFromEnv(name, fallback, 1, 600);

const mebibytes = (bytes: number | undefined) =>
  bytes === undefined ? "?" : fixed(bytes / 1024 / 1024, 1);

function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

/**
 * What must be released however the run ends: the server process, its database, and the rows
 * the benchmark wrote into it (BENCH_DATABASE_URL may name a database that outlives the run).
 */
class Resources {
  server?: ServerProcess;
  tempDir?: string;
  revocationLog?: RevocationLogWriter;
  userRows?: UserRowsWriter;
  private releasing?: Promise<void>;

  release(): Promise<void> {
    this.releasing ??= (async () => {
      await this.closeUserRows();
      await this.closeRevocationLog();
      await this.server?.stop();
      this.removeTempDir();
    })();
    return this.releasing;
  }

  private async closeRevocationLog(): Promise<void> {
    const log = this.revocationLog;
    if (log === undefined) return;
    this.revocationLog = undefined;
    try {
      const { inserted, deleted } = await log.removeInserted();
      if (deleted !== inserted) {
        progress(`removed only ${deleted} of the ${inserted} revocation rows the benchmark wrote`);
      }
    } catch (error) {
      progress(`could not remove the benchmark's revocation rows: ${String(error)}`);
    } finally {
      await log.close().catch(() => undefined);
    }
  }

  /** Removes the users the benchmark wrote (the `users` workload removes them itself). */
  async closeUserRows(): Promise<void> {
    const rows = this.userRows;
    if (rows === undefined) return;
    this.userRows = undefined;
    try {
      const { inserted, deleted } = await rows.removeInserted();
      if (deleted !== inserted) {
        progress(`removed only ${deleted} of the ${inserted} user rows the benchmark wrote`);
      }
    } catch (error) {
      progress(`could not remove the benchmark's user rows: ${String(error)}`);
    } finally {
      await rows.close().catch(() => undefined);
    }
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

/** The measured server and how it was launched: the CLI runs against the same environment. */
interface StartedServer {
  readonly server: ServerProcess;
  readonly database: BenchDatabase;
  readonly launch: { readonly env: NodeJS.ProcessEnv; readonly cwd: string };
}

async function startServer(resources: Resources): Promise<StartedServer> {
  const tempDir = mkdtempSync(join(tmpdir(), "graphql-jwt-bench-"));
  resources.tempDir = tempDir;
  const externalDatabase = process.env.BENCH_DATABASE_URL?.trim();
  const database: BenchDatabase = externalDatabase
    ? { kind: "mysql", url: externalDatabase }
    : { kind: "sqlite", path: join(tempDir, "bench.sqlite") };
  const port = await findFreePort();
  const env = benchServerEnv(
    database.kind === "mysql" ? database.url : `sqlite:${database.path}`,
    port,
  );
  // The temp dir as working directory keeps a developer's .env out of the measured server.
  const server = new ServerProcess({
    mainScript: resolve(__dirname, "../src/main.js"),
    cwd: tempDir,
    env,
    port,
  });
  resources.server = server;
  // Never print BENCH_DATABASE_URL itself: it may hold a password.
  const shown = database.kind === "mysql" ? "BENCH_DATABASE_URL" : "SQLite in a temp dir";
  progress(`starting server on ${server.url} (${shown})`);
  await server.waitUntilReady(READY_TIMEOUT_MILLIS);
  return { server, database, launch: { env, cwd: tempDir } };
}

const ME_BODY = JSON.stringify({ query: ME_QUERY });

/** Registers a fresh user through the API. */
async function register(url: string) {
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
  return { email, credentials, authorization: { authorization: `Bearer ${accessToken}` } };
}

/** The session an access token belongs to: its `sid` claim, read without verifying it. */
function sessionIdOf(authorization: { authorization: string }): string {
  const payload = authorization.authorization.split(".")[1] ?? "";
  const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  const sid = at(claims, ["sid"]);
  if (typeof sid !== "string") throw new Error("the access token has no sid claim");
  return sid;
}

/** Registers a fresh user and returns what the load needs, after checking each reply. */
async function prepareUser(url: string) {
  const { email, credentials, authorization } = await register(url);
  const meBody = ME_BODY;
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

/** The `users` workload's two `me` runs, before and after writing the users. */
interface UserLoad {
  /** Without the users: before writing them and after removing them. */
  readonly baselines: readonly LoadSpec[];
  readonly withUsers: LoadSpec;
  readonly insertMillis: number;
}

/** Server CPU time per request of the side-by-side runs, in µs: steadier than req/s here. */
type ServerCpu = Map<LoadSpec, number>;

/**
 * Runs `spec` with its warm-up as a run of its own, so that the server's CPU time over the
 * measured part alone is divided by the requests answered in it.
 */
async function runCounted(
  server: ServerProcess,
  spec: LoadSpec,
  serverCpu: ServerCpu,
): Promise<LoadResult> {
  if (spec.warmupSeconds) {
    await runLoad({ ...spec, durationSeconds: spec.warmupSeconds, warmupSeconds: undefined });
  }
  const cpuBefore = server.cpuMillis();
  const result = { ...(await runLoad({ ...spec, warmupSeconds: undefined })), spec };
  const cpuAfter = server.cpuMillis();
  if (cpuBefore !== undefined && cpuAfter !== undefined && result.completed > 0) {
    serverCpu.set(spec, ((cpuAfter - cpuBefore) * 1000) / result.completed);
  }
  return result;
}

const usersCounted = (count: number) => `${fixed(count, 0)} ${count === 1 ? "user" : "users"}`;

function summary(result: LoadResult, serverCpu: ServerCpu): string {
  if (result.completed === 0) return "no request completed";
  const cpu = serverCpu.get(result.spec);
  return (
    `${fixed(result.requestsPerSecond, 0)} req/s p99 ${fixed(result.p99Millis, 2)} ms` +
    (cpu === undefined ? "" : `, ${fixed(cpu, 0)} µs server CPU per request`)
  );
}

/**
 * A loaded run against its baseline (the mean of the runs given): 1.00 is no difference; the
 * issue asks for within 5%.
 */
function ratios(
  baselines: readonly LoadResult[],
  loaded: LoadResult,
  serverCpu: ServerCpu,
): string {
  const ratio = (figure: (result: LoadResult) => number | undefined) => {
    const values = baselines.map(figure);
    const value = figure(loaded);
    if (value === undefined || values.some((each) => each === undefined)) return "?";
    const mean = values.reduce((sum: number, each) => sum + (each ?? 0), 0) / values.length;
    return fixed(value / mean, 3);
  };
  return (
    `req/s ×${ratio((result) => result.requestsPerSecond)}, ` +
    `p99 ×${ratio((result) => result.p99Millis)}, ` +
    `server CPU per request ×${ratio((result) => serverCpu.get(result.spec))}`
  );
}

interface RevocationLoad {
  readonly count: number;
  readonly insertMillis: number;
  /** From the commit of the sentinel's row to the server refusing the sentinel's token. */
  readonly catchUpMillis: number;
  readonly rssBefore?: number;
  readonly rssAfter?: number;
}

/** Polls `me` with a token until the server refuses it with 401; returns the time it took. */
async function waitUntilRefused(url: string, authorization: Record<string, string>) {
  const started = performance.now();
  const deadline = started + CATCH_UP_TIMEOUT_MILLIS;
  let unexpected = 0;
  let lastUnexpected = "";
  while (performance.now() < deadline) {
    const reply = await postGraphQL(url, ME_BODY, authorization);
    if (reply.status === 401) return performance.now() - started;
    if (reply.status !== 200) {
      unexpected++;
      lastUnexpected = `${reply.status}: ${reply.text}`;
    }
    await sleep(CATCH_UP_POLL_MILLIS);
  }
  const seen =
    unexpected > 0 ? `; ${unexpected} replies other than 200 (last ${lastUnexpected})` : "";
  throw new Error(
    `the server did not refuse a token revoked in the log within ${CATCH_UP_TIMEOUT_MILLIS} ms${seen}`,
  );
}

/**
 * Writes `count` revoked sessions into the log while the server runs, then waits until the
 * server's view has read them. The proof is a sentinel: a second user's real session, revoked by
 * a row committed after all the bulk rows. The server refuses its token only once a poll has
 * read that row, and a read that sees it sees every earlier commit too. (Revoking it through
 * `logout` would prove nothing: the instance serving the logout applies it locally at once,
 * without reading the log.)
 */
async function loadRevocations(
  server: ServerProcess,
  log: RevocationLogWriter,
  count: number,
): Promise<RevocationLoad> {
  const sentinel = await register(server.url);
  const before = await postGraphQL(server.url, ME_BODY, sentinel.authorization);
  if (before.status !== 200 || at(before.body, ["data", "me", "email"]) !== sentinel.email) {
    throw new Error(`me for the sentinel user failed (${before.status}): ${before.text}`);
  }
  const expiresAt = new Date(Date.now() + REVOCATION_LIFETIME_MILLIS);
  const subjects = Array.from({ length: count }, () => randomUUID());

  const rssBefore = server.residentBytes();
  const insertStarted = performance.now();
  await log.revokeSessions(subjects, expiresAt);
  const insertMillis = performance.now() - insertStarted;
  await log.revokeSessions([sessionIdOf(sentinel.authorization)], expiresAt);
  const catchUpMillis = await waitUntilRefused(server.url, sentinel.authorization);
  return { count, insertMillis, catchUpMillis, rssBefore, rssAfter: server.residentBytes() };
}

async function main(resources: Resources): Promise<void> {
  const meSeconds = secondsFromEnv("BENCH_DURATION", 10);
  const loginSeconds = secondsFromEnv("BENCH_LOGIN_DURATION", 5);
  const revokedCount = integerFromEnv("BENCH_REVOKED", DEFAULT_REVOKED, 0, 10_000_000);
  const userCount = integerFromEnv("BENCH_USERS", DEFAULT_USERS, 0, 10_000_000);
  const only = workloadsFromEnv();
  console.log(`Node ${process.version}, ${availableParallelism()} CPUs`);

  if (only.has("tokens")) {
    progress("token micro-benchmark");
    runTokenMicroBenchmark({ iterations: 5_000, warmupIterations: 1_000, maxMillis: 2_000 });
  }

  const { server, database, launch } = await startServer(resources);
  const log = await RevocationLogWriter.open(database);
  resources.revocationLog = log;
  const liveAtStart = await log.countLive(new Date());
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
  // The sentinel's row (see loadRevocations) is one more.
  const revokedInTotal = liveAtStart + revokedCount + 1;
  const meBeforeRevoked: LoadSpec = { ...me, name: `me, ${fixed(liveAtStart, 0)} revoked` };
  const meRevoked: LoadSpec = { ...me, name: `me, ${fixed(revokedInTotal, 0)} revoked` };
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
  if (only.has("me")) {
    await stage(
      `me: ${ME_CONNECTIONS} connections, ${ME_WARMUP_SECONDS} s warm-up + ${meSeconds} s`,
      () => [runLoad(me)],
    );
  }
  if (only.has("login")) {
    await stage(`me probe on the idle server: ${loginSeconds} s`, () => [runLoad(probeIdle)]);
    await stage(`login and me probe together: ${loginSeconds} s`, () => [
      runLoad(login),
      runLoad(probeDuringLogins),
    ]);
  }
  // Before the revocations, so its figure compares with runs that write none.
  if (only.has("nested") && problems.length === 0) {
    progress(`seeding ${NESTED_TASKS} tasks of ${NESTED_OWNERS} owners; signing in an EDITOR`);
    const nested = await prepareNestedTasks(server.url, launch);
    await stage(
      `nested allTasks as an EDITOR: ${ME_CONNECTIONS} connections, ${ME_WARMUP_SECONDS} s warm-up + ${meSeconds} s`,
      () => [
        runLoad({
          name: `allTasks(first: ${NESTED_TASKS}) + owners, EDITOR`,
          url: server.url,
          body: nested.body,
          headers: nested.authorization,
          connections: ME_CONNECTIONS,
          durationSeconds: meSeconds,
          warmupSeconds: ME_WARMUP_SECONDS,
          verifyBody: isNestedTasksAnswer,
        }),
      ],
    );
  }
  if (only.has("sockets") && problems.length === 0) {
    const count = integerFromEnv("BENCH_SOCKETS", 1_000, 2, 10_000);
    progress(`opening ${fixed(count, 0)} idle authenticated sockets, then revoking their sessions`);
    const sockets = await runSocketBenchmark(server, count);
    const perSocket =
      sockets.rssBefore !== undefined && sockets.rssAfter !== undefined
        ? `${fixed((sockets.rssAfter - sockets.rssBefore) / count / 1024, 1)} KiB`
        : "?";
    console.log(
      `sockets: ${fixed(count, 0)} idle authenticated sockets (one taskEvents subscription each) ` +
        `opened in ${fixed(sockets.openMillis / 1000, 2)} s; server RSS ` +
        `${mebibytes(sockets.rssBefore)} -> ${mebibytes(sockets.rssAfter)} MiB, ${perSocket} per socket; ` +
        `logout to close: ${fixed(sockets.oneClosedMillis, 1)} ms for one session among them, ` +
        `${fixed(sockets.allClosedMillis, 1)} ms for the last of the ${fixed(sockets.fullSession, 0)} a full session holds`,
    );
  }
  // Each loaded run is compared with one made just before it: this machine drifts over minutes.
  const serverCpu: ServerCpu = new Map();
  const sideBySide = (spec: LoadSpec, what: string) =>
    stage(
      `me: ${ME_CONNECTIONS} connections, ${ME_WARMUP_SECONDS} s warm-up + ${meSeconds} s, ${what}`,
      () => [runCounted(server, spec, serverCpu)],
    );
  let users: UserLoad | undefined;
  if (only.has("users") && userCount > 0 && problems.length === 0) {
    const rows = await UserRowsWriter.open(database);
    resources.userRows = rows;
    const present = usersCounted(await rows.count());
    const before: LoadSpec = { ...me, name: `me, ${present}` };
    const afterwards: LoadSpec = { ...me, name: `me, ${present} again` };
    await sideBySide(before, "before the users");
    if (problems.length === 0) {
      progress(`writing ${fixed(userCount, 0)} users into the users table`);
      const insertStarted = performance.now();
      await rows.addUsers(userCount);
      const insertMillis = performance.now() - insertStarted;
      const withUsers: LoadSpec = { ...me, name: `me, ${usersCounted(await rows.count())}` };
      progress(`inserted in ${fixed(insertMillis / 1000, 2)} s`);
      await sideBySide(withUsers, "with the users");
      // Removed, and measured again: the baseline is both empty runs, so drift cancels out.
      await resources.closeUserRows();
      await sideBySide(afterwards, "with the users removed");
      users = { baselines: [before, afterwards], withUsers, insertMillis };
    }
    await resources.closeUserRows();
  }
  let revocations: RevocationLoad | undefined;
  let rssAfterRun: number | undefined;
  if (only.has("revoked") && revokedCount > 0 && problems.length === 0) {
    await sideBySide(meBeforeRevoked, "before the revoked sessions");
    if (problems.length === 0) {
      progress(`writing ${fixed(revokedCount, 0)} revoked sessions into the revocation log`);
      revocations = await loadRevocations(server, log, revokedCount);
      progress(
        `inserted in ${fixed(revocations.insertMillis / 1000, 2)} s; the server refused the ` +
          `sentinel token ${fixed(revocations.catchUpMillis, 0)} ms after its row was committed`,
      );
      await sideBySide(meRevoked, "with the revoked sessions");
      rssAfterRun = server.residentBytes();
    }
  }

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
  const userBaselines = users?.baselines.map(find) ?? [];
  const withUsers = users && find(users.withUsers);
  if (users && withUsers && userBaselines.every((result) => result !== undefined)) {
    // The claim: a user row is read once a second at most, so a large table costs nothing.
    const [before, afterwards] = userBaselines;
    console.log(
      `${before.spec.name}: ${summary(before, serverCpu)}; ${withUsers.spec.name}: ${summary(withUsers, serverCpu)}; ` +
        `${afterwards.spec.name}: ${summary(afterwards, serverCpu)} (${ratios(userBaselines, withUsers, serverCpu)} ` +
        `against both; ${fixed(userCount, 0)} rows inserted in ` +
        `${fixed(users.insertMillis / 1000, 2)} s)`,
    );
  }
  const baseline = find(meBeforeRevoked);
  const revoked = find(meRevoked);
  if (baseline && revoked && revocations) {
    // The claim: the revocation check is a lookup in memory, so a long list costs no throughput.
    console.log(
      `me with ${fixed(liveAtStart, 0)} revoked: ${summary(baseline, serverCpu)}; ` +
        `with ${fixed(revokedInTotal, 0)} revoked: ${summary(revoked, serverCpu)} ` +
        `(${ratios([baseline], revoked, serverCpu)}; server RSS ${mebibytes(revocations.rssBefore)} -> ${mebibytes(revocations.rssAfter)} MiB ` +
        `on loading them, ${mebibytes(rssAfterRun)} MiB after the run)`,
    );
    console.log(
      `revocation log: ${fixed(revocations.count, 0)} rows inserted in ` +
        `${fixed(revocations.insertMillis / 1000, 2)} s; the server's view caught up ` +
        `${fixed(revocations.catchUpMillis, 0)} ms after the last row was committed`,
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
