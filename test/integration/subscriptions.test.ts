import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import { CREATE_TASK, DELETE_TASK, UPDATE_TASK } from "../support/documents";
import { registerUser, signedInWithRoles, type SignedInUser } from "../support/factories";
import {
  connectClient,
  type LiveClient,
  subscribe,
  TASK_EVENTS,
  type TaskEventData,
} from "../support/subscriptions";
import { startTestServer, type TestServer } from "../support/test-server";
import { sleep } from "../support/time";

/**
 * taskEvents over graphql-ws against the real server: who sees which changes, and the refusals at
 * connection_init (contract, "Subscriptions").
 */
describe.each(databaseKinds())("subscriptions on $name", (kind) => {
  let server: TestServer;
  const clients: LiveClient[] = [];
  const connect = (
    ...args: Parameters<typeof connectClient> extends [string, ...infer R] ? R : never
  ) => {
    const live = connectClient(server.url, ...args);
    clients.push(live);
    return live;
  };

  beforeAll(async () => {
    server = await startTestServer(kind, { env: { CORS_ORIGINS: "https://app.example" } });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((live) => live.dispose()));
  });
  afterAll(async () => {
    await server.close();
  });

  async function createTask(user: SignedInUser, title: string): Promise<string> {
    const response = await server.gql<{ createTask: { id: string } }>(
      CREATE_TASK,
      { title },
      { token: user.accessToken },
    );
    const id = response.body.data?.createTask.id;
    if (!id) throw new Error(JSON.stringify(response.body));
    return id;
  }

  it("streams the caller's own changes: created, updated, deleted (task null)", async () => {
    const alice = await registerUser(server);
    const live = connect({ token: alice.accessToken });
    await live.acknowledged;
    const stream = subscribe<TaskEventData>(live, TASK_EVENTS);
    await sleep(100);
    const id = await createTask(alice, "first");
    await server.gql(UPDATE_TASK, { id, patch: { done: true } }, { token: alice.accessToken });
    await server.gql(DELETE_TASK, { id }, { token: alice.accessToken });
    const events = await stream.waitFor(3);
    expect(events.map((event) => event.taskEvents.kind)).toEqual(["CREATED", "UPDATED", "DELETED"]);
    expect(events[0].taskEvents).toMatchObject({
      taskId: id,
      task: { id, title: "first", done: false, owner: { id: alice.id } },
    });
    expect(events[1].taskEvents.task).toMatchObject({ done: true });
    expect(events[2].taskEvents).toEqual({ kind: "DELETED", taskId: id, task: null });
    expect(stream.errors).toEqual([]);
  });

  it("does not stream another user's changes, even with all: true asked by a USER (refused)", async () => {
    const alice = await registerUser(server);
    const bob = await registerUser(server);
    const live = connect({ token: alice.accessToken });
    const own = subscribe<TaskEventData>(live, TASK_EVENTS);
    const all = subscribe<TaskEventData>(live, TASK_EVENTS, { all: true });
    await all.ended;
    expect(all.errors).toEqual([
      expect.objectContaining({
        message: expect.any(String),
        extensions: expect.objectContaining({ code: "FORBIDDEN" }),
      }),
    ]);
    await createTask(bob, "bob's");
    const mine = await createTask(alice, "alice's");
    const events = await own.waitFor(1);
    await sleep(200);
    expect(events.map((event) => event.taskEvents.taskId)).toEqual([mine]);
    // The refusal ended that one subscription, not the socket.
    expect(own.errors).toEqual([]);
  });

  it("refuses the subscription itself, before any event, to a token whose scope lacks its rule", async () => {
    const user = await registerUser(server);
    const login = await server.gql<{ login: { accessToken: string } }>(
      `mutation($input: LoginInput!) { login(input: $input) { accessToken } }`,
      { input: { email: user.email, password: user.password, scope: "session:read" } },
    );
    const token = login.body.data!.login.accessToken;
    const live = connect({ token });
    const stream = subscribe<TaskEventData>(live, TASK_EVENTS);
    // Without a check when it starts, the subscription would wait for an event that never comes.
    const ended = await Promise.race([
      stream.ended.then(() => true),
      sleep(3_000).then(() => false),
    ]);
    expect(ended).toBe(true);
    expect(stream.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: "FORBIDDEN", reason: "INSUFFICIENT_SCOPE" }),
      }),
    ]);
    expect(stream.events).toEqual([]);
  });

  it("streams everyone's changes to an EDITOR with all: true, and only their own without it", async () => {
    const editor = await signedInWithRoles(server, [Role.EDITOR]);
    const bob = await registerUser(server);
    const live = connect({ token: editor.accessToken });
    await live.acknowledged;
    const everyone = subscribe<TaskEventData>(live, TASK_EVENTS, { all: true });
    const own = subscribe<TaskEventData>(live, TASK_EVENTS);
    await sleep(100);
    const bobs = await createTask(bob, "bob's");
    const editors = await createTask(editor, "editor's");
    const all = await everyone.waitFor(2);
    expect(all.map((event) => event.taskEvents.taskId)).toEqual([bobs, editors]);
    expect((await own.waitFor(1)).map((event) => event.taskEvents.taskId)).toEqual([editors]);
  });

  it("applies field rules per event: an EDITOR reads owners' ids, not their emails", async () => {
    const editor = await signedInWithRoles(server, [Role.EDITOR]);
    const bob = await registerUser(server);
    const live = connect({ token: editor.accessToken });
    const stream = subscribe(
      live,
      `subscription { taskEvents(all: true) { taskId task { owner { id email } } } }`,
    );
    await sleep(100);
    await createTask(bob, "bob's");
    await stream.waitFor(1);
    expect(stream.events[0]).toEqual({ taskEvents: expect.objectContaining({ task: null }) });
    expect(stream.errors).toEqual([
      expect.objectContaining({
        path: ["taskEvents", "task", "owner", "email"],
        extensions: expect.objectContaining({ code: "FORBIDDEN" }),
      }),
    ]);
  });

  it.each<[string, { payload?: Record<string, unknown>; suffix?: string }]>([
    ["no token", {}],
    ["a malformed token", { payload: { authorization: "Bearer not.a.token" } }],
    ["another scheme", { payload: { authorization: "Basic dXNlcjpwYXNz" } }],
    ["a token in the URL only", { suffix: "?token=" }],
  ])("closes with 4401 on %s, before any subscription starts", async (_name, options) => {
    const user = await registerUser(server);
    const suffix =
      options.suffix === undefined ? undefined : `${options.suffix}${user.accessToken}`;
    const live = connect({ ...options, suffix });
    const stream = subscribe(live, TASK_EVENTS);
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4401, reason: "Unauthorized" });
    expect(stream.events).toEqual([]);
  });

  it("closes with 4401 when the token's session was revoked before connecting", async () => {
    const user = await registerUser(server);
    await server.gql(`mutation { logout }`, {}, { token: user.accessToken });
    const live = connect({ token: user.accessToken });
    expect(await live.closed).toMatchObject({ code: 4401 });
  });

  it("refuses queries and mutations over the socket: sign-in stays on HTTP", async () => {
    const user = await registerUser(server);
    const live = connect({ token: user.accessToken });
    const login = subscribe(
      live,
      `mutation { login(input: { email: "${user.email}", password: "${user.password}" }) { accessToken } }`,
    );
    const me = subscribe(live, `{ me { id } }`);
    await Promise.all([login.ended, me.ended]);
    for (const stream of [login, me]) {
      expect(stream.events).toEqual([]);
      expect(stream.errors).toEqual([
        expect.objectContaining({ extensions: { code: "BAD_REQUEST" } }),
      ]);
    }
  });

  it("answers a subscription sent over HTTP with BAD_REQUEST", async () => {
    const user = await registerUser(server);
    const response = await server.gql(
      `subscription { taskEvents { taskId } }`,
      {},
      { token: user.accessToken },
    );
    expect(response.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining("WebSocket"),
        extensions: { code: "BAD_REQUEST" },
      }),
    ]);
  });

  it("closes a browser socket from an origin off CORS_ORIGINS with 4403", async () => {
    const user = await registerUser(server);
    const live = connect({ token: user.accessToken, origin: "https://evil.example" });
    expect(await live.closed).toMatchObject({ code: 4403 });
  });

  it("accepts a browser socket from an origin on CORS_ORIGINS, and from the server's own", async () => {
    const user = await registerUser(server);
    const listed = connect({ token: user.accessToken, origin: "https://app.example" });
    const own = connect({ token: user.accessToken, origin: server.url });
    await expect(listed.acknowledged).resolves.toBeUndefined();
    await expect(own.acknowledged).resolves.toBeUndefined();
  });
});
