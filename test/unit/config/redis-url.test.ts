import { configUnderTempDir, STRONG_SECRET } from "../../support/config-loader";
import { ConfigError } from "../../../src/config/config";

const REDIS_PROBLEM =
  "REDIS_URL must look like redis://host:6379 or rediss://user:pass@host:6380/0";

const { load } = configUnderTempDir({ JWT_SECRET: STRONG_SECRET });

describe("REDIS_URL", () => {
  it("is optional", () => {
    expect(load({}).redisUrl).toBeUndefined();
    expect(load({ REDIS_URL: "  " }).redisUrl).toBeUndefined();
  });

  it.each([
    "redis://127.0.0.1:6379",
    "redis://:secret@cache.internal:6380/2",
    "rediss://user:secret@cache.example.com:6380",
  ])("accepts %s", (url) => {
    expect(load({ REDIS_URL: ` ${url} ` }).redisUrl).toBe(url);
  });

  it.each([
    "127.0.0.1:6379",
    "http://127.0.0.1:6379",
    "redis:127.0.0.1",
    "redis://",
    "redis://:6379",
  ])("refuses %s, with the other problems and without echoing it", (url) => {
    try {
      load({ REDIS_URL: url, PORT: "nope" });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const { problems } = error as ConfigError;
      expect(problems).toContain(REDIS_PROBLEM);
      expect(problems).toContain("PORT must be an integer from 0 to 65535");
    }
  });
});
