import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";
import { parseByteSize } from "../../../src/config/config";

const { load, problemsOf } = configUnderTempDir({ JWT_SECRET: STRONG_SECRET });

describe("GraphQL limits", () => {
  it("defaults to depth 8, cost 5000, pages of 100 up to 500, 50000 fields in 5 s, 15 aliases, 20 directives, 10 repeats, 1000 tokens, batches of 10, 100kb", () => {
    expect(load().graphqlLimits).toEqual({
      maxDepth: 8,
      maxCost: 5000,
      defaultPageSize: 100,
      maxPageSize: 500,
      maxResolvedFields: 50_000,
      maxExecutionMs: 5000,
      maxFieldRepeats: 10,
      maxAliases: 15,
      maxDirectives: 20,
      maxTokens: 1000,
      maxBatch: 10,
      maxBodyBytes: 100 * 1024,
    });
  });

  it("reads every limit from the environment", () => {
    const limits = load({
      GRAPHQL_MAX_DEPTH: "5",
      GRAPHQL_MAX_COST: "250",
      GRAPHQL_MAX_ALIASES: "0",
      GRAPHQL_MAX_DIRECTIVES: "3",
      GRAPHQL_MAX_TOKENS: "400",
      GRAPHQL_MAX_BATCH: "2",
      GRAPHQL_MAX_BODY: "2mb",
      GRAPHQL_DEFAULT_PAGE_SIZE: "20",
      GRAPHQL_MAX_PAGE_SIZE: "50",
      GRAPHQL_MAX_FIELDS: "2000",
      GRAPHQL_MAX_EXECUTION_TIME: "250ms",
      GRAPHQL_MAX_FIELD_REPEATS: "3",
    }).graphqlLimits;
    expect(limits).toEqual({
      maxDepth: 5,
      maxCost: 250,
      defaultPageSize: 20,
      maxPageSize: 50,
      maxResolvedFields: 2000,
      maxExecutionMs: 250,
      maxFieldRepeats: 3,
      maxAliases: 0,
      maxDirectives: 3,
      maxTokens: 400,
      maxBatch: 2,
      maxBodyBytes: 2 * 1024 * 1024,
    });
  });

  it("reports every malformed or out-of-range limit at once", () => {
    const problems = problemsOf({
      GRAPHQL_MAX_DEPTH: "0",
      GRAPHQL_MAX_COST: "lots",
      GRAPHQL_MAX_ALIASES: "-1",
      GRAPHQL_MAX_DIRECTIVES: "1.5",
      GRAPHQL_MAX_TOKENS: "50",
      GRAPHQL_MAX_BATCH: "1000",
      GRAPHQL_MAX_BODY: "1gb",
      GRAPHQL_MAX_EXECUTION_TIME: "5ms",
      GRAPHQL_MAX_PAGE_SIZE: "0",
      GRAPHQL_DEFAULT_PAGE_SIZE: "600",
      GRAPHQL_MAX_FIELDS: "many",
      GRAPHQL_MAX_FIELD_REPEATS: "0",
    });
    expect(problems).toEqual([
      "GRAPHQL_MAX_BODY must be a size like 100kb or 1mb, from 1kb to 10mb",
      "GRAPHQL_MAX_EXECUTION_TIME must be a duration like 5s or 500ms, from 10ms to 10m",
      "GRAPHQL_MAX_PAGE_SIZE must be an integer from 1 to 10000",
      "GRAPHQL_MAX_DEPTH must be an integer from 1 to 100",
      "GRAPHQL_MAX_COST must be an integer from 1 to 10000000",
      "GRAPHQL_DEFAULT_PAGE_SIZE must be an integer from 1 to GRAPHQL_MAX_PAGE_SIZE (500)",
      "GRAPHQL_MAX_FIELDS must be an integer from 10 to 10000000",
      "GRAPHQL_MAX_FIELD_REPEATS must be an integer from 1 to 1000",
      "GRAPHQL_MAX_ALIASES must be an integer from 0 to 1000",
      "GRAPHQL_MAX_DIRECTIVES must be an integer from 0 to 1000",
      "GRAPHQL_MAX_TOKENS must be an integer from 100 to 100000",
      "GRAPHQL_MAX_BATCH must be an integer from 1 to 100",
    ]);
  });

  it("keeps the default page within a smaller maximum page", () => {
    expect(load({ GRAPHQL_MAX_PAGE_SIZE: "40" }).graphqlLimits.defaultPageSize).toBe(40);
    expect(problemsOf({ GRAPHQL_MAX_PAGE_SIZE: "40", GRAPHQL_DEFAULT_PAGE_SIZE: "41" })).toEqual([
      "GRAPHQL_DEFAULT_PAGE_SIZE must be an integer from 1 to GRAPHQL_MAX_PAGE_SIZE (40)",
    ]);
  });

  it("refuses a body limit under 1kb", () => {
    expect(problemsOf({ GRAPHQL_MAX_BODY: "512" })).toEqual([
      "GRAPHQL_MAX_BODY must be a size like 100kb or 1mb, from 1kb to 10mb",
    ]);
  });
});

describe("parseByteSize", () => {
  it.each([
    ["2048", 2048],
    ["100kb", 102_400],
    ["100KB", 102_400],
    ["1mb", 1_048_576],
    ["3 b", 3],
  ])("reads %s as %d bytes", (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(["", "kb", "1.5mb", "-1kb", "1gb", "10 kilobytes"])("refuses %p", (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});

describe("introspection, suggestions and HSTS by environment", () => {
  it("turns introspection and suggestions on, HSTS off, in development and test", () => {
    for (const NODE_ENV of ["development", "test"]) {
      const config = load({ NODE_ENV });
      expect([config.introspection, config.suggestions, config.hsts]).toEqual([true, true, false]);
    }
  });

  it("turns introspection and suggestions off, HSTS on, in production", () => {
    const config = load({ NODE_ENV: "production" });
    expect([config.introspection, config.suggestions, config.hsts]).toEqual([false, false, true]);
  });

  it("lets each be configured either way", () => {
    const on = load({
      NODE_ENV: "production",
      GRAPHQL_INTROSPECTION: "true",
      GRAPHQL_SUGGESTIONS: "on",
      HSTS: "false",
    });
    expect([on.introspection, on.suggestions, on.hsts]).toEqual([true, true, false]);
    const off = load({ GRAPHQL_SUGGESTIONS: "0", HSTS: "yes" });
    expect([off.suggestions, off.hsts]).toEqual([false, true]);
  });

  it("refuses a GRAPHQL_SUGGESTIONS or HSTS that is not a boolean", () => {
    expect(problemsOf({ GRAPHQL_SUGGESTIONS: "maybe", HSTS: "1y" })).toEqual([
      "GRAPHQL_SUGGESTIONS must be true or false",
      "HSTS must be true or false",
    ]);
  });
});

describe("CORS_ORIGINS", () => {
  const PROBLEM =
    "CORS_ORIGINS must be a comma-separated list of exact origins like https://app.example.com (no paths, no wildcards)";

  it("is empty by default: no CORS at all", () => {
    expect(load().corsOrigins).toEqual([]);
  });

  it("reads a comma list of exact origins, ports included, without duplicates", () => {
    expect(
      load({
        CORS_ORIGINS:
          "https://app.example.com, http://localhost:5173,https://app.example.com/,HTTPS://Admin.Example.com",
      }).corsOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:5173", "https://admin.example.com"]);
  });

  it.each([
    "*",
    "null",
    "https://*.example.com",
    "https://app.example.com/path",
    "https://app.example.com?x=1",
    "ftp://files.example.com",
    "app.example.com",
    "https://user@app.example.com",
    "https://app.example.com,",
  ])("refuses %p", (origins) => {
    expect(problemsOf({ CORS_ORIGINS: origins })).toEqual([PROBLEM]);
  });
});
