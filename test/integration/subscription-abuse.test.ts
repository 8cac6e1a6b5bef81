import WebSocket from "ws";
import { databaseKinds } from "../support/databases";
import { registerUser } from "../support/factories";
import { wsUrl } from "../support/subscriptions";
import { startTestServer, type TestServer } from "../support/test-server";

/**
 * What a socket may not do, each answered with its documented close code while the server goes
 * on answering HTTP (README, "Subscriptions"). Raw `ws` sockets, to send what no client would.
 */

const LIMITS = {
  connectionInitTimeoutMs: 300,
  maxPayloadBytes: 4096,
  maxSubscriptionsPerSocket: 3,
  messagesPerSecond: 10,
  maxSocketsPerSession: 3,
};

interface RawSocket {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
}

function open(
  server: TestServer,
  protocol: string | null = "graphql-transport-ws",
): Promise<RawSocket> {
  const ws = new WebSocket(wsUrl(server.url), protocol === null ? [] : protocol);
  const messages: Array<Record<string, unknown>> = [];
  ws.on("message", (data: Buffer) => messages.push(JSON.parse(String(data)) as never));
  ws.on("error", () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return new Promise((resolve, reject) => {
    ws.once("open", () =>
      resolve({
        ws,
        messages,
        closed,
        send: (message) => ws.send(typeof message === "string" ? message : JSON.stringify(message)),
      }),
    );
    ws.once("error", reject);
  });
}

async function acknowledged(socket: RawSocket, token: string): Promise<void> {
  socket.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
  for (let i = 0; i < 100 && !socket.messages.some((m) => m.type === "connection_ack"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(socket.messages).toContainEqual({ type: "connection_ack" });
}

const subscribeMessage = (id: string) => ({
  id,
  type: "subscribe",
  payload: { query: "subscription { taskEvents { taskId } }" },
});

describe.each(databaseKinds())("bad input on a subscription socket, on $name", (kind) => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer(kind, { subscriptionLimits: LIMITS });
    token = (await registerUser(server)).accessToken;
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    // Whatever the socket did, HTTP goes on answering.
    const response = await server.gql(`{ me { id } }`, {}, { token });
    expect(response.body.errors).toBeUndefined();
  });

  it("closes a socket that sends no connection_init with 4408", async () => {
    const socket = await open(server);
    expect(await socket.closed).toEqual({
      code: 4408,
      reason: "Connection initialisation timeout",
    });
  });

  it.each([
    ["not JSON", "{nope"],
    ["an unknown message type", { type: "hello" }],
    ["a subscribe without an id", { type: "subscribe", payload: { query: "{}" } }],
    ["a binary frame", Buffer.from([0xde, 0xad, 0xbe, 0xef])],
  ])("closes with 4400 on %s", async (_name, message) => {
    const socket = await open(server);
    await acknowledged(socket, token);
    if (Buffer.isBuffer(message)) socket.ws.send(message);
    else socket.send(message);
    expect(await socket.closed).toMatchObject({ code: 4400 });
  });

  it("closes with 4401 on a subscribe before connection_ack", async () => {
    const socket = await open(server);
    socket.send(subscribeMessage("1"));
    expect(await socket.closed).toMatchObject({ code: 4401 });
  });

  it("closes with 4429 on a second connection_init", async () => {
    const socket = await open(server);
    await acknowledged(socket, token);
    socket.send({ type: "connection_init", payload: { authorization: `Bearer ${token}` } });
    expect(await socket.closed).toMatchObject({ code: 4429 });
  });

  it("closes with 1009 on a message over the size bound", async () => {
    const socket = await open(server);
    await acknowledged(socket, token);
    socket.send({ ...subscribeMessage("1"), padding: "x".repeat(LIMITS.maxPayloadBytes) });
    expect(await socket.closed).toMatchObject({ code: 1009 });
  });

  it("closes with 4429 past the subscriptions a socket may hold", async () => {
    const socket = await open(server);
    await acknowledged(socket, token);
    for (let id = 1; id <= LIMITS.maxSubscriptionsPerSocket + 1; id++) {
      socket.send(subscribeMessage(String(id)));
    }
    expect(await socket.closed).toEqual({ code: 4429, reason: "Too many subscriptions" });
  });

  it("closes with 4429 a socket past the sockets one session may hold, keeping the others", async () => {
    const session = await registerUser(server);
    const held = [];
    for (let i = 0; i < LIMITS.maxSocketsPerSession; i++) {
      const socket = await open(server);
      await acknowledged(socket, session.accessToken);
      held.push(socket);
    }
    const extra = await open(server);
    extra.send({
      type: "connection_init",
      payload: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(await extra.closed).toEqual({ code: 4429, reason: "Too many sockets for this session" });
    expect(held.every((socket) => socket.ws.readyState === WebSocket.OPEN)).toBe(true);
    // Another session is not affected.
    const other = await open(server);
    await acknowledged(other, token);
    for (const socket of [...held, other]) socket.ws.close();
  });

  it("closes with 4429 past the messages a socket may send per second", async () => {
    const socket = await open(server);
    await acknowledged(socket, token);
    for (let i = 0; i < LIMITS.messagesPerSecond * 3; i++) socket.send({ type: "ping" });
    expect(await socket.closed).toEqual({ code: 4429, reason: "Too many messages" });
  });

  it("closes with 4409 on an operation id already in use", async () => {
    const socket = await open(server);
    await acknowledged(socket, token);
    socket.send(subscribeMessage("same"));
    socket.send(subscribeMessage("same"));
    expect(await socket.closed).toMatchObject({ code: 4409 });
  });

  it("closes with 4406 without the graphql-transport-ws subprotocol", async () => {
    // None offered (subscriptions-transport-ws' "graphql-ws" alone fails the handshake).
    const socket = await open(server, null);
    expect(await socket.closed).toMatchObject({ code: 4406 });
  });

  it("answers a GraphQL error, not a close, to a document that does not validate", async () => {
    const socket = await open(server);
    await acknowledged(socket, token);
    socket.send({ id: "1", type: "subscribe", payload: { query: "subscription { nope }" } });
    for (let i = 0; i < 100 && socket.messages.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(socket.messages[1]).toMatchObject({
      id: "1",
      type: "error",
      payload: [expect.objectContaining({ extensions: { code: "GRAPHQL_VALIDATION_FAILED" } })],
    });
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.ws.close();
  });

  it("refuses an upgrade on another path with 404", async () => {
    const ws = new WebSocket(
      `${server.url.replace("http", "ws")}/elsewhere`,
      "graphql-transport-ws",
    );
    const error = await new Promise<Error>((resolve) => ws.once("error", resolve));
    expect(error.message).toMatch(/404/);
  });
});
