import {
  buildSchema,
  execute,
  getOperationAST,
  type GraphQLSchema,
  parse,
  validate,
} from "graphql";
import { type AttemptSource, collectAttempts } from "../../../src/rate-limit/limited-attempts";
import { buildAppSchema } from "../../../src/app/schema";

const SESSION = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const OTHER_SESSION = "0f8fad5b-d9cb-469f-a165-70867728950e";
const tokenOf = (session: string) => `${session}.${"n".repeat(43)}.${"m".repeat(43)}`;

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildAppSchema();
});

function attemptsIn(
  query: string,
  variables: Record<string, unknown> = {},
  options: Partial<AttemptSource> & { operationName?: string } = {},
) {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const operation = getOperationAST(document, options.operationName)!;
  return collectAttempts({
    schema,
    document,
    operation,
    variables,
    refreshCookie: options.refreshCookie,
    userId: options.userId,
  });
}

const login = (account: string) => ({ operation: "login", account });

describe("collectAttempts", () => {
  it("reads the email from a literal, trimmed and lower-cased as accounts are looked up", () => {
    expect(
      attemptsIn(
        `mutation { login(input: { email: "  Ada@Example.COM ", password: "x" }) { accessToken } }`,
      ),
    ).toEqual([login("ada@example.com")]);
  });

  it("reads the email from a variable, whole or as a field of the input", () => {
    expect(
      attemptsIn(`mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, {
        i: { email: "a@example.com", password: "x" },
      }),
    ).toEqual([login("a@example.com")]);
    expect(
      attemptsIn(
        `mutation($e: String!) { register(input: { email: $e, password: "x" }) { accessToken } }`,
        { e: "B@example.com" },
      ),
    ).toEqual([{ operation: "register", account: "b@example.com" }]);
  });

  it("counts each alias as an attempt of its own", () => {
    const aliases = Array.from(
      { length: 50 },
      (_, index) => `a${index}: login(input: $i) { accessToken }`,
    ).join(" ");
    const attempts = attemptsIn(`mutation($i: LoginInput!) { ${aliases} }`, {
      i: { email: "a@example.com", password: "x" },
    });
    expect(attempts).toHaveLength(50);
    expect(new Set(attempts.map((attempt) => attempt.account))).toEqual(new Set(["a@example.com"]));
  });

  it("finds the calls in fragments and inline fragments, each with its own arguments", () => {
    expect(
      attemptsIn(
        `mutation M($a: String!) {
          ...Outer
          ... on Mutation { b: login(input: { email: "b@example.com", password: "x" }) { accessToken } }
          ... { c: refresh(refreshToken: "${tokenOf(SESSION)}") { accessToken } }
        }
        fragment Outer on Mutation { a: login(input: { email: $a, password: "x" }) { accessToken } ...Inner }
        fragment Inner on Mutation { d: register(input: { email: "d@example.com", password: "x" }) { accessToken } }`,
        { a: "a@example.com" },
      ),
    ).toEqual([
      login("a@example.com"),
      { operation: "register", account: "d@example.com" },
      login("b@example.com"),
      { operation: "refresh", sessionId: SESSION },
    ]);
  });

  it("counts a field selected twice under one response key once, as it runs once", () => {
    expect(
      attemptsIn(
        `mutation($i: LoginInput!) { login(input: $i) { accessToken } login(input: $i) { refreshToken } ...F ...F }
         fragment F on Mutation { login(input: $i) { expiresIn } }`,
        { i: { email: "a@example.com", password: "x" } },
      ),
    ).toEqual([login("a@example.com")]);
  });

  it("counts fields that @skip or @include would drop: never fewer than run", () => {
    expect(
      attemptsIn(
        `mutation($i: LoginInput!, $no: Boolean!) {
          a: login(input: $i) @skip(if: true) { accessToken }
          b: login(input: $i) @include(if: $no) { accessToken }
        }`,
        { i: { email: "a@example.com", password: "x" }, no: false },
      ),
    ).toHaveLength(2);
  });

  it("takes a refresh's session from its argument, else from the cookie", () => {
    const refresh = `mutation($t: String) { refresh(refreshToken: $t) { accessToken } }`;
    expect(
      attemptsIn(refresh, { t: tokenOf(SESSION) }, { refreshCookie: tokenOf(OTHER_SESSION) }),
    ).toEqual([{ operation: "refresh", sessionId: SESSION }]);
    expect(attemptsIn(refresh, {}, { refreshCookie: tokenOf(OTHER_SESSION) })).toEqual([
      { operation: "refresh", sessionId: OTHER_SESSION },
    ]);
    expect(attemptsIn(refresh, { t: "not a token" })).toEqual([{ operation: "refresh" }]);
    expect(attemptsIn(refresh)).toEqual([{ operation: "refresh" }]);
  });

  it("counts changePassword as an attempt of the signed-in user", () => {
    const change = `mutation { a: changePassword(currentPassword: "x", newPassword: "y") b: changePassword(currentPassword: "z", newPassword: "y") }`;
    expect(attemptsIn(change, {}, { userId: "u-1" })).toEqual([
      { operation: "changePassword", userId: "u-1" },
      { operation: "changePassword", userId: "u-1" },
    ]);
    expect(attemptsIn(change)).toEqual([
      { operation: "changePassword" },
      { operation: "changePassword" },
    ]);
  });

  it("counts only the operation that runs, and only the operations that check secrets", () => {
    const document = `
      mutation Out { logout }
      mutation In { login(input: { email: "a@example.com", password: "x" }) { accessToken } }
      query Q { __typename }`;
    expect(attemptsIn(document, {}, { operationName: "Out" })).toEqual([]);
    expect(attemptsIn(document, {}, { operationName: "Q" })).toEqual([]);
    expect(attemptsIn(document, {}, { operationName: "In" })).toEqual([login("a@example.com")]);
  });

  it("counts nothing when the variables do not coerce, as then nothing runs", () => {
    expect(
      attemptsIn(`mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, {
        i: { email: 7 },
      }),
    ).toEqual([]);
  });

  it("walks a document of many fragment spreads in linear time", () => {
    // Each fragment spreads the next one twice: expanding every spread would take 2^40 steps.
    const fragments = Array.from(
      { length: 40 },
      (_, index) =>
        `fragment F${index} on Mutation { a${index}: login(input: $i) { accessToken } ${
          index < 39 ? `...F${index + 1} ...F${index + 1}` : ""
        } }`,
    ).join("\n");
    const attempts = attemptsIn(`mutation($i: LoginInput!) { ...F0 }\n${fragments}`, {
      i: { email: "a@example.com", password: "x" },
    });
    expect(attempts).toHaveLength(40);
  });
});

describe("collectAttempts against execution", () => {
  const sdl = buildSchema(`
    input LoginInput { email: String!, password: String! }
    type Query { ok: Boolean }
    type Mutation {
      login(input: LoginInput!): Boolean
      register(input: LoginInput!): Boolean
      refresh(refreshToken: String): Boolean
      logout: Boolean
    }
  `);

  /** How many times the executor calls login, register and refresh for a document. */
  function executedCalls(query: string, variables: Record<string, unknown>): number {
    let calls = 0;
    const count = () => {
      calls += 1;
      return true;
    };
    const result = execute({
      schema: sdl,
      document: parse(query),
      variableValues: variables,
      rootValue: { login: count, register: count, refresh: count, logout: () => true },
    }) as { errors?: unknown };
    expect(result.errors).toBeUndefined();
    return calls;
  }

  const variables = { i: { email: "a@example.com", password: "x" }, yes: true, no: false };
  it.each([
    `mutation($i: LoginInput!) { a: login(input: $i) b: login(input: $i) c: register(input: $i) }`,
    `mutation($i: LoginInput!) { login(input: $i) login(input: $i) ...F ... { x: login(input: $i) } } fragment F on Mutation { login(input: $i) y: refresh }`,
    `mutation($i: LoginInput!) { ...F ...F ... on Mutation { ...F z: logout } } fragment F on Mutation { a: login(input: $i) b: refresh(refreshToken: "t") }`,
    `mutation($i: LoginInput!, $yes: Boolean!) { a: login(input: $i) @include(if: $yes) b: login(input: $i) @skip(if: $yes) ... @skip(if: true) { c: refresh } }`,
  ])("never counts fewer calls than run: %s", (query) => {
    const document = parse(query);
    expect(validate(sdl, document)).toEqual([]);
    const counted = collectAttempts({
      schema: sdl,
      document,
      operation: getOperationAST(document)!,
      variables,
      refreshCookie: undefined,
      userId: undefined,
    }).length;
    const executed = executedCalls(query, variables);
    expect(counted).toBeGreaterThanOrEqual(executed);
    if (!query.includes("@")) expect(counted).toBe(executed);
  });
});
