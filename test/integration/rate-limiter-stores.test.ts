import { randomBytes } from "node:crypto";
import pino from "pino";
import { DatabaseRateLimiter } from "../../src/rate-limit/database-rate-limiter";
import type { RateLimiter } from "../../src/rate-limit/rate-limiter";
import { RedisRateLimiter } from "../../src/rate-limit/redis-rate-limiter";
import { databaseKinds, openMigratedDataSource } from "../support/databases";
import { fakeDate } from "../support/fake-date";

/**
 * The two counter stores behind the rate limits (rate-limiter-flexible's), driven directly:
 * windows that start at a counter's first hit, the limit as an answer and a broken store as an
 * error, exact totals under concurrency (each caller sees its own), and the clean-up of ended
 * windows.
 */

const WINDOW_SECONDS = 60;
const WINDOW_MS = WINDOW_SECONDS * 1000;
const LIMIT = 1_000;
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

interface StoreUnderTest {
  readonly limiter: RateLimiter;
  /** Lets the current window of `windowSeconds` end. */
  passWindow(): Promise<void>;
  /** Makes the store unusable (its connection closed). */
  breakStore(): Promise<void>;
  close(): Promise<void>;
}

const silent = pino({ level: "silent" });

const stores: Array<[string, (windowSeconds: number) => Promise<StoreUnderTest>]> = [
  ...databaseKinds().map((kind): [string, (windowSeconds: number) => Promise<StoreUnderTest>] => [
    `database (${kind.name})`,
    async (windowSeconds) => {
      // The library reads Date.now(): time moves when the test says.
      const time = fakeDate();
      const opened = await openMigratedDataSource(kind);
      const limiter = new DatabaseRateLimiter(opened.dataSource, windowSeconds);
      await limiter.start();
      return {
        limiter,
        passWindow: () => Promise.resolve(time.advance(windowSeconds * 1000)),
        breakStore: () => opened.dataSource.destroy(),
        close: async () => {
          time.restore();
          await limiter.stop();
          await opened.close();
        },
      };
    },
  ]),
  [
    "redis",
    async (windowSeconds) => {
      // Redis expires its keys by its own clock: a window passes in real time.
      const limiter = new RedisRateLimiter({
        url: REDIS_URL,
        keyPrefix: `rate-store-test-${randomBytes(6).toString("hex")}`,
        windowSeconds,
        logger: silent,
      });
      await limiter.start();
      return {
        limiter,
        passWindow: () => new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000 + 100)),
        breakStore: () => limiter.stop(),
        close: () => limiter.stop(),
      };
    },
  ],
];

describe.each(stores)("%s rate limiter", (_name, open) => {
  let store: StoreUnderTest | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it("adds hits in a window and tells when it ends", async () => {
    store = await open(WINDOW_SECONDS);
    const { limiter } = store;
    const first = await limiter.consume("b", 1, LIMIT);
    expect(first).toMatchObject({ allowed: true, hits: 1 });
    // The window starts at the first hit (a little of it may have gone by on Redis's clock).
    expect(first.msBeforeNext).toBeLessThanOrEqual(WINDOW_MS);
    expect(first.msBeforeNext).toBeGreaterThan(WINDOW_MS - 5_000);
    const second = await limiter.consume("b", 3, LIMIT);
    expect(second).toMatchObject({ allowed: true, hits: 4 });
    // Still the same window: later hits do not move its end.
    expect(second.msBeforeNext).toBeLessThanOrEqual(first.msBeforeNext);
    expect(second.msBeforeNext).toBeGreaterThan(WINDOW_MS - 5_000);
    expect(await limiter.consume("other", 1, LIMIT)).toMatchObject({ allowed: true, hits: 1 });
  });

  it("answers over the limit with the time left, and keeps counting", async () => {
    store = await open(WINDOW_SECONDS);
    const { limiter } = store;
    expect(await limiter.consume("b", 2, 3)).toMatchObject({ allowed: true, hits: 2 });
    expect(await limiter.consume("b", 1, 3)).toMatchObject({ allowed: true, hits: 3 });
    const over = await limiter.consume("b", 1, 3);
    expect(over).toMatchObject({ allowed: false, hits: 4 });
    expect(over.msBeforeNext).toBeGreaterThan(WINDOW_MS - 5_000);
    expect(await limiter.consume("b", 1, 3)).toMatchObject({ allowed: false, hits: 5 });
  });

  it("starts from zero in the next window", async () => {
    store = await open(1);
    const { limiter } = store;
    await limiter.consume("b", 5, LIMIT);
    await store.passWindow();
    expect(await limiter.consume("b", 1, LIMIT)).toMatchObject({ allowed: true, hits: 1 });
  });

  it("gives each of many concurrent callers its own total", async () => {
    store = await open(WINDOW_SECONDS);
    const { limiter } = store;
    const totals = await Promise.all(
      Array.from({ length: 40 }, () => limiter.consume("race", 1, LIMIT)),
    );
    expect(totals.map((total) => total.hits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, index) => index + 1),
    );
  });

  it("rejects, rather than answers, when the store cannot be used", async () => {
    store = await open(WINDOW_SECONDS);
    await store.breakStore();
    await expect(store.limiter.consume("b", 1, LIMIT)).rejects.toThrow(/\w/);
  });
});

describe.each(databaseKinds())("database rate limiter on %s", (kind) => {
  it("purges the windows that have ended, and only those", async () => {
    const time = fakeDate();
    const opened = await openMigratedDataSource(kind);
    try {
      const limiter = new DatabaseRateLimiter(opened.dataSource, WINDOW_SECONDS);
      await limiter.consume("old", 1, LIMIT);
      await limiter.consume("old-too", 1, LIMIT);
      time.advance(WINDOW_MS);
      await limiter.consume("current", 1, LIMIT);
      expect(await limiter.purgeExpired()).toBe(2);
      expect(await limiter.purgeExpired()).toBe(0);
      const rows = await opened.dataSource.query<Array<{ bucket: string }>>(
        "SELECT `key` AS bucket FROM rate_limits",
      );
      expect(rows).toEqual([{ bucket: "current" }]);
    } finally {
      time.restore();
      await opened.close();
    }
  });
});
