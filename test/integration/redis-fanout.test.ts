import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import Redis from "ioredis";
import pino from "pino";
import type { DataSource } from "typeorm";
import { DatabaseRevocationLog } from "../../src/revocation/database-revocation-log";
import { DatabaseRevocationView } from "../../src/revocation/database-revocation-view";
import { NoRevocationFanout } from "../../src/revocation/revocation-fanout";
import type { RevocationNotice } from "../../src/revocation/revocation-notice";
import type { PeerRevocations } from "../../src/revocation/revocation-view";
import {
  MAX_SESSION_IDS_PER_MESSAGE,
  RedisRevocationFanout,
} from "../../src/revocation/redis-revocation-fanout";
import { Revocation } from "../../src/revocation/revocation.entity";
import { createLogger } from "../../src/logging/logger";
import { Role } from "../../src/core/role";
import { databaseKinds, openMigratedDataSource } from "../support/databases";
import { startTwoInstances, stopTwoInstances, type TwoInstances } from "../support/instances";
import { LOGIN, LOGOUT, ME_ID, REGISTER, SET_USER_ROLES, USERS } from "../support/documents";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { run, startServerProcess, USER_ADD_JS, type ServerProcess } from "../support/processes";
import { errorCode, type GraphQLResponse, postGraphQL } from "../support/test-server";
import { sleep } from "../support/time";
import { principalOf } from "../support/principals";

/**
 * Revocations fanned out through Redis pub/sub (REDIS_URL). Needs a Redis server: TEST_REDIS_URL,
 * or redis://127.0.0.1:6379. When it cannot be reached every test here fails; none is skipped.
 *
 * Redis only makes propagation faster, so "refused within a second" would pass through the
 * revocation log alone. What shows that Redis carried a revocation is the receiving instance's
 * debug line "applied revocation from redis", logged for messages from other instances only.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const APPLIED = "applied revocation from redis";
/** The contract: a revocation made through one instance is honoured by all within this. */
const PROPAGATION_BOUND_MS = 1_000;
const GIVE_UP_MS = 3_000;
const RETRY_MS = 25;

/** Resolves once `probe` holds, or fails after GIVE_UP_MS with `what` in the message. */
async function eventually(what: string, probe: () => boolean): Promise<void> {
  const since = performance.now();
  while (!probe()) {
    if (performance.now() - since > GIVE_UP_MS) throw new Error(`gave up waiting: ${what}`);
    await sleep(RETRY_MS);
  }
}

type LogLine = Record<string, unknown>;

/** A debug-level logger whose JSON lines are kept for the test to read. */
function capturingLogger() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: "debug", base: undefined },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

/** A port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    expect(await client.ping()).toBe("PONG");
  } catch (error) {
    throw new Error(
      `Redis at ${REDIS_URL} is unreachable (${String(error)}): start redis-server or set ` +
        "TEST_REDIS_URL. Failing rather than skipping.",
    );
  } finally {
    client.disconnect();
  }
});

describe("revocation fan-out over Redis, in process", () => {
  const channel = `fanout-test-${randomUUID()}:revocations`;
  let started: RedisRevocationFanout[] = [];

  afterEach(async () => {
    await Promise.all(started.map((fanout) => fanout.stop()));
    started = [];
  });

  /** A fan-out whose received revocations and log lines the test can read. */
  function instance(url = REDIS_URL) {
    const received: RevocationNotice[] = [];
    const sink: PeerRevocations = { applyFromPeer: (revocation) => received.push(revocation) };
    const { logger, lines } = capturingLogger();
    const fanout = new RedisRevocationFanout({ url, channel, logger, sink });
    started.push(fanout);
    return { fanout, received, lines };
  }

  it("delivers what one instance publishes to the others, and not back to itself", async () => {
    const a = instance();
    const b = instance();
    await Promise.all([a.fanout.start(), b.fanout.start()]);

    await a.fanout.publish({ sessionIds: ["s-1", "s-2"] });
    await a.fanout.publish({ roles: { userId: "u-1", roles: [Role.USER] } });
    await eventually("B receives both", () => b.received.length === 2);
    expect(b.received).toEqual([
      { sessionIds: ["s-1", "s-2"] },
      { roles: { userId: "u-1", roles: ["USER"] } },
    ]);
    expect(b.lines).toContainEqual(
      expect.objectContaining({ msg: APPLIED, sessions: 2, roleChange: false }),
    );

    // Redis sends A its own messages too, on the same connection and in order: one from B that
    // arrives after them shows they were skipped.
    await b.fanout.publish({ sessionIds: ["s-3"] });
    await eventually("A receives B's message", () => a.received.length === 1);
    expect(a.received).toEqual([{ sessionIds: ["s-3"] }]);
    expect(a.lines.filter((line) => line.msg === APPLIED)).toHaveLength(1);
  });

  it("splits a large revocation into messages of at most 1,000 sessions", async () => {
    const a = instance();
    const b = instance();
    await Promise.all([a.fanout.start(), b.fanout.start()]);
    const ids = Array.from({ length: 2_500 }, () => randomUUID());

    await a.fanout.publish({ sessionIds: ids });
    await eventually("B receives every id", () => b.received.length === 3);
    expect(b.received.map((revocation) => revocation.sessionIds?.length)).toEqual([
      MAX_SESSION_IDS_PER_MESSAGE,
      MAX_SESSION_IDS_PER_MESSAGE,
      500,
    ]);
    expect(b.received.flatMap((revocation) => revocation.sessionIds)).toEqual(ids);
  });

  it("ignores malformed messages with a warning, and keeps applying good ones", async () => {
    const a = instance();
    const b = instance();
    await Promise.all([a.fanout.start(), b.fanout.start()]);
    const raw = new Redis(REDIS_URL);
    try {
      await raw.publish(channel, "revoke everyone");
      await raw.publish(
        channel,
        JSON.stringify({ v: 1, from: "x", roles: { userId: "u-1", roles: ["ROOT"] } }),
      );
      await raw.publish(channel, JSON.stringify({ v: 1, from: "x", sessionIds: ["s".repeat(65)] }));
    } finally {
      await raw.quit();
    }
    await a.fanout.publish({ sessionIds: ["good"] });

    await eventually("B receives the good message", () => b.received.length > 0);
    expect(b.received).toEqual([{ sessionIds: ["good"] }]);
    // One warning, not one per message: a flood of them must not flood the log.
    const warnings = b.lines.filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({ msg: expect.stringMatching(/malformed/), problem: "not JSON" }),
    ]);
  });

  it("starts without Redis, with a warning, and publishing then fails quietly", async () => {
    const port = await closedPort();
    const down = instance(`redis://127.0.0.1:${port}`);
    const began = performance.now();
    await down.fanout.start();
    // A refused connection is reported at once, not after the connect timeout.
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(down.lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/unreachable/) }),
    );

    await expect(down.fanout.publish({ sessionIds: ["s-1"] })).resolves.toBeUndefined();
    await expect(down.fanout.publish({ sessionIds: ["s-2"] })).resolves.toBeUndefined();
    // Warned once for the outage, not once per revocation.
    expect(
      down.lines.filter((line) => line.level === 40 && /could not publish/.test(String(line.msg))),
    ).toHaveLength(1);
  });
});

describe("revocation store: revocations announced by other instances (sqlite)", () => {
  let opened: Awaited<ReturnType<typeof openMigratedDataSource>>;
  let dataSource: DataSource;
  let store: DatabaseRevocationView;

  /** A role change committed through another instance, written as the services write it. */
  const commitRoles = (roles: Role[]) =>
    dataSource.transaction((manager) =>
      new DatabaseRevocationLog(
        dataSource,
        { retentionSeconds: 3_600 },
        { now: () => new Date() },
        new NoRevocationFanout(),
        createLogger("silent"),
      ).recordRoles(manager, "u-1", roles),
    );

  beforeAll(async () => {
    opened = await openMigratedDataSource(databaseKinds().find((kind) => kind.name === "sqlite")!);
    dataSource = opened.dataSource;
  });
  afterAll(async () => {
    await opened.close();
  });

  beforeEach(async () => {
    await dataSource.getRepository(Revocation).clear();
    // Polling once a minute: within a test the log is read only when asked to.
    store = new DatabaseRevocationView(
      dataSource,
      { pollIntervalMs: 60_000, maxStalenessMs: 120_000, retentionSeconds: 3_600 },
      { now: () => new Date() },
      createLogger("silent"),
    );
    await store.start();
  });
  afterEach(() => store.stop());

  it("revokes announced sessions at once", () => {
    const sessionId = randomUUID();
    expect(store.check(principalOf(sessionId, [Role.USER]))).not.toBeNull();
    store.applyFromPeer({ sessionIds: [sessionId] });
    expect(store.check(principalOf(sessionId, [Role.USER]))).toBeNull();
  });

  it("reads the log at once on a role change, and a late message cannot undo a newer one", async () => {
    const token = principalOf(randomUUID(), [Role.USER, Role.ADMIN]);
    // Granted, then removed again, both committed through other instances.
    await commitRoles([Role.USER, Role.ADMIN]);
    await commitRoles([Role.USER]);
    expect(store.check(token)?.roles).toEqual(["USER", "ADMIN"]); // not read yet

    store.applyFromPeer({ roles: { userId: "u-1", roles: [Role.USER] } });
    await eventually("the log is read", () => store.check(token)?.roles.length === 1);
    expect(store.check(token)?.roles).toEqual(["USER"]);

    // The announcement of the older change arrives late: the log, where later rows win, decides.
    store.applyFromPeer({ roles: { userId: "u-1", roles: [Role.USER, Role.ADMIN] } });
    await sleep(200);
    expect(store.check(token)?.roles).toEqual(["USER"]);
  });

  it("publishes, through the fan-out, what this instance commits, and applies it here", () => {
    const heard: RevocationNotice[] = [];
    const fanout = {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      publish: (revocation: RevocationNotice) => {
        heard.push(revocation);
        return Promise.resolve();
      },
    };
    const log = new DatabaseRevocationLog(
      dataSource,
      { retentionSeconds: 3_600 },
      { now: () => new Date() },
      fanout,
      createLogger("silent"),
      store,
    );
    log.committed({ sessionIds: [] }); // nothing revoked, nothing to announce
    log.committed({ sessionIds: ["s-1"] });
    log.committed({ roles: { userId: "u-1", roles: [Role.USER] } });
    expect(store.check(principalOf("s-1", [Role.USER]))).toBeNull();
    store.applyFromPeer({ sessionIds: ["s-2"] }); // never echoed back
    expect(heard).toEqual([{ sessionIds: ["s-1"] }, { roles: { userId: "u-1", roles: ["USER"] } }]);
  });
});

const REFUSED = (response: GraphQLResponse<unknown>) =>
  response.status === 401 && errorCode(response) === "UNAUTHENTICATED";
const FORBIDDEN = (response: GraphQLResponse<unknown>) => errorCode(response) === "FORBIDDEN";

describe("two server processes on one SQLite database, with REDIS_URL", () => {
  let instances: TwoInstances | undefined;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let adminToken: string;

  /** The JSON log lines a server wrote after `mark` characters of its output. */
  const logSince = (server: ServerProcess, mark: number): LogLine[] =>
    server
      .output()
      .slice(mark)
      .split("\n")
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as LogLine];
        } catch {
          return [];
        }
      });
  const appliedFromRedis = (server: ServerProcess, mark: number) =>
    logSince(server, mark).filter((line) => line.msg === APPLIED);

  async function logIn(url: string, email: string) {
    const response = await postGraphQL<{
      login: { accessToken: string; user: { id: string } };
    }>(url, LOGIN, { input: { email, password: DEFAULT_PASSWORD } });
    const data = response.body.data?.login;
    if (!data) throw new Error(`login failed: ${JSON.stringify(response.body)}`);
    return { token: data.accessToken, userId: data.user.id };
  }

  async function userAdd(email: string, roles: string) {
    const result = await run(
      process.execPath,
      [USER_ADD_JS, "--email", email, "--password", DEFAULT_PASSWORD, "--roles", roles],
      { cwd: instances!.cwd, env: instances!.env },
    );
    expect(result).toEqual({ code: 0, output: expect.any(String) });
  }

  /** Asks until `done` holds; the delay from `since` until it did, or a failure. */
  async function delayUntil(
    since: number,
    attempt: () => Promise<GraphQLResponse<unknown>>,
    done: (response: GraphQLResponse<unknown>) => boolean,
  ): Promise<number> {
    let last: GraphQLResponse<unknown> | undefined;
    while (performance.now() - since < GIVE_UP_MS) {
      last = await attempt();
      if (done(last)) return performance.now() - since;
      await sleep(RETRY_MS);
    }
    throw new Error(`never happened; last: HTTP ${last?.status} ${JSON.stringify(last?.body)}`);
  }

  beforeAll(async () => {
    instances = await startTwoInstances(
      databaseKinds().find((kind) => kind.name === "sqlite")!,
      {
        // Debug, for the "applied revocation from redis" lines.
        LOG_LEVEL: "debug",
        REDIS_URL,
        // The channel is named after the issuer: this run hears no other test run.
        JWT_ISSUER: `redis-fanout-test-${randomBytes(6).toString("hex")}`,
      },
    );
    ({ a, b } = instances);
    for (const server of [a, b]) {
      await eventually("subscribed", () =>
        logSince(server, 0).some((line) => /subscribed to redis/.test(String(line.msg))),
      );
    }

    const adminEmail = uniqueEmail("fanout-admin");
    await userAdd(adminEmail, "ADMIN");
    adminToken = (await logIn(a.url, adminEmail)).token;
  }, 60_000);

  afterAll(() => stopTwoInstances(instances), 30_000);

  it("refuses on B an access token logged out through A, told by Redis", async () => {
    const email = uniqueEmail("fanout");
    const registered = await postGraphQL(a!.url, REGISTER, {
      input: { email, password: DEFAULT_PASSWORD },
    });
    expect(registered.body.errors).toBeUndefined();
    const { token } = await logIn(a!.url, email);
    expect((await postGraphQL(b!.url, ME_ID, {}, { token })).status).toBe(200);

    const marks = { a: a!.output().length, b: b!.output().length };
    const loggedOut = await postGraphQL(a!.url, LOGOUT, {}, { token });
    const loggedOutAt = performance.now();
    expect(loggedOut.body).toEqual({ data: { logout: true } });

    const delay = await delayUntil(
      loggedOutAt,
      () => postGraphQL(b!.url, ME_ID, {}, { token }),
      REFUSED,
    );
    expect(delay).toBeLessThan(PROPAGATION_BOUND_MS);
    await eventually("B logs the message", () => appliedFromRedis(b!, marks.b).length > 0);
    expect(appliedFromRedis(b!, marks.b)).toEqual([
      expect.objectContaining({ sessions: 1, roleChange: false }),
    ]);
    // A published it and skipped its own message.
    expect(appliedFromRedis(a!, marks.a)).toEqual([]);
  });

  it("stops honouring on B a role removed through A, told by Redis", async () => {
    const email = uniqueEmail("fanout-target");
    await userAdd(email, "ADMIN,EDITOR");
    const target = await logIn(a!.url, email);
    expect((await postGraphQL(b!.url, USERS, {}, { token: target.token })).body.errors).toBe(
      undefined,
    );

    const mark = b!.output().length;
    const demoted = await postGraphQL(
      a!.url,
      SET_USER_ROLES,
      { userId: target.userId, roles: ["USER"] },
      { token: adminToken },
    );
    const demotedAt = performance.now();
    expect(demoted.body.errors).toBeUndefined();

    const delay = await delayUntil(
      demotedAt,
      () => postGraphQL(b!.url, USERS, {}, { token: target.token }),
      FORBIDDEN,
    );
    expect(delay).toBeLessThan(PROPAGATION_BOUND_MS);
    await eventually("B logs the message", () => appliedFromRedis(b!, mark).length > 0);
    expect(appliedFromRedis(b!, mark)).toEqual([
      expect.objectContaining({ sessions: 0, roleChange: true }),
    ]);
  });

  it("tells both servers of a role removed with the user:add CLI", async () => {
    const email = uniqueEmail("fanout-cli");
    await userAdd(email, "ADMIN");
    const target = await logIn(a!.url, email);
    expect((await postGraphQL(b!.url, USERS, {}, { token: target.token })).body.errors).toBe(
      undefined,
    );

    const marks = { a: a!.output().length, b: b!.output().length };
    await userAdd(email, "USER");
    const demotedAt = performance.now();

    const delay = await delayUntil(
      demotedAt,
      () => postGraphQL(b!.url, USERS, {}, { token: target.token }),
      FORBIDDEN,
    );
    expect(delay).toBeLessThan(PROPAGATION_BOUND_MS);
    for (const [server, mark] of [
      [a!, marks.a],
      [b!, marks.b],
    ] as const) {
      await eventually(
        "the servers log the message",
        () => appliedFromRedis(server, mark).length > 0,
      );
      expect(appliedFromRedis(server, mark)).toEqual([
        expect.objectContaining({ roleChange: true }),
      ]);
    }
  });

  it("runs a server that cannot reach Redis on the revocation log alone", async () => {
    const port = await closedPort();
    const c = await startServerProcess(instances!.cwd, {
      ...instances!.env,
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    try {
      expect(logSince(c, 0)).toContainEqual(
        expect.objectContaining({ level: 40, msg: expect.stringMatching(/unreachable/) }),
      );
      const email = uniqueEmail("fanout-no-redis");
      const registered = await postGraphQL(a!.url, REGISTER, {
        input: { email, password: DEFAULT_PASSWORD },
      });
      expect(registered.body.errors).toBeUndefined();
      const { token } = await logIn(a!.url, email);
      expect((await postGraphQL(c.url, ME_ID, {}, { token })).status).toBe(200);

      await postGraphQL(a!.url, LOGOUT, {}, { token });
      const loggedOutAt = performance.now();
      const delay = await delayUntil(
        loggedOutAt,
        () => postGraphQL(c.url, ME_ID, {}, { token }),
        REFUSED,
      );
      expect(delay).toBeLessThan(PROPAGATION_BOUND_MS);
      expect(appliedFromRedis(c, 0)).toEqual([]);
    } finally {
      expect(await c.stop("SIGTERM")).toBe(0);
    }
  }, 30_000);
});
