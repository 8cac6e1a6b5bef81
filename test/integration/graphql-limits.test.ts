import { getIntrospectionQuery } from "graphql";
import { databaseKinds } from "../support/databases";
import { LOGIN, ME } from "../support/documents";
import { DEFAULT_PASSWORD, registerUser, uniqueEmail } from "../support/factories";
import { errorCode, startTestServer, type TestServer } from "../support/test-server";

/** What GraphiQL 3 sends on load (graphql-js's query with its two options on): 21 levels deep. */
const GRAPHIQL_INTROSPECTION = getIntrospectionQuery({
  inputValueDeprecation: true,
  schemaDescription: true,
});

// Pages of one keep the depth test clear of the cost limit, which counts list sizes.
const DEPTH_8 =
  "{ me { tasks(first: 1) { owner { tasks(first: 1) { owner { tasks(first: 1) { owner { id } } } } } } } }";
const DEPTH_9 =
  "{ me { tasks { owner { tasks { owner { tasks { owner { tasks { id } } } } } } } } }";

interface ErrorBody {
  data?: unknown;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

async function post(server: TestServer, body: unknown, token?: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ErrorBody | ErrorBody[] };
}

describe.each(databaseKinds())("GraphQL limits with the defaults ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server.close());

  it("serves the playground's introspection query, which is deeper and costlier than the limits", async () => {
    const response = await server.gql<{ __schema: { types: unknown[] } }>(GRAPHIQL_INTROSPECTION);
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.__schema.types.length).toBeGreaterThan(10);
  });

  it("still refuses introspection nested to blow up the response (graphql-js's own rule)", async () => {
    const response = await server.gql(
      "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }",
    );
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(response.body.data).toBeUndefined();
  });

  it("refuses a query 9 levels deep with 400 before any resolver runs, and serves 8", async () => {
    const user = await registerUser(server);
    const deep = await server.gql(DEPTH_9, {}, { token: user.accessToken });
    expect(deep.status).toBe(400);
    expect(deep.body).toEqual({
      errors: [
        {
          message: "Query depth limit of 8 exceeded, found 9.",
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        },
      ],
    });

    const allowed = await server.gql<{ me: unknown }>(DEPTH_8, {}, { token: user.accessToken });
    expect(allowed.status).toBe(200);
    expect(allowed.body.data?.me).toEqual({ tasks: [] });
  });

  it("refuses an aliased mutation beyond 15 aliases without running one of them", async () => {
    const emails = Array.from({ length: 16 }, () => uniqueEmail("alias"));
    const fields = emails
      .map(
        (email, i) =>
          `a${i}: register(input: { email: "${email}", password: "${DEFAULT_PASSWORD}" }) { tokenType }`,
      )
      .join("\n");
    const response = await server.gql(`mutation { ${fields} }`);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toBe("Aliases limit of 15 exceeded, found 16.");
    expect(errorCode(response)).toBe("GRAPHQL_VALIDATION_FAILED");
    const login = await server.gql(LOGIN, {
      input: { email: emails[0], password: DEFAULT_PASSWORD },
    });
    expect(errorCode(login)).toBe("UNAUTHENTICATED");
  });

  it("refuses a document of more than 1000 tokens while parsing it", async () => {
    const response = await server.gql(`{ ${"__typename ".repeat(1001)}}`);
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("GRAPHQL_PARSE_FAILED");
    expect(response.body.errors?.[0]?.message).toEqual(
      expect.stringMatching(
        /^Syntax Error: Document contains more tha[nt] 1000 tokens\. Parsing aborted\.$/,
      ),
    );
  });

  it("refuses a field repeated past the limit in one selection set before validating it", async () => {
    const user = await registerUser(server);
    const started = performance.now();
    const response = await server.gql(
      `{ me { ${"tasks { id } ".repeat(240)} } }`,
      {},
      { token: user.accessToken },
    );
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      errors: [
        {
          message: 'Field "tasks" is repeated more than 10 times in one selection set.',
          extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
        },
      ],
    });
    // graphql-js's pairwise comparison of those fields alone takes 40 to 200 ms here.
    expect(performance.now() - started).toBeLessThan(1000);
    const ten = await server.gql(`{ me { ${"id ".repeat(10)} } }`, {}, { token: user.accessToken });
    expect(ten.status).toBe(200);
  });

  it("says 'Did you mean' outside production", async () => {
    const response = await server.gql("{ me { emial } }");
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toBe(
      'Cannot query field "emial" on type "User". Did you mean "email"?',
    );
  });
});

describe.each(databaseKinds())("GraphQL limits configured small ($name)", (kind) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(kind, {
      env: {
        // Three register mutations (22 each, see the batch test) fit; the costly query does not.
        GRAPHQL_MAX_COST: "100",
        GRAPHQL_MAX_ALIASES: "2",
        GRAPHQL_MAX_DIRECTIVES: "2",
        GRAPHQL_MAX_TOKENS: "100",
        GRAPHQL_MAX_BATCH: "3",
        GRAPHQL_MAX_BODY: "2kb",
      },
    });
  });
  afterAll(() => server.close());

  it("refuses a query over the cost limit and serves one under it", async () => {
    const user = await registerUser(server);
    // me 1 + a default page of 100 tasks, each 1 + its owner 1.
    const costly = await server.gql(
      "{ me { id email tasks { id title owner { id email } } } }",
      {},
      { token: user.accessToken },
    );
    expect(costly.status).toBe(400);
    expect(costly.body.errors?.[0]?.extensions).toEqual({
      code: "COST_ESTIMATED_TOO_EXPENSIVE",
      "cost.estimated": 201,
      "cost.max": 100,
    });

    const cheap = await server.gql(
      "{ me { id tasks(first: 14) { id title owner { id } } } }",
      {},
      { token: user.accessToken },
    );
    expect(cheap.status).toBe(200);
    expect(cheap.body.errors).toBeUndefined();
  });

  it("counts aliases against the configured limit", async () => {
    const three = await server.gql("{ a: me { id } b: me { id } c: me { id } }");
    expect(three.status).toBe(400);
    expect(three.body.errors?.[0]?.message).toBe("Aliases limit of 2 exceeded, found 3.");
    const two = await server.gql("{ a: me { id } b: me { id } }");
    expect(two.status).toBe(200);
    expect(errorCode(two)).toBe("UNAUTHENTICATED");
  });

  it("refuses more directives than allowed", async () => {
    const response = await server.gql(
      "{ me @include(if: true) { id @skip(if: false) email @skip(if: false) } }",
    );
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(response.body.errors?.[0]?.message).toBe("Directives limit of 2 exceeded, found 3.");
  });

  it("refuses a document over the configured token limit", async () => {
    const response = await server.gql(`{ ${"__typename ".repeat(101)}}`);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toEqual(
      expect.stringMatching(
        /^Syntax Error: Document contains more tha[nt] 100 tokens\. Parsing aborted\.$/,
      ),
    );
  });

  it("refuses a batch over the limit before running any of it, and serves one at the limit", async () => {
    const emails = Array.from({ length: 4 }, () => uniqueEmail("batch"));
    const batch = emails.map((email) => ({
      query: "mutation($input: RegisterInput!) { register(input: $input) { tokenType } }",
      variables: { input: { email, password: DEFAULT_PASSWORD } },
    }));
    const refused = await post(server, batch);
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      errors: [
        {
          message: "A batch may hold at most 3 operations.",
          extensions: { code: "BATCH_TOO_LARGE" },
        },
      ],
    });
    const login = await server.gql(LOGIN, {
      input: { email: emails[0], password: DEFAULT_PASSWORD },
    });
    expect(errorCode(login)).toBe("UNAUTHENTICATED");

    const served = await post(server, batch.slice(0, 3));
    expect(served.status).toBe(200);
    expect(Array.isArray(served.body)).toBe(true);
    const results = served.body as ErrorBody[];
    expect(results).toHaveLength(3);
    for (const result of results) expect(result.errors).toBeUndefined();
  });

  it("refuses a body over the configured size with 413 and serves one under it", async () => {
    const padding = (bytes: number) => ({
      query: "{ __typename }",
      variables: { pad: "x".repeat(bytes) },
    });
    const big = await post(server, padding(2100));
    expect(big.status).toBe(413);
    expect(big.body).toEqual({
      errors: [
        { message: "The request body is too large.", extensions: { code: "PAYLOAD_TOO_LARGE" } },
      ],
    });
    const small = await post(server, padding(1900));
    expect(small.status).toBe(200);
  });
});

describe.each(databaseKinds())("GraphQL in production ($name)", (kind) => {
  let production: TestServer;
  let configuredOn: TestServer;

  beforeAll(async () => {
    production = await startTestServer(kind, { env: { NODE_ENV: "production" } });
    configuredOn = await startTestServer(kind, {
      env: { NODE_ENV: "production", GRAPHQL_INTROSPECTION: "true", GRAPHQL_SUGGESTIONS: "true" },
    });
  });
  afterAll(async () => {
    await production.close();
    await configuredOn.close();
  });

  it("refuses introspection unless configured on", async () => {
    const refused = await production.gql(GRAPHIQL_INTROSPECTION);
    expect(refused.status).toBe(400);
    expect(errorCode(refused)).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(refused.body.data).toBeUndefined();
    expect((await production.gql('{ __type(name: "User") { name } }')).status).toBe(400);

    const served = await configuredOn.gql(GRAPHIQL_INTROSPECTION);
    expect(served.status).toBe(200);
    expect(served.body.errors).toBeUndefined();
  });

  it("names no field, argument or enum value the caller did not write, unless configured on", async () => {
    const field = await production.gql("{ me { emial } }");
    expect(field.status).toBe(400);
    expect(field.body.errors?.[0]?.message).toBe('Cannot query field "emial" on type "User".');

    const argument = await production.gql(`mutation { logout(evrywhere: true) }`);
    expect(argument.body.errors?.[0]?.message).toBe(
      'Unknown argument "evrywhere" on field "Mutation.logout".',
    );

    const user = await registerUser(production);
    const enumValue = await production.gql(
      `mutation($roles: [Role!]!) { setUserRoles(userId: "${user.id}", roles: $roles) { id } }`,
      { roles: ["ADMN"] },
      { token: user.accessToken },
    );
    expect(enumValue.status).toBe(400);
    expect(JSON.stringify(enumValue.body)).not.toMatch(/Did you mean|ADMIN/);

    const suggested = await configuredOn.gql("{ me { emial } }");
    expect(suggested.body.errors?.[0]?.message).toContain('Did you mean "email"?');
  });

  it("keeps the limits in production", async () => {
    const user = await registerUser(production);
    const deep = await production.gql(DEPTH_9, {}, { token: user.accessToken });
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]?.message).toBe("Query depth limit of 8 exceeded, found 9.");
    expect((await production.gql(ME, {}, { token: user.accessToken })).status).toBe(200);
  });
});
