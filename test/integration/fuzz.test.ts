import { randomUUID } from "node:crypto";
import { getIntrospectionQuery } from "graphql";
import { Role } from "../../src/core/role";
import { startCompiledServer, type CompiledServer } from "../support/compiled-server";
import * as documents from "../support/documents";
import { postGraphQL } from "../support/test-server";

/**
 * Thousands of mutated documents, from the documents real clients send, to a real server: no
 * answer may be a 5xx, every answer must be JSON, and the server must still serve afterwards.
 * Seeded, so a failure names the seed and index that reproduce it (FUZZ_SEED=...).
 */
const COUNT = 2500;
const CONCURRENCY = 8;

/** Mulberry32: small, fast, reproducible. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}
type Random = ReturnType<typeof generator>;

// Seeds that would end the fuzzing user's session or change roles are left out: they would only
// turn the rest of the run into 401s.
const SEEDS: readonly string[] = Object.entries(documents)
  .filter(([name]) => !/LOGOUT|CHANGE_PASSWORD|REVOKE|SET_USER_ROLES/.test(name))
  .map(([, source]): string => source)
  .concat([
    "{ tasks { id title done cursor } }",
    "{ allTasks(first: 50) { id title owner { id displayName } } }",
    "query($first: Int, $after: String) { tasks(first: $first, after: $after) { id cursor } }",
    "{ users { id tasks(first: 3) { id } } }",
    "{ me { id tasks { id owner { id } } } }",
  ]);

const LIST_FIELDS = ["tasks", "allTasks", "users"];
const BAD_VALUES: unknown[] = [
  null,
  "",
  "x".repeat(5000),
  -1,
  2 ** 31,
  1e300,
  Number.MAX_SAFE_INTEGER,
  1.5,
  true,
  [],
  [[[[[]]]]],
  {},
  { a: { b: { c: { d: {} } } } },
  "garbage",
  "k1:1:x",
  Buffer.from(`k1:${Date.now()}:${randomUUID()}`).toString("base64url"),
  "../../etc/passwd",
  "' OR 1=1 --",
  "\u0000\uffff",
];

function variablesFor(random: Random): Record<string, unknown> {
  const names = [
    "input",
    "id",
    "title",
    "patch",
    "first",
    "after",
    "refreshToken",
    "roles",
    "userId",
  ];
  const variables: Record<string, unknown> = {};
  for (const name of names) {
    if (random.next() < 0.5) variables[name] = random.pick(BAD_VALUES);
  }
  if (random.next() < 0.3) variables.title = `t${random.int(1000)}`;
  if (random.next() < 0.3) variables.first = random.int(600);
  return variables;
}

const mutations: Array<(source: string, random: Random) => string> = [
  // Repeat a field.
  (source, random) => source.replace(/\bid\b/, () => "id ".repeat(1 + random.int(30))),
  // Nest: owners within tasks within owners...
  (source, random) =>
    source.replace(/\bid\b/, () => {
      let nested = "id";
      for (let i = random.int(12); i > 0; i--) nested = `id owner { id tasks { ${nested} } }`;
      return nested;
    }),
  // Aliases, up to and past the limit.
  (source, random) => {
    let n = 0;
    return source.replace(/\b(me|tasks|id|title)\b/g, (name) =>
      random.next() < 0.5 ? `a${n++}: ${name}` : name,
    );
  },
  // Pages: huge, negative, out of Int, variables, bad cursors.
  (source, random) =>
    source.replace(new RegExp(`\\b(${LIST_FIELDS.join("|")})\\b(?!\\s*\\()`), (name) => {
      const argument = random.pick([
        "first: 1000000000",
        "first: -1",
        "first: 2147483648",
        "first: 0",
        "first: 500",
        `first: ${random.int(600)}`,
        'after: "garbage"',
        'after: ""',
        `after: "${"A".repeat(random.int(200))}"`,
        "first: $first",
        "after: $after",
        'first: "ten"',
        "first: 1.5",
        "first: null",
      ]);
      return `${name}(${argument})`;
    }),
  // Fragment cycles and fragment bombs.
  (source, random) => {
    if (random.next() < 0.5) {
      return `${source.replace(/\bid\b/, "...A")} fragment A on User { id ...B } fragment B on User { ...A }`;
    }
    let fragments = "";
    for (let i = 0; i < 12; i++) {
      fragments += ` fragment F${i} on User { id tasks(first: 2) { id } ...F${i + 1} ...F${i + 1} }`;
    }
    return `{ me { ...F0 } }${fragments} fragment F12 on User { id }`;
  },
  // Deep nesting well past the depth limit.
  (_source, random) => {
    let inner = "id";
    for (let i = 2 + random.int(30); i > 0; i--) inner = `tasks { owner { ${inner} } }`;
    return `{ me { ${inner} } }`;
  },
  // Syntax damage: drop or insert characters.
  (source, random) => {
    const at = random.int(source.length);
    return random.next() < 0.5
      ? source.slice(0, at) + source.slice(at + 1 + random.int(5))
      : source.slice(0, at) +
          random.pick(["{", "}", "(", ")", "$", "@", '"', "...", "#", ":"]) +
          source.slice(at);
  },
  // Directives, good and bad.
  (source, random) =>
    source.replace(
      /\b(id|title|tasks)\b/,
      (name) =>
        `${name} ${random.pick([
          "@skip(if: true)",
          "@include(if: $maybe)",
          "@skip(if: 1)",
          "@deprecated",
          "@unknown",
          "@include(if: false) @include(if: true)",
          "@cost(weight: 1)",
        ])}`,
    ),
  // Introspection, nested.
  (_source, random) =>
    random.next() < 0.3
      ? getIntrospectionQuery()
      : "{ __schema { types { fields { type { fields { type { ofType { name } } } } } } } }",
  // Wide: many distinct fields and lists side by side.
  (_source, random) =>
    `{ ${Array.from({ length: 1 + random.int(20) }, (_, i) => `l${i}: allTasks(first: ${random.int(500)}) { id owner { id } }`).join(" ")} }`,
];

function mutate(random: Random): unknown {
  let source = random.pick(SEEDS);
  for (let rounds = 1 + random.int(3); rounds > 0; rounds--) {
    source = random.pick(mutations)(source, random);
  }
  const operation = { query: source, variables: variablesFor(random) };
  const shape = random.next();
  if (shape < 0.1) return Array.from({ length: 1 + random.int(12) }, () => ({ ...operation }));
  if (shape < 0.13) return { query: source, variables: "not an object" };
  if (shape < 0.15) return { query: 42 };
  if (shape < 0.17) return [];
  return operation;
}

describe("fuzzing the GraphQL endpoint (sqlite)", () => {
  let server: CompiledServer;
  let tokens: string[];

  beforeAll(async () => {
    // The compiled server in a process of its own, so that a pause of the test runner (its
    // garbage collector, other suites on the same cores) is never taken for the server's.
    server = await startCompiledServer({
      env: { RATE_LIMIT_LOGIN_PER_ADDRESS: "5", RATE_LIMIT_REFRESH_PER_ADDRESS: "20" },
    });
    const user = await server.account([Role.USER]);
    const editor = await server.account([Role.EDITOR]);
    const admin = await server.account([Role.ADMIN]);
    tokens = [user.accessToken, editor.accessToken, admin.accessToken];
    await server.addTasks(user.id, 30);
    await server.addTasks(editor.id, 30);
  }, 60_000);
  afterAll(() => server?.close());

  it(`answers ${COUNT} mutated documents without a 5xx, and serves on`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const random = generator(seed);
    const cases = Array.from({ length: COUNT }, () => ({
      body: JSON.stringify(mutate(random)),
      token: random.next() < 0.9 ? random.pick(tokens) : undefined,
    }));
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length && failures.length < 5) {
        const index = next++;
        const { body, token } = cases[index];
        const response = await fetch(`${server.url}/graphql`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body,
        });
        const text = await response.text();
        let json = true;
        try {
          JSON.parse(text);
        } catch {
          json = false;
        }
        if (response.status >= 500 || !json) {
          failures.push(
            `seed ${seed}, case ${index}: HTTP ${response.status} ${text.slice(0, 300)}\n  body: ${body.slice(0, 500)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures).toEqual([]);

    const me = await postGraphQL(server.url, "{ me { id } }", {}, { token: tokens[0] });
    expect(me.status).toBe(200);
    expect(me.body.errors).toBeUndefined();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
