import Redis from "ioredis";
import type { Clock } from "../core/clock";
import type { Logger } from "../logger";
import { fixedWindow, type RateLimiter, type WindowCount } from "./rate-limiter";

export interface RedisRateLimiterOptions {
  readonly url: string;
  /** Namespaces the keys, so deployments (and tests) sharing a Redis keep apart. */
  readonly keyPrefix: string;
  readonly windowMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 1_000;
const MAX_RETRY_DELAY_MS = 5_000;
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
  private healthy = true;

  constructor(private readonly options: RedisRateLimiterOptions) {
    this.client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RETRY_DELAY_MS),
      connectionName: "rate-limiter",
    });
    // ioredis emits an error per failed attempt while reconnecting: report the first only.
    this.client.on("error", (error: Error) => {
      if (!this.healthy) return;
      this.healthy = false;
      options.logger.warn({ err: error }, "rate limiter: redis connection failed; retrying");
    });
    this.client.on("ready", () => {
      if (!this.healthy) options.logger.info("rate limiter: redis connection restored");
      this.healthy = true;
    });
  }

  /**
   * Connects, waiting until Redis answers or fails once; never throws, as attempts are refused
   * (503) until Redis answers, and the connection keeps retrying in the background.
   */
  async start(): Promise<void> {
    const settled = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CONNECT_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once("ready", done);
      this.client.once("error", done);
    });
    this.client.connect().catch(() => undefined);
    await settled;
  }

  async stop(): Promise<void> {
    if (this.client.status === "ready") {
      await this.client.quit().catch(() => undefined);
    }
    this.client.disconnect();
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
