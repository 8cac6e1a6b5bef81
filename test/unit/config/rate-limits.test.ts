import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";
import { parseTrustProxy } from "../../../src/config/config";

const { load, problemsOf } = configUnderTempDir({ JWT_SECRET: STRONG_SECRET });

const LIMIT_PROBLEM = (name: string) =>
  `${name} must be a whole number from 0 (no limit) to 9999999`;

describe("loadConfig rate limits", () => {
  it("defaults to 10 sign-ins per account and 100 per address, 60 refreshes per session and 1000 per address, in 15 minutes", () => {
    expect(load().rateLimits).toEqual({
      windowSeconds: 15 * 60,
      loginPerAccount: 10,
      loginPerAddress: 100,
      refreshPerSession: 60,
      refreshPerAddress: 1000,
    });
  });

  it("reads each limit and the window", () => {
    expect(
      load({
        RATE_LIMIT_WINDOW: "1h",
        RATE_LIMIT_LOGIN_PER_ACCOUNT: "5",
        RATE_LIMIT_LOGIN_PER_ADDRESS: "50",
        RATE_LIMIT_REFRESH_PER_SESSION: "20",
        RATE_LIMIT_REFRESH_PER_ADDRESS: "0",
      }).rateLimits,
    ).toEqual({
      windowSeconds: 3600,
      loginPerAccount: 5,
      loginPerAddress: 50,
      refreshPerSession: 20,
      refreshPerAddress: 0,
    });
  });

  it("reports every bad limit together, never taking one as 'no limit'", () => {
    expect(
      problemsOf({
        RATE_LIMIT_WINDOW: "0s",
        RATE_LIMIT_LOGIN_PER_ACCOUNT: "-1",
        RATE_LIMIT_LOGIN_PER_ADDRESS: "ten",
        RATE_LIMIT_REFRESH_PER_SESSION: "1.5",
        RATE_LIMIT_REFRESH_PER_ADDRESS: "99999999",
      }),
    ).toEqual([
      "RATE_LIMIT_WINDOW must be a duration like 15m, 7d or 10s, from 1s to 86400s",
      LIMIT_PROBLEM("RATE_LIMIT_LOGIN_PER_ACCOUNT"),
      LIMIT_PROBLEM("RATE_LIMIT_LOGIN_PER_ADDRESS"),
      LIMIT_PROBLEM("RATE_LIMIT_REFRESH_PER_SESSION"),
      LIMIT_PROBLEM("RATE_LIMIT_REFRESH_PER_ADDRESS"),
    ]);
  });
});

describe("loadConfig TRUST_PROXY", () => {
  it("trusts no proxy by default", () => {
    expect(load().trustProxy).toBe(false);
    expect(load({ TRUST_PROXY: "false" }).trustProxy).toBe(false);
  });

  it.each<[string, unknown]>([
    ["true", true],
    ["1", 1],
    ["2", 2],
    ["loopback", ["loopback"]],
    ["10.0.0.0/8, 192.168.1.7,fd00::/8", ["10.0.0.0/8", "192.168.1.7", "fd00::/8"]],
    ["loopback,uniquelocal,linklocal", ["loopback", "uniquelocal", "linklocal"]],
  ])("reads TRUST_PROXY=%j", (text, expected) => {
    expect(load({ TRUST_PROXY: text }).trustProxy).toEqual(expected);
  });

  it.each([
    "yes",
    "10.0.0.0/33",
    "fd00::/129",
    "proxy.internal",
    "10.0.0.1,",
    "10.0.0.0/8/1",
    "-1",
  ])("refuses TRUST_PROXY=%j", (text) => {
    expect(typeof parseTrustProxy(text)).toBe("string");
    expect(problemsOf({ TRUST_PROXY: text })).toEqual([
      "TRUST_PROXY must be false, true, a number of proxy hops, or a comma-separated list of " +
        "addresses, CIDR subnets, loopback, linklocal or uniquelocal",
    ]);
  });
});
