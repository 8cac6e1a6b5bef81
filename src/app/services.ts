import type { DataSource } from "typeorm";
import { AuditLog } from "../audit/audit-log";
import { AuthService } from "../auth/auth.service";
import { DatabaseRevocationStore } from "../auth/database-revocation-store";
import { KeyRing } from "../auth/key-ring";
import { RedisRevocationFanout, revocationChannel } from "../auth/redis-revocation-fanout";
import { SessionService } from "../auth/session.service";
import { TokenService } from "../auth/token.service";
import type { AppConfig } from "../config/config";
import { type Clock, systemClock } from "../core/clock";
import type { Logger } from "../logger";
import { Task } from "../tasks/task.entity";
import { TaskService } from "../tasks/task.service";
import { Argon2PasswordHasher, type PasswordHasher } from "../users/password-hasher";
import { User } from "../users/user.entity";
import { UserService } from "../users/user.service";
import { type Lifecycle, startable } from "./lifecycle";

/** The services of the application, built once with explicit constructor arguments. */
export interface Services {
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly keys: KeyRing;
  readonly hasher: PasswordHasher;
  readonly revocations: DatabaseRevocationStore;
  readonly users: UserService;
  readonly sessions: SessionService;
  readonly tokens: TokenService;
  readonly auth: AuthService;
  readonly tasks: TaskService;
}

export interface ServiceOptions {
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly hasher?: PasswordHasher;
  /**
   * A server follows the revocation log and hears the other instances' revocations; the CLI
   * only announces its own, through the same wiring.
   */
  readonly role: "server" | "cli";
}

/**
 * The data layer's services, without any HTTP: what the server and the CLI share. The parts
 * that hold resources (the revocation view, the fan-out) join the lifecycle, in that order.
 */
export function createServices(
  config: AppConfig,
  dataSource: DataSource,
  lifecycle: Lifecycle,
  options: ServiceOptions,
): Services {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const hasher = options.hasher ?? new Argon2PasswordHasher();
  const keys = KeyRing.fromConfig(config.jwt, clock);
  const revocations = new DatabaseRevocationStore(
    dataSource,
    {
      ...config.revocation,
      retentionSeconds: config.accessTokenTtlSeconds + config.jwt.clockToleranceSeconds,
    },
    clock,
    logger,
  );
  if (options.role === "server") lifecycle.add("revocation view", revocations);
  const fanout = createRevocationFanout(config, logger, revocations);
  if (fanout) {
    // What this instance revokes is published, once committed, for the others to apply at once.
    revocations.onLocalRevocation((revocation) => void fanout.publish(revocation));
    lifecycle.add(
      "revocation fan-out",
      startable({
        // Never throws: without Redis, revocations still arrive through the log within a second.
        start: () => fanout.start({ subscribe: options.role === "server" }),
        stop: () => fanout.stop(),
      }),
    );
  }
  const audit = new AuditLog(logger);
  const pageLimits = {
    defaultSize: config.graphqlLimits.defaultPageSize,
    maxSize: config.graphqlLimits.maxPageSize,
  };
  const users = new UserService(
    dataSource.getRepository(User),
    hasher,
    clock,
    revocations,
    audit,
    pageLimits,
  );
  const sessions = new SessionService(
    dataSource,
    revocations,
    clock,
    {
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
      refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
      sessionMaxLifetimeSeconds: config.sessionMaxLifetimeSeconds,
    },
    audit,
  );
  const tokens = new TokenService(
    keys,
    {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      clockToleranceSeconds: config.jwt.clockToleranceSeconds,
    },
    clock,
  );
  const auth = new AuthService(users, sessions, tokens, clock, audit);
  const tasks = new TaskService(dataSource.getRepository(Task), clock, pageLimits);
  return { clock, audit, keys, hasher, revocations, users, sessions, tokens, auth, tasks };
}

/**
 * Revocations fanned out over Redis pub/sub with REDIS_URL, for milliseconds rather than the
 * log's poll interval; none without it (the log alone keeps the one-second bound).
 */
export function createRevocationFanout(
  config: AppConfig,
  logger: Logger,
  sink: DatabaseRevocationStore,
): RedisRevocationFanout | undefined {
  if (!config.redisUrl) return undefined;
  return new RedisRevocationFanout({
    url: config.redisUrl,
    channel: revocationChannel(config.jwt.issuer),
    logger,
    sink,
  });
}
