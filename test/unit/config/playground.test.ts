import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";

const NEEDS_INTROSPECTION =
  "GRAPHQL_PLAYGROUND needs introspection: set GRAPHQL_INTROSPECTION=true as well, or turn the playground off";

const { load, problemsOf } = configUnderTempDir({ JWT_SECRET: STRONG_SECRET });

describe("GRAPHQL_PLAYGROUND", () => {
  it("is on by default in development and test", () => {
    expect(load({}).playground).toBe(true);
    expect(load({ NODE_ENV: "development" }).playground).toBe(true);
    expect(load({ NODE_ENV: "test" }).playground).toBe(true);
  });

  it("is off by default in production, and under any unknown NODE_ENV", () => {
    expect(load({ NODE_ENV: "production" }).playground).toBe(false);
    expect(load({ NODE_ENV: "staging" }).playground).toBe(false);
  });

  it("can be turned on in production, together with introspection", () => {
    const config = load({
      NODE_ENV: "production",
      GRAPHQL_PLAYGROUND: "true",
      GRAPHQL_INTROSPECTION: "true",
    });
    expect(config.playground).toBe(true);
    expect(config.introspection).toBe(true);
  });

  it("can be turned off in development", () => {
    expect(load({ GRAPHQL_PLAYGROUND: "false" }).playground).toBe(false);
    expect(load({ GRAPHQL_PLAYGROUND: "OFF" }).playground).toBe(false);
    expect(load({ GRAPHQL_PLAYGROUND: "0" }).playground).toBe(false);
  });

  it("follows introspection by default: no schema, no playground", () => {
    const config = load({ GRAPHQL_INTROSPECTION: "false" });
    expect(config.introspection).toBe(false);
    expect(config.playground).toBe(false);
  });

  it("refuses to be turned on with introspection off, rather than serve a broken page", () => {
    expect(problemsOf({ NODE_ENV: "production", GRAPHQL_PLAYGROUND: "on" })).toEqual([
      NEEDS_INTROSPECTION,
    ]);
    expect(problemsOf({ GRAPHQL_PLAYGROUND: "yes", GRAPHQL_INTROSPECTION: "no" })).toEqual([
      NEEDS_INTROSPECTION,
    ]);
  });

  it("accepts only a boolean, reported with every other problem", () => {
    expect(problemsOf({ GRAPHQL_PLAYGROUND: "maybe", PORT: "http" })).toEqual([
      "PORT must be an integer from 0 to 65535",
      "GRAPHQL_PLAYGROUND must be true or false",
    ]);
  });

  it("treats a blank value as unset", () => {
    expect(load({ GRAPHQL_PLAYGROUND: " " }).playground).toBe(true);
    expect(load({ NODE_ENV: "production", GRAPHQL_PLAYGROUND: "" }).playground).toBe(false);
  });
});
