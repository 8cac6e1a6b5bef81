import Redis from "ioredis";
import type { Logger } from "../logging/logger";

export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
const MAX_RETRY_DELAY_MS = 5_000;

export interface RedisClientOptions {
  readonly url: string;
  /** The connection's name in Redis (`CLIENT LIST`), e.g. `rate-limiter`. */
  readonly connectionName: string;
  /** Who the connection serves, at the start of its log lines, e.g. `rate limiter`. */
  readonly component: string;
  readonly logger: Logger;
  /** Added to the connection's log lines. */
  readonly logFields?: Readonly<Record<string, unknown>>;
  /**
   * `fail-fast`: while Redis is unreachable a command fails at once (no offline queue, one try,
   * a command timeout), for callers that have a better answer than waiting. `queue`: commands
   * wait until a connection is up, however long that takes (a SUBSCRIBE).
   */
  readonly commands: "fail-fast" | "queue";
}

/**
 * A Redis connection with the options every use shares: not connected until `connect()`, bounded
 * connection attempts retried in the background with a capped backoff, and one warning per outage
 * (ioredis emits an error per failed attempt while reconnecting) with one line when it is over.
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const { logger, component, logFields } = options;
  const client = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RETRY_DELAY_MS),
    connectionName: options.connectionName,
    ...(options.commands === "fail-fast"
      ? {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        }
      : { maxRetriesPerRequest: null }),
  });
  let healthy = true;
  client.on("error", (error: Error) => {
    if (!healthy) return;
    healthy = false;
    logger.warn({ err: error, ...logFields }, `${component}: redis connection failed; retrying`);
  });
  client.on("ready", () => {
    if (!healthy) logger.info({ ...logFields }, `${component}: redis connection restored`);
    healthy = true;
  });
  return client;
}

/**
 * Connects, resolving true once Redis answers and false at the first failure or after `waitMs`;
 * never rejects. A failed connection keeps retrying in the background.
 */
export function connectRedisClient(client: Redis, waitMs: number): Promise<boolean> {
  const settled = new Promise<boolean>((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
      resolve(ready);
    };
    const onReady = () => done(true);
    const onError = () => done(false);
    const timer = setTimeout(() => done(false), waitMs);
    client.once("ready", onReady);
    client.once("error", onError);
  });
  client.connect().catch(() => undefined);
  return settled;
}

/**
 * QUIT when connected (pending commands go out first, for at most `waitMs`), else stop retrying;
 * nothing when already closed.
 */
export async function closeRedisClient(
  client: Redis,
  waitMs = REDIS_COMMAND_TIMEOUT_MS,
): Promise<void> {
  if (client.status === "end") return;
  if (client.status === "ready") {
    let timer: NodeJS.Timeout | undefined;
    const quit = client.quit().then(
      () => true,
      () => false,
    );
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    const quitted = await Promise.race([quit, timeout]);
    clearTimeout(timer);
    if (quitted) return;
  }
  client.disconnect();
}
