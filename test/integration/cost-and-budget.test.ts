import { randomUUID } from "node:crypto";
import { Task } from "../../src/tasks/task.entity";
import { Role } from "../../src/core/role";
import { databaseKinds } from "../support/databases";
import { registerUser, signedInWithRoles, type SignedInUser } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

/** The document of issue 9: inside depth and the old cost limit, 10 MB and seconds of work. */
const ISSUE_DOCUMENT =
  "{ me { tasks { id owner { id tasks { id owner { id tasks { id } } } } } } }";

async function addTasks(server: TestServer, ownerId: string, count: number): Promise<void> {
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    title: `task ${i} `.padEnd(120, "x"),
    done: false,
    ownerId,
    createdAt: new Date(now + i),
    updatedAt: new Date(now + i),
  }));
  // In chunks: one INSERT of hundreds of rows is over SQLite's bound-variable limit.
  for (let i = 0; i < rows.length; i += 100) {
    await server.app.dataSource.getRepository(Task).insert(rows.slice(i, i + 100));
  }
}

async function post(server: TestServer, body: unknown, token: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe.each(databaseKinds())("cost estimated before execution ($name)", (kind) => {
  let server: TestServer;
  let attacker: SignedInUser;
  let editor: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer(kind);
    attacker = await registerUser(server);
    editor = await signedInWithRoles(server, [Role.EDITOR]);
    await addTasks(server, attacker.id, 120);
  });
  afterAll(() => server.close());

  it("refuses the issue's nested document in milliseconds, before any resolver runs", async () => {
    const me = jest.spyOn(server.app.services.users, "findById");
    const tasks = jest.spyOn(server.app.services.tasks, "listByOwners");
    try {
      const started = performance.now();
      const response = await server.gql(ISSUE_DOCUMENT, {}, { token: attacker.accessToken });
      const elapsed = performance.now() - started;
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        errors: [
          {
            message:
              "The estimated cost of this operation (1020201) exceeds the maximum of 5000: " +
              "ask for smaller pages (first) or fewer nested lists.",
            extensions: {
              code: "COST_ESTIMATED_TOO_EXPENSIVE",
              "cost.estimated": 1_020_201,
              "cost.max": 5000,
            },
          },
        ],
      });
      expect(me).not.toHaveBeenCalled();
      expect(tasks).not.toHaveBeenCalled();
      // Generous for a loaded machine; the figure seen here is a few milliseconds.
      expect(elapsed).toBeLessThan(1000);
    } finally {
      me.mockRestore();
      tasks.mockRestore();
    }
  });

  it("refuses every operation of a batch of them, with 400", async () => {
    const response = await post(
      server,
      Array.from({ length: 10 }, () => ({ query: ISSUE_DOCUMENT })),
      attacker.accessToken,
    );
    expect(response.status).toBe(400);
    const results = response.body as Array<{ errors: Array<{ extensions: { code: string } }> }>;
    expect(results).toHaveLength(10);
    for (const result of results) {
      expect(result.errors[0].extensions.code).toBe("COST_ESTIMATED_TOO_EXPENSIVE");
    }
  });

  it("adds up the estimates of a batch's operations against one limit", async () => {
    // 2,000 each: three of them are 6,000, over the 5,000 a request may cost.
    const query =
      "{ a: allTasks(first: 500) { id owner { id } } b: allTasks(first: 500) { id owner { id } } }";
    const response = await post(
      server,
      Array.from({ length: 3 }, () => ({ query })),
      editor.accessToken,
    );
    expect(response.status).toBe(400);
    const results = response.body as Array<{
      data?: unknown;
      errors?: Array<{ extensions: Record<string, unknown> }>;
    }>;
    const refused = results.filter((result) => result.errors);
    expect(refused).toHaveLength(1);
    expect(refused[0].errors?.[0].extensions).toEqual({
      code: "COST_ESTIMATED_TOO_EXPENSIVE",
      "cost.estimated": 6000,
      "cost.max": 5000,
    });
    expect(results.filter((result) => result.data)).toHaveLength(2);
  });

  it("serves an EDITOR's full page of every task with its owner", async () => {
    const response = await server.gql<{ allTasks: unknown[] }>(
      "{ allTasks(first: 500) { id title owner { id displayName } } }",
      {},
      { token: editor.accessToken },
    );
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.allTasks).toHaveLength(120);
    const defaultPage = await server.gql<{ allTasks: unknown[] }>(
      "{ allTasks { id title owner { id displayName } } }",
      {},
      { token: editor.accessToken },
    );
    expect(defaultPage.body.data?.allTasks).toHaveLength(100);
  });

  it("costs each request of one document with its own variables", async () => {
    const nested =
      "query($n: Int) { me { tasks(first: $n) { id owner { id tasks(first: $n) { id } } } } }";
    const run = (n: number) => server.gql(nested, { n }, { token: attacker.accessToken });
    expect((await run(60)).status).toBe(200);
    const refused = await run(100);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]?.extensions?.["cost.estimated"]).toBe(1 + 100 * (2 + 100));
    expect((await run(60)).status).toBe(200);
  });
});

describe.each(databaseKinds())("budget at run time ($name)", (kind) => {
  let server: TestServer;
  let user: SignedInUser;
  let bystander: SignedInUser;
  const SESSIONS = 400;
  const SESSIONS_DOCUMENT = "{ sessions { id createdAt lastUsedAt expiresAt userAgent current } }";

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: { GRAPHQL_MAX_FIELDS: "1000", GRAPHQL_MAX_EXECUTION_TIME: "5s" },
    });
    user = await registerUser(server);
    bystander = await registerUser(server);
    // Sessions are not paged and the estimate assumes 20 of them: this user has hundreds.
    for (let i = 0; i < SESSIONS; i++) await server.app.services.sessions.open(user.id, "script");
  });
  afterAll(() => server.close());

  it("stops a data-driven blow-up that the estimate lets through, with one clear error", async () => {
    const response = await server.gql(SESSIONS_DOCUMENT, {}, { token: user.accessToken });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      data: null,
      errors: [
        {
          message:
            "The request was stopped after resolving 1000 fields: ask for less in one request.",
          extensions: { code: "EXECUTION_BUDGET_EXCEEDED", reason: "RESOLVED_FIELDS", limit: 1000 },
        },
      ],
    });
    // Everyone else, and the same user with a smaller request, are served as before.
    const me = await server.gql("{ me { id } }", {}, { token: bystander.accessToken });
    expect(me.status).toBe(200);
    expect(me.body.errors).toBeUndefined();
    expect((await server.gql("{ me { id } }", {}, { token: user.accessToken })).status).toBe(200);
  });

  it("counts every operation of a batch against one budget for the request", async () => {
    const small = "{ me { id email displayName roles createdAt } }";
    const response = await post(
      server,
      Array.from({ length: 10 }, () => ({
        query: `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: me { id email displayName roles createdAt cursor }`).join(" ")} }`,
      })),
      bystander.accessToken,
    );
    expect(response.status).toBe(400);
    const results = response.body as Array<{ errors?: Array<{ extensions: { code: string } }> }>;
    expect(
      results.some((result) => result.errors?.[0]?.extensions.code === "EXECUTION_BUDGET_EXCEEDED"),
    ).toBe(true);
    // One operation alone is well inside the budget.
    expect((await server.gql(small, {}, { token: bystander.accessToken })).status).toBe(200);
  });
});

describe.each(databaseKinds())("time budget at run time ($name)", (kind) => {
  let server: TestServer;
  let user: SignedInUser;

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: {
        GRAPHQL_MAX_FIELDS: "10000000",
        GRAPHQL_MAX_COST: "10000000",
        GRAPHQL_MAX_EXECUTION_TIME: "20ms",
      },
    });
    user = await registerUser(server);
    await addTasks(server, user.id, 100);
  });
  afterAll(() => server.close());

  it("stops a request that runs longer than allowed", async () => {
    // About 40,000 fields: far longer than 20 ms on any machine this runs on.
    const document =
      "{ me { tasks { id title done createdAt owner { id tasks { id title done createdAt } } } } }";
    const response = await server.gql(document, {}, { token: user.accessToken });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        message: "The request was stopped after running 20 ms: ask for less in one request.",
        extensions: { code: "EXECUTION_BUDGET_EXCEEDED", reason: "EXECUTION_TIME", limit: 20 },
      },
    ]);
    expect(
      errorCode(await server.gql("{ me { id } }", {}, { token: user.accessToken })),
    ).toBeUndefined();
  });
});
