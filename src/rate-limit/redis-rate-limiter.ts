import type Redis from "ioredis";
import { type RateLimiterAbstract, RateLimiterRedis } from "rate-limiter-flexible";
import type { Logger } from "../logging/logger";
import {
  closeRedisClient,
  connectRedisClient,
  createRedisClient,
  REDIS_CONNECT_TIMEOUT_MS,
} from "../redis/redis-client";
import { FlexibleRateLimiter, type LimiterOptions } from "./flexible-rate-limiter";

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Namespaces the keys (`<keyPrefix>:<bucket>`), so deployments (and tests) sharing a Redis keep apart. */
  readonly keyPrefix: string;
  readonly windowSeconds: number;
  readonly logger: Logger;
}

/**
 * Counters in Redis (REDIS_URL): rate-limiter-flexible's Lua script creates a key with the
 * window as its expiry and increments it, atomically, so Redis drops the key itself when the
 * window is over. Commands fail at once while Redis is unreachable (no offline queue, and the
 * library refuses to send while the connection is not ready), and the caller refuses the
 * attempt: with REDIS_URL set, signing in needs Redis.
 */
export class RedisRateLimiter extends FlexibleRateLimiter {
  private readonly client: Redis;

  constructor(private readonly options: RedisRateLimiterOptions) {
    super(options.windowSeconds);
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

  /** Redis expires the keys by itself. */
  purgeExpired(): Promise<number> {
    return Promise.resolve(0);
  }

  protected createLimiter(options: LimiterOptions): RateLimiterAbstract {
    return new RateLimiterRedis({
      ...options,
      storeClient: this.client,
      keyPrefix: this.options.keyPrefix,
      rejectIfRedisNotReady: true,
    });
  }
}
