import type { DataSource } from "typeorm";
import type { Logger } from "../logging/logger";
import { DatabaseRateLimiter } from "./database-rate-limiter";
import type { RateLimiter } from "./rate-limiter";
import { RedisRateLimiter } from "./redis-rate-limiter";

/** What the choice of counter store reads of the app's configuration. */
export interface RateLimitStoreConfig {
  readonly redisUrl?: string;
  readonly jwt: { readonly issuer: string };
  readonly rateLimits: { readonly windowSeconds: number };
}

/**
 * The counters live where every instance sees them: Redis when REDIS_URL is set (keys under
 * `<JWT_ISSUER>:rate-limit:`, as instances sharing a database share the issuer), else the
 * database every instance already shares.
 */
export function createRateLimitStore(
  config: RateLimitStoreConfig,
  dataSource: DataSource,
  logger: Logger,
): RateLimiter {
  const { windowSeconds } = config.rateLimits;
  return config.redisUrl
    ? new RedisRateLimiter({
        url: config.redisUrl,
        keyPrefix: `${config.jwt.issuer}:rate-limit`,
        windowSeconds,
        logger,
      })
    : new DatabaseRateLimiter(dataSource, windowSeconds);
}
