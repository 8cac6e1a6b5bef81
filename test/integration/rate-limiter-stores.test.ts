import { randomBytes } from "node:crypto";
import pino from "pino";
import { DatabaseRateLimiter } from "../../src/rate-limit/database-rate-limiter";
import type { RateLimiter } from "../../src/rate-limit/rate-limiter";
import { RedisRateLimiter } from "../../src/rate-limit/redis-rate-limiter";
import { databaseKinds, openMigratedDataSource } from "../support/databases";
import { type FrozenClock, frozenClock } from "../support/frozen-clock";

/**
 * The two counter stores behind the rate limits, driven directly: fixed windows on the clock,
 * exact totals under concurrency (each caller sees its own), and the clean-up of ended windows.
 */

const WINDOW_MS = 60_000;
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

interface StoreUnderTest {
  readonly limiter: RateLimiter;
  readonly clock: FrozenClock;
  close(): Promise<void>;
}

const silent = pino({ level: "silent" });

const stores: Array<[string, () => Promise<StoreUnderTest>]> = [
  ...databaseKinds().map((kind): [string, () => Promise<StoreUnderTest>] => [
    `database (${kind.name})`,
    async () => {
      const clock = frozenClock();
      const opened = await openMigratedDataSource(kind);
      return {
        limiter: new DatabaseRateLimiter(opened.dataSource, WINDOW_MS, clock),
        clock,
        close: () => opened.close(),
      };
    },
  ]),
  [
    "redis",
    async () => {
      // The real clock: Redis expires keys by its own.
      const clock = frozenClock(new Date());
      const limiter = new RedisRateLimiter({
        url: REDIS_URL,
        keyPrefix: `rate-store-test-${randomBytes(6).toString("hex")}:`,
        windowMs: WINDOW_MS,
        clock,
        logger: silent,
      });
      await limiter.start();
      return { limiter, clock, close: () => limiter.stop() };
    },
  ],
];

describe.each(stores)("%s rate limiter", (_name, open) => {
  let store: StoreUnderTest;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(() => store.close());

  it("adds hits in a window and tells when it ends", async () => {
    const { limiter, clock } = store;
    const windowEnd = Math.floor(clock.now().getTime() / WINDOW_MS) * WINDOW_MS + WINDOW_MS;
    expect(await limiter.consume("b", 1)).toEqual({ hits: 1, resetsAt: windowEnd });
    expect(await limiter.consume("b", 3)).toEqual({ hits: 4, resetsAt: windowEnd });
    expect(await limiter.consume("other", 1)).toEqual({ hits: 1, resetsAt: windowEnd });
  });

  it("starts from zero in the next window", async () => {
    const { limiter, clock } = store;
    await limiter.consume("b", 5);
    clock.advanceSeconds(WINDOW_MS / 1000);
    expect((await limiter.consume("b", 1)).hits).toBe(1);
  });

  it("gives each of many concurrent callers its own total", async () => {
    const totals = await Promise.all(
      Array.from({ length: 40 }, () => store.limiter.consume("race", 1)),
    );
    expect(totals.map((total) => total.hits).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 40 }, (_, index) => index + 1),
    );
  });
});

describe.each(databaseKinds())("database rate limiter on %s", (kind) => {
  it("purges the windows that have ended, and only those", async () => {
    const clock = frozenClock();
    const opened = await openMigratedDataSource(kind);
    try {
      const limiter = new DatabaseRateLimiter(opened.dataSource, WINDOW_MS, clock);
      await limiter.consume("old", 1);
      await limiter.consume("old-too", 1);
      clock.advanceSeconds(WINDOW_MS / 1000);
      await limiter.consume("current", 1);
      expect(await limiter.purgeExpired()).toBe(2);
      expect(await limiter.purgeExpired()).toBe(0);
      const rows = await opened.dataSource.query<Array<{ bucket: string }>>(
        "SELECT bucket FROM rate_limits",
      );
      expect(rows).toEqual([{ bucket: "current" }]);
    } finally {
      await opened.close();
    }
  });
});
