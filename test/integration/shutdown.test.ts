import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseKinds, type TestDatabase } from "../support/databases";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { cleanEnv, startServerProcess, type ServerProcess } from "../support/processes";
import { sleep } from "../support/time";

/** Resolves with the error code when a new TCP connection is refused, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

function readResponse(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.once("end", () => resolve(text));
    socket.once("error", reject);
  });
}

describe.each(databaseKinds())("graceful shutdown on SIGTERM ($name)", (kind) => {
  jest.setTimeout(60_000);
  let cwd: string;
  let database: TestDatabase;
  let server: ServerProcess;

  beforeEach(async () => {
    cwd = mkdtempSync(join(tmpdir(), "gql-jwt-shutdown-"));
    database = await kind.create();
    server = await startServerProcess(
      cwd,
      cleanEnv({
        DATABASE_URL: kind.name === "sqlite" ? "sqlite:./app.sqlite" : database.url,
        JWT_SECRET: "shutdown-test-secret-0123456789abcdefghij",
      }),
    );
  });
  afterEach(async () => {
    await server.stop("SIGKILL");
    await database.drop();
    rmSync(cwd, { recursive: true, force: true });
  });

  it("finishes a request in flight, refuses new connections, closes the database and exits 0", async () => {
    const port = Number(new URL(server.url).port);
    const email = uniqueEmail("draining");
    const body = JSON.stringify({
      query: `mutation($input: RegisterInput!) { register(input: $input) { user { email } } }`,
      variables: { input: { email, password: DEFAULT_PASSWORD } },
    });
    const half = Math.floor(body.length / 2);

    // A keep-alive client that has sent its headers and half its body: the request is in flight.
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const response = readResponse(socket);
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n` +
        body.slice(0, half),
    );
    await sleep(200);

    server.child.kill("SIGTERM");
    const deadline = Date.now() + 5_000;
    while ((await tryConnect(port)) === "connected") {
      if (Date.now() > deadline) throw new Error("the server kept accepting connections");
      await sleep(20);
    }
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
    expect(server.child.exitCode).toBeNull();

    socket.write(body.slice(half));
    const sent = Date.now();
    const text = await response;
    // The connection is closed once the response is out, not at its keep-alive timeout (5 s).
    expect(Date.now() - sent).toBeLessThan(2_000);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain(JSON.stringify({ data: { register: { user: { email } } } }));

    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output()).toContain("stopped: requests drained, database closed");
    if (kind.name === "sqlite") {
      // better-sqlite3 folds the WAL back into the file and deletes it only on a clean close.
      expect(existsSync(join(cwd, "app.sqlite"))).toBe(true);
      expect(existsSync(join(cwd, "app.sqlite-wal"))).toBe(false);
    }
  });
});
