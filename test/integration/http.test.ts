import { connect } from "node:net";
import { databaseKinds } from "../support/databases";
import { LOGIN, ME } from "../support/documents";
import { TcpProxy } from "../support/tcp-proxy";
import { registerUser } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

describe.each(databaseKinds())("HTTP surface ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  it("answers liveness and readiness", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("publishes an empty key set with HS256", async () => {
    const response = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [] });
  });

  it("marks GraphQL responses as never to be cached", async () => {
    const response = await server.gql(ME);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("answers a body that is not JSON with 400 and no stack trace", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      errors: [
        { message: "The request body is not valid JSON.", extensions: { code: "BAD_REQUEST" } },
      ],
    });
  });

  it("refuses an oversized body with 413 before parsing it", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ me { id } }`, padding: "x".repeat(200_000) }),
    });
    expect(response.status).toBe(413);
    expect(
      ((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]
        .extensions.code,
    ).toBe("PAYLOAD_TOO_LARGE");
  });

  it("blocks a simple cross-site GET (CSRF prevention) and serves one with a preflight header", async () => {
    const query = encodeURIComponent("{ __typename }");
    const simple = await fetch(`${server.url}/graphql?query=${query}`);
    expect(simple.status).toBe(400);
    const preflighted = await fetch(`${server.url}/graphql?query=${query}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(preflighted.status).toBe(200);
  });

  it("serves queries over GET with a bearer token", async () => {
    const user = await registerUser(server);
    const response = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent("{ me { id } }")}`,
      {
        headers: {
          authorization: `Bearer ${user.accessToken}`,
          "apollo-require-preflight": "true",
        },
      },
    );
    expect(await response.json()).toEqual({ data: { me: { id: user.id } } });
  });

  it("answers a request whose Host header no URL can hold, and its query string still counts", async () => {
    // `Host: a b` cannot be the host of any URL: a handler that builds one from it throws.
    const { port } = new URL(server.url);
    const query = encodeURIComponent("{ __typename }");
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () => {
        socket.end(
          `GET /graphql?query=${query} HTTP/1.1\r\nHost: a b\r\n` +
            "apollo-require-preflight: true\r\nConnection: close\r\n\r\n",
        );
      });
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(raw.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(raw).toContain('{"data":{"__typename":"Query"}}');
  });

  it("answers unknown paths with a JSON 404", async () => {
    const response = await fetch(`${server.url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
  });

  it("never includes stack traces in errors", async () => {
    const responses = await Promise.all([
      server.gql("{ me { nope } }"),
      server.gql("{ me "),
      server.gql(ME, {}, { token: "a.b.c" }),
      server.gql(`query($id: ID!) { task(id: $id) { id } }`, { id: 5 }),
    ]);
    for (const response of responses) {
      expect(response.body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|\bat .+\.(js|ts):\d+/);
    }
  });
});

describe.each(databaseKinds())("when the database goes away ($name)", (kind) => {
  let server: TestServer;
  let proxy: TcpProxy | undefined;
  /** MySQL goes away behind a proxy; an SQLite file cannot, so its connection is closed instead. */
  let takeDown: () => Promise<void>;
  let bringBack: (() => Promise<unknown>) | undefined;

  beforeAll(async () => {
    if (kind.name === "mysql") {
      const target = new URL(process.env.TEST_MYSQL_URL!);
      const tcpProxy = await new TcpProxy(target.hostname, Number(target.port || 3306)).start();
      proxy = tcpProxy;
      server = await startTestServer(kind, {
        databaseUrl: (url) => {
          const routed = new URL(url);
          routed.hostname = "127.0.0.1";
          routed.port = String(tcpProxy.port);
          return routed.toString();
        },
      });
      takeDown = () => tcpProxy.cut();
      bringBack = () => tcpProxy.restore();
    } else {
      server = await startTestServer(kind);
      takeDown = () => server.app.dataSource.destroy();
    }
  });
  afterAll(async () => {
    // Back up first, so the server can close its pool cleanly; then the proxy goes for good.
    await proxy?.restore();
    await server.close();
    await proxy?.close();
  });

  it("fails closed with SERVICE_UNAVAILABLE (503), token checks included, and recovers", async () => {
    const user = await registerUser(server);
    await takeDown();

    const me = await server.gql(ME, {}, { token: user.accessToken });
    expect(me.status).toBe(503);
    expect(errorCode(me)).toBe("SERVICE_UNAVAILABLE");
    // No data: refused while authenticating (the session cannot be looked up), or by `me` itself.
    expect(me.body.data ?? null).toBeNull();

    const login = await server.gql(LOGIN, {
      input: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(503);
    expect(errorCode(login)).toBe("SERVICE_UNAVAILABLE");
    expect(JSON.stringify(login.body)).not.toContain(user.password);

    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    // Past the revocation view's one-second bound, even a query that needs no database is
    // refused to a token holder: the token might have been revoked meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const stale = await server.gql("{ __typename }", {}, { token: user.accessToken });
    expect(stale.status).toBe(503);
    expect(errorCode(stale)).toBe("SERVICE_UNAVAILABLE");
    expect((await server.gql("{ __typename }")).status).toBe(200);

    if (bringBack) {
      await bringBack();
      const deadline = Date.now() + 3_000;
      while ((await server.gql("{ __typename }", {}, { token: user.accessToken })).status !== 200) {
        if (Date.now() > deadline) throw new Error("the revocation view did not recover");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const again = await server.gql<{ me: { id: string } }>(ME, {}, { token: user.accessToken });
      expect(again.body.data?.me.id).toBe(user.id);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    }
  });
});
