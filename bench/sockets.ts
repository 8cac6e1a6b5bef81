import { DEFAULT_SUBSCRIPTION_LIMITS } from "../src/subscriptions/close-codes";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { at, postGraphQL } from "./load";
import type { ServerProcess } from "./server";

/**
 * Idle authenticated subscription sockets on one instance: how many it holds and what each costs
 * in resident memory, and how long a revocation takes to close sockets while they are open.
 * Raw `ws` sockets speaking graphql-transport-ws, each acknowledged and holding one `taskEvents`
 * subscription, all opened from this process.
 */

const REGISTER =
  "mutation Register($input: RegisterInput!) { register(input: $input) { accessToken } }";
const LOGOUT = "mutation { logout }";
const OPEN_CONCURRENCY = 50;
const ACK_TIMEOUT_MILLIS = 10_000;
const CLOSE_TIMEOUT_MILLIS = 10_000;

/** The server's default maxSocketsPerSession (src/subscriptions/close-codes.ts). */
const SOCKETS_PER_SESSION = DEFAULT_SUBSCRIPTION_LIMITS.maxSocketsPerSession;

export interface SocketFigures {
  readonly sockets: number;
  readonly openMillis: number;
  readonly rssBefore?: number;
  readonly rssAfter?: number;
  /** Logout of one session among the open sockets, to its socket's close. */
  readonly oneClosedMillis: number;
  /** Logout of a session holding the most sockets one may (50), to the last of them closing. */
  readonly allClosedMillis: number;
  /** How many sockets that session held. */
  readonly fullSession: number;
}

async function accessToken(url: string): Promise<string> {
  const input = { email: `ws-${randomUUID()}@example.com`, password: randomUUID() };
  const reply = await postGraphQL(url, JSON.stringify({ query: REGISTER, variables: { input } }));
  const token = at(reply.body, ["data", "register", "accessToken"]);
  if (typeof token !== "string") throw new Error(`register failed: ${reply.text}`);
  return token;
}

interface OpenSocket {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; at: number }>;
}

function openSocket(url: string, token: string): Promise<OpenSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.once("close", (code) => resolve({ code, at: performance.now() })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("no connection_ack in time")),
      ACK_TIMEOUT_MILLIS,
    );
    ws.once("error", reject);
    ws.once("open", () =>
      ws.send(
        JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }),
      ),
    );
    ws.on("message", (data: Buffer) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type !== "connection_ack") return;
      ws.send(
        JSON.stringify({
          id: "1",
          type: "subscribe",
          payload: { query: "subscription { taskEvents { kind taskId } }" },
        }),
      );
      clearTimeout(timer);
      resolve({ ws, closed });
    });
    void closed.then(({ code }) => reject(new Error(`closed with ${code} before connection_ack`)));
  });
}

async function openMany(url: string, token: string, count: number): Promise<OpenSocket[]> {
  const sockets: OpenSocket[] = [];
  for (let start = 0; start < count; start += OPEN_CONCURRENCY) {
    const batch = Math.min(OPEN_CONCURRENCY, count - start);
    sockets.push(
      ...(await Promise.all(Array.from({ length: batch }, () => openSocket(url, token)))),
    );
  }
  return sockets;
}

async function closedWithin<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("sockets did not close in time")),
      CLOSE_TIMEOUT_MILLIS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runSocketBenchmark(
  server: ServerProcess,
  count: number,
): Promise<SocketFigures> {
  // A session may hold SOCKETS_PER_SESSION sockets on an instance: the others are spread over
  // as many sessions as they need, one of them (`shared`) full.
  const others = count - 1;
  const sessions = await Promise.all(
    Array.from({ length: Math.ceil(others / SOCKETS_PER_SESSION) }, () => accessToken(server.url)),
  );
  const shared = sessions[0];
  const single = await accessToken(server.url);
  // Let the server settle after the sign-ups before the baseline.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rssBefore = server.residentBytes();
  const openStarted = performance.now();
  const groups: OpenSocket[][] = [];
  for (let i = 0; i < sessions.length; i++) {
    const size = Math.min(SOCKETS_PER_SESSION, others - i * SOCKETS_PER_SESSION);
    groups.push(await openMany(server.url, sessions[i], size));
  }
  const sockets = groups[0] ?? [];
  const [one] = await openMany(server.url, single, 1);
  const openMillis = performance.now() - openStarted;
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const rssAfter = server.residentBytes();

  const singleStarted = performance.now();
  await postGraphQL(server.url, JSON.stringify({ query: LOGOUT }), {
    authorization: `Bearer ${single}`,
  });
  const oneClosed = await closedWithin(one.closed);
  if (oneClosed.code !== 4401) throw new Error(`the revoked socket closed with ${oneClosed.code}`);

  const allStarted = performance.now();
  await postGraphQL(server.url, JSON.stringify({ query: LOGOUT }), {
    authorization: `Bearer ${shared}`,
  });
  const closes = await closedWithin(Promise.all(sockets.map((socket) => socket.closed)));
  const unexpected = closes.filter(({ code }) => code !== 4401).length;
  if (unexpected > 0) throw new Error(`${unexpected} sockets closed with a code other than 4401`);
  return {
    sockets: count,
    openMillis,
    rssBefore,
    rssAfter,
    oneClosedMillis: oneClosed.at - singleStarted,
    allClosedMillis: Math.max(...closes.map((close) => close.at)) - allStarted,
    fullSession: sockets.length,
  };
}
