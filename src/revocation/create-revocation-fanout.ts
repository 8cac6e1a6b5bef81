import type { AppConfig } from "../config/config";
import type { Logger } from "../logging/logger";
import { RedisRevocationFanout, revocationChannel } from "./redis-revocation-fanout";
import { NoRevocationFanout, type RevocationFanout } from "./revocation-fanout";
import type { PeerRevocations } from "./revocation-view";

/**
 * Revocations fanned out over Redis pub/sub with REDIS_URL, for milliseconds rather than the
 * log's poll interval; none without it (the log alone keeps the one-second bound). With a `sink`
 * (a server's view) the other instances' announcements are applied too; without one (the CLI)
 * this instance only announces its own.
 */
export function createRevocationFanout(
  config: AppConfig,
  logger: Logger,
  sink?: PeerRevocations,
): RevocationFanout {
  if (!config.redisUrl) return new NoRevocationFanout();
  return new RedisRevocationFanout({
    url: config.redisUrl,
    channel: revocationChannel(config.jwt.issuer),
    logger,
    sink,
  });
}
