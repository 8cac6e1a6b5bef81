import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { benchServerEnv, findFreePort, ServerProcess } from "./server";
import { fixed, printTable } from "./table";

/**
 * A soak: mixed traffic of several users against the production build for a long while,
 * printing the server's resident memory every SOAK_REPORT_EVERY seconds, to tell growth that
 * levels off (V8's heap finding its size, caches filling to their bounds) from a leak.
 *
 *   npm run soak                                   # 10 minutes, 8 users, report every 30 s
 *   SOAK_DURATION=60 SOAK_REPORT_EVERY=10 npm run soak
 *   SOAK_ACCESS_TOKEN_TTL=2m npm run soak          # revoked sessions leave memory after 2 min
 *   SOAK_DATABASE_URL=mysql://root@127.0.0.1:3306/soak npm run soak   # a database to fill
 */

const READY_TIMEOUT_MILLIS = 60_000;
const REQUEST_TIMEOUT_MILLIS = 10_000;
const TASKS_PER_CYCLE = 3;

const REGISTER =
  "mutation Register($input: RegisterInput!) { register(input: $input) { user { id } } }";
const LOGIN =
  "mutation Login($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }";
const REFRESH =
  "mutation Refresh($token: String) { refresh(refreshToken: $token) { accessToken refreshToken } }";
const ME = "{ me { id email roles } }";
const TASKS = "{ tasks { id title done } }";
const CREATE_TASK =
  "mutation Create($title: String!) { createTask(input: { title: $title }) { id title done } }";
const UPDATE_TASK =
  "mutation Update($id: ID!) { updateTask(id: $id, patch: { done: true }) { id done } }";
const DELETE_TASK = "mutation Delete($id: ID!) { deleteTask(id: $id) }";
const LOGOUT = "mutation Logout($token: String) { logout(refreshToken: $token) }";

function integerFromEnv(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function progress(message: string): void {
  console.error(`[soak] ${message}`);
}

const mebibytes = (bytes: number | undefined) =>
  bytes === undefined ? "?" : fixed(bytes / 1024 / 1024, 1);

/**
 * The server's V8 heap after each full (mark-compact) collection, read from its `--trace-gc`
 * lines: what is really kept, as opposed to resident memory, which also counts garbage not
 * collected yet and heap V8 keeps for later.
 */
class FullCollections {
  private partial = "";
  count = 0;
  lastHeapMiB?: number;

  read(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const match = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(line);
      if (!match) continue;
      this.count++;
      this.lastHeapMiB = Number(match[1]);
    }
  }
}

/** Requests and failures of one reporting window, and their latencies. */
class Window {
  requests = 0;
  failures = 0;
  readonly latencies: number[] = [];
  readonly failureKinds = new Map<string, number>();

  record(millis: number, failure?: string): void {
    this.requests++;
    this.latencies.push(millis);
    if (failure !== undefined) {
      this.failures++;
      this.failureKinds.set(failure, (this.failureKinds.get(failure) ?? 0) + 1);
    }
  }

  p99(): number {
    if (this.latencies.length === 0) return Number.NaN;
    const sorted = Float64Array.from(this.latencies).sort();
    return sorted[Math.min(sorted.length, Math.ceil(sorted.length * 0.99)) - 1];
  }
}

class Client {
  window = new Window();

  constructor(private readonly url: string) {}

  /** One GraphQL call; returns `data`, or undefined (counted as a failure) on any error. */
  async call(
    name: string,
    query: string,
    variables: Record<string, unknown> = {},
    token?: string,
  ): Promise<Record<string, unknown> | undefined> {
    const started = performance.now();
    let failure: string | undefined;
    let data: Record<string, unknown> | undefined;
    try {
      const response = await fetch(`${this.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS),
      });
      const body = (await response.json()) as {
        data?: Record<string, unknown> | null;
        errors?: Array<{ extensions?: { code?: string } }>;
      };
      if (response.status !== 200 || body.errors || !body.data) {
        failure = `${name}: ${response.status} ${body.errors?.[0]?.extensions?.code ?? ""}`.trim();
      } else {
        data = body.data;
      }
    } catch (error) {
      failure = `${name}: ${error instanceof Error ? error.name : "error"}`;
    }
    this.window.record(performance.now() - started, failure);
    return data;
  }
}

interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
}

const tokensOf = (data: Record<string, unknown> | undefined, field: string) =>
  data?.[field] as Tokens | undefined;

/** One user's life, over and over: sign in, use and change tasks, refresh, sign out. */
async function runUser(client: Client, deadline: number): Promise<number> {
  const email = `soak-${randomUUID()}@example.com`;
  const password = randomBytes(18).toString("base64url");
  const input = { email, password };
  if (!(await client.call("register", REGISTER, { input }))) {
    throw new Error("register failed: the server is not serving");
  }
  let cycles = 0;
  while (performance.now() < deadline) {
    let tokens = tokensOf(await client.call("login", LOGIN, { input }), "login");
    if (!tokens) continue;
    await client.call("me", ME, {}, tokens.accessToken);
    const ids: string[] = [];
    for (let n = 0; n < TASKS_PER_CYCLE; n++) {
      const created = await client.call(
        "createTask",
        CREATE_TASK,
        { title: `task ${cycles}.${n}` },
        tokens.accessToken,
      );
      const id = (created?.createTask as { id?: string } | undefined)?.id;
      if (id) ids.push(id);
      await client.call("tasks", TASKS, {}, tokens.accessToken);
    }
    for (const id of ids) await client.call("updateTask", UPDATE_TASK, { id }, tokens.accessToken);
    const refreshed = tokensOf(
      await client.call("refresh", REFRESH, { token: tokens.refreshToken }),
      "refresh",
    );
    if (refreshed) tokens = refreshed;
    await client.call("me", ME, {}, tokens.accessToken);
    await client.call("tasks", TASKS, {}, tokens.accessToken);
    for (const id of ids) await client.call("deleteTask", DELETE_TASK, { id }, tokens.accessToken);
    await client.call("logout", LOGOUT, { token: tokens.refreshToken }, tokens.accessToken);
    cycles++;
  }
  return cycles;
}

/** Event-loop delay and the revocation view's age, as /readyz reports them. */
async function readiness(url: string): Promise<{ loopMaxMs?: number; viewAgeMs?: number }> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    const body = (await response.json()) as {
      eventLoopDelayMs?: { max?: number };
      revocationViewAgeMs?: number;
    };
    return { loopMaxMs: body.eventLoopDelayMs?.max, viewAgeMs: body.revocationViewAgeMs };
  } catch {
    return {};
  }
}

const HEADER = [
  "elapsed s",
  "RSS MiB",
  "Δ RSS MiB",
  "heap after full GC MiB",
  "full GCs",
  "requests",
  "req/s",
  "p99 ms",
  "failed",
  "loop max ms",
];

async function main(cleanup: { server?: ServerProcess; tempDir?: string }): Promise<void> {
  const durationSeconds = integerFromEnv("SOAK_DURATION", 600, 1, 86_400);
  const everySeconds = integerFromEnv("SOAK_REPORT_EVERY", 30, 1, 3_600);
  const users = integerFromEnv("SOAK_USERS", 8, 1, 1_000);
  // Revoked sessions stay in the server's view for an access token's lifetime (15 minutes by
  // default, longer than a default run): a shorter one shows that part of memory level off.
  const accessTokenTtl = process.env.SOAK_ACCESS_TOKEN_TTL?.trim();
  console.log(`Node ${process.version}, ${availableParallelism()} CPUs`);

  const tempDir = mkdtempSync(join(tmpdir(), "graphql-jwt-soak-"));
  cleanup.tempDir = tempDir;
  const external = process.env.SOAK_DATABASE_URL?.trim();
  const port = await findFreePort();
  const collections = new FullCollections();
  const server = new ServerProcess({
    nodeArgs: ["--trace-gc"],
    onOutput: (chunk) => collections.read(chunk),
    mainScript: resolve(__dirname, "../src/main.js"),
    cwd: tempDir,
    env: {
      ...benchServerEnv(external ?? `sqlite:${join(tempDir, "soak.sqlite")}`, port),
      ...(accessTokenTtl ? { ACCESS_TOKEN_TTL: accessTokenTtl } : {}),
    },
    port,
  });
  cleanup.server = server;
  // Never print SOAK_DATABASE_URL itself: it may hold a password.
  progress(`server on ${server.url} (${external ? "SOAK_DATABASE_URL" : "SQLite in a temp dir"})`);
  await server.waitUntilReady(READY_TIMEOUT_MILLIS);

  progress(
    `${users} users for ${durationSeconds} s, resident memory every ${everySeconds} s ` +
      `(Ctrl-C ends the run early and prints what it has)`,
  );
  const clients = Array.from({ length: users }, () => new Client(server.url));
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  const running = Promise.all(clients.map((client) => runUser(client, deadline)));

  const rows: string[][] = [];
  const failures = new Map<string, number>();
  let firstRss: number | undefined;
  let lastReport = started;
  let collectionsBefore = 0;
  const report = async () => {
    const now = performance.now();
    const windows = clients.map((client) => client.window);
    for (const client of clients) client.window = new Window();
    const merged = new Window();
    for (const window of windows) {
      merged.requests += window.requests;
      merged.failures += window.failures;
      merged.latencies.push(...window.latencies);
      for (const [kind, count] of window.failureKinds) {
        failures.set(kind, (failures.get(kind) ?? 0) + count);
      }
    }
    const rss = server.residentBytes();
    firstRss ??= rss;
    const { loopMaxMs } = await readiness(server.url);
    const row = [
      fixed((now - started) / 1000, 0),
      mebibytes(rss),
      rss === undefined || firstRss === undefined ? "?" : mebibytes(rss - firstRss),
      collections.lastHeapMiB === undefined ? "-" : fixed(collections.lastHeapMiB, 1),
      String(collections.count - collectionsBefore),
      String(merged.requests),
      fixed(merged.requests / ((now - lastReport) / 1000 || 1), 0),
      fixed(merged.p99(), 1),
      String(merged.failures),
      loopMaxMs === undefined ? "?" : fixed(loopMaxMs, 0),
    ];
    lastReport = now;
    collectionsBefore = collections.count;
    rows.push(row);
    progress(HEADER.map((name, column) => `${name} ${row[column]}`).join(", "));
  };
  const stopped = new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  // A user that fails outright (the server stopped serving) ends the run with its error.
  const failure = new Promise<never>((_resolve, reject) => {
    running.catch((error: unknown) =>
      reject(error instanceof Error ? error : new Error(String(error))),
    );
  });
  failure.catch(() => undefined); // raced below; never an unhandled rejection after Ctrl-C
  await report();
  let finished = false;
  while (!finished) {
    const next = Math.min(lastReport + everySeconds * 1000, deadline);
    const interrupted = await Promise.race([
      sleep(Math.max(0, next - performance.now())).then(() => false),
      stopped.then(() => true),
      failure,
    ]);
    if (interrupted) break;
    if (next === deadline) {
      // The users finish the request they are in, then stop: the last row counts those too.
      await running;
      finished = true;
    }
    await report();
  }

  printTable(
    `Soak: ${users} users, mixed traffic, ${durationSeconds} s (server resident memory)`,
    HEADER,
    rows,
  );
  if (finished) {
    const cycles = (await running).reduce((sum, count) => sum + count, 0);
    console.log(`${cycles} sign-in-to-sign-out cycles of ${6 + 4 * TASKS_PER_CYCLE} requests`);
  }
  if (failures.size > 0) {
    process.exitCode = 1;
    console.log(
      `failed requests: ${[...failures].map(([kind, count]) => `${kind} ×${count}`).join(", ")}`,
    );
  }
}

const cleanup: { server?: ServerProcess; tempDir?: string } = {};
const release = async () => {
  await cleanup.server?.stop();
  if (cleanup.tempDir) rmSync(cleanup.tempDir, { recursive: true, force: true });
};
process.once("exit", () => {
  cleanup.server?.killNow();
  if (cleanup.tempDir) rmSync(cleanup.tempDir, { recursive: true, force: true });
});
void main(cleanup)
  .catch((error: unknown) => {
    process.exitCode = 1;
    console.error(`soak failed: ${error instanceof Error ? error.message : String(error)}`);
    const output = cleanup.server?.output();
    if (output) console.error(`last server output:\n${output}`);
  })
  .finally(() => release());
