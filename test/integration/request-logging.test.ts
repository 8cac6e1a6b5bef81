import { CapturedLog } from "../support/captured-log";
import { ControlledHasher } from "../support/controlled-hasher";
import { databaseKinds } from "../support/databases";
import { ME_ID, REGISTER } from "../support/documents";
import { DEFAULT_PASSWORD, uniqueEmail } from "../support/factories";
import { sleep } from "../support/time";
import { startTestServer, type TestServer } from "../support/test-server";

const SLOW_MS = 150;

describe.each(databaseKinds())("the request log over HTTP ($name)", (kind) => {
  let server: TestServer;
  let log: CapturedLog;
  let hasher: ControlledHasher;

  beforeAll(async () => {
    log = new CapturedLog("info");
    hasher = new ControlledHasher();
    server = await startTestServer(kind, {
      logger: log.logger,
      hasher,
      env: {
        LOG_SAMPLE_RATE: "0",
        LOG_SLOW_REQUEST: `${SLOW_MS}ms`,
        PASSWORD_HASH_CONCURRENCY: "1",
        PASSWORD_HASH_QUEUE: "0",
      },
    });
  });
  afterAll(() => server.close());

  const linesOf = (requestId: string) =>
    log.lines().filter((line) => line.requestId === requestId && line.req !== undefined);
  const headers = (requestId: string) => ({ headers: { "x-request-id": requestId } });
  const register = (requestId: string) =>
    server.gql(
      REGISTER,
      { input: { email: uniqueEmail("logged"), password: DEFAULT_PASSWORD } },
      headers(requestId),
    );

  it("writes no line for fast successes when none are sampled", async () => {
    const ok = await server.gql("{ __typename }", {}, headers("fast-ok"));
    expect(ok.status).toBe(200);
    expect((await fetch(`${server.url}/healthz`, headers("probe"))).status).toBe(200);
    expect(linesOf("fast-ok")).toEqual([]);
    expect(linesOf("probe")).toEqual([]);
  });

  it("writes a 5xx at error and a slow request at warn, each with its request id", async () => {
    const slow = register("slow-register");
    while (hasher.running === 0) await sleep(5);
    const refused = await register("refused-register");
    expect(refused.status).toBe(503);
    await sleep(SLOW_MS + 20);
    hasher.finishAll();
    expect((await slow).status).toBe(200);

    expect(linesOf("refused-register")).toEqual([
      expect.objectContaining({
        level: 50,
        req: { method: "POST", url: "/graphql" },
        res: { statusCode: 503 },
        msg: "request completed",
      }),
    ]);
    const [slowLine, ...others] = linesOf("slow-register");
    expect(others).toEqual([]);
    expect(slowLine).toMatchObject({ level: 40, res: { statusCode: 200 } });
    expect(slowLine.responseTime).toBeGreaterThanOrEqual(SLOW_MS);
  });

  it("writes a refused bearer token (401) and a 404, at info", async () => {
    const refused = await server.gql(ME_ID, {}, { token: "not-a-token", ...headers("bad-token") });
    expect(refused.status).toBe(401);
    const missing = await fetch(`${server.url}/nope`, headers("not-found"));
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toBe("not-found");
    expect(linesOf("bad-token")).toEqual([
      expect.objectContaining({ level: 30, res: { statusCode: 401 } }),
    ]);
    expect(linesOf("not-found")).toEqual([
      expect.objectContaining({ level: 30, req: { method: "GET", url: "/nope" } }),
    ]);
    expect(log.text()).not.toContain("not-a-token");
  });

  it("keeps every audit line whatever the sample", async () => {
    hasher.finishAll();
    const response = await register("audited-register");
    expect(response.status).toBe(200);
    expect(linesOf("audited-register")).toEqual([]);
    expect(log.auditLines().filter((line) => line.requestId === "audited-register")).toMatchObject([
      { event: "register.succeeded" },
    ]);
  });
});
