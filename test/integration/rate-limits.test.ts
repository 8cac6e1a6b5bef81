import { createHash, randomBytes, randomUUID } from "node:crypto";
import pino from "pino";
import type { RateLimiter } from "../../src/rate-limit/rate-limiter";
import { Argon2PasswordHasher } from "../../src/users/password-hasher";
import { databaseKinds } from "../support/databases";
import { LOGIN, REFRESH, REGISTER } from "../support/documents";
import { DEFAULT_PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { fakeDate } from "../support/fake-date";
import { TcpProxy } from "../support/tcp-proxy";
import { startTwoInstances, stopTwoInstances, type TwoInstances } from "../support/instances";
import {
  errorCode,
  type GraphQLResponse,
  postGraphQL,
  startTestServer,
  type TestServer,
} from "../support/test-server";

/**
 * Sign-in and refresh attempts are counted per operation (aliases and batched operations too),
 * per account or session and per client address, in counters every instance shares; over a
 * limit the request gets HTTP 429, TOO_MANY_REQUESTS and Retry-After, before any resolver runs.
 */

const WINDOW_SECONDS = 600;
const WRONG_PASSWORD = "not the right password";

/** Small limits; each test raises or lowers the one it is about. */
function limits(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    RATE_LIMIT_WINDOW: `${WINDOW_SECONDS}s`,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "1000",
    RATE_LIMIT_LOGIN_PER_ADDRESS: "1000",
    RATE_LIMIT_REFRESH_PER_SESSION: "1000",
    RATE_LIMIT_REFRESH_PER_ADDRESS: "1000",
    ...overrides,
  };
}

const loginInput = (email: string, password = WRONG_PASSWORD) => ({ input: { email, password } });

/** A login as the client at `address` (honoured only under TRUST_PROXY). */
function loginFrom(server: TestServer, email: string, address?: string) {
  return server.gql(LOGIN, loginInput(email), {
    headers: address ? { "x-forwarded-for": address } : {},
  });
}

function expectTooManyRequests(response: GraphQLResponse<unknown>): void {
  expect(response.status).toBe(429);
  expect(errorCode(response)).toBe("TOO_MANY_REQUESTS");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(response.body.data ?? null).toBeNull();
}

function expectCounted(response: GraphQLResponse<unknown>): void {
  expect(response.status).toBe(200);
  expect(errorCode(response)).toBe("UNAUTHENTICATED");
}

/** POSTs several operations in one request, as Apollo Client's batch link does. */
async function postBatch(
  server: TestServer,
  operations: Array<{ query: string; variables?: Record<string, unknown> }>,
) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(operations),
  });
  const body = (await response.json()) as GraphQLResponse["body"][];
  return { status: response.status, headers: response.headers, body };
}

/** A hasher that counts verifications: a refused document must cost none. */
function countingHasher() {
  const hasher = new Argon2PasswordHasher();
  const verify = jest.spyOn(hasher, "verify");
  return { hasher, verifications: () => verify.mock.calls.length };
}

const ALIASED_LOGINS = (count: number) =>
  `mutation Guess($input: LoginInput!) { ${Array.from(
    { length: count },
    (_, index) => `guess${index}: login(input: $input) { accessToken }`,
  ).join(" ")} }`;

describe.each(databaseKinds())("rate limits on %s", (kind) => {
  describe("per account", () => {
    let server: TestServer;
    const counting = countingHasher();

    beforeAll(async () => {
      server = await startTestServer(kind, {
        hasher: counting.hasher,
        env: limits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "2", TRUST_PROXY: "loopback" }),
      });
    });
    afterAll(() => server.close());

    it("counts an account's attempts from every address together", async () => {
      const email = uniqueEmail("victim");
      expectCounted(await loginFrom(server, email, "203.0.113.1"));
      expectCounted(await loginFrom(server, email, "203.0.113.2"));
      expectTooManyRequests(await loginFrom(server, email, "203.0.113.3"));
      // The same account however its email is spelled, as accounts are looked up.
      expectTooManyRequests(await loginFrom(server, `  ${email.toUpperCase()} `, "203.0.113.4"));
      // Other accounts are untouched.
      expectCounted(await loginFrom(server, uniqueEmail(), "203.0.113.3"));
    });

    it("refuses the correct password too once the account is over its limit", async () => {
      const user = await registerUser(server);
      expectCounted(await server.gql(LOGIN, loginInput(user.email)));
      const refused = await server.gql(LOGIN, loginInput(user.email, DEFAULT_PASSWORD));
      expectTooManyRequests(refused);
    });

    it("counts each aliased login of one document, before any password is checked", async () => {
      const email = uniqueEmail();
      const before = counting.verifications();
      const refused = await server.gql(ALIASED_LOGINS(3), loginInput(email));
      expectTooManyRequests(refused);
      expect(counting.verifications()).toBe(before);
      // Aliases through a fragment and an inline fragment count the same way.
      const other = uniqueEmail();
      const spread = await server.gql(
        `mutation M($input: LoginInput!) { ...Guesses ... on Mutation { c: login(input: $input) { accessToken } } }
         fragment Guesses on Mutation { a: login(input: $input) { accessToken } b: login(input: $input) { accessToken } }`,
        loginInput(other),
      );
      expectTooManyRequests(spread);
      expect(counting.verifications()).toBe(before);
    });

    it("counts changePassword attempts per signed-in user", async () => {
      const user = await registerUser(server, { email: uniqueEmail("changer") });
      const change = (currentPassword: string) =>
        server.gql(
          'mutation($c: String!) { changePassword(currentPassword: $c, newPassword: "a brand new passphrase") }',
          { c: currentPassword },
          { token: user.accessToken },
        );
      const before = counting.verifications();
      expect(errorCode(await change("wrong guess one"))).toBe("BAD_USER_INPUT");
      expect(errorCode(await change("wrong guess two"))).toBe("BAD_USER_INPUT");
      expectTooManyRequests(await change(DEFAULT_PASSWORD));
      expect(counting.verifications()).toBe(before + 2);
    });

    it("counts register attempts in the same counter as logins", async () => {
      const email = uniqueEmail();
      expectCounted(await server.gql(LOGIN, loginInput(email)));
      const register = (password: string) =>
        server.gql(REGISTER, { input: { email, password: `${password} horse battery` } });
      expect((await register("correct")).status).toBe(200);
      expectTooManyRequests(await register("another"));
    });
  });

  describe("per client address", () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(kind, { env: limits({ RATE_LIMIT_LOGIN_PER_ADDRESS: "3" }) });
    });
    afterAll(() => server.close());

    it("counts an address's attempts on every account, and ignores X-Forwarded-For by default", async () => {
      // Without TRUST_PROXY the header is the client's own word: every request here is 127.0.0.1.
      expectCounted(await loginFrom(server, uniqueEmail(), "198.51.100.1"));
      expectCounted(await loginFrom(server, uniqueEmail(), "198.51.100.2"));
      expectCounted(await loginFrom(server, uniqueEmail(), "198.51.100.3"));
      expectTooManyRequests(await loginFrom(server, uniqueEmail(), "198.51.100.4"));
      expectTooManyRequests(await loginFrom(server, uniqueEmail()));
    });

    it("leaves other operations alone", async () => {
      const response = await server.gql("{ __typename }");
      expect(response.status).toBe(200);
      expect(response.body.data).toEqual({ __typename: "Query" });
    });
  });

  describe("behind a trusted proxy", () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(kind, {
        env: limits({ RATE_LIMIT_LOGIN_PER_ADDRESS: "2", TRUST_PROXY: "loopback" }),
      });
    });
    afterAll(() => server.close());

    it("counts by the address the proxy reports, and IPv6 clients by their /64", async () => {
      for (const address of ["192.0.2.10", "192.0.2.10"]) {
        expectCounted(await loginFrom(server, uniqueEmail(), address));
      }
      expectTooManyRequests(await loginFrom(server, uniqueEmail(), "192.0.2.10"));
      expectCounted(await loginFrom(server, uniqueEmail(), "192.0.2.11"));

      expectCounted(await loginFrom(server, uniqueEmail(), "2001:db8:1:2::1"));
      expectCounted(await loginFrom(server, uniqueEmail(), "2001:db8:1:2:ffff::9"));
      expectTooManyRequests(await loginFrom(server, uniqueEmail(), "2001:db8:1:2::abcd"));
      expectCounted(await loginFrom(server, uniqueEmail(), "2001:db8:1:3::1"));
    });
  });

  describe("batched operations", () => {
    let server: TestServer;
    const counting = countingHasher();

    beforeAll(async () => {
      server = await startTestServer(kind, {
        hasher: counting.hasher,
        env: limits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "2" }),
      });
    });
    afterAll(() => server.close());

    it("counts every operation of a batch, and answers the batch with 429", async () => {
      const email = uniqueEmail();
      const batch = await postBatch(
        server,
        [1, 2, 3].map(() => ({ query: LOGIN, variables: loginInput(email) })),
      );
      expect(batch.status).toBe(429);
      expect(Number(batch.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      const codes = batch.body.map((body) => body.errors?.[0]?.extensions?.code);
      expect(codes.filter((code) => code === "TOO_MANY_REQUESTS")).toHaveLength(1);
      expect(codes.filter((code) => code === "UNAUTHENTICATED")).toHaveLength(2);
      expectTooManyRequests(await server.gql(LOGIN, loginInput(email)));
    });

    it("keeps 429 when another operation of the batch fails with its own status", async () => {
      const email = uniqueEmail();
      const batch = await postBatch(server, [
        { query: ALIASED_LOGINS(3), variables: loginInput(email) },
        {
          query: "query Bad($skip: Boolean!) { __typename @skip(if: $skip) }",
          variables: { skip: 7 },
        },
      ]);
      expect(batch.status).toBe(429);
      expect(batch.body[0].errors?.[0]?.extensions?.code).toBe("TOO_MANY_REQUESTS");
      expect(batch.body[1].errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });
  });

  describe("refresh", () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(kind, {
        env: limits({ RATE_LIMIT_REFRESH_PER_SESSION: "2", RATE_LIMIT_REFRESH_PER_ADDRESS: "6" }),
      });
    });
    afterAll(() => server.close());

    it("counts a session's refreshes, whichever of its tokens they present", async () => {
      const user = await registerUser(server);
      const first = await server.gql<{ refresh: { refreshToken: string } }>(REFRESH, {
        refreshToken: user.refreshToken,
      });
      expect(first.body.data?.refresh.refreshToken).toBeDefined();
      const second = await server.gql(REFRESH, {
        refreshToken: first.body.data!.refresh.refreshToken,
      });
      expect(second.status).toBe(200);
      expect(errorCode(second)).toBeUndefined();
      expectTooManyRequests(
        await server.gql(
          REFRESH,
          {},
          { headers: { cookie: `refresh_token=${user.refreshToken}` } },
        ),
      );
      // Sign-in has counters of its own.
      expect((await server.gql(LOGIN, loginInput(user.email, DEFAULT_PASSWORD))).status).toBe(200);
    });

    it("counts refreshes per address, forged tokens included", async () => {
      const forged = () => `${randomUUID()}.${"a".repeat(43)}.${"b".repeat(43)}`;
      // Three refreshes so far from this address (the test above); three more reach the limit.
      for (let i = 0; i < 3; i++) {
        expectCounted(await server.gql(REFRESH, { refreshToken: forged() }));
      }
      expectTooManyRequests(await server.gql(REFRESH, { refreshToken: forged() }));
      expectTooManyRequests(await server.gql(REFRESH, { refreshToken: "garbage" }));
    });
  });

  describe("two instances on one database", () => {
    let a: TestServer;
    let b: TestServer;

    beforeAll(async () => {
      const env = limits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "3" });
      a = await startTestServer(kind, { env });
      b = await startTestServer(kind, { env, database: a.database, secret: a.secret });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
    });

    it("share the counters", async () => {
      const email = uniqueEmail();
      expectCounted(await a.gql(LOGIN, loginInput(email)));
      expectCounted(await b.gql(LOGIN, loginInput(email)));
      expectCounted(await a.gql(LOGIN, loginInput(email)));
      expectTooManyRequests(await b.gql(LOGIN, loginInput(email)));
      expectTooManyRequests(await a.gql(LOGIN, loginInput(email)));
    });

    it("let exactly the limit through when attempts race across instances", async () => {
      const email = uniqueEmail();
      const responses = await Promise.all(
        Array.from({ length: 8 }, (_, index) => (index % 2 ? a : b).gql(LOGIN, loginInput(email))),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
    });
  });

  if (kind.name === "mysql") {
    describe("a batch whose operations fail differently", () => {
      it("answers 429 even when another operation fails later with 503", async () => {
        const target = new URL(process.env.TEST_MYSQL_URL!);
        const proxy = await new TcpProxy(target.hostname, Number(target.port || 3306)).start();
        const refused = uniqueEmail("refused");
        const refusedBucket = `login:account:${createHash("sha256").update(refused).digest("hex")}`;
        // Refuses one account at once; lets the other through only after the database is cut, so
        // its resolver fails with 503 after the refusal has already set the shared status.
        const limiter: RateLimiter = {
          consume: async (bucket) => {
            if (bucket === refusedBucket) {
              return { allowed: false, hits: 1_000_000, msBeforeNext: 300_000 };
            }
            if (bucket.startsWith("login:account:")) await proxy.cut();
            return { allowed: true, hits: 1, msBeforeNext: 300_000 };
          },
          purgeExpired: () => Promise.resolve(0),
          start: () => Promise.resolve(),
          stop: () => Promise.resolve(),
        };
        const server = await startTestServer(kind, {
          rateLimiter: limiter,
          env: limits(),
          databaseUrl: (url) => {
            const proxied = new URL(url);
            proxied.host = `127.0.0.1:${proxy.port}`;
            return proxied.toString();
          },
        });
        try {
          const batch = await postBatch(server, [
            { query: LOGIN, variables: loginInput(refused) },
            { query: LOGIN, variables: loginInput(uniqueEmail()) },
          ]);
          expect(batch.body.map((body) => body.errors?.[0]?.extensions?.code)).toEqual([
            "TOO_MANY_REQUESTS",
            "SERVICE_UNAVAILABLE",
          ]);
          expect(batch.status).toBe(429);
          expect(Number(batch.headers.get("retry-after"))).toBeGreaterThan(200);
        } finally {
          await proxy.restore();
          await server.close();
          await proxy.close();
        }
      });
    });
  }

  describe("clean-up", () => {
    it("purges the counters of ended windows with the other expired rows", async () => {
      // The counters' windows run on Date.now() (rate-limiter-flexible's clock), and so does the
      // server's clock when none is injected: both move when the test says.
      const time = fakeDate();
      const server = await startTestServer(kind, { env: limits() });
      const count = async () => {
        const [row] = await server.app.dataSource.query<Array<{ n: number | string }>>(
          "SELECT COUNT(*) AS n FROM rate_limits",
        );
        return Number(row.n);
      };
      try {
        expectCounted(await server.gql(LOGIN, loginInput(uniqueEmail())));
        expect(await count()).toBe(2);
        await server.app.purge();
        expect(await count()).toBe(2);
        time.advance(WINDOW_SECONDS * 1000);
        await server.app.purge();
        expect(await count()).toBe(0);
      } finally {
        await server.close();
        time.restore();
      }
    });
  });

  describe("two server processes on one database", () => {
    let instances: TwoInstances | undefined;

    beforeAll(async () => {
      instances = await startTwoInstances(kind, limits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "2" }));
    }, 60_000);
    afterAll(() => stopTwoInstances(instances), 30_000);

    it("share the counters, and each refusal leaves an audit line without the email", async () => {
      const { a, b } = instances!;
      const email = uniqueEmail("processes");
      expectCounted(await postGraphQL(a.url, LOGIN, loginInput(email)));
      expectCounted(await postGraphQL(b.url, LOGIN, loginInput(email)));
      expectTooManyRequests(await postGraphQL(a.url, LOGIN, loginInput(email)));
      // The log line travels through a pipe, which may deliver it after the HTTP response.
      const auditLines = () =>
        a
          .output()
          .split("\n")
          .filter((line) => line.includes('"event":"rate_limited"'));
      for (let waited = 0; auditLines().length === 0 && waited < 2_000; waited += 25) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const audit = auditLines();
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0])).toMatchObject({
        audit: true,
        event: "rate_limited",
        operation: "login",
        scope: "account",
        msg: "rate_limited",
        requestId: expect.any(String) as unknown,
      });
      expect(a.output() + b.output()).not.toContain(email);
    });
  });

  describe("audit", () => {
    it("logs one audit line per refusal, without the email", async () => {
      const lines: Array<Record<string, unknown>> = [];
      const logger = pino(
        { level: "info", base: undefined },
        { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      );
      const server = await startTestServer(kind, {
        logger,
        env: limits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "1" }),
      });
      try {
        const email = uniqueEmail("audited");
        expectCounted(await server.gql(LOGIN, loginInput(email)));
        expectTooManyRequests(await server.gql(LOGIN, loginInput(email)));
        const audits = lines.filter((line) => line.event === "rate_limited");
        expect(audits).toEqual([
          expect.objectContaining({
            msg: "rate_limited",
            event: "rate_limited",
            requestId: expect.any(String) as unknown,
            operation: "login",
            scope: "account",
            clientAddress: expect.stringMatching(/127\.0\.0\.1$/) as unknown,
          }),
        ]);
        expect(JSON.stringify(lines)).not.toContain(email.split("@")[0]);
        expect(JSON.stringify(lines)).not.toContain(WRONG_PASSWORD);
      } finally {
        await server.close();
      }
    });
  });

  describe("when the counters cannot be reached", () => {
    it("refuses attempts with 503 and runs no resolver", async () => {
      const failing: RateLimiter = {
        consume: () => Promise.reject(new Error("store down")),
        purgeExpired: () => Promise.resolve(0),
        start: () => Promise.resolve(),
        stop: () => Promise.resolve(),
      };
      const counting = countingHasher();
      const server = await startTestServer(kind, {
        rateLimiter: failing,
        hasher: counting.hasher,
        env: limits(),
      });
      try {
        const before = counting.verifications();
        const response = await server.gql(LOGIN, loginInput(uniqueEmail()));
        expect(response.status).toBe(503);
        expect(errorCode(response)).toBe("SERVICE_UNAVAILABLE");
        expect(counting.verifications()).toBe(before);
        expect(response.body).not.toHaveProperty("errors.0.extensions.exception");
      } finally {
        await server.close();
      }
    });

    if (kind.name === "mysql") {
      it("refuses sign-in with 503 while the database is cut off, and counts again after", async () => {
        const target = new URL(process.env.TEST_MYSQL_URL!);
        const proxy = await new TcpProxy(target.hostname, Number(target.port || 3306)).start();
        const server = await startTestServer(kind, {
          env: limits({ RATE_LIMIT_LOGIN_PER_ACCOUNT: "1" }),
          databaseUrl: (url) => {
            const proxied = new URL(url);
            proxied.host = `127.0.0.1:${proxy.port}`;
            return proxied.toString();
          },
        });
        try {
          const email = uniqueEmail();
          expectCounted(await server.gql(LOGIN, loginInput(email)));
          await proxy.cut();
          const cut = await server.gql(LOGIN, loginInput(email));
          expect(cut.status).toBe(503);
          expect(errorCode(cut)).toBe("SERVICE_UNAVAILABLE");
          await proxy.restore();
          let after = await server.gql(LOGIN, loginInput(email));
          for (let i = 0; i < 20 && after.status === 503; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            after = await server.gql(LOGIN, loginInput(email));
          }
          expectTooManyRequests(after);
        } finally {
          await server.close();
          await proxy.close();
        }
      });
    }
  });
});

describe("rate limits in Redis", () => {
  const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const [kind] = databaseKinds();

  it("shares counters between instances on different databases through Redis", async () => {
    // A fresh issuer names fresh keys: nothing left over from an earlier run counts.
    const env = limits({
      REDIS_URL,
      JWT_ISSUER: `rate-test-${randomBytes(6).toString("hex")}`,
      RATE_LIMIT_LOGIN_PER_ACCOUNT: "2",
    });
    const a = await startTestServer(kind, { env });
    const b = await startTestServer(kind, { env });
    try {
      const email = uniqueEmail();
      expectCounted(await a.gql(LOGIN, loginInput(email)));
      expectCounted(await b.gql(LOGIN, loginInput(email)));
      expectTooManyRequests(await a.gql(LOGIN, loginInput(email)));
      const rows: unknown[] = await a.app.dataSource.query("SELECT * FROM rate_limits");
      expect(rows).toEqual([]);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it("refuses sign-in with 503 when Redis cannot be reached", async () => {
    const server = await startTestServer(kind, {
      env: limits({ REDIS_URL: "redis://127.0.0.1:1" }),
    });
    try {
      const response = await server.gql(LOGIN, loginInput(uniqueEmail()));
      expect(response.status).toBe(503);
      expect(errorCode(response)).toBe("SERVICE_UNAVAILABLE");
    } finally {
      await server.close();
    }
  });
});
