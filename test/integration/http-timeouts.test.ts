import { connect, type Socket } from "node:net";
import { CapturedLog } from "../support/captured-log";
import { databaseKinds } from "../support/databases";
import { ME_ID } from "../support/documents";
import { registerUser } from "../support/factories";
import { startTestServer, type TestServer } from "../support/test-server";
import { sleep } from "../support/time";

/** A client connection that records what the server sent and when the server closed it. */
interface Watched {
  readonly socket: Socket;
  readonly closed: Promise<{ afterMs: number; received: string }>;
}

async function open(url: string): Promise<Watched> {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const opened = performance.now();
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  // A reset by the server is a close like any other here.
  socket.on("error", () => undefined);
  const closed = new Promise<{ afterMs: number; received: string }>((resolve) =>
    socket.once("close", () => resolve({ afterMs: performance.now() - opened, received })),
  );
  return { socket, closed };
}

/** Writes `text` one byte per `everyMs` until the socket closes; never finishes on its own. */
function trickle(socket: Socket, text: string, everyMs = 100): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || socket.writableEnded) {
      clearInterval(timer);
      return;
    }
    socket.write(text[at % text.length]);
    at++;
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
}

async function meStatus(server: TestServer, token: string): Promise<number> {
  return (await server.gql(ME_ID, {}, { token })).status;
}

const POST_HEAD = (length: number) =>
  "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
  `Content-Length: ${length}\r\n\r\n`;

// The HTTP layer never reaches the database: one database kind is enough.
const [kind] = databaseKinds();

describe("HTTP server timeouts", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: {
        // Each far enough from the others that the test can tell which one closed a socket.
        HTTP_HEADERS_TIMEOUT: "1s",
        HTTP_REQUEST_TIMEOUT: "4s",
        HTTP_KEEP_ALIVE_TIMEOUT: "1s",
        HTTP_IDLE_TIMEOUT: "2s",
      },
    });
  });
  afterAll(() => server.close());

  it("closes a connection whose headers trickle in byte by byte, with 408, and serves others", async () => {
    const user = await registerUser(server);
    const slow = await Promise.all(Array.from({ length: 50 }, () => open(server.url)));
    for (const { socket } of slow) trickle(socket, "GET /healthz HTTP/1.1\r\nX-Padding: aaaaaaaa");
    expect(await meStatus(server, user.accessToken)).toBe(200);

    const results = await Promise.all(slow.map(({ closed }) => closed));
    for (const { afterMs, received } of results) {
      // Headers timeout 1 s, checked every 500 ms: closed in 1 to 1.5 s (with slack for a
      // loaded machine), long before the 4 s request timeout.
      expect(afterMs).toBeGreaterThanOrEqual(900);
      expect(afterMs).toBeLessThan(3_000);
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
    }
    expect(await meStatus(server, user.accessToken)).toBe(200);
  });

  it("closes a request whose body trickles in forever, with 408, at the request timeout", async () => {
    const client = await open(server.url);
    client.socket.write(POST_HEAD(100_000));
    trickle(client.socket, '{"query":"{ __typename }"                    ');
    const { afterMs, received } = await client.closed;
    expect(afterMs).toBeGreaterThanOrEqual(3_900);
    expect(afterMs).toBeLessThan(6_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("closes a connection that opens and sends nothing", async () => {
    const client = await open(server.url);
    const { afterMs } = await client.closed;
    expect(afterMs).toBeGreaterThanOrEqual(900);
    expect(afterMs).toBeLessThan(3_000);
  });

  it("closes a connection that goes silent in the middle of a request, at the idle timeout", async () => {
    const client = await open(server.url);
    client.socket.write(POST_HEAD(1_000) + '{"query":');
    const { afterMs, received } = await client.closed;
    // Before the 4 s request timeout, and without an answer: the socket is simply dropped.
    expect(afterMs).toBeGreaterThanOrEqual(1_900);
    expect(afterMs).toBeLessThan(3_800);
    expect(received).toBe("");
  });

  it("closes a kept-alive connection left idle after its response", async () => {
    const client = await open(server.url);
    client.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    const { afterMs, received } = await client.closed;
    expect(received).toMatch(/^HTTP\/1\.1 200 [\s\S]*Keep-Alive: timeout=1/);
    // Node waits one second past the advertised keep-alive timeout before it closes.
    expect(afterMs).toBeGreaterThanOrEqual(1_900);
    expect(afterMs).toBeLessThan(4_500);
  });
});

describe("many idle connections", () => {
  jest.setTimeout(60_000);
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { env: { HTTP_HEADERS_TIMEOUT: "6s" } });
  });
  afterAll(() => server.close());

  it("are harmless to other requests, and closed by the server within the bound", async () => {
    const user = await registerUser(server);
    const idle: Watched[] = [];
    for (let batch = 0; batch < 20; batch++) {
      idle.push(...(await Promise.all(Array.from({ length: 100 }, () => open(server.url)))));
    }
    // All 2,000 are open (none closed yet) while these are served.
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      expect(await meStatus(server, user.accessToken)).toBe(200);
      latencies.push(performance.now() - started);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(idle.filter(({ socket }) => socket.destroyed)).toHaveLength(0);
    // Generous for a loaded machine; a server choking on 2,000 sockets would take seconds.
    expect(Math.max(...latencies)).toBeLessThan(1_000);

    const closed = await Promise.all(idle.map(({ closed }) => closed));
    expect(Math.max(...closed.map(({ afterMs }) => afterMs))).toBeLessThan(12_000);
  });
});

describe("the connection bound", () => {
  let server: TestServer;
  const log = new CapturedLog("warn");
  beforeAll(async () => {
    server = await startTestServer(kind, {
      logger: log.logger,
      env: { HTTP_MAX_CONNECTIONS: "30", HTTP_KEEP_ALIVE_TIMEOUT: "60s" },
    });
  });
  afterAll(() => server.close());

  it("refuses connections past it, and frees idle kept-alive ones for the next", async () => {
    // Thirty kept-alive connections, each idle after one request: the bound is reached.
    const kept = await Promise.all(Array.from({ length: 30 }, () => open(server.url)));
    for (const { socket } of kept) {
      socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    }
    await sleep(200);

    const refused = await open(server.url);
    expect((await refused.closed).received).toBe("");
    // Refusing it closed the idle ones, so the next client gets in.
    const results = await Promise.all(kept.map(({ closed }) => closed));
    expect(results.every(({ received }) => /^HTTP\/1\.1 200 /.test(received))).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const warnings = log.lines().filter((line) => line.maxConnections === 30);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, dropped: 1 });
  });
});
