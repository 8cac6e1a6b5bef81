import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import { CREATE_TASK, LOGOUT, REFRESH, SET_USER_ROLES } from "../support/documents";
import { registerUser, signedInWithRoles, type SignedInUser } from "../support/factories";
import { recordFigure } from "../support/figures";
import { ShiftedClock } from "../support/shifted-clock";
import {
  connectClient,
  type LiveClient,
  subscribe,
  TASK_EVENTS,
  type TaskEventData,
  wsUrl,
} from "../support/subscriptions";
import { startTestServer, type TestServer } from "../support/test-server";
import { sleep } from "../support/time";

/**
 * The token lifecycle reaches the socket (contract, "Subscriptions"): a revoked session or an
 * expired token closes it with 4401, a narrowed role stops the events it no longer allows, and a
 * revocation view past its bound closes every socket rather than keep streaming.
 */

/** The contract's bound from revocation to close, on whichever instance holds the socket. */
const CLOSE_BOUND_MS = 1_000;

describe.each(databaseKinds())("the token lifecycle on a socket, on $name", (kind) => {
  const servers: TestServer[] = [];
  const clients: LiveClient[] = [];
  const connect = (server: TestServer, token: string) => {
    const live = connectClient(server.url, { token });
    clients.push(live);
    return live;
  };
  const start = async (
    ...args: Parameters<typeof startTestServer> extends [unknown, ...infer R] ? R : never
  ) => {
    const server = await startTestServer(kind, ...args);
    servers.push(server);
    return server;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((live) => live.dispose()));
    // The second of two servers shares the first's database: stop it first.
    for (const server of servers.splice(0).reverse()) await server.close();
  });

  async function createTask(server: TestServer, user: SignedInUser, title: string) {
    const response = await server.gql<{ createTask: { id: string } }>(
      CREATE_TASK,
      { title },
      { token: user.accessToken },
    );
    return response.body.data!.createTask.id;
  }

  it("closes the socket on instance B within 1 s of a logout on instance A", async () => {
    const a = await start();
    const b = await start({ database: a.database, secret: a.secret });
    const user = await registerUser(a);
    const live = connect(b, user.accessToken);
    await live.acknowledged;
    const loggedOutAt = performance.now();
    const response = await a.gql(LOGOUT, {}, { token: user.accessToken });
    expect(response.body.data).toEqual({ logout: true });
    const closed = await live.closed;
    const elapsed = closed.at - loggedOutAt;
    recordFigure(
      "subscription-lifecycle",
      `${kind.name}: logout on A to close on B`,
      Math.round(elapsed),
      "ms",
    );
    expect(closed).toMatchObject({ code: 4401, reason: "Unauthorized" });
    expect(elapsed).toBeLessThan(CLOSE_BOUND_MS);
  });

  it.each([
    ["logout everywhere", LOGOUT, { everywhere: true }],
    ["changePassword (other sessions)", "changePassword", {}],
    ["revokeUserSessions by an ADMIN", "revokeUserSessions", {}],
  ])("closes the socket with 4401 on %s", async (_name, operation, variables) => {
    const server = await start();
    const user = await registerUser(server);
    const live = connect(server, user.accessToken);
    await live.acknowledged;
    const startedAt = performance.now();
    if (operation === "changePassword") {
      // The socket's session is another session of the same user.
      const other = await server.gql<{ login: { accessToken: string } }>(
        `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`,
        { input: { email: user.email, password: user.password } },
      );
      const token = other.body.data!.login.accessToken;
      const changed = await server.gql(
        `mutation($old: String!, $new: String!) { changePassword(currentPassword: $old, newPassword: $new) }`,
        { old: user.password, new: "another horse battery staple" },
        { token },
      );
      expect(changed.body.errors).toBeUndefined();
    } else if (operation === "revokeUserSessions") {
      const admin = await signedInWithRoles(server, [Role.ADMIN]);
      const revoked = await server.gql(
        `mutation($id: ID!) { revokeUserSessions(userId: $id) }`,
        { id: user.id },
        { token: admin.accessToken },
      );
      expect(revoked.body.errors).toBeUndefined();
    } else {
      await server.gql(operation, variables, { token: user.accessToken });
    }
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4401 });
    expect(closed.at - startedAt).toBeLessThan(CLOSE_BOUND_MS);
  });

  it("closes with 4401 TOKEN_EXPIRED when the access token expires", async () => {
    const server = await start({ env: { ACCESS_TOKEN_TTL: "2s" } });
    const user = await registerUser(server);
    const live = connect(server, user.accessToken);
    await live.acknowledged;
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4401, reason: "TOKEN_EXPIRED" });
    // Against the token's own `exp`, not the time of the ack: on a loaded machine signing up
    // and connecting can take longer than a second of the token's two.
    const payload = user.accessToken.split(".")[1] ?? "";
    const { exp } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
      exp: number;
    };
    const closedAtMs = performance.timeOrigin + closed.at;
    expect(closedAtMs).toBeGreaterThan(exp * 1000 - 50);
    expect(closedAtMs - exp * 1000).toBeLessThan(1_000);
  });

  it("lets a client refresh on TOKEN_EXPIRED and subscribe again on the same client", async () => {
    const server = await start({ env: { ACCESS_TOKEN_TTL: "2s" } });
    const user = await registerUser(server);
    let token = user.accessToken;
    let refreshToken = user.refreshToken;
    const client = createClient({
      url: wsUrl(server.url),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
    });
    const closes: Array<{ code: number; reason: string }> = [];
    const ids: string[] = [];
    const resubscribed = new Promise<void>((resolve) => {
      const watch = () =>
        client.subscribe<TaskEventData>(
          { query: TASK_EVENTS },
          {
            next: (result) => {
              if (result.data) ids.push(result.data.taskEvents.taskId);
            },
            error: (error) => {
              const { code, reason } = error as { code: number; reason: string };
              closes.push({ code, reason });
              void server
                .gql<{ refresh: { accessToken: string; refreshToken: string } }>(REFRESH, {
                  refreshToken,
                })
                .then((response) => {
                  ({ accessToken: token, refreshToken } = response.body.data!.refresh);
                  watch();
                  resolve();
                });
            },
            complete: () => undefined,
          },
        );
      watch();
    });
    await resubscribed;
    expect(closes).toEqual([{ code: 4401, reason: "TOKEN_EXPIRED" }]);
    await sleep(200);
    const id = await createTask(server, { ...user, accessToken: token }, "after refresh");
    for (let i = 0; i < 50 && ids.length === 0; i++) await sleep(20);
    expect(ids).toEqual([id]);
    await client.dispose();
  });

  it("refuses an already expired token at connection_init with 4401 TOKEN_EXPIRED", async () => {
    const clock = new ShiftedClock();
    const server = await start({ clock });
    const user = await registerUser(server);
    clock.advanceSeconds(16 * 60);
    const live = connect(server, user.accessToken);
    expect(await live.closed).toMatchObject({ code: 4401, reason: "TOKEN_EXPIRED" });
  });

  it("stops everyone else's events at once when the EDITOR role is removed; own ones go on", async () => {
    const server = await start();
    const admin = await signedInWithRoles(server, [Role.ADMIN]);
    const editor = await signedInWithRoles(server, [Role.EDITOR]);
    const bob = await registerUser(server);
    const live = connect(server, editor.accessToken);
    const stream = subscribe<TaskEventData>(live, TASK_EVENTS, { all: true });
    await sleep(100);
    const before = await createTask(server, bob, "seen");
    await stream.waitFor(1);
    const narrowed = await server.gql(
      SET_USER_ROLES,
      { userId: editor.id, roles: [Role.USER] },
      { token: admin.accessToken },
    );
    expect(narrowed.body.errors).toBeUndefined();
    await createTask(server, bob, "not seen");
    const own = await createTask(server, editor, "own");
    await stream.waitFor(2);
    await sleep(200);
    expect(stream.events.map((event) => event.taskEvents.taskId)).toEqual([before, own]);
  });

  it("closes every socket with 4503 when the revocation view goes past its bound", async () => {
    const server = await start();
    const user = await registerUser(server);
    const live = connect(server, user.accessToken);
    await live.acknowledged;
    // The view stops reading the log: within its one-second bound it is stale.
    const stoppedAt = performance.now();
    await server.app.revocationView.stop();
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4503, reason: "SERVICE_UNAVAILABLE" });
    expect(closed.at - stoppedAt).toBeLessThan(1_600);
    // HTTP fails closed the same way.
    const me = await server.gql(`{ me { id } }`, {}, { token: user.accessToken });
    expect(me.status).toBe(503);
  });

  it("closes with 4401 within about 10 s when the user is deleted by hand", async () => {
    const server = await start();
    const user = await registerUser(server);
    const live = connect(server, user.accessToken);
    await live.acknowledged;
    // Past the API: no revocation is logged. The sessions go with the user (ON DELETE CASCADE).
    await server.app.dataSource.query("DELETE FROM users WHERE id = ?", [user.id]);
    const deletedAt = performance.now();
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4401, reason: "Unauthorized" });
    expect(closed.at - deletedAt).toBeLessThan(11_000);
  }, 20_000);

  it("closes open sockets with 1001 when the server stops", async () => {
    const server = await start();
    const user = await registerUser(server);
    const live = connect(server, user.accessToken);
    await live.acknowledged;
    servers.splice(servers.indexOf(server), 1);
    await server.close();
    expect(await live.closed).toMatchObject({ code: 1001 });
  });
});
