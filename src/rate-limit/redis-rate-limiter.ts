import type Redis from "ioredis";
import type { Clock } from "../core/clock";
import type { Logger } from "../logger";
import {
  closeRedisClient,
  connectRedisClient,
  createRedisClient,
  REDIS_CONNECT_TIMEOUT_MS,
} from "../redis/redis-client";
import { fixedWindow, type RateLimiter, type WindowCount } from "./rate-limiter";

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Namespaces the keys, so deployments (and tests) sharing a Redis keep apart. */
  readonly keyPrefix: string;
  readonly windowMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Keys outlive their window a little, so a clock a bit behind still finds the right count. */
const EXPIRY_SLACK_MS = 60_000;

/**
 * Counters in Redis (REDIS_URL): INCRBY and PEXPIREAT in one MULTI, so the count and its expiry
 * are set together and Redis drops the key itself when the window is over. Commands fail at once
 * while Redis is unreachable (no offline queue), and the caller refuses the attempt: with
 * REDIS_URL set, signing in needs Redis.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly client: Redis;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.client = createRedisClient({
      url: options.url,
      connectionName: "rate-limiter",
      component: "rate limiter",
      logger: options.logger,
      commands: "fail-fast",
    });
  }

  /**
   * Connects, waiting until Redis answers or fails once; never throws, as attempts are refused
   * (503) until Redis answers, and the connection keeps retrying in the background.
   */
  async start(): Promise<void> {
    await connectRedisClient(this.client, REDIS_CONNECT_TIMEOUT_MS);
  }

  stop(): Promise<void> {
    return closeRedisClient(this.client);
  }

  async consume(bucket: string, hits: number): Promise<WindowCount> {
    const window = fixedWindow(this.options.clock.now().getTime(), this.options.windowMs);
    const key = `${this.options.keyPrefix}${bucket}:${window.start}`;
    const results = await this.client
      .multi()
      .incrby(key, hits)
      .pexpireat(key, window.end + EXPIRY_SLACK_MS)
      .exec();
    if (!results) throw new Error("rate limiter: the MULTI was aborted");
    const [incremented, expired] = results;
    if (incremented[0]) throw incremented[0];
    if (expired[0]) throw expired[0];
    return { hits: Number(incremented[1]), resetsAt: window.end };
  }

  /** Redis expires the keys by itself. */
  purgeExpired(): Promise<number> {
    return Promise.resolve(0);
  }
}
